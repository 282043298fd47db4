//! Heavy work on outside input — decoding an uploaded image, unpacking a workbook — run on
//! tokio's blocking pool, at most one job per core at a time.
//!
//! Each job's memory is bounded by its own limits (pixels, unpacked bytes, rows); this gate
//! bounds how many run at once, so that a burst of concurrent uploads queues instead of
//! multiplying the peak. Jobs wait in arrival order (tokio's semaphore is fair).

use std::sync::LazyLock;

use tokio::sync::Semaphore;

static PERMITS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new(cores)
});

/// Runs `job` on the blocking pool once a permit is free. `None` if the job panicked: a
/// decoder's panic on a malformed file costs that file, not the caller.
pub async fn run<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _permit = PERMITS.acquire().await.ok()?;
    tokio::task::spawn_blocking(job).await.ok()
}
