//! Signing checkpoints of the log.
//!
//! A checkpoint is signed for the current head whenever it is newer than the latest stored
//! one. The size is the primary key of `checkpoints`, so two processes racing to sign the same
//! size store one row, and a size can never have two roots.

use std::time::Duration;

use entity::checkpoint;
use sea_orm::{ActiveModelTrait, Set};

use super::{ledger, now};
use crate::db::Db;
use crate::error::AppError;
use crate::ledger::note::LogKey;

/// How often the signer looks for new entries: well within the promised second.
pub const SIGN_INTERVAL: Duration = Duration::from_millis(250);

/// Signs and stores a checkpoint of the current head if none covers it yet.
pub async fn sign_latest(db: &Db, key: &LogKey) -> Result<Option<checkpoint::Model>, AppError> {
    let head = ledger::head(db.read(), false).await?;
    let latest = ledger::latest_checkpoint(db.read()).await?;
    if latest.is_some_and(|c| u64::try_from(c.size).is_ok_and(|s| s >= head.size)) {
        return Ok(None);
    }
    let root = head.root();
    let note = key
        .sign_checkpoint(head.size, root)
        .map_err(AppError::internal)?;
    let size = i64::try_from(head.size).map_err(AppError::internal)?;
    let txn = db.write_txn().await?;
    let row = checkpoint::ActiveModel {
        size: Set(size),
        root: Set(root.0.to_vec()),
        note: Set(note),
        created_at: Set(now()),
    };
    match row.insert(&txn).await {
        Ok(saved) => {
            txn.commit().await?;
            Ok(Some(saved))
        }
        // Another process signed this size first; its checkpoint stands.
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs until the task is dropped; failures are logged and retried on the next tick.
pub async fn run_signer(db: Db, key: LogKey) {
    let mut tick = tokio::time::interval(SIGN_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sign_latest(&db, &key).await {
            Ok(Some(c)) => tracing::debug!(checkpoint.size = c.size, "signed checkpoint"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "signing a checkpoint failed; retrying"),
        }
    }
}
