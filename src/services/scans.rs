//! Recording scans, for copy detection.
//!
//! Scans go through one writer task that commits every scan waiting at that moment in one
//! transaction (group commit, as for diary appends), then reads back each stamp's counters and
//! recent scan times (they include other nodes' scans) into an in-memory view.
//!
//! A page answers from that view when it is fresh: the stamp's view was synced by a commit less
//! than [`FRESH`] ago. The scan is then counted in memory and queued; the page does not wait
//! for its commit. It also trusts the log's size the writer read (or the diary writer
//! committed since, [`SettledSize`]) when that is less than [`FRESH`] old and no ledger entry
//! was written by this process since; otherwise it reads the size (one read for the requests
//! asking meanwhile), so a void or recall made here shows at once. A stamp not scanned in the
//! last second is counted from the row its request read, or else waits for the commit, as
//! every scan did before. A scan is answered before its commit only once it is written to
//! this node's journal ([`super::scan_journal`]): a crash of the process loses no scan it
//! answered, as the next start stores what the journal holds (a crash of the machine may lose
//! the last moments' scans, which were never flushed to disk). On PostgreSQL each commit
//! announces its stamps to the other nodes, which drop their views of them
//! ([`super::scan_news`]), so scans on several nodes are counted together within a commit's
//! time. The trade-off, chosen for throughput under load: a change made on another node (a
//! PIN claim, a void) reaches this node's pages within a second. Sharded locks, held for a few
//! instructions: requests are never serialised behind one lock.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::scan;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use tokio::sync::{Notify, mpsc, oneshot};
use uuid::Uuid;

use anyhow::Context;

use super::log_size::{Settled, SettledSize};
use super::scan_journal::Journal;
use crate::db::Db;
use crate::domain::local_time::day_of;
use crate::error::AppError;
use crate::metrics::ScanWriterCounters;

/// Most scans committed in one transaction.
pub const MAX_GROUP: usize = 1024;
/// Scans queued for the writer at most; past it a page waits for room. Two groups: enough to
/// gather the next while one commits, and when the writer is saturated a page waits for at
/// most about two commits rather than a long queue.
const QUEUE: usize = 2 * MAX_GROUP;
/// How long scans answered from memory may gather after a commit before the next one.
pub const GATHER: std::time::Duration = std::time::Duration::from_millis(10);
/// How old the in-memory view may be for a page to answer from it.
pub const FRESH: std::time::Duration = std::time::Duration::from_secs(1);
const SHARDS: usize = 32;
/// Views kept per shard before stale ones are dropped.
const SHARD_SOFT_CAP: usize = 4096;

pub use super::scan_rows::{Counters, Live, ScanJob};

/// What storing a scan tells the page: the counters with this scan, the recent windows, and
/// the ledger's size as the writer last saw it (which tells whether a cached resolution is
/// still current, without a read of its own).
#[derive(Debug, Clone, Copy)]
pub struct Stored {
    pub live: Live,
    pub recent: Recent,
    /// `None` when this process appended to the log since the writer read its size (only for
    /// a scan counted from the row its request read): the page reads the size itself.
    pub ledger_size: Option<u64>,
}

type Reply = oneshot::Sender<Result<Stored, AppError>>;

enum Msg {
    /// A scan; with its journal segment when it was written there, and a reply when the page
    /// waits for its commit.
    Scan(ScanJob, Option<u64>, Option<Reply>),
    /// Answered once every scan queued before it is committed.
    Flush(oneshot::Sender<()>),
}

impl Msg {
    /// Somebody waits for this message's commit.
    fn waits(&self) -> bool {
        !matches!(self, Msg::Scan(_, _, None))
    }
}

/// A stamp as the last commit saw it, plus the scans answered from memory since.
struct Seen {
    live: Live,
    /// Scan times in the last 7 days, newest first, up to the larger threshold.
    recent: Vec<DateTime<Utc>>,
    /// Scans answered from memory and queued, not yet committed, oldest first.
    pending: VecDeque<DateTime<Utc>>,
    synced: Instant,
}

impl Seen {
    fn fresh(&self) -> bool {
        self.synced.elapsed() < FRESH
    }

    fn live(&self) -> Live {
        Live {
            scan_count: self.live.scan_count + self.pending.len() as i64,
            first_scanned_at: self.live.first_scanned_at.or(self.pending.front().copied()),
            claimed_at: self.live.claimed_at,
        }
    }
}

/// The in-memory views and what the writer last read of the log.
struct Views {
    shards: Vec<Mutex<HashMap<String, Seen>>>,
    /// The log's size the writer read after its last commit, or the diary writer's since.
    settled: Arc<SettledSize>,
    thresholds: Thresholds,
    /// Notifications of other nodes' scans heard (services/scan_news.rs).
    heard: AtomicU64,
}

impl Views {
    fn shard(&self, serial: &str) -> &Mutex<HashMap<String, Seen>> {
        use std::hash::{Hash, Hasher};
        // `DefaultHasher::new()` has fixed keys: a serial's shard never changes.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        serial.hash(&mut h);
        &self.shards[(h.finish() as usize) % SHARDS]
    }

    /// The log's size as last settled, when a page may trust it ([`SettledSize::fresh`]).
    fn fresh_size(&self) -> Option<u64> {
        self.settled.fresh(FRESH)
    }

    /// Counts the scan in memory and answers it, when the stamp's view is fresh. The log's
    /// size comes with it only when the settled one is fresh too ([`SettledSize::fresh`]: no
    /// ledger entry counted here since); otherwise the page reads the size, with the requests
    /// asking meanwhile (services/log_size.rs), so a void or recall made here shows at once.
    fn answer(&self, job: &ScanJob) -> Option<Stored> {
        let mut shard = self.shard(&job.serial).lock().ok()?;
        let seen = shard.get_mut(&job.serial).filter(|s| s.fresh())?;
        seen.pending.push_back(job.at);
        // The pending scans are from the last moments: in both windows, no need to look at them.
        let pending = seen.pending.len() as u64;
        Some(Stored {
            live: seen.live(),
            recent: tally_with(
                seen.recent.iter().copied(),
                pending,
                job.at,
                self.thresholds,
            ),
            ledger_size: self.fresh_size(),
        })
    }

    /// Makes these stamps' views stale: their next scan waits for a commit.
    fn forget(&self, serials: &mut dyn Iterator<Item = &str>) {
        let stale = Instant::now() - FRESH;
        for serial in serials {
            if let Ok(mut shard) = self.shard(serial).lock()
                && let Some(seen) = shard.get_mut(serial)
            {
                seen.synced = stale;
            }
        }
    }

    /// Makes every view stale.
    fn forget_all(&self) {
        let stale = Instant::now() - FRESH;
        for shard in &self.shards {
            if let Ok(mut shard) = shard.lock() {
                for seen in shard.values_mut() {
                    seen.synced = stale;
                }
            }
        }
    }

    /// Counts a scan of a stamp whose row (`row`, read by this request) holds its counters
    /// and latest scan times, in a new view: nothing is gained by waiting for the commit, which
    /// would read the same. A view already there (a scan of the stamp answered or committed
    /// since the row was read) wins. The log's size is given only when it is fresh.
    fn answer_read(&self, job: &ScanJob, row: Counters) -> Option<Stored> {
        let mut shard = self.shard(&job.serial).lock().ok()?;
        if let Some(seen) = shard.get(&job.serial)
            && (seen.fresh() || !seen.pending.is_empty())
        {
            drop(shard);
            return self.answer(job);
        }
        let seen = Seen {
            live: row.live,
            recent: row.recent,
            pending: VecDeque::from([job.at]),
            synced: Instant::now(),
        };
        let stored = Stored {
            live: seen.live(),
            recent: tally_with(seen.recent.iter().copied(), 1, job.at, self.thresholds),
            ledger_size: self.fresh_size(),
        };
        shard.insert(job.serial.clone(), seen);
        Some(stored)
    }
}

#[derive(Clone)]
pub struct ScanWriter {
    queue: mpsc::Sender<Msg>,
    /// Ends the writer's gathering: somebody waits for a commit.
    hurry: Arc<Notify>,
    views: Arc<Views>,
    /// Set when the server starts ([`ScanWriter::open_journal`]); without it (a command-line
    /// run) every scan waits for its commit.
    journal: Arc<OnceLock<Journal>>,
    db: Db,
    /// This process's name in the scans it announces to the other nodes (services/scan_news.rs).
    node: Arc<str>,
    /// Counts the scans that found the queue full.
    queue_full: prometheus_client::metrics::counter::Counter,
}

impl ScanWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(db: Db, thresholds: Thresholds, counters: ScanWriterCounters) -> Self {
        let (queue, mut rx) = mpsc::channel::<Msg>(QUEUE);
        let views = Arc::new(Views {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            settled: Arc::default(),
            thresholds,
            heard: AtomicU64::new(0),
        });
        let task_views = views.clone();
        let hurry = Arc::new(Notify::new());
        let task_hurry = hurry.clone();
        let journal: Arc<OnceLock<Journal>> = Arc::default();
        let (task_journal, task_db) = (journal.clone(), db.clone());
        let node: Arc<str> = uuid::Uuid::new_v4().simple().to_string().into();
        let task_node = node.clone();
        let task_counters_full = counters.queue_full.clone();
        tokio::spawn(async move {
            let mut last_commit = tokio::time::Instant::now();
            while let Some(first) = rx.recv().await {
                let mut group = vec![first];
                drain(&mut rx, &mut group);
                // Scans answered from memory gather until `GATHER` after the last commit began, so
                // that under load a commit takes hundreds of scans, not a handful, and the
                // writer is not woken for each. A full group, a page that waits for its
                // commit, or a flush ends the gathering at once (their senders notify `hurry`).
                if group.len() < MAX_GROUP && !group.iter().any(Msg::waits) {
                    tokio::select! {
                        () = tokio::time::sleep_until(last_commit + GATHER) => {}
                        () = task_hurry.notified() => {}
                    }
                    drain(&mut rx, &mut group);
                }
                last_commit = tokio::time::Instant::now();
                let stored =
                    commit(&task_db, &task_views, task_journal.get(), &task_node, group).await;
                counters.scans.inc_by(stored as u64);
                counters
                    .commit_seconds
                    .observe(last_commit.elapsed().as_secs_f64());
            }
        });
        Self {
            queue,
            views,
            hurry,
            journal,
            db,
            node,
            queue_full: task_counters_full,
        }
    }

    /// Listens for the stamps other nodes scan, and drops this node's views of them
    /// (PostgreSQL; a SQLite database serves one node).
    pub fn listen_to_other_nodes(&self) {
        if self.db.read().get_database_backend() != sea_orm::DbBackend::Postgres {
            return;
        }
        let pool = self.db.read().get_postgres_connection_pool().clone();
        let (views, missed) = (self.views.clone(), self.views.clone());
        tokio::spawn(super::scan_news::listen(
            pool,
            self.node.to_string(),
            move |serials| {
                views.forget(serials);
                views.heard.fetch_add(1, Ordering::Relaxed);
            },
            move || missed.forget_all(),
        ));
    }

    /// Opens this node's scan journal: stores the scans a crashed process left in it (those
    /// the database does not hold yet), then lets scans be answered before their commit.
    /// Returns how many scans were stored again.
    pub async fn open_journal(&self, dir: &std::path::Path) -> anyhow::Result<usize> {
        let (journal, left) = Journal::open(dir)?;
        if left.unreadable > 0 {
            tracing::warn!(
                lines = left.unreadable,
                dir = %dir.display(),
                "lines of the scan journal could not be read (cut short by a machine crash?)"
            );
        }
        let restored = match restore(&self.db, &left.jobs, self.views.thresholds, &self.node).await
        {
            Ok(n) => {
                for file in &left.files {
                    std::fs::remove_file(file).with_context(|| {
                        format!("deleting the scan journal segment {}", file.display())
                    })?;
                }
                n
            }
            Err(e) => {
                // Kept for the next start; this node journals into new segments meanwhile.
                tracing::error!(
                    error = %e.into_anyhow(),
                    scans = left.jobs.len(),
                    dir = %dir.display(),
                    "storing the scans left in the journal failed; they are kept for the next start"
                );
                0
            }
        };
        if restored > 0 {
            tracing::warn!(
                scans = restored,
                "stored scans the last process answered and had not committed"
            );
        }
        self.journal
            .set(journal)
            .map_err(|_| anyhow::anyhow!("the scan journal is already open"))?;
        Ok(restored)
    }

    /// Records a scan; returns the stamp's counters with it and its recent scans — from memory
    /// when the view is fresh (the scan is committed shortly after), otherwise once committed.
    ///
    /// A scan is answered before its commit only once it is in the journal, so a crash of
    /// the process loses none that was answered.
    ///
    /// `row`: the stamp's counters and latest times as this request read them from the
    /// database, when it did (a stamp not seen lately); the scan is then answered at once too.
    pub async fn record(&self, job: ScanJob, row: Option<Counters>) -> Result<Stored, AppError> {
        let stopped = || AppError::Unavailable(anyhow::anyhow!("the scan writer has stopped"));
        let segment = self.journal.get().and_then(|j| match j.append(&job) {
            Ok(segment) => Some(segment),
            Err(e) => {
                tracing::warn!(error = %e, "writing a scan to the journal failed; it waits for its commit");
                None
            }
        });
        let answered = || match row {
            Some(row) => self.views.answer_read(&job, row),
            None => self.views.answer(&job),
        };
        if segment.is_some()
            && let Some(stored) = answered()
        {
            self.enqueue(Msg::Scan(job, segment, None))
                .await
                .map_err(|_| stopped())?;
            return Ok(stored);
        }
        let (tx, rx) = oneshot::channel();
        self.enqueue(Msg::Scan(job, segment, Some(tx)))
            .await
            .map_err(|_| stopped())?;
        self.hurry.notify_one();
        rx.await
            .map_err(|_| AppError::Unavailable(anyhow::anyhow!("the scan writer dropped a scan")))?
    }

    /// Queues a message for the writer, waiting for room when the queue is full (counted).
    async fn enqueue(&self, msg: Msg) -> Result<(), ()> {
        match self.queue.try_send(msg) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(msg)) => {
                self.queue_full.inc();
                self.queue.send(msg).await.map_err(|_| ())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(()),
        }
    }

    /// The log's size the writer read after its last commit, or the diary writer committed
    /// since, when that is fresh (less than [`FRESH`] ago, and this process has counted no entry
    /// since): a page may trust it as it trusts the views, instead of reading the log's head.
    pub fn fresh_ledger_size(&self) -> Option<u64> {
        self.views.fresh_size()
    }

    /// Where the diary writer offers the log sizes it commits ([`SettledSize`]).
    pub fn settled(&self) -> Arc<SettledSize> {
        self.views.settled.clone()
    }

    /// The stamp's counters merged with scans answered from memory and not yet committed
    /// (`db` was read from the database).
    pub fn live(&self, serial: &str, db: Live) -> Live {
        let Ok(shard) = self.views.shard(serial).lock() else {
            return db;
        };
        match shard.get(serial).filter(|s| s.fresh()) {
            Some(seen) => {
                let mem = seen.live();
                Live {
                    scan_count: Ord::max(db.scan_count, mem.scan_count),
                    first_scanned_at: db.first_scanned_at.or(mem.first_scanned_at),
                    claimed_at: db.claimed_at,
                }
            }
            None => db,
        }
    }

    /// Whether this node holds a fresh view of the stamp's counters (a scan of it is then
    /// counted from memory).
    pub fn has_fresh_view(&self, serial: &str) -> bool {
        self.views
            .shard(serial)
            .lock()
            .is_ok_and(|shard| shard.get(serial).is_some_and(Seen::fresh))
    }

    /// Drops the in-memory view of a stamp whose row changed outside the writer (a PIN claim):
    /// its next scan waits for a commit and sees the row as it is.
    pub fn forget(&self, serial: &str) {
        self.views.forget(&mut std::iter::once(serial));
    }

    /// How many notifications of other nodes' scans this node has heard.
    pub fn heard(&self) -> u64 {
        self.views.heard.load(Ordering::Relaxed)
    }

    /// Waits until every scan queued so far is committed (at shutdown).
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.queue.send(Msg::Flush(tx)).await.is_ok() {
            self.hurry.notify_one();
            let _ = rx.await;
        }
    }
}

/// Adds what waits in the queue to `group`, up to [`MAX_GROUP`].
fn drain(rx: &mut mpsc::Receiver<Msg>, group: &mut Vec<Msg>) {
    while group.len() < MAX_GROUP {
        match rx.try_recv() {
            Ok(next) => group.push(next),
            Err(_) => break,
        }
    }
}

/// Commits a group of scans, refreshes the views of their stamps, tells the journal which
/// of its scans are committed, and answers the pages that wait and the flushes. Returns how
/// many scans it committed (none when the group failed).
async fn commit(
    db: &Db,
    views: &Views,
    journal: Option<&Journal>,
    node: &str,
    group: Vec<Msg>,
) -> usize {
    let mut jobs = Vec::with_capacity(group.len());
    let mut replies = Vec::new();
    let mut flushes = Vec::new();
    let mut segments = Vec::new();
    let mut stored = 0;
    for msg in group {
        match msg {
            Msg::Scan(job, segment, reply) => {
                if let Some(r) = reply {
                    replies.push((jobs.len(), r));
                }
                segments.extend(segment);
                jobs.push(job);
            }
            Msg::Flush(done) => flushes.push(done),
        }
    }
    if !jobs.is_empty() {
        let appends = super::ledger::LOCAL_APPENDS.load(Ordering::SeqCst);
        let mut waits = vec![false; jobs.len()];
        for (i, _) in &replies {
            waits[*i] = true;
        }
        // A failed group rolled back as a whole; one retry rides out a transient failure (on
        // PostgreSQL, a deadlock with another node's writer counting the same stamps).
        let result = match store(db, &jobs, views.thresholds, node).await {
            Err(e) => {
                tracing::warn!(scans = jobs.len(), error = %e, "storing scans failed, retrying");
                store(db, &jobs, views.thresholds, node).await
            }
            ok => ok,
        };
        // Scans answered from memory, by stamp: now committed (or lost), no longer pending.
        let mut answered: BTreeMap<&str, usize> = BTreeMap::new();
        for (j, _) in jobs.iter().zip(&waits).filter(|(_, w)| !**w) {
            *answered.entry(j.serial.as_str()).or_default() += 1;
        }
        match &result {
            Ok((synced, ledger_size)) => {
                stored = jobs.len();
                if let Some(journal) = journal {
                    journal.committed(segments);
                }
                for (serial, (live, recent)) in synced {
                    let Ok(mut shard) = views.shard(serial).lock() else {
                        continue;
                    };
                    let seen = shard.entry(serial.clone()).or_insert_with(|| Seen {
                        live: *live,
                        recent: Vec::new(),
                        pending: VecDeque::new(),
                        synced: Instant::now(),
                    });
                    for _ in 0..answered.get(serial.as_str()).copied().unwrap_or(0) {
                        seen.pending.pop_front();
                    }
                    seen.live = *live;
                    seen.recent.clone_from(recent);
                    seen.synced = Instant::now();
                    if shard.len() > SHARD_SOFT_CAP {
                        shard.retain(|_, s| s.fresh() || !s.pending.is_empty());
                    }
                }
                views.settled.offer(Settled {
                    appends,
                    size: *ledger_size,
                    at: Instant::now(),
                });
            }
            Err(e) => {
                // Their lines stay in the journal: the next start stores them.
                tracing::error!(scans = jobs.len(), error = %e, "storing scans failed; the journal keeps them for the next start");
                for serial in answered.keys() {
                    if let Ok(mut shard) = views.shard(serial).lock() {
                        shard.remove(*serial);
                    }
                }
            }
        }
        for (i, reply) in replies {
            let job = &jobs[i];
            let _ = reply.send(match &result {
                Ok((synced, ledger_size)) => synced
                    .get(&job.serial)
                    .map(|(live, recent)| Stored {
                        live: *live,
                        recent: tally(recent.iter().copied(), job.at, views.thresholds),
                        ledger_size: Some(*ledger_size),
                    })
                    .ok_or_else(|| {
                        AppError::internal(anyhow::anyhow!("scan of {} not stored", job.serial))
                    }),
                Err(_) => Err(AppError::Unavailable(anyhow::anyhow!(
                    "storing the scan failed"
                ))),
            });
        }
    }
    if !flushes.is_empty()
        && let Some(journal) = journal
    {
        journal.close();
    }
    for done in flushes {
        let _ = done.send(());
    }
    stored
}

/// Stores the scans among `jobs` that the database does not hold (found by id, within the
/// time range of the chunk looked at: the rows are kept by time); returns how many.
async fn restore(
    db: &Db,
    jobs: &[ScanJob],
    thresholds: Thresholds,
    node: &str,
) -> Result<usize, AppError> {
    let mut missing = Vec::new();
    for chunk in jobs.chunks(64) {
        let (Some(from), Some(to)) = (
            chunk.iter().map(|j| j.at).min(),
            chunk.iter().map(|j| j.at).max(),
        ) else {
            continue;
        };
        let slack = Duration::seconds(1);
        let held: std::collections::HashSet<uuid::Uuid> = scan::Entity::find()
            .select_only()
            .column(scan::Column::Id)
            .filter(scan::Column::ScannedAt.between(from - slack, to + slack))
            .filter(scan::Column::Id.is_in(chunk.iter().map(|j| j.id)))
            .into_tuple::<uuid::Uuid>()
            .all(db.read())
            .await?
            .into_iter()
            .collect();
        missing.extend(chunk.iter().filter(|j| !held.contains(&j.id)).cloned());
    }
    for group in missing.chunks(MAX_GROUP) {
        store(db, group, thresholds, node).await?;
    }
    Ok(missing.len())
}

/// Each stamp's counters and recent scan times after the commit, and the log's size.
type Synced = (BTreeMap<String, (Live, Vec<DateTime<Utc>>)>, u64);

async fn store(
    db: &Db,
    jobs: &[ScanJob],
    thresholds: Thresholds,
    node: &str,
) -> Result<Synced, AppError> {
    let txn = db.write_txn().await?;
    super::scan_rows::insert(&txn, jobs).await?;
    // Each stamp's scans in this group, newest first.
    let mut per_stamp: BTreeMap<&str, Vec<DateTime<Utc>>> = BTreeMap::new();
    for j in jobs {
        per_stamp.entry(&j.serial).or_default().push(j.at);
    }
    let keep = Ord::max(Ord::max(thresholds.per_day, thresholds.per_week), 1) as usize;
    let counts: Vec<_> = per_stamp
        .iter_mut()
        .map(|(serial, times)| {
            times.sort_unstable_by(|a, b| b.cmp(a));
            super::scan_rows::Count {
                serial,
                scans: times.len() as i64,
                first: times.last().copied().unwrap_or_else(super::now),
                latest: times,
            }
        })
        .collect();
    // Each stamp's counters and latest times come back from the statement that adds to them:
    // copy detection reads no scan rows.
    let counted = super::scan_rows::count(&txn, &counts, keep).await?;
    // The batches' counts per day (in Vietnam) for the console's chart, in the same commit.
    let mut days: BTreeMap<(Uuid, NaiveDate), i64> = BTreeMap::new();
    for j in jobs {
        if let Some(c) = counted.get(&j.serial) {
            *days.entry((c.batch_id, day_of(j.at))).or_default() += 1;
        }
    }
    let days: Vec<_> = days.into_iter().map(|((b, d), n)| (b, d, n)).collect();
    super::scan_rows::add_days(&txn, &days).await?;
    // The other nodes drop their views of these stamps when this transaction commits.
    super::scan_news::announce(&txn, node, per_stamp.keys().copied()).await?;
    let mut out = BTreeMap::new();
    let mut alerts = Vec::new();
    for (serial, mut times) in per_stamp {
        let at = times[0];
        let Some(c) = counted.get(serial) else {
            times.truncate(keep);
            out.insert(serial.to_owned(), (Live::default(), times));
            continue;
        };
        // Past a threshold: kept for the console's dashboard (a few rows, not a week of scans).
        let r = tally(c.recent.iter().copied(), at, thresholds);
        if r.suspicious {
            alerts.push(super::scan_rows::Alert {
                serial,
                batch_id: c.batch_id,
                at,
                day_scans: r.last_24h,
                week_scans: r.last_7d,
            });
        }
        out.insert(serial.to_owned(), (c.live, c.recent.clone()));
    }
    super::scan_rows::add_alerts(&txn, &alerts).await?;
    txn.commit().await?;
    // The log's size goes with the views. An append this node counted before the group began
    // may not have committed yet (PostgreSQL): read inside the transaction, its entry could be
    // missing from a size the pages then trust for a second (a void acknowledged here, not
    // shown here). The settled size, read after the commit, waits for it.
    let ledger_size = super::ledger::settled_size(db.read()).await?;
    Ok((out, ledger_size))
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

/// The recent windows of scans at `times`, as of `now`, counted up to the thresholds.
pub fn tally(
    times: impl Iterator<Item = DateTime<Utc>>,
    now: DateTime<Utc>,
    t: Thresholds,
) -> Recent {
    tally_with(times, 0, now, t)
}

/// [`tally`] of `times` plus `latest` scans made in the last moments (so in both windows).
fn tally_with(
    times: impl Iterator<Item = DateTime<Utc>>,
    latest: u64,
    now: DateTime<Utc>,
    t: Thresholds,
) -> Recent {
    let (week_ago, day_ago) = (now - Duration::days(7), now - Duration::hours(24));
    let (mut last_24h, mut last_7d) = (latest, latest);
    for at in times {
        if at >= week_ago {
            last_7d += 1;
        }
        if at >= day_ago {
            last_24h += 1;
        }
    }
    let (last_24h, last_7d) = (
        Ord::min(last_24h, Ord::max(t.per_day, 1)),
        Ord::min(last_7d, Ord::max(t.per_week, 1)),
    );
    Recent {
        last_24h,
        last_7d,
        suspicious: last_24h >= t.per_day || last_7d >= t.per_week,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_up_to_their_thresholds() {
        let now = Utc::now();
        let t = Thresholds::default();
        let times = [
            now,
            now - Duration::hours(1),
            now - Duration::hours(30),
            now - Duration::days(8),
        ];
        let r = tally(times.into_iter(), now, t);
        assert_eq!((r.last_24h, r.last_7d, r.suspicious), (2, 3, false));
        let many = (0..50).map(|i| now - Duration::minutes(i));
        let r = tally(many, now, t);
        assert_eq!((r.last_24h, r.last_7d, r.suspicious), (3, 10, true));
        let r = tally_with([now - Duration::days(2)].into_iter(), 2, now, t);
        assert_eq!((r.last_24h, r.last_7d, r.suspicious), (2, 3, false));
        let r = tally_with(std::iter::empty(), 500, now, t);
        assert_eq!((r.last_24h, r.last_7d, r.suspicious), (3, 10, true));
    }

    #[test]
    fn a_view_counts_scans_answered_from_memory() {
        let now = Utc::now();
        let mut seen = Seen {
            live: Live {
                scan_count: 5,
                first_scanned_at: None,
                claimed_at: None,
            },
            recent: vec![],
            pending: VecDeque::new(),
            synced: Instant::now(),
        };
        seen.pending.extend([now, now]);
        let live = seen.live();
        assert_eq!((live.scan_count, live.first_scanned_at), (7, Some(now)));
        assert!(seen.fresh());
        seen.synced = Instant::now() - FRESH;
        assert!(!seen.fresh());
    }
}
