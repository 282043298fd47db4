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
    let (next, delete) = statements(backend);
    let mut after = String::new();
    let (mut deleted, mut visited) = (0, 0);
    loop {
        let slice: Vec<String> = db
            .read()
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                &next,
                [after.clone().into(), before.into(), (SLICE as i64).into()],
            ))
            .await?
            .iter()
            .map(|row| row.try_get::<String>("", "serial"))
            .collect::<Result<_, _>>()?;
        let Some(last) = slice.last().cloned() else {
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
        // The slice's serials as read, bound (the last one repeated to fill the statement's
        // fixed size): the delete neither reads the stamps again nor covers another slice.
        let mut values: Vec<sea_orm::Value> = vec![before.into()];
        values.extend(
            slice
                .iter()
                .chain(std::iter::repeat(&last))
                .take(SLICE as usize)
                .map(|s| s.clone().into()),
        );
        let txn = db.write_txn().await?;
        let done = txn
            .execute_raw(Statement::from_sql_and_values(backend, &delete, values))
            .await?;
        txn.commit().await?;
        deleted += done.rows_affected();
        visited += slice.len() as u64;
        progress(visited, deleted);
        after = last;
    }
}

/// The statement that reads the next slice of stamps scanned before the cut (after a serial,
/// the cut, the slice's size) and the one that deletes their old scans (the cut, then
/// [`SLICE`] serials).
fn statements(backend: DbBackend) -> (String, String) {
    let p = |n: u64| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    };
    let next = format!(
        "SELECT serial FROM stamps WHERE serial > {} AND first_scanned_at < {} \
         ORDER BY serial LIMIT {}",
        p(1),
        p(2),
        p(3)
    );
    let serials: Vec<String> = (2..SLICE + 2).map(p).collect();
    let delete = format!(
        "DELETE FROM scans WHERE serial IN ({}) AND scanned_at < {}",
        serials.join(", "),
        p(1)
    );
    (next, delete)
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
