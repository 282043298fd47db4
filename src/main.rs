//! The `ocop-trace` binary: parses the command line and runs it.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    ocop_trace::cli::run(ocop_trace::cli::Cli::parse()).await
}
