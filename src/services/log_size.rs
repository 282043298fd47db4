//! Reading the log's size for many requests at once.
//!
//! A page trusts its cached resolutions only up to a log size read after it was asked for
//! (services/resolve_cache.rs). A scan usually takes the size the scan writer read less than a
//! second ago; but after an entry is written on this node (a diary entry, a void) that size
//! cannot vouch for it until the writer's next transaction, and each scan meanwhile read the
//! log's head itself: under 20 diary entries a second that was a read nearly every request,
//! and the distinct-stamp rate halved (bench/RESULTS.md). Here the requests that ask meanwhile
//! share one read. Each gets a read that began after it asked, so it sees every entry
//! committed before it asked, as a read of its own would.

use std::sync::Mutex;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use prometheus_client::metrics::counter::Counter;
use tokio::sync::{mpsc, oneshot};

use super::ledger;
use crate::db::Db;
use crate::error::AppError;

type Reply = oneshot::Sender<Result<u64, String>>;

pub struct SizeReader {
    queue: mpsc::UnboundedSender<Reply>,
}

impl SizeReader {
    /// Starts the reader on the current runtime; `reads` counts its reads.
    pub fn start(db: Db, reads: Counter) -> Self {
        let (queue, mut rx) = mpsc::unbounded_channel::<Reply>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                // Everyone queued now asked before this read begins; who asks during it waits
                // for the next.
                let mut waiting = vec![first];
                while let Ok(next) = rx.try_recv() {
                    waiting.push(next);
                }
                reads.inc();
                let size = ledger::head(db.read(), false)
                    .await
                    .map(|head| head.size)
                    .map_err(|e| e.to_string());
                for reply in waiting {
                    let _ = reply.send(size.clone());
                }
            }
        });
        Self { queue }
    }

    /// The log's size, read after this call began.
    pub async fn size(&self) -> Result<u64, AppError> {
        let gone = || AppError::Unavailable(anyhow::anyhow!("the log size reader has stopped"));
        let (tx, rx) = oneshot::channel();
        self.queue.send(tx).map_err(|_| gone())?;
        rx.await
            .map_err(|_| gone())?
            .map_err(|e| AppError::internal(anyhow::anyhow!("reading the log's size: {e}")))
    }
}

/// The latest log size known to hold every entry this process counted in
/// [`ledger::LOCAL_APPENDS`] before it was read, and when it was read. The scan writer offers
/// one after each commit (read after it), the diary writer after each group of entries it
/// commits (the head it wrote, holding the head's lock: no other entry here was being
/// written). A page may use it instead of reading the size while it is fresh (less than a
/// second old, as the scan writer's views) and nothing was appended here since: so the entries
/// of a busy diary do not send every page to read the size until the scan writer's next commit.
#[derive(Default)]
pub struct SettledSize {
    latest: Mutex<Option<Settled>>,
}

/// A log size and what it is known to hold.
#[derive(Debug, Clone, Copy)]
pub struct Settled {
    /// [`ledger::LOCAL_APPENDS`] when the size was read; every entry counted in it is in it.
    pub appends: u64,
    pub size: u64,
    /// When the size was read.
    pub at: Instant,
}

impl SettledSize {
    /// Keeps `offered` unless the one kept is newer (more entries counted, or as many and a
    /// later read).
    pub fn offer(&self, offered: Settled) {
        let Ok(mut latest) = self.latest.lock() else {
            return;
        };
        let newer = latest.is_none_or(|kept| {
            (offered.appends, offered.size, offered.at) >= (kept.appends, kept.size, kept.at)
        });
        if newer {
            *latest = Some(offered);
        }
    }

    /// The size kept, when a page may trust it: read less than `within` ago, and no entry
    /// counted here since.
    pub fn fresh(&self, within: Duration) -> Option<u64> {
        self.fresh_with(ledger::LOCAL_APPENDS.load(Ordering::SeqCst), within)
    }

    /// [`Self::fresh`] when `appends` entries have been counted here.
    fn fresh_with(&self, appends: u64, within: Duration) -> Option<u64> {
        let kept = (*self.latest.lock().ok()?)?;
        (kept.at.elapsed() < within && kept.appends == appends).then_some(kept.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_settled_size_is_trusted_while_fresh_and_nothing_was_appended_since() {
        let settled = SettledSize::default();
        assert_eq!(settled.fresh_with(0, SECOND), None, "nothing offered yet");
        let now = Instant::now();
        let offer = |appends, size, at| Settled { appends, size, at };
        settled.offer(offer(5, 100, now));
        assert_eq!(settled.fresh_with(5, SECOND), Some(100));
        assert_eq!(
            settled.fresh_with(6, SECOND),
            None,
            "an entry counted since"
        );
        // The scan writer's read that began before the diary writer's commit is older.
        settled.offer(offer(4, 101, now));
        assert_eq!(settled.fresh_with(5, SECOND), Some(100));
        // A later read with as many entries counted (another node's entries in it) wins.
        settled.offer(offer(5, 103, now));
        assert_eq!(settled.fresh_with(5, SECOND), Some(103));
        settled.offer(offer(7, 110, now));
        assert_eq!(settled.fresh_with(7, SECOND), Some(110));
        // Too old to vouch for the other nodes' entries.
        settled.offer(offer(8, 120, now - SECOND));
        assert_eq!(settled.fresh_with(8, SECOND), None);
    }
}
