//! `ocop-trace storage check`: every object a file row names (the file and its thumbnail) is
//! in the blob store with the bytes its name promises, and which objects no row names.
//!
//! Objects are streamed and hashed, never held whole. Removed rows still count: the ledger's
//! history refers to their files.

use std::collections::BTreeSet;

use entity::blob;
use futures_util::StreamExt;
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::error::AppError;
use crate::storage::{BlobKey, BlobStore, StorageError};

/// What the check found.
#[derive(Debug, Default)]
pub struct Report {
    /// Objects read and hashed.
    pub checked: u64,
    pub bytes: u64,
    /// Keys named by rows with no object in the store.
    pub missing: Vec<BlobKey>,
    /// Keys whose object's bytes hash to something else.
    pub corrupt: Vec<BlobKey>,
    /// Objects in the store that no row names.
    pub orphans: Vec<BlobKey>,
}

impl Report {
    pub fn healthy(&self) -> bool {
        self.missing.is_empty() && self.corrupt.is_empty()
    }
}

/// Every key the rows name.
pub async fn referenced(db: &Db) -> Result<BTreeSet<BlobKey>, AppError> {
    let rows: Vec<(String, Option<String>)> = blob::Entity::find()
        .select_only()
        .column(blob::Column::Sha256)
        .column(blob::Column::ThumbSha256)
        .order_by_asc(blob::Column::Id)
        .into_tuple()
        .all(db.read())
        .await?;
    let mut keys = BTreeSet::new();
    for (sha, thumb) in rows {
        for k in std::iter::once(sha).chain(thumb) {
            // A row naming something that is not a key is corrupt data; report it as missing.
            keys.insert(BlobKey::parse(&k).map_err(AppError::from)?);
        }
    }
    Ok(keys)
}

/// Runs the check; `progress` gets (objects done, objects to check).
pub async fn check(
    db: &Db,
    store: &dyn BlobStore,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Report, AppError> {
    let keys = referenced(db).await?;
    let total = keys.len() as u64;
    let mut report = Report::default();
    for key in &keys {
        match store.get(key).await {
            Ok(mut body) => {
                let mut hash = Sha256::new();
                while let Some(chunk) = body.next().await {
                    let chunk = chunk?;
                    report.bytes += chunk.len() as u64;
                    hash.update(&chunk);
                }
                if data_encoding::HEXLOWER.encode(&hash.finalize()) != key.as_str() {
                    report.corrupt.push(key.clone());
                }
            }
            Err(StorageError::NotFound(_)) => report.missing.push(key.clone()),
            Err(e) => return Err(e.into()),
        }
        report.checked += 1;
        progress(report.checked, total);
    }
    report.orphans = store
        .list()
        .await?
        .into_iter()
        .filter(|k| !keys.contains(k))
        .collect();
    Ok(report)
}

/// Deletes the orphans that are still orphans now (an upload may have named one since the
/// check). Returns how many were deleted.
pub async fn remove_orphans(
    db: &Db,
    store: &dyn BlobStore,
    orphans: &[BlobKey],
) -> Result<u64, AppError> {
    let now_referenced = referenced(db).await?;
    let mut removed = 0;
    for key in orphans.iter().filter(|k| !now_referenced.contains(k)) {
        store.delete(key).await?;
        removed += 1;
    }
    Ok(removed)
}
