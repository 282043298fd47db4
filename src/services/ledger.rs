//! The ledger's storage: appending inside the caller's transaction, and reading entries,
//! proofs and checkpoints.
//!
//! An append locks the single `ledger_head` row (`SELECT … FOR UPDATE` on PostgreSQL; on
//! SQLite the write transaction already excludes other writers), so entries are numbered
//! without gaps in commit order even with several server processes. A failed transaction
//! rolls back its entry with everything else: no entry without its record, no gap.

use std::collections::{BTreeSet, HashMap};

use entity::{checkpoint, ledger_entry, ledger_head};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::now;
use super::records::Recorded;
use crate::domain::Reason;
use crate::error::AppError;
use crate::ledger::merkle::{self, Fetched, Frontier, Recorder, TwoPass};
use crate::ledger::{Hash, canonical, chain, public_form};

/// The log's state as of the last append.
#[derive(Debug, Clone)]
pub struct Head {
    pub size: u64,
    pub chain: Hash,
    pub frontier: Frontier,
    /// Entries from this index on are hashed in their public form (`ledger::public_form`).
    pub public_from: u64,
}

impl Head {
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }
}

fn corrupt(what: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("ledger storage is inconsistent: {what}"))
}

fn to_head(row: ledger_head::Model) -> Result<Head, AppError> {
    let size = u64::try_from(row.size).map_err(|_| corrupt("negative size"))?;
    let chain =
        crate::ledger::from_slice(&row.chain_hash).ok_or_else(|| corrupt("chain hash length"))?;
    let frontier = Frontier::from_bytes(size, &row.frontier).map_err(corrupt)?;
    let public_from =
        u64::try_from(row.public_from).map_err(|_| corrupt("negative public_from"))?;
    Ok(Head {
        size,
        chain,
        frontier,
        public_from,
    })
}

/// Reads the head; `lock` takes the row lock that serialises appends (PostgreSQL).
pub async fn head<C: ConnectionTrait>(conn: &C, lock: bool) -> Result<Head, AppError> {
    let q = ledger_head::Entity::find_by_id(1);
    read_head(conn, if lock { q.lock_exclusive() } else { q }).await
}

async fn read_head<C: ConnectionTrait>(
    conn: &C,
    q: sea_orm::Select<ledger_head::Entity>,
) -> Result<Head, AppError> {
    to_head(
        q.one(conn)
            .await?
            .ok_or_else(|| corrupt("missing head row"))?,
    )
}

/// The log's size with every append counted in [`LOCAL_APPENDS`] before this call in it
/// (for the scan writer, after its commit). On PostgreSQL the head is read with a share lock,
/// which waits for the appends holding it (each locks it before it counts itself); the lock
/// ends with the statement. On SQLite a plain read: an append holds the one write connection
/// from before it counts itself until its commit, so the writer's commit came after it.
pub async fn settled_size<C: ConnectionTrait>(conn: &C) -> Result<u64, AppError> {
    let q = ledger_head::Entity::find_by_id(1);
    let q = if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q.lock_shared()
    } else {
        q
    };
    Ok(read_head(conn, q).await?.size)
}

/// The canonical payload of a row.
pub fn payload_of<R: Recorded>(row: &R) -> Result<String, AppError> {
    let bytes = canonical::to_vec(&row.payload()).map_err(AppError::internal)?;
    String::from_utf8(bytes).map_err(AppError::internal)
}

/// The canonical payload of a row and the leaf hash of its `<table>.<verb>` entry, in the
/// public form every new entry takes.
pub fn prepare<R: Recorded>(verb: &str, row: &R) -> Result<(String, Hash), AppError> {
    let payload = payload_of(row)?;
    let leaf = public_form::leaf(&format!("{}.{verb}", R::TABLE), payload.as_bytes());
    Ok((payload, leaf))
}

/// What an append produced.
#[derive(Debug, Clone, Copy)]
pub struct Appended {
    pub index: u64,
    pub leaf: Hash,
}

/// Appends `<table>.<verb>` for `row` in the caller's transaction.
pub async fn append<C: ConnectionTrait, R: Recorded>(
    conn: &C,
    verb: &str,
    row: &R,
) -> Result<Appended, AppError> {
    let (payload, leaf) = prepare(verb, row)?;
    append_prepared(
        conn,
        &format!("{}.{verb}", R::TABLE),
        R::TABLE,
        row.subject_id(),
        row.batch_id(),
        payload,
        leaf,
    )
    .await
}

pub async fn append_prepared<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    table: &str,
    subject_id: Uuid,
    batch_id: Option<Uuid>,
    payload: String,
    leaf: Hash,
) -> Result<Appended, AppError> {
    let mut head = head(conn, true).await?;
    let appended = insert_at(
        conn, &mut head, kind, table, subject_id, batch_id, payload, leaf,
    )
    .await?;
    save_head(conn, &head).await?;
    Ok(appended)
}

/// Entries this process has appended (counted as they are written, before they commit). The
/// scan page answers from memory only while this has not moved since the scan writer last read
/// the log's size, so a local change (a void, a recall) is never hidden by it.
pub static LOCAL_APPENDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Inserts an entry at `head`, which the caller read with its lock, and advances it in
/// memory. Several entries can be inserted this way; the caller then writes the head once
/// with [`save_head`], in the same transaction.
#[allow(clippy::too_many_arguments)]
pub async fn insert_at<C: ConnectionTrait>(
    conn: &C,
    head: &mut Head,
    kind: &str,
    table: &str,
    subject_id: Uuid,
    batch_id: Option<Uuid>,
    payload: String,
    leaf: Hash,
) -> Result<Appended, AppError> {
    LOCAL_APPENDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let index = head.size;
    let chain_hash = chain::link(&head.chain, &leaf);
    let stored = head.frontier.append(leaf);
    let idx = i64::try_from(index).map_err(|_| corrupt("log full"))?;
    ledger_entry::ActiveModel {
        idx: Set(idx),
        kind: Set(kind.to_owned()),
        subject_table: Set(table.to_owned()),
        subject_id: Set(subject_id),
        batch_id: Set(batch_id),
        payload: Set(payload),
        leaf_hash: Set(leaf.0.to_vec()),
        chain_hash: Set(chain_hash.0.to_vec()),
        stored_hashes: Set(stored.iter().flat_map(|h| h.0).collect()),
        created_at: Set(now()),
    }
    .insert(conn)
    .await?;
    head.size += 1;
    head.chain = chain_hash;
    Ok(Appended { index, leaf })
}

/// Writes the head advanced by [`insert_at`].
pub async fn save_head<C: ConnectionTrait>(conn: &C, head: &Head) -> Result<(), AppError> {
    ledger_head::ActiveModel {
        id: Set(1),
        size: Set(i64::try_from(head.size).map_err(|_| corrupt("log full"))?),
        chain_hash: Set(head.chain.0.to_vec()),
        frontier: Set(head.frontier.to_bytes()),
        public_from: sea_orm::ActiveValue::NotSet,
    }
    .update(conn)
    .await?;
    Ok(())
}

/// The leaf hash of the entry that created `subject` (the genesis of a batch's chain).
pub async fn creation_leaf<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    subject: Uuid,
) -> Result<Hash, AppError> {
    let row = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::SubjectId.eq(subject))
        .filter(ledger_entry::Column::Kind.eq(format!("{table}.created")))
        .one(conn)
        .await?
        .ok_or_else(|| corrupt(format!("{table} {subject} has no creation entry")))?;
    crate::ledger::from_slice(&row.leaf_hash).ok_or_else(|| corrupt("leaf hash length"))
}

/// The public form of a stored entry (`ledger::public_form`), or `None` for an entry logged
/// before the public form began, whose leaf hashes its payload.
pub fn public_form_of(entry: &ledger_entry::Model) -> Option<String> {
    let form = public_form::public_form(&entry.kind, entry.payload.as_bytes());
    (entry.leaf_hash == chain::leaf(&form).0).then(|| String::from_utf8(form).ok())?
}

pub async fn entry<C: ConnectionTrait>(
    conn: &C,
    index: u64,
) -> Result<ledger_entry::Model, AppError> {
    let idx = i64::try_from(index).map_err(|_| AppError::NotFound("ledger entry"))?;
    ledger_entry::Entity::find_by_id(idx)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("ledger entry"))
}

/// Fetches stored Merkle hashes by stored-hash index: one query over the rows that wrote them.
pub async fn read_hashes<C: ConnectionTrait>(
    conn: &C,
    indexes: &[u64],
) -> Result<Fetched, AppError> {
    let writers: BTreeSet<i64> = indexes
        .iter()
        .filter_map(|i| i64::try_from(merkle::writer_of(*i).0).ok())
        .collect();
    let rows: Vec<(i64, Vec<u8>)> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::Idx)
        .column(ledger_entry::Column::StoredHashes)
        .filter(ledger_entry::Column::Idx.is_in(writers))
        .into_tuple()
        .all(conn)
        .await?;
    let by_record: HashMap<i64, Vec<u8>> = rows.into_iter().collect();
    let mut out = HashMap::with_capacity(indexes.len());
    for &i in indexes {
        let (record, offset) = merkle::writer_of(i);
        let blob = i64::try_from(record)
            .ok()
            .and_then(|r| by_record.get(&r))
            .ok_or_else(|| corrupt(format!("entry {record} missing")))?;
        let h = blob
            .get(offset * 32..offset * 32 + 32)
            .and_then(crate::ledger::from_slice)
            .ok_or_else(|| corrupt(format!("entry {record} stored hashes")))?;
        out.insert(i, h);
    }
    Ok(Fetched(out))
}

fn proof_error(e: tlog_tiles::Error) -> AppError {
    AppError::internal(anyhow::anyhow!("proof computation: {e}"))
}

/// A proof the log cannot give, as a rejected query parameter (`size_field` names the
/// parameter holding the larger tree size: `size` for inclusion, `second` for consistency).
fn bad_request(size_field: &'static str) -> impl Fn(merkle::ProofRequestError) -> AppError {
    move |e| {
        let field = match e {
            merkle::ProofRequestError::IndexOutOfRange { .. } => "index",
            merkle::ProofRequestError::SizeOrder { .. } => "first",
            merkle::ProofRequestError::BeyondLog { .. } => size_field,
        };
        AppError::validation(
            field,
            crate::domain::ParseError::new(Reason::OutsideTheLog, e.to_string()),
        )
    }
}

/// Runs a `tlog_tiles` computation against the stored hashes: a first pass learns which
/// hashes it reads, one query fetches them, and a second pass computes.
async fn with_stored_hashes<C, T>(
    conn: &C,
    compute: impl Fn(&TwoPass) -> Result<T, tlog_tiles::Error>,
) -> Result<T, AppError>
where
    C: ConnectionTrait,
{
    let learn = TwoPass::Learn(Recorder::default());
    compute(&learn).map_err(proof_error)?;
    let TwoPass::Learn(recorder) = learn else {
        return Err(proof_error(tlog_tiles::Error::IndexesNotInTree));
    };
    let fetched = read_hashes(conn, &recorder.into_indexes()).await?;
    compute(&TwoPass::Answer(fetched)).map_err(proof_error)
}

/// Proof that entry `index` is in the tree of `size` entries (RFC 9162 §2.1.3).
pub async fn inclusion<C: ConnectionTrait>(
    conn: &C,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, AppError> {
    let log = head(conn, false).await?;
    merkle::check_inclusion_request(index, size, log.size).map_err(bad_request("size"))?;
    with_stored_hashes(conn, |r| tlog_tiles::prove_record(size, index, r)).await
}

/// Proof that the tree of `first` entries is a prefix of the tree of `second` (RFC 9162 §2.1.4).
pub async fn consistency<C: ConnectionTrait>(
    conn: &C,
    first: u64,
    second: u64,
) -> Result<Vec<Hash>, AppError> {
    let log = head(conn, false).await?;
    merkle::check_consistency_request(first, second, log.size).map_err(bad_request("second"))?;
    with_stored_hashes(conn, |r| tlog_tiles::prove_tree(second, first, r)).await
}

/// The root of the tree of the first `size` entries.
pub async fn root_at<C: ConnectionTrait>(conn: &C, size: u64) -> Result<Hash, AppError> {
    with_stored_hashes(conn, |r| tlog_tiles::tree_hash(size, r)).await
}

pub async fn latest_checkpoint<C: ConnectionTrait>(
    conn: &C,
) -> Result<Option<checkpoint::Model>, AppError> {
    Ok(checkpoint::Entity::find()
        .order_by_desc(checkpoint::Column::Size)
        .one(conn)
        .await?)
}

/// The bytes of a C2SP hash tile: its hashes, read from the stored hashes in one query. The
/// caller checks that the tree holds the tile ([`crate::ledger::tiles::TileRef::within`]).
pub async fn hash_tile<C: ConnectionTrait>(
    conn: &C,
    tile: crate::ledger::tiles::TileRef,
) -> Result<Vec<u8>, AppError> {
    let tile = tile.hash_tile();
    with_stored_hashes(conn, |r| tile.read_data(r)).await
}

/// A C2SP entry bundle: the public form of each entry the bundle covers, in index order.
/// The caller checks that the tree holds the bundle and that its entries are in the public
/// form.
pub async fn entry_bundle<C: ConnectionTrait>(
    conn: &C,
    tile: crate::ledger::tiles::TileRef,
) -> Result<Vec<u8>, AppError> {
    let range = tile.entry_range();
    let (start, end) = (
        i64::try_from(range.start).map_err(|_| AppError::NotFound("entry bundle"))?,
        i64::try_from(range.end).map_err(|_| AppError::NotFound("entry bundle"))?,
    );
    let rows: Vec<(i64, String, String)> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::Idx)
        .column(ledger_entry::Column::Kind)
        .column(ledger_entry::Column::Payload)
        .filter(ledger_entry::Column::Idx.gte(start))
        .filter(ledger_entry::Column::Idx.lt(end))
        .order_by_asc(ledger_entry::Column::Idx)
        .into_tuple()
        .all(conn)
        .await?;
    if rows.len() as u64 != range.end - range.start {
        return Err(corrupt(format!(
            "entries {start}..{end} are not all stored"
        )));
    }
    let forms: Vec<Vec<u8>> = rows
        .iter()
        .map(|(_, kind, payload)| public_form::public_form(kind, payload.as_bytes()))
        .collect();
    crate::ledger::tiles::bundle(forms.iter().map(Vec::as_slice)).map_err(AppError::internal)
}
