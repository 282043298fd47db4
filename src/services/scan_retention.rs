//! Old scans deleted: each scan's row (its time, client hash and language) is kept for
//! `OCOP_SCAN_KEEP_DAYS`, then deleted once a day, a slice of stamps at a time.
//!
//! What the scans are counted for outlives them: a stamp's `scan_count` and first scan time,
//! and its batch's counts per day (`scan_days`) are kept; copy warnings (`scan_alerts`) go with
//! the scans. Copy warnings read 7 days back, within the shortest retention allowed.
//!
//! The rows are kept by (serial, time), so the sweep walks the stamps that were ever scanned
//! before the cut in serial order and deletes each one's oldest rows off the key: no index on
//! time alone (which every scan would have to update) and no transaction longer than one slice.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::db::Db;
use crate::error::AppError;

/// Stamps a step deletes the old scans of, in one short write transaction.
const SLICE: u64 = 500;

/// How often a node sweeps.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Deletes every scan older than `before`; returns how many. `progress(stamps, deleted)` is
/// told after each slice how many stamps were visited and scans deleted so far.
pub async fn sweep(
    db: &Db,
    before: DateTime<Utc>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<u64, AppError> {
    let backend = db.read().get_database_backend();
    let (next, delete) = match backend {
        DbBackend::Postgres => (
            "SELECT serial FROM stamps WHERE serial > $1 AND first_scanned_at < $2 \
             ORDER BY serial LIMIT $3",
            "DELETE FROM scans WHERE serial IN (SELECT serial FROM stamps WHERE serial > $1 \
             AND first_scanned_at < $2 ORDER BY serial LIMIT $3) AND scanned_at < $2",
        ),
        _ => (
            "SELECT serial FROM stamps WHERE serial > ?1 AND first_scanned_at < ?2 \
             ORDER BY serial LIMIT ?3",
            "DELETE FROM scans WHERE serial IN (SELECT serial FROM stamps WHERE serial > ?1 \
             AND first_scanned_at < ?2 ORDER BY serial LIMIT ?3) AND scanned_at < ?2",
        ),
    };
    let mut after = String::new();
    let (mut deleted, mut visited) = (0, 0);
    loop {
        let values = || vec![after.clone().into(), before.into(), (SLICE as i64).into()];
        // The slice's last serial, read first: the delete then covers exactly that slice.
        let slice = db
            .read()
            .query_all_raw(Statement::from_sql_and_values(backend, next, values()))
            .await?;
        let Some(last) = slice.last() else {
            // Copy warnings as old as the scans deleted go with them (a few rows).
            let cut = match backend {
                DbBackend::Postgres => "DELETE FROM scan_alerts WHERE warned_at < $1",
                _ => "DELETE FROM scan_alerts WHERE warned_at < ?1",
            };
            let txn = db.write_txn().await?;
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                cut,
                [before.into()],
            ))
            .await?;
            txn.commit().await?;
            return Ok(deleted);
        };
        let last: String = last.try_get("", "serial")?;
        let txn = db.write_txn().await?;
        let done = txn
            .execute_raw(Statement::from_sql_and_values(backend, delete, values()))
            .await?;
        txn.commit().await?;
        deleted += done.rows_affected();
        visited += slice.len() as u64;
        progress(visited, deleted);
        after = last;
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
        match sweep(&db, super::now() - keep, &|_, _| {}).await {
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
