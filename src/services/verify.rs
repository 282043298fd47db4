//! `ocop-trace verify`: recompute everything the ledger promises, from the stored rows.
//!
//! In one pass over the log: each entry's index (no gaps, no reordering), its payload is
//! canonical, its leaf hash, the global chain, and the Merkle hashes stored with it; then the
//! head row; every checkpoint's root against the recomputed tree and its signature against
//! the verifier key; every covered row against the payload of its latest entry; and every
//! batch's diary chain. The first divergence is reported with table, row, field, and the
//! expected and found values.

use std::collections::HashMap;
use std::fmt;

use entity::{batch, batch_event, checkpoint, ledger_entry};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::ledger;
use super::records::Recorded;
use crate::db::Db;
use crate::error::AppError;
use crate::ledger::merkle::Frontier;
use crate::ledger::{Hash, canonical, chain, hex, note};

/// The first place where stored data and the ledger disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    pub table: String,
    pub row: String,
    pub field: String,
    pub expected: String,
    pub found: String,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} row {}: field `{}` expected {} but found {}",
            self.table, self.row, self.field, self.expected, self.found
        )
    }
}

fn diverge(
    table: &str,
    row: impl fmt::Display,
    field: &str,
    expected: impl fmt::Display,
    found: impl fmt::Display,
) -> Divergence {
    Divergence {
        table: table.to_owned(),
        row: row.to_string(),
        field: field.to_owned(),
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

/// What was checked.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub entries: u64,
    pub checkpoints: u64,
    pub rows: u64,
    pub batch_chains: u64,
}

pub type Outcome = Result<Report, Divergence>;

const PAGE: u64 = 2_000;

fn hex_bytes(b: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(b)
}

/// What the log says about one subject: its latest entry.
struct Latest {
    index: u64,
    leaf: Hash,
}

/// Runs every check; `progress` is called with the number of entries checked so far.
pub async fn verify(
    db: &Db,
    verifier_key: &str,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Outcome, AppError> {
    let conn = db.read();
    let head = ledger::head(conn, false).await?;
    let checkpoints = checkpoint::Entity::find()
        .order_by_asc(checkpoint::Column::Size)
        .all(conn)
        .await?;
    let mut report = Report::default();

    // 1. The log itself.
    let mut latest: HashMap<(String, Uuid), Latest> = HashMap::new();
    let mut genesis: HashMap<Uuid, Hash> = HashMap::new();
    let mut frontier = Frontier::default();
    let mut chain_hash = chain::GENESIS;
    let mut pending = checkpoints.iter().peekable();
    let mut next: u64 = 0;
    loop {
        let rows = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::Idx.gte(i64::try_from(next).unwrap_or(i64::MAX)))
            .order_by_asc(ledger_entry::Column::Idx)
            .limit(PAGE)
            .all(conn)
            .await?;
        if rows.is_empty() {
            break;
        }
        for e in rows {
            // Checkpoints of the tree as it was before this entry.
            while let Some(c) =
                pending.next_if(|c| u64::try_from(c.size).is_ok_and(|s| s == frontier.size()))
            {
                if let Err(d) = check_checkpoint(c, &frontier.root(), verifier_key) {
                    return Ok(Err(d));
                }
                report.checkpoints += 1;
            }
            if u64::try_from(e.idx).ok() != Some(next) {
                return Ok(Err(diverge(
                    "ledger_entries",
                    next,
                    "idx",
                    format!("entry {next}"),
                    format!("entry {} (an entry is missing or out of order)", e.idx),
                )));
            }
            let reparsed = serde_json::from_str::<serde_json::Value>(&e.payload)
                .ok()
                .and_then(|v| canonical::to_vec(&v).ok());
            if reparsed.as_deref() != Some(e.payload.as_bytes()) {
                return Ok(Err(diverge(
                    "ledger_entries",
                    next,
                    "payload",
                    "canonical RFC 8785 JSON",
                    "bytes that are not",
                )));
            }
            let leaf = chain::leaf(e.payload.as_bytes());
            if e.leaf_hash != leaf.0 {
                return Ok(Err(diverge(
                    "ledger_entries",
                    next,
                    "leaf_hash",
                    hex(&leaf),
                    hex_bytes(&e.leaf_hash),
                )));
            }
            chain_hash = chain::link(&chain_hash, &leaf);
            if e.chain_hash != chain_hash.0 {
                return Ok(Err(diverge(
                    "ledger_entries",
                    next,
                    "chain_hash",
                    hex(&chain_hash),
                    hex_bytes(&e.chain_hash),
                )));
            }
            let stored: Vec<u8> = frontier.append(leaf).iter().flat_map(|h| h.0).collect();
            if e.stored_hashes != stored {
                return Ok(Err(diverge(
                    "ledger_entries",
                    next,
                    "stored_hashes",
                    hex_bytes(&stored),
                    hex_bytes(&e.stored_hashes),
                )));
            }
            if e.kind == "batches.created" {
                genesis.insert(e.subject_id, leaf);
            }
            latest.insert(
                (e.subject_table.clone(), e.subject_id),
                Latest { index: next, leaf },
            );
            next += 1;
            report.entries += 1;
        }
        progress(next, head.size);
    }
    for c in pending {
        if u64::try_from(c.size).is_ok_and(|s| s == frontier.size()) {
            if let Err(d) = check_checkpoint(c, &frontier.root(), verifier_key) {
                return Ok(Err(d));
            }
            report.checkpoints += 1;
        } else {
            return Ok(Err(diverge(
                "checkpoints",
                c.size,
                "size",
                format!("at most {}", frontier.size()),
                c.size,
            )));
        }
    }

    // 2. The head row.
    if head.size != next {
        return Ok(Err(diverge("ledger_head", 1, "size", next, head.size)));
    }
    if head.chain != chain_hash {
        return Ok(Err(diverge(
            "ledger_head",
            1,
            "chain_hash",
            hex(&chain_hash),
            hex(&head.chain),
        )));
    }
    if head.frontier != frontier {
        return Ok(Err(diverge(
            "ledger_head",
            1,
            "frontier",
            hex_bytes(&frontier.to_bytes()),
            hex_bytes(&head.frontier.to_bytes()),
        )));
    }

    // 3. Every covered row against its latest entry.
    let mut rows = Rows {
        conn,
        latest: &mut latest,
        checked: 0,
    };
    macro_rules! check_table {
        ($module:ident) => {
            if let Err(d) = rows
                .table::<entity::$module::Entity>(entity::$module::Column::Id)
                .await?
            {
                return Ok(Err(d));
            }
        };
    }
    check_table!(organization);
    check_table!(farm);
    check_table!(growing_area);
    check_table!(product);
    check_table!(ocop_certification);
    check_table!(batch);
    check_table!(batch_event);
    report.rows = rows.checked;
    if let Some(((table, id), _)) = latest.iter().next() {
        return Ok(Err(diverge(
            table,
            id,
            "(row)",
            "the row recorded in the ledger",
            "no row (deleted)",
        )));
    }

    // 4. Every batch's diary chain.
    match batch_chains(conn, &genesis).await? {
        Ok(n) => report.batch_chains = n,
        Err(d) => return Ok(Err(d)),
    }
    Ok(Ok(report))
}

fn check_checkpoint(
    c: &checkpoint::Model,
    computed: &Hash,
    verifier_key: &str,
) -> Result<(), Divergence> {
    if c.root != computed.0 {
        return Err(diverge(
            "checkpoints",
            c.size,
            "root",
            hex(computed),
            hex_bytes(&c.root),
        ));
    }
    match note::verify_checkpoint(c.note.as_bytes(), verifier_key) {
        Ok((size, root)) if u64::try_from(c.size).ok() == Some(size) && root == *computed => Ok(()),
        Ok((size, root)) => Err(diverge(
            "checkpoints",
            c.size,
            "note",
            format!("size {} root {}", c.size, hex(computed)),
            format!("size {size} root {}", hex(&root)),
        )),
        Err(e) => Err(diverge(
            "checkpoints",
            c.size,
            "note",
            "a note signed by the log key",
            e,
        )),
    }
}

struct Rows<'a, C> {
    conn: &'a C,
    latest: &'a mut HashMap<(String, Uuid), Latest>,
    checked: u64,
}

impl<C: ConnectionTrait> Rows<'_, C> {
    async fn table<E>(&mut self, id: E::Column) -> Result<Result<(), Divergence>, AppError>
    where
        E: EntityTrait,
        E::Model: Recorded + ExtraChecks,
    {
        let mut after: Option<Uuid> = None;
        loop {
            let mut q = E::find().order_by_asc(id).limit(PAGE);
            if let Some(a) = after {
                q = q.filter(id.gt(a));
            }
            let rows = q.all(self.conn).await?;
            let Some(last) = rows.last() else {
                return Ok(Ok(()));
            };
            after = Some(last.subject_id());
            for row in rows {
                let (payload, leaf) = ledger::prepare(&row)?;
                let key = (E::Model::TABLE.to_owned(), row.subject_id());
                let Some(recorded) = self.latest.remove(&key) else {
                    return Ok(Err(diverge(
                        E::Model::TABLE,
                        row.subject_id(),
                        "(row)",
                        "an entry in the ledger",
                        "a row the ledger never recorded",
                    )));
                };
                if recorded.leaf != leaf {
                    let entry = ledger::entry(self.conn, recorded.index).await?;
                    return Ok(Err(field_difference(
                        E::Model::TABLE,
                        row.subject_id(),
                        &entry.payload,
                        &payload,
                    )));
                }
                if let Err(d) = row.extra_checks(&leaf) {
                    return Ok(Err(d));
                }
                self.checked += 1;
            }
        }
    }
}

/// Names the first field whose value differs between the recorded and the current payload.
fn field_difference(table: &str, id: Uuid, recorded: &str, current: &str) -> Divergence {
    let parse = |s: &str| {
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(s).unwrap_or_default()
    };
    let (was, now) = (parse(recorded), parse(current));
    let mut keys: Vec<&String> = was.keys().chain(now.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let (a, b) = (was.get(k), now.get(k));
        if a != b {
            let show = |v: Option<&serde_json::Value>| {
                v.map_or_else(|| "(absent)".to_owned(), |v| v.to_string())
            };
            return diverge(table, id, k, show(a), show(b));
        }
    }
    diverge(table, id, "(payload)", recorded, current)
}

/// Checks beyond the payload, for tables that carry derived hashes.
trait ExtraChecks {
    fn extra_checks(&self, _leaf: &Hash) -> Result<(), Divergence> {
        Ok(())
    }
}

impl ExtraChecks for entity::organization::Model {}
impl ExtraChecks for entity::farm::Model {}
impl ExtraChecks for entity::growing_area::Model {}
impl ExtraChecks for entity::product::Model {}
impl ExtraChecks for entity::ocop_certification::Model {}
impl ExtraChecks for entity::batch::Model {}

impl ExtraChecks for batch_event::Model {
    fn extra_checks(&self, leaf: &Hash) -> Result<(), Divergence> {
        let prev = crate::ledger::from_slice(&self.prev_hash).unwrap_or(chain::GENESIS);
        let expected = chain::link(&prev, leaf);
        if self.hash != expected.0 {
            return Err(diverge(
                "batch_events",
                self.id,
                "hash",
                hex(&expected),
                hex_bytes(&self.hash),
            ));
        }
        Ok(())
    }
}

/// Follows each batch's chain from its genesis; every event must be on it, in one line, and
/// end at the batch's chain head.
async fn batch_chains<C: ConnectionTrait>(
    conn: &C,
    genesis: &HashMap<Uuid, Hash>,
) -> Result<Result<u64, Divergence>, AppError> {
    let mut count = 0;
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = batch::Entity::find()
            .order_by_asc(batch::Column::Id)
            .limit(PAGE);
        if let Some(a) = after {
            q = q.filter(batch::Column::Id.gt(a));
        }
        let batches = q.all(conn).await?;
        let Some(last) = batches.last() else {
            return Ok(Ok(count));
        };
        after = Some(last.id);
        for b in batches {
            let Some(start) = genesis.get(&b.id) else {
                return Ok(Err(diverge(
                    "batches",
                    b.id,
                    "(row)",
                    "a batches.created entry",
                    "none",
                )));
            };
            let events = batch_event::Entity::find()
                .filter(batch_event::Column::BatchId.eq(b.id))
                .all(conn)
                .await?;
            let total = events.len();
            let mut by_prev: HashMap<Vec<u8>, batch_event::Model> = HashMap::with_capacity(total);
            for e in events {
                if let Some(twin) = by_prev.insert(e.prev_hash.clone(), e) {
                    return Ok(Err(diverge(
                        "batch_events",
                        twin.id,
                        "prev_hash",
                        "a link no other event of the batch uses",
                        hex_bytes(&twin.prev_hash),
                    )));
                }
            }
            let mut cursor = start.0.to_vec();
            let mut seen = 0;
            while let Some(e) = by_prev.remove(&cursor) {
                cursor = e.hash;
                seen += 1;
            }
            if let Some(orphan) = by_prev.values().next() {
                return Ok(Err(diverge(
                    "batch_events",
                    orphan.id,
                    "prev_hash",
                    "a hash on the batch's chain",
                    hex_bytes(&orphan.prev_hash),
                )));
            }
            if seen != total || b.chain_head != cursor {
                return Ok(Err(diverge(
                    "batches",
                    b.id,
                    "chain_head",
                    hex_bytes(&cursor),
                    hex_bytes(&b.chain_head),
                )));
            }
            count += 1;
        }
    }
}
