//! Background tasks counted while they run, so that a caller can wait until none is left: the
//! outbox's requeues after a change, a print file kept after its response's last byte.
//! Shutdown and tests wait on [`InFlight::idle`] instead of sleeping.

use std::sync::Arc;

/// Background tasks counted while they run, so that a caller can wait until none is left.
#[derive(Clone, Debug)]
pub struct InFlight(Arc<tokio::sync::watch::Sender<usize>>);

impl Default for InFlight {
    fn default() -> Self {
        Self(Arc::new(tokio::sync::watch::channel(0).0))
    }
}

impl InFlight {
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        /// Counts the task out however it ends (done, panicked, aborted).
        struct Out(Arc<tokio::sync::watch::Sender<usize>>);
        impl Drop for Out {
            fn drop(&mut self) {
                self.0.send_modify(|n| *n = n.saturating_sub(1));
            }
        }
        self.0.send_modify(|n| *n += 1);
        let out = Out(self.0.clone());
        tokio::spawn(async move {
            let _out = out;
            task.await;
        });
    }

    /// Completes once no task is running.
    pub async fn idle(&self) {
        let _ = self.0.subscribe().wait_for(|n| *n == 0).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `idle` waits for every task spawned before it, however the task ends.
    #[tokio::test]
    async fn idle_waits_for_the_tasks_in_flight() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let tasks = InFlight::default();
        tasks.idle().await;
        let done = std::sync::Arc::new(AtomicUsize::new(0));
        for i in 0..3 {
            let done = done.clone();
            tasks.spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(20 * i)).await;
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
        tasks.spawn(async { panic!("a task that fails still counts out") });
        tasks.idle().await;
        assert_eq!(done.load(Ordering::SeqCst), 3);
    }
}
