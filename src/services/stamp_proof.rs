//! A stamp's proof bundle: everything needed to check, with only the published log key, that
//! the stamp is in its run, the run is in the log, and the log's checkpoint is signed (DESIGN
//! §5). Public, like the scan page: the serial is the capability.

use entity::{ledger_entry, stamp, stamp_run};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use super::{ledger, witnessing};
use crate::db::Db;
use crate::error::AppError;
use crate::ledger::{Hash, hex};
use crate::stamps::Serial;
use crate::stamps::chain;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StampProof {
    pub serial: String,
    pub batch_id: Uuid,
    pub index_in_batch: i64,
    /// `hash[i-1]` (hex): the stamp's hash is `SHA-256(prev_hash ‖ serial ‖ batch id ‖ index)`.
    pub prev_hash: String,
    pub hash: String,
    pub run: RunProof,
    pub entry: EntryProof,
    /// The signed checkpoint (C2SP signed note) the entry proof leads to.
    pub checkpoint: String,
    /// The key that signs checkpoints (`name+id+base64`), as published at
    /// `/.well-known/ocop-trace/log-key`.
    pub log_key: String,
    /// The witnesses whose cosignatures the checkpoint carries (C2SP tlog-cosignature) and how
    /// many of them must have cosigned; absent when the log has no witnesses.
    pub witnesses: Option<WitnessPolicy>,
}

/// k of n witnesses.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WitnessPolicy {
    pub quorum: usize,
    /// Their verifier keys, `<name>+<id>+base64(0x04 ‖ key)`.
    pub keys: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RunProof {
    pub id: Uuid,
    pub count: i64,
    /// The stamp's position in the run.
    pub leaf_index: i64,
    /// RFC 6962 inclusion path of `SHA-256(0x00 ‖ hash)` in the run's tree (hex).
    pub path: Vec<String>,
    pub root: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntryProof {
    /// The run's ledger entry: its index and its canonical JSON payload (which holds the root).
    pub index: i64,
    pub payload: String,
    /// The entry's public form, `{"kind":"stamp_runs.created","payload_sha256":…}`, which its
    /// leaf hashes; absent for a run logged before the public form, whose leaf hashes the
    /// payload itself.
    pub public_form: Option<String>,
    /// Size of the checkpoint's tree and the entry's inclusion path in it (hex).
    pub tree_size: i64,
    pub path: Vec<String>,
}

/// The run's block roots: as stored, or — for a run issued before they were kept — built
/// once from every stamp of the run and stored. Either way checked against the run's root,
/// so a damaged column can never produce a proof that leads elsewhere.
async fn block_roots(db: &Db, run: &stamp_run::Model) -> Result<Vec<Hash>, AppError> {
    let parse = |bytes: &[u8]| -> Vec<Hash> {
        bytes
            .chunks_exact(32)
            .filter_map(crate::ledger::from_slice)
            .collect()
    };
    if let Some(stored) = &run.block_roots {
        let blocks = parse(stored);
        if chain::root_of_blocks(&blocks).0.as_slice() == run.root.as_slice() {
            return Ok(blocks);
        }
        tracing::error!(run.id = %run.id, "stored block roots disagree with the run's root; rebuilding them");
    }
    let hashes = run_hashes(db.read(), run, run.first_index..run.first_index + run.count).await?;
    let blocks = crate::heavy::run(move || chain::block_roots(&hashes))
        .await
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("building block roots panicked")))?;
    if chain::root_of_blocks(&blocks).0.as_slice() != run.root.as_slice() {
        return Err(AppError::internal(anyhow::anyhow!(
            "run {}: its stamps do not give its recorded root",
            run.id
        )));
    }
    let txn = db.write_txn().await?;
    stamp_run::Entity::update_many()
        .col_expr(
            stamp_run::Column::BlockRoots,
            sea_orm::sea_query::Expr::value(blocks.iter().flat_map(|h| h.0).collect::<Vec<u8>>()),
        )
        .filter(stamp_run::Column::Id.eq(run.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(blocks)
}

/// The stamp hashes of `run` whose index in the batch is in `range`, in index order.
///
/// One lower and one upper bound, the range clipped to the run: given the run's bounds and the
/// range's as four constraints, SQLite picks one of each without knowing which is tighter,
/// and scanned from the run's first stamp — half a million rows a proof on a 1,000,000-stamp
/// run (60 ms of CPU, measured).
async fn run_hashes<C: sea_orm::ConnectionTrait>(
    conn: &C,
    run: &stamp_run::Model,
    range: std::ops::Range<i64>,
) -> Result<Vec<Hash>, AppError> {
    let start = range.start.max(run.first_index);
    let end = range.end.min(run.first_index.saturating_add(run.count));
    let rows: Vec<Vec<u8>> = stamp::Entity::find()
        .select_only()
        .column(stamp::Column::Hash)
        .filter(stamp::Column::BatchId.eq(run.batch_id))
        .filter(stamp::Column::IndexInBatch.gte(start))
        .filter(stamp::Column::IndexInBatch.lt(end))
        .order_by_asc(stamp::Column::IndexInBatch)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|h| crate::ledger::from_slice(h))
        .collect())
}

/// A stamp's proof bundle. It costs a few indexed reads whatever the run's size: the stamp,
/// its run (with the run's block roots), the 256 stamp hashes of its block, the run's ledger
/// entry and the entry's inclusion path.
pub async fn prove(
    db: &Db,
    serial: &Serial,
    log_key: &str,
    witnesses: Option<&WitnessPolicy>,
) -> Result<StampProof, AppError> {
    let conn = db.read();
    let s = stamp::Entity::find_by_id(serial.as_str().to_owned())
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("stamp"))?;
    let run = stamp_run::Entity::find_by_id(s.run_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("stamp run"))?;
    let blocks = block_roots(db, &run).await?;
    let leaf_index = s.index_in_batch - run.first_index;
    let outside = || AppError::internal(anyhow::anyhow!("stamp {} is outside its run", s.serial));
    let index = usize::try_from(leaf_index).map_err(|_| outside())?;
    let block_start = run.first_index + (index / chain::BLOCK * chain::BLOCK) as i64;
    let block_end = (block_start + chain::BLOCK as i64).min(run.first_index + run.count);
    let block = run_hashes(conn, &run, block_start..block_end).await?;
    let path = chain::path_from_blocks(&block, &blocks, index).ok_or_else(outside)?;
    let entry = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::SubjectTable.eq("stamp_runs"))
        .filter(ledger_entry::Column::SubjectId.eq(run.id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("run {} has no ledger entry", run.id)))?;
    // With witnesses, the latest checkpoint enough of them cosigned, if one covers the run.
    let confirmed = match witnesses {
        Some(w) => witnessing::latest_confirmed(conn, entry.idx, &w.keys, w.quorum).await?,
        None => None,
    };
    let latest = match confirmed {
        Some(c) => Some(c),
        None => ledger::latest_checkpoint(conn).await?,
    };
    let checkpoint = latest.filter(|c| c.size > entry.idx).ok_or_else(|| {
        AppError::Unavailable(anyhow::anyhow!(
            "the run is not in a signed checkpoint yet; one is signed within a second"
        ))
    })?;
    let entry_path = ledger::inclusion(conn, entry.idx as u64, checkpoint.size as u64).await?;
    let hex_all = |v: &[Hash]| v.iter().map(hex).collect::<Vec<_>>();
    Ok(StampProof {
        serial: s.serial.clone(),
        batch_id: s.batch_id,
        index_in_batch: s.index_in_batch,
        prev_hash: data_encoding::HEXLOWER.encode(&s.prev_hash),
        hash: data_encoding::HEXLOWER.encode(&s.hash),
        run: RunProof {
            id: run.id,
            count: run.count,
            leaf_index,
            path: hex_all(&path),
            root: data_encoding::HEXLOWER.encode(&run.root),
        },
        entry: EntryProof {
            index: entry.idx,
            public_form: ledger::public_form_of(&entry),
            payload: entry.payload,
            tree_size: checkpoint.size,
            path: hex_all(&entry_path),
        },
        checkpoint: witnessing::cosigned_note(conn, &checkpoint).await?,
        log_key: log_key.to_owned(),
        witnesses: witnesses.cloned(),
    })
}
