//! Old scans deleted: each scan's row (its time, client hash and language) is kept for
//! `OCOP_SCAN_KEEP_DAYS`, then deleted once a day, a slice of rows at a time.
//!
//! What the scans are counted for outlives them: a stamp's counters and latest times
//! (`stamp_scans`) and its batch's counts per day (`scan_days`) are kept; copy warnings
//! (`scan_alerts`) go with the scans. Copy warnings read 7 days back, within the shortest
//! retention allowed.
//!
//! The rows are kept by (time, id) (migration 37), so the old ones are the start of the key:
//! each step deletes the first [`SLICE`] rows before the cut, in a short write transaction of
//! its own, until none is left.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::db::Db;
use crate::error::AppError;

/// Scan rows a step deletes, in one short write transaction.
const SLICE: u64 = 5_000;

/// How often a node sweeps.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Deletes every scan older than `before`; returns how many. `progress(deleted)` is told after
/// each slice how many scans were deleted so far.
pub async fn sweep(
    db: &Db,
    before: DateTime<Utc>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, AppError> {
    sweep_by(db, before, SLICE, progress).await
}

/// [`sweep`], deleting `slice` rows a transaction.
pub async fn sweep_by(
    db: &Db,
    before: DateTime<Utc>,
    slice: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, AppError> {
    let backend = db.read().get_database_backend();
    let p = |n: u64| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    };
    let delete = format!(
        "DELETE FROM scans WHERE scanned_at < {cut} AND (scanned_at, id) IN (SELECT scanned_at, \
         id FROM scans WHERE scanned_at < {cut} ORDER BY scanned_at, id LIMIT {slice})",
        cut = p(1),
        slice = p(2)
    );
    let mut deleted = 0;
    loop {
        let txn = db.write_txn().await?;
        let done = txn
            .execute_raw(Statement::from_sql_and_values(
                backend,
                &delete,
                [before.into(), (slice as i64).into()],
            ))
            .await?
            .rows_affected();
        if done == 0 {
            // Copy warnings as old as the scans deleted go with them (a few rows).
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                format!("DELETE FROM scan_alerts WHERE warned_at < {}", p(1)),
                [before.into()],
            ))
            .await?;
            txn.commit().await?;
            return Ok(deleted);
        }
        txn.commit().await?;
        deleted += done;
        progress(deleted);
    }
}

/// How long after a start a node first sweeps (not while it warms its caches).
const FIRST_AFTER: std::time::Duration = std::time::Duration::from_secs(600);

/// Sweeps [`FIRST_AFTER`] the start and then every [`EVERY`], keeping scans for `keep`; logs
/// what it deleted.
pub async fn run(db: Db, keep: chrono::TimeDelta) {
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + FIRST_AFTER, EVERY);
    loop {
        every.tick().await;
        let started = std::time::Instant::now();
        match sweep(&db, super::now() - keep, &|_| {}).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                deleted = n,
                seconds = started.elapsed().as_secs_f64(),
                "deleted scans older than the retention"
            ),
            Err(e) => {
                tracing::warn!(error = %e.into_anyhow(), "deleting old scans failed; next sweep tomorrow")
            }
        }
    }
}
