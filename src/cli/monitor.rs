//! `ocop-trace monitor <url>`: follow a log from outside through its C2SP tiles and check
//! everything it serves — every entry (a public form hashing to its leaf), every checkpoint's
//! signature and its witnesses' cosignatures, and that each checkpoint extends the one seen
//! before. What was verified is kept in a state file, so the next run reads only new entries.
//!
//! Exit status: 0 when everything holds; 1 when the log misbehaved, with the proof printed
//! (both signed checkpoints, or the entry that was changed); 2 when it could not be checked
//! (the log unreachable, a state file that cannot be read).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::StreamExt;
use signed_note::{Note, StandardVerifier, Verifier, Verifiers};

use crate::ledger::cosignature::CosignatureVerifier;
use crate::ledger::follow::{self, Broken, Seen};
use crate::ledger::hex;
use crate::ledger::merkle::Frontier;
use crate::ledger::tiles::{TileRef, WIDTH, unbundle};

#[derive(Debug, clap::Args)]
pub struct MonitorArgs {
    /// The log's address (its tiles are under `<url>/tile/`), e.g. https://trace.example.vn
    url: url::Url,
    /// What the monitor verified, to continue from on the next run (created on the first).
    #[arg(long, default_value = "ocop-trace-monitor.json")]
    state: PathBuf,
    /// The log's verifier key. Without it, the key the log publishes is taken on the first run
    /// and kept in the state file; a log that later shows another key is reported.
    #[arg(long)]
    log_key: Option<String>,
    /// A witness whose cosignatures to check: its verifier key. Repeat for several.
    #[arg(long = "witness-key")]
    witness_keys: Vec<String>,
    /// How many of those witnesses must have cosigned the checkpoint.
    #[arg(long, default_value_t = 0)]
    quorum: usize,
    /// Keep following, checking again every this many seconds (0: check once and exit).
    #[arg(long, default_value_t = 0)]
    every: u64,
    /// Entry bundles fetched at the same time.
    #[arg(long, default_value_t = 8)]
    parallel: usize,
}

/// How a run ended when it did not fail to check.
enum Outcome {
    Verified { from: u64, to: u64, cosigned: usize },
    Misbehaved(Box<Broken>),
}

pub async fn run(args: MonitorArgs) -> anyhow::Result<()> {
    // HTTPS logs: reqwest's rustls needs a crypto provider (as `startup` installs for serve).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    loop {
        match check_once(&http, &args).await {
            Ok(Outcome::Verified { from, to, cosigned }) => {
                #[allow(clippy::print_stdout)] // The verdict is this command's output.
                {
                    println!(
                        "OK: {} entries verified ({} new), {cosigned} witness cosignature(s)",
                        to,
                        to - from
                    );
                }
            }
            Ok(Outcome::Misbehaved(broken)) => {
                #[allow(clippy::print_stdout)]
                {
                    println!("FAILED: {broken}");
                }
                std::process::exit(1);
            }
            Err(e) => {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("error: could not check the log: {e:#}");
                }
                if args.every == 0 {
                    std::process::exit(2);
                }
            }
        }
        if args.every == 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(args.every)).await;
    }
}

fn under(base: &url::Url, path: &str) -> String {
    crate::urls::url_under(base, path)
}

/// The most read of one answer: a full entry bundle holds 256 entries of at most 65,537 bytes.
const ANSWER_LIMIT: usize = 256 * 65_537;

async fn fetch(http: &reqwest::Client, url: &str) -> anyhow::Result<Vec<u8>> {
    let res = http
        .get(url)
        .send()
        .await
        .with_context(|| format!("GET {url}"))?;
    if !res.status().is_success() {
        bail!("GET {url}: {}", res.status());
    }
    crate::fetch::body_limited(res, ANSWER_LIMIT)
        .await
        .with_context(|| format!("GET {url}"))
}

fn read_state(path: &Path) -> anyhow::Result<Option<Seen>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(
            serde_json::from_slice(&bytes)
                .with_context(|| format!("reading {}", path.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn write_state(path: &Path, seen: &Seen) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(seen)?)
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("writing {}", path.display()))
}

/// The log's and the witnesses' verifiers, for one note.
struct Keys {
    log: StandardVerifier,
    witnesses: Vec<CosignatureVerifier>,
}

impl Verifiers for Keys {
    fn verifier(
        &self,
        name: &str,
        id: u32,
    ) -> Result<&dyn Verifier, signed_note::VerificationError> {
        if self.log.name() == name && self.log.key_id() == id {
            return Ok(&self.log);
        }
        self.witnesses
            .iter()
            .find(|w| w.name() == name && w.key_id() == id)
            .map(|w| w as &dyn Verifier)
            .ok_or(signed_note::VerificationError::UnknownKey {
                name: name.to_owned(),
                id,
            })
    }
}

async fn check_once(http: &reqwest::Client, args: &MonitorArgs) -> anyhow::Result<Outcome> {
    let seen = read_state(&args.state)?;
    let published =
        String::from_utf8(fetch(http, &under(&args.url, "/.well-known/ocop-trace/log-key")).await?)
            .context("the log key is not text")?
            .trim()
            .to_owned();
    let log_key = match (&args.log_key, &seen) {
        (Some(k), _) => k.clone(),
        (None, Some(s)) => s.log_key.clone(),
        (None, None) => published.clone(),
    };
    if published != log_key {
        tracing::warn!(%published, pinned = %log_key, "the log publishes another key than the one pinned");
    }
    let keys = Keys {
        log: StandardVerifier::new(&log_key).map_err(|e| anyhow::anyhow!("log key: {e}"))?,
        witnesses: args
            .witness_keys
            .iter()
            .map(|w| CosignatureVerifier::parse(w))
            .collect::<Result<_, _>>()?,
    };
    let note_bytes = fetch(http, &under(&args.url, "/checkpoint")).await?;
    let note_text = String::from_utf8_lossy(&note_bytes).into_owned();
    let note = Note::from_bytes(&note_bytes).context("the checkpoint is not a signed note")?;
    // A signature by a configured key that does not verify fails here, as it should.
    let (verified, _) = note
        .verify(&keys)
        .map_err(|e| anyhow::anyhow!("the checkpoint's signatures: {e}"))?;
    if !verified.iter().any(|s| s.name() == keys.log.name()) {
        bail!("the checkpoint is not signed by the log key {log_key}");
    }
    let cosigned = verified
        .iter()
        .filter(|s| s.name() != keys.log.name())
        .count();
    if cosigned < args.quorum {
        bail!(
            "the checkpoint carries {cosigned} valid cosignature(s) of the configured witnesses; {} required",
            args.quorum
        );
    }
    let checkpoint = tlog_tiles::Checkpoint::from_bytes(note.text())
        .map_err(|_| anyhow::anyhow!("the signed note is not a checkpoint"))?;
    if checkpoint.origin() != keys.log.name() {
        bail!(
            "the checkpoint's origin {} is not the key's name",
            checkpoint.origin()
        );
    }
    let (size, root) = (checkpoint.size(), *checkpoint.hash());
    let seen = seen.unwrap_or_else(|| Seen {
        origin: checkpoint.origin().to_owned(),
        log_key: log_key.clone(),
        checkpoint: String::new(),
        size: 0,
        frontier: follow::encode_frontier(&Frontier::default()),
    });
    if let Err(broken) = follow::check_checkpoint(&seen, size, root, &note_text) {
        return Ok(Outcome::Misbehaved(Box::new(broken)));
    }
    let mut frontier = seen
        .frontier()
        .context("the state file's frontier is damaged")?;
    match extend(http, args, &mut frontier, size).await? {
        Ok(()) => {}
        Err(broken) => return Ok(Outcome::Misbehaved(Box::new(broken))),
    }
    if let Err(broken) = follow::check_extension(&seen, &frontier, root, &note_text) {
        // Which entry? Compare each one read with the leaves in the log's level-0 tiles.
        if let Some(changed) = find_changed(http, args, seen.size, size).await? {
            return Ok(Outcome::Misbehaved(Box::new(changed)));
        }
        return Ok(Outcome::Misbehaved(Box::new(broken)));
    }
    let from = seen.size;
    write_state(
        &args.state,
        &Seen {
            checkpoint: note_text,
            size,
            frontier: follow::encode_frontier(&frontier),
            ..seen
        },
    )?;
    Ok(Outcome::Verified {
        from,
        to: size,
        cosigned,
    })
}

/// The bundles holding entries `from..to` of a tree of `to` entries.
fn bundles(from: u64, to: u64) -> Vec<TileRef> {
    let w = u64::from(WIDTH);
    (from / w..to.div_ceil(w))
        .map(|n| TileRef::entries(n, (to - n * w).min(w) as u32))
        .collect()
}

/// Appends entries `frontier.size()..size`, read from the bundles, to `frontier`.
async fn extend(
    http: &reqwest::Client,
    args: &MonitorArgs,
    frontier: &mut Frontier,
    size: u64,
) -> anyhow::Result<Result<(), Broken>> {
    let start = frontier.size();
    let bar = indicatif::ProgressBar::new(size - start).with_style(
        indicatif::ProgressStyle::with_template("{msg} {pos}/{len} entries [{bar:40}] {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message("verifying");
    let mut stream = futures_util::stream::iter(bundles(start, size))
        .map(|tile| async move {
            let url = under(&args.url, &format!("/{tile}"));
            fetch(http, &url).await.map(|data| (tile, data))
        })
        .buffered(args.parallel.max(1));
    while let Some(fetched) = stream.next().await {
        let (tile, data) = fetched?;
        let entries = unbundle(&data)
            .filter(|e| e.len() == tile.width as usize)
            .with_context(|| format!("{tile} is not a bundle of {} entries", tile.width))?;
        let first = tile.entry_range().start;
        for (i, entry) in entries.into_iter().enumerate() {
            let index = first + i as u64;
            if index < frontier.size() {
                continue;
            }
            match follow::public_leaf(index, entry) {
                Ok(leaf) => {
                    frontier.append(leaf);
                }
                Err(broken) => return Ok(Err(broken)),
            }
        }
        bar.set_position(frontier.size() - start);
    }
    bar.finish_and_clear();
    Ok(Ok(()))
}

/// The first entry in `from..to` whose bundle form does not hash to the leaf in the log's
/// level-0 tile.
async fn find_changed(
    http: &reqwest::Client,
    args: &MonitorArgs,
    from: u64,
    to: u64,
) -> anyhow::Result<Option<Broken>> {
    for bundle in bundles(from, to) {
        let leaves = fetch(
            http,
            &under(
                &args.url,
                &format!(
                    "/tile/{}",
                    TileRef::hashes(0, bundle.n, bundle.width).path()
                ),
            ),
        )
        .await?;
        let data = fetch(http, &under(&args.url, &format!("/{bundle}"))).await?;
        let Some(entries) = unbundle(&data) else {
            continue;
        };
        for (i, entry) in entries.iter().enumerate() {
            let leaf = crate::ledger::chain::leaf(entry);
            let Some(tile_leaf) = leaves.get(i * 32..i * 32 + 32) else {
                break;
            };
            if leaf.0 != tile_leaf {
                return Ok(Some(Broken::ChangedEntry {
                    index: bundle.entry_range().start + i as u64,
                    entry: String::from_utf8_lossy(entry).into_owned(),
                    entry_hash: hex(&leaf),
                    tile_hash: data_encoding::HEXLOWER.encode(tile_leaf),
                }));
            }
        }
    }
    Ok(None)
}
