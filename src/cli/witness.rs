//! `ocop-trace witness`: run a C2SP tlog-witness for other ocop-trace logs (see
//! `crate::witness`).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::witness::Witness;

#[derive(Debug, clap::Args)]
pub struct WitnessArgs {
    /// The witness's name, as logs and shoppers' pages will know it (a URL without scheme,
    /// e.g. `witness.sonnptnt.example.vn/w1`).
    #[arg(long, env = "OCOP_WITNESS_NAME")]
    name: String,
    /// Where the witness keeps its key (`witness.key`), the checkpoints it holds
    /// (`witness-state.json`) and the evidence of conflicting checkpoints (`evidence/`).
    #[arg(long, env = "OCOP_WITNESS_DIR", default_value = "witness")]
    dir: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "OCOP_WITNESS_ADDRESS", default_value = "127.0.0.1:7380")]
    address: String,
    /// A log to follow: its verifier key as it publishes it at
    /// /.well-known/ocop-trace/log-key (`<origin>+<id>+<base64>`). Repeat, or separate with
    /// commas, for several logs.
    #[arg(
        long = "log",
        env = "OCOP_WITNESS_LOGS",
        value_delimiter = ',',
        required = true
    )]
    logs: Vec<String>,
    /// Print the witness's verifier key (creating its key if needed) and exit.
    #[arg(long)]
    print_key: bool,
}

pub async fn run(args: WitnessArgs) -> anyhow::Result<()> {
    let witness = Arc::new(Witness::open(&args.name, &args.dir, &args.logs)?);
    if args.print_key {
        #[allow(clippy::print_stdout)] // The key is this command's output.
        {
            println!("{}", witness.verifier_key());
        }
        return Ok(());
    }
    let listener = TcpListener::bind(&args.address)
        .await
        .with_context(|| format!("listening on {}", args.address))?;
    tracing::info!(
        listen = %args.address,
        key = %witness.verifier_key(),
        logs = args.logs.len(),
        "witness started"
    );
    axum::serve(listener, crate::witness::http::router(witness))
        .await
        .context("serving")
}
