//! Group commit for diary appends.
//!
//! One task per process takes append requests from a queue and commits every request waiting
//! at that moment (up to [`MAX_GROUP`]) in one transaction via
//! [`events::append_group`](super::events::append_group). Under load, many appends share
//! one `BEGIN`/`COMMIT` and one read and write of the log head. With no load, a request is
//! committed alone at once, with no added delay.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::events::{self, EventJob, Recorded};
use super::log_size::SettledSize;
use crate::db::Db;
use crate::error::AppError;

/// Most appends committed in one transaction.
pub const MAX_GROUP: usize = 64;

type Request = (EventJob, oneshot::Sender<Result<Recorded, AppError>>);

#[derive(Clone)]
pub struct DiaryWriter {
    queue: mpsc::Sender<Request>,
}

impl DiaryWriter {
    /// Starts the writer task on the current runtime; it offers the log's size after each
    /// commit to `settled` (the scan pages' copy).
    pub fn start(db: Db, settled: Arc<SettledSize>) -> Self {
        let (queue, mut rx) = mpsc::channel::<Request>(1024);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match rx.try_recv() {
                        Ok(next) => group.push(next),
                        Err(_) => break,
                    }
                }
                let (jobs, replies): (Vec<EventJob>, Vec<_>) = group.into_iter().unzip();
                let (results, size) = events::append_group(&db, jobs).await;
                if let Some(size) = size {
                    settled.offer(size);
                }
                for (reply, result) in replies.into_iter().zip(results) {
                    // The requester may have gone away (client disconnected); the append stands.
                    let _ = reply.send(result);
                }
            }
        });
        Self { queue }
    }

    pub async fn append(&self, job: EventJob) -> Result<Recorded, AppError> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .send((job, tx))
            .await
            .map_err(|_| AppError::Unavailable(anyhow::anyhow!("the diary writer has stopped")))?;
        rx.await.map_err(|_| {
            AppError::Unavailable(anyhow::anyhow!("the diary writer dropped a request"))
        })?
    }
}
