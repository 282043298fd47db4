//! The `ocop-trace` binary: parses the command line and runs it.

use clap::Parser;

/// mimalloc instead of glibc's allocator: a request allocates and frees many small buffers on
/// both worker threads, and glibc's arenas took about a tenth of the scan page's CPU (bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    ocop_trace::cli::run(ocop_trace::cli::Cli::parse()).await
}
