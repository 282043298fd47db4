//! Recording scans, for copy detection.
//!
//! A scan page waits for its scan to be stored, so what it shows counts it. Scans go through
//! one writer task that commits every scan waiting at that moment in one transaction (group
//! commit, as for diary appends): under load, many pages share one commit instead of queueing
//! one write each behind SQLite's single writer.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use entity::{scan, stamp};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::db::Db;
use crate::error::AppError;

/// Most scans committed in one transaction.
pub const MAX_GROUP: usize = 256;

/// One scan to store.
#[derive(Debug, Clone)]
pub struct ScanJob {
    pub serial: String,
    pub at: DateTime<Utc>,
    pub client_hash: [u8; 32],
    pub language: &'static str,
}

/// A stamp's counters as they are now (they are not in the ledger, so never cached).
#[derive(Debug, Clone, Copy, Default)]
pub struct Live {
    pub scan_count: i64,
    pub first_scanned_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
}

impl Live {
    pub fn of(s: &stamp::Model) -> Self {
        Self {
            scan_count: s.scan_count,
            first_scanned_at: s.first_scanned_at,
            claimed_at: s.claimed_at,
        }
    }
}

/// What storing a scan tells the page: the counters with this scan, the recent windows, and
/// the ledger's size as the writer saw it (which tells whether a cached resolution is still
/// current, without a read of its own).
#[derive(Debug, Clone, Copy)]
pub struct Stored {
    pub live: Live,
    pub recent: Recent,
    pub ledger_size: u64,
}

type Request = (ScanJob, oneshot::Sender<Result<Stored, AppError>>);

#[derive(Clone)]
pub struct ScanWriter {
    queue: mpsc::Sender<Request>,
}

impl ScanWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(db: Db, thresholds: Thresholds) -> Self {
        let (queue, mut rx) = mpsc::channel::<Request>(4096);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match rx.try_recv() {
                        Ok(next) => group.push(next),
                        Err(_) => break,
                    }
                }
                let (jobs, replies): (Vec<ScanJob>, Vec<_>) = group.into_iter().unzip();
                let result = store(&db, &jobs, thresholds).await;
                if let Err(e) = &result {
                    tracing::error!(scans = jobs.len(), error = %e, "storing scans failed");
                }
                for (job, reply) in jobs.iter().zip(replies) {
                    let _ = reply.send(match &result {
                        Ok(by_serial) => {
                            by_serial.get(job.serial.as_str()).copied().ok_or_else(|| {
                                AppError::internal(anyhow::anyhow!(
                                    "scan of {} not stored",
                                    job.serial
                                ))
                            })
                        }
                        Err(_) => Err(AppError::Unavailable(anyhow::anyhow!(
                            "storing the scan failed"
                        ))),
                    });
                }
            }
        });
        Self { queue }
    }

    /// Stores a scan; returns once it is committed, with the stamp's counters and recent scans.
    pub async fn record(&self, job: ScanJob) -> Result<Stored, AppError> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .send((job, tx))
            .await
            .map_err(|_| AppError::Unavailable(anyhow::anyhow!("the scan writer has stopped")))?;
        rx.await
            .map_err(|_| AppError::Unavailable(anyhow::anyhow!("the scan writer dropped a scan")))?
    }
}

async fn store(
    db: &Db,
    jobs: &[ScanJob],
    thresholds: Thresholds,
) -> Result<BTreeMap<String, Stored>, AppError> {
    let txn = db.write_txn().await?;
    let rows = jobs.iter().map(|j| {
        scan::Model {
            id: Uuid::now_v7(),
            serial: j.serial.clone(),
            scanned_at: j.at,
            client_hash: j.client_hash.to_vec(),
            language: j.language.to_owned(),
        }
        .into_active_model()
    });
    scan::Entity::insert_many(rows).exec(&txn).await?;
    let mut per_stamp: BTreeMap<&str, (i64, DateTime<Utc>)> = BTreeMap::new();
    for j in jobs {
        let e = per_stamp.entry(&j.serial).or_insert((0, j.at));
        e.0 += 1;
        e.1 = Ord::min(e.1, j.at);
    }
    let ledger_size = super::ledger::head(&txn, false).await?.size;
    let mut out = BTreeMap::new();
    for (serial, (n, first)) in per_stamp {
        stamp::Entity::update_many()
            .col_expr(
                stamp::Column::ScanCount,
                Expr::col(stamp::Column::ScanCount).add(n),
            )
            .col_expr(
                stamp::Column::FirstScannedAt,
                Expr::col(stamp::Column::FirstScannedAt).if_null(first),
            )
            .filter(stamp::Column::Serial.eq(serial))
            .exec(&txn)
            .await?;
        let live = stamp::Entity::find_by_id(serial.to_owned())
            .one(&txn)
            .await?
            .map(|s| Live::of(&s))
            .unwrap_or_default();
        let latest = jobs
            .iter()
            .filter(|j| j.serial == serial)
            .map(|j| j.at)
            .max()
            .unwrap_or(first);
        let counts = recent(&txn, serial, latest, thresholds).await?;
        out.insert(
            serial.to_owned(),
            Stored {
                live,
                recent: counts,
                ledger_size,
            },
        );
    }
    txn.commit().await?;
    Ok(out)
}

/// When a stamp's scans look like a copied code.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// Scans within 24 hours that trigger the warning (default 3).
    pub per_day: u64,
    /// Scans within 7 days that trigger the warning (default 10).
    pub per_week: u64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            per_day: 3,
            per_week: 10,
        }
    }
}

/// Scans of a stamp in the recent windows, counted up to the thresholds (a hot stamp's count
/// never scans more rows than the threshold).
#[derive(Debug, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
pub struct Recent {
    pub last_24h: u64,
    pub last_7d: u64,
    /// Past a threshold: the page warns that the stamp may be copied.
    pub suspicious: bool,
}

pub async fn recent<C: ConnectionTrait>(
    conn: &C,
    serial: &str,
    now: DateTime<Utc>,
    t: Thresholds,
) -> Result<Recent, AppError> {
    let window = |since: DateTime<Utc>, cap: u64| {
        scan::Entity::find()
            .filter(scan::Column::Serial.eq(serial))
            .filter(scan::Column::ScannedAt.gte(since))
            .limit(cap)
    };
    let last_24h = window(now - Duration::hours(24), Ord::max(t.per_day, 1))
        .count(conn)
        .await?;
    let last_7d = window(now - Duration::days(7), Ord::max(t.per_week, 1))
        .count(conn)
        .await?;
    Ok(Recent {
        last_24h,
        last_7d,
        suspicious: last_24h >= t.per_day || last_7d >= t.per_week,
    })
}
