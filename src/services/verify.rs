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

use entity::{batch, batch_event, checkpoint, ledger_entry, ledger_head, stamp, stamp_run};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::records::Recorded;
use super::stamp_voids::{self, Voided};
use super::{batch_chain, ledger};
use crate::db::Db;
use crate::domain::stamp::StampStatus;
use crate::error::AppError;
use crate::ledger::merkle::Frontier;
use crate::ledger::public_form::{self, LeafForm};
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
    /// SHA-256 of the entry's payload, which the row must still give.
    payload_sha256: Hash,
}

/// Runs every check; `progress` is called with the number of entries checked so far.
pub async fn verify(
    db: &Db,
    verifier_key: &str,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Outcome, AppError> {
    let conn = db.read();
    // The raw head row: a doctored one must be reported as a divergence, not fail to parse.
    let head = ledger_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the ledger_head row is missing")))?;
    let head_size = u64::try_from(head.size).unwrap_or(u64::MAX);
    // A doctored value makes some entry's leaf differ below, which is reported there.
    let public_from = u64::try_from(head.public_from).unwrap_or(0);
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
            let leaf = LeafForm::at(next, public_from).leaf(&e.kind, e.payload.as_bytes());
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
            let seen = latest.contains_key(&(e.subject_table.clone(), e.subject_id));
            if let Err(d) = check_index(&e, seen, next) {
                return Ok(Err(d));
            }
            if e.kind == "batches.created" {
                genesis.insert(e.subject_id, leaf);
            }
            latest.insert(
                (e.subject_table.clone(), e.subject_id),
                Latest {
                    index: next,
                    leaf,
                    payload_sha256: public_form::payload_sha256(e.payload.as_bytes()),
                },
            );
            next += 1;
            report.entries += 1;
        }
        progress(next, head_size);
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
    if head_size != next {
        return Ok(Err(diverge("ledger_head", 1, "size", next, head.size)));
    }
    if head.chain_hash != chain_hash.0 {
        return Ok(Err(diverge(
            "ledger_head",
            1,
            "chain_hash",
            hex(&chain_hash),
            hex_bytes(&head.chain_hash),
        )));
    }
    if head.frontier != frontier.to_bytes() {
        return Ok(Err(diverge(
            "ledger_head",
            1,
            "frontier",
            hex_bytes(&frontier.to_bytes()),
            hex_bytes(&head.frontier),
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
    check_table!(stamp_run);
    check_table!(stamp_void);
    check_table!(blob);
    check_table!(listing);
    check_table!(trace_code);
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

    // 5. Scans and counters name stamps (on PostgreSQL no foreign key says so; migration 38).
    if let Some(d) = scans_without_stamps(conn).await? {
        return Ok(Err(d));
    }
    Ok(Ok(report))
}

/// The first scan or scan counter naming no stamp, or a counter filed under another batch
/// than its stamp's.
async fn scans_without_stamps<C: ConnectionTrait>(
    conn: &C,
) -> Result<Option<Divergence>, AppError> {
    const CHECKS: [(&str, &str, &str, &str); 3] = [
        (
            "scans",
            "serial",
            "a stamp of that serial",
            "SELECT serial FROM scans s WHERE NOT EXISTS \
             (SELECT 1 FROM stamps st WHERE st.serial = s.serial) LIMIT 1",
        ),
        (
            "stamp_scans",
            "serial",
            "a stamp of that serial",
            "SELECT serial FROM stamp_scans c WHERE NOT EXISTS \
             (SELECT 1 FROM stamps st WHERE st.serial = c.serial) LIMIT 1",
        ),
        (
            "stamp_scans",
            "batch_id",
            "the batch of the stamp",
            "SELECT c.serial, c.batch_id FROM stamp_scans c \
             JOIN stamps st ON st.serial = c.serial WHERE st.batch_id <> c.batch_id LIMIT 1",
        ),
    ];
    let backend = conn.get_database_backend();
    for (table, field, expected, sql) in CHECKS {
        let stmt = sea_orm::Statement::from_string(backend, sql);
        if let Some(row) = conn.query_one_raw(stmt).await? {
            let serial: String = row.try_get("", "serial")?;
            let found = match row.try_get::<Uuid>("", "batch_id") {
                Ok(batch) => batch.to_string(),
                Err(_) => "no stamp".to_owned(),
            };
            return Ok(Some(diverge(table, serial, field, expected, found)));
        }
    }
    Ok(None)
}

/// The columns that index an entry are not hashed; they must agree with what is: its kind
/// with its table and whether the subject was recorded before (a subject is created once,
/// first; later entries only change it, with the verbs its table has), its subject with the
/// payload's `id`, and its batch with the payload's (a batch's own entries name the batch).
fn check_index(e: &ledger_entry::Model, seen: bool, idx: u64) -> Result<(), Divergence> {
    let (first, later): (&str, &[&str]) = match e.subject_table.as_str() {
        "organizations"
        | "farms"
        | "growing_areas"
        | "products"
        | "ocop_certifications"
        | "trace_codes"
        | "batches" => ("created", &["updated"]),
        "batch_events" => ("appended", &[]),
        // `updated`: a run issued before its PIN hashes were committed to, sealed later.
        "stamp_runs" => ("created", &["updated"]),
        "stamp_voids" => ("created", &[]),
        "blobs" => ("created", &["removed"]),
        "listings" => ("created", &["updated", "exported", "pushed"]),
        other => {
            return Err(diverge(
                "ledger_entries",
                idx,
                "subject_table",
                "a recorded table",
                other,
            ));
        }
    };
    let kind_ok = match e.kind.split_once('.') {
        Some((table, verb)) if table == e.subject_table => {
            if seen {
                later.contains(&verb)
            } else {
                verb == first
            }
        }
        _ => false,
    };
    if !kind_ok {
        let expected = if seen {
            format!("{}.{{{}}}", e.subject_table, later.join(","))
        } else {
            format!("{}.{first}", e.subject_table)
        };
        return Err(diverge("ledger_entries", idx, "kind", expected, &e.kind));
    }
    let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap_or_default();
    let uuid_at = |key: &str| {
        payload
            .get(key)
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
    };
    if uuid_at("id") != Some(e.subject_id) {
        return Err(diverge(
            "ledger_entries",
            idx,
            "subject_id",
            payload.get("id").cloned().unwrap_or_default(),
            e.subject_id,
        ));
    }
    let batch = match e.subject_table.as_str() {
        "batches" => Some(e.subject_id),
        "batch_events" | "stamp_runs" | "stamp_voids" => uuid_at("batch_id"),
        _ => None,
    };
    if batch != e.batch_id {
        let show = |b: Option<Uuid>| b.map_or("none".to_owned(), |b| b.to_string());
        return Err(diverge(
            "ledger_entries",
            idx,
            "batch_id",
            show(batch),
            show(e.batch_id),
        ));
    }
    Ok(())
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
                let payload = ledger::payload_of(&row)?;
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
                if recorded.payload_sha256 != public_form::payload_sha256(payload.as_bytes()) {
                    let entry = ledger::entry(self.conn, recorded.index).await?;
                    return Ok(Err(field_difference(
                        E::Model::TABLE,
                        row.subject_id(),
                        &entry.payload,
                        &payload,
                    )));
                }
                if let Err(d) = row.extra_checks(&recorded.leaf) {
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
impl ExtraChecks for entity::stamp_run::Model {}
impl ExtraChecks for entity::stamp_void::Model {}
impl ExtraChecks for entity::blob::Model {}
impl ExtraChecks for entity::listing::Model {}
impl ExtraChecks for entity::trace_code::Model {}

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

/// Follows each batch's chain of diary events and stamp runs from its genesis: every link
/// must be on it, in one line, ending at the batch's chain head; every run's stamps must
/// recompute to its hashes and root.
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
            let walk = batch_chain::walk(conn, b.id, &start.0).await?;
            if let Some(fork) = walk.forks.first() {
                let (table, id) = fork.name();
                return Ok(Err(diverge(
                    table,
                    id,
                    "prev_hash",
                    "a head no other link of the batch extends",
                    hex_bytes(fork.prev()),
                )));
            }
            if let Some(orphan) = walk.orphans.first() {
                let (table, id) = orphan.name();
                return Ok(Err(diverge(
                    table,
                    id,
                    "prev_hash",
                    "a hash on the batch's chain",
                    hex_bytes(orphan.prev()),
                )));
            }
            if b.chain_head != walk.end {
                return Ok(Err(diverge(
                    "batches",
                    b.id,
                    "chain_head",
                    hex_bytes(&walk.end),
                    hex_bytes(&b.chain_head),
                )));
            }
            let mut issued = 0;
            for link in &walk.links {
                if let batch_chain::Link::Run(run) = link {
                    if let Err(d) = check_run(conn, run).await? {
                        return Ok(Err(d));
                    }
                    issued += run.count;
                }
            }
            if b.stamps_issued != issued {
                return Ok(Err(diverge(
                    "batches",
                    b.id,
                    "stamps_issued",
                    issued,
                    b.stamps_issued,
                )));
            }
            count += 1;
        }
    }
}

/// Recomputes a run's stamps from their rows: serial, index and previous hash give each hash;
/// the hashes give the root recorded in the ledger.
async fn check_run<C: ConnectionTrait>(
    conn: &C,
    run: &stamp_run::Model,
) -> Result<Result<(), Divergence>, AppError> {
    let mut previous = crate::ledger::from_slice(&run.prev_head).unwrap_or(chain::GENESIS);
    let mut tree = Frontier::default();
    let mut pin_tree = Frontier::default();
    let mut expected_index = run.first_index;
    let mut after: Option<i64> = None;
    let voided = Voided::from_records(&stamp_voids::of_run_records(conn, run.id).await?);
    loop {
        let rows = stamp::Entity::find()
            .filter(super::stamps::in_run_after(run, after))
            .order_by_asc(stamp::Column::IndexInBatch)
            .limit(PAGE)
            .all(conn)
            .await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.index_in_batch);
        for s in rows {
            if s.index_in_batch != expected_index {
                return Ok(Err(diverge(
                    "stamps",
                    &s.serial,
                    "index_in_batch",
                    expected_index,
                    s.index_in_batch,
                )));
            }
            if s.prev_hash != previous.0 {
                return Ok(Err(diverge(
                    "stamps",
                    &s.serial,
                    "prev_hash",
                    hex(&previous),
                    hex_bytes(&s.prev_hash),
                )));
            }
            let serial = crate::stamps::Serial::parse(&s.serial)
                .map_err(|e| AppError::internal(anyhow::anyhow!("stamp {}: {e}", s.serial)));
            let Ok(serial) = serial else {
                return Ok(Err(diverge(
                    "stamps",
                    &s.serial,
                    "serial",
                    "16 Crockford base32 characters",
                    &s.serial,
                )));
            };
            let hash =
                crate::stamps::chain::link(&previous, &serial, run.batch_id, expected_index as u64);
            if s.hash != hash.0 {
                return Ok(Err(diverge(
                    "stamps",
                    &s.serial,
                    "hash",
                    hex(&hash),
                    hex_bytes(&s.hash),
                )));
            }
            let status = if voided.contains(&s.serial) {
                StampStatus::Void
            } else {
                StampStatus::Active
            };
            let stored = StampStatus::from(s.status);
            if stored != status {
                return Ok(Err(diverge(
                    "stamps",
                    &s.serial,
                    "status",
                    status.as_str(),
                    stored.as_str(),
                )));
            }
            // Derived columns agree with the run they belong to.
            if s.run_id != run.id {
                return Ok(Err(diverge(
                    "stamps", &s.serial, "run_id", run.id, s.run_id,
                )));
            }
            if s.organization_id != run.organization_id {
                return Ok(Err(diverge(
                    "stamps",
                    &s.serial,
                    "organization_id",
                    run.organization_id,
                    s.organization_id,
                )));
            }
            match (&s.pin_hash, run.with_pin) {
                (Some(h), true) => {
                    pin_tree.append(chain::leaf(h));
                }
                (None, false) => {}
                (found, _) => {
                    return Ok(Err(diverge(
                        "stamps",
                        &s.serial,
                        "pin_hash",
                        if run.with_pin { "a PIN hash" } else { "none" },
                        found
                            .as_deref()
                            .map(hex_bytes)
                            .unwrap_or_else(|| "none".into()),
                    )));
                }
            }
            tree.append(chain::leaf(&hash.0));
            previous = hash;
            expected_index += 1;
        }
    }
    if expected_index.saturating_sub(run.first_index) != run.count {
        return Ok(Err(diverge(
            "stamp_runs",
            run.id,
            "count",
            expected_index - run.first_index,
            run.count,
        )));
    }
    if run.last_hash != previous.0 {
        return Ok(Err(diverge(
            "stamp_runs",
            run.id,
            "last_hash",
            hex(&previous),
            hex_bytes(&run.last_hash),
        )));
    }
    if let Some(pin_root) = &run.pin_root
        && *pin_root != pin_tree.root().0
    {
        return Ok(Err(diverge(
            "stamps",
            run.id,
            "pin_hash",
            format!("PIN hashes whose root is {}", hex_bytes(pin_root)),
            format!("PIN hashes whose root is {}", hex(&pin_tree.root())),
        )));
    }
    if run.root != tree.root().0 {
        return Ok(Err(diverge(
            "stamp_runs",
            run.id,
            "root",
            hex(&tree.root()),
            hex_bytes(&run.root),
        )));
    }
    Ok(Ok(()))
}
