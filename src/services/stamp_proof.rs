//! A stamp's proof bundle: everything needed to check, with only the published log key, that
//! the stamp is in its run, the run is in the log, and the log's checkpoint is signed (DESIGN
//! §5). Public, like the scan page: the serial is the capability.

use std::sync::Arc;

use entity::{ledger_entry, stamp, stamp_run};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use super::ledger;
use crate::db::Db;
use crate::error::AppError;
use crate::ledger::{Hash, chain, hex};
use crate::stamps::Serial;

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
    /// Size of the checkpoint's tree and the entry's inclusion path in it (hex).
    pub tree_size: i64,
    pub path: Vec<String>,
}

/// Runs' Merkle trees, kept in memory: a run's stamps never change, and reading a run of
/// 1,000,000 stamp hashes for every scan would cost a second each time. Bounded by the number
/// of leaves held (32 bytes each, about twice that with the upper levels).
#[derive(Default)]
pub struct RunTrees {
    map: dashmap::DashMap<Uuid, Arc<Vec<Vec<Hash>>>>,
    leaves: std::sync::atomic::AtomicUsize,
}

/// Leaves kept before the cache starts over: about 128 MB of hashes.
const TREE_BUDGET: usize = 2_000_000;

impl RunTrees {
    async fn get<C: sea_orm::ConnectionTrait>(
        &self,
        conn: &C,
        run: &stamp_run::Model,
    ) -> Result<Arc<Vec<Vec<Hash>>>, AppError> {
        use std::sync::atomic::Ordering;
        if let Some(t) = self.map.get(&run.id) {
            return Ok(t.clone());
        }
        let hashes: Vec<Vec<u8>> = stamp::Entity::find()
            .select_only()
            .column(stamp::Column::Hash)
            .filter(super::stamps::in_run(run))
            .order_by_asc(stamp::Column::IndexInBatch)
            .into_tuple()
            .all(conn)
            .await?;
        let n = hashes.len();
        let leaves: Vec<Hash> = hashes.iter().map(|h| chain::leaf(h)).collect();
        let tree = Arc::new(
            tokio::task::spawn_blocking(move || crate::stamps::chain::levels(leaves))
                .await
                .map_err(AppError::internal)?,
        );
        if self.leaves.fetch_add(n, Ordering::Relaxed) + n > TREE_BUDGET {
            self.map.clear();
            self.leaves.store(n, Ordering::Relaxed);
        }
        self.map.insert(run.id, tree.clone());
        Ok(tree)
    }
}

pub async fn prove(
    db: &Db,
    trees: &RunTrees,
    serial: &Serial,
    log_key: &str,
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
    let tree = trees.get(conn, &run).await?;
    let leaf_index = s.index_in_batch - run.first_index;
    let path = usize::try_from(leaf_index)
        .ok()
        .and_then(|i| crate::stamps::chain::path_in(&tree, i))
        .ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("stamp {} is outside its run", s.serial))
        })?;
    let entry = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::SubjectTable.eq("stamp_runs"))
        .filter(ledger_entry::Column::SubjectId.eq(run.id))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("run {} has no ledger entry", run.id)))?;
    let checkpoint = ledger::latest_checkpoint(conn)
        .await?
        .filter(|c| c.size > entry.idx)
        .ok_or_else(|| {
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
            payload: entry.payload,
            tree_size: checkpoint.size,
            path: hex_all(&entry_path),
        },
        checkpoint: checkpoint.note,
        log_key: log_key.to_owned(),
    })
}
