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

use tokio::sync::{mpsc, oneshot};

use super::ledger;
use crate::db::Db;
use crate::error::AppError;

type Reply = oneshot::Sender<Result<u64, String>>;

pub struct SizeReader {
    queue: mpsc::UnboundedSender<Reply>,
}

impl SizeReader {
    /// Starts the reader on the current runtime.
    pub fn start(db: Db) -> Self {
        let (queue, mut rx) = mpsc::unbounded_channel::<Reply>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                // Everyone queued now asked before this read begins; who asks during it waits
                // for the next.
                let mut waiting = vec![first];
                while let Ok(next) = rx.try_recv() {
                    waiting.push(next);
                }
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
