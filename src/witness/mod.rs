//! `ocop-trace witness`: the same binary, run by a third party (a provincial department of
//! agriculture, a consumer association, a marketplace) as a C2SP `tlog-witness`.
//!
//! For each log it follows (configured by the log's verifier key, whose name is the log's
//! origin) it keeps the latest checkpoint it cosigned, and cosigns a new one only when the
//! log's consistency proof shows that it extends that one. A checkpoint that contradicts it —
//! another root for the same size, or a tree that does not extend the held one — is refused
//! and written to `evidence/`: both checkpoints carry the log's signature, so the file proves
//! that the log showed two histories.
//!
//! State is one JSON file, replaced atomically (written beside, synced, renamed) while a lock
//! is held, so a check and the update it allows cannot interleave with another request's.

pub mod http;
pub mod protocol;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ledger::cosignature::WitnessKey;
use protocol::{Held, Refusal};

/// What the witness holds for one log.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct HeldCheckpoint {
    size: u64,
    /// Base64, as in the checkpoint.
    root: String,
    /// The checkpoint with the log's signature and this witness's cosignature.
    note: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    logs: BTreeMap<String, HeldCheckpoint>,
}

pub struct Witness {
    key: WitnessKey,
    /// Log origin → the log's verifier key.
    logs: HashMap<String, String>,
    dir: PathBuf,
    state: tokio::sync::Mutex<State>,
}

/// The name under which a witness serves a log's checkpoint to monitors: SHA-256 of the
/// origin, lower-case hex.
pub fn origin_hash(origin: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(origin.as_bytes()))
}

fn state_path(dir: &Path) -> PathBuf {
    dir.join("witness-state.json")
}

impl Witness {
    /// Opens (or starts) a witness named `name` keeping its key and state in `dir`, following
    /// the logs whose verifier keys are `log_keys`.
    pub fn open(name: &str, dir: &Path, log_keys: &[String]) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let (seed, _) =
            crate::key_file::load_or_create(&dir.join("witness.key"), "the witness key")?;
        let key = WitnessKey::new(name, &seed)?;
        let mut logs = HashMap::new();
        for vkey in log_keys {
            signed_note::StandardVerifier::new(vkey)
                .map_err(|e| anyhow::anyhow!("log key `{vkey}`: {e}"))?;
            let origin = vkey.split('+').next().unwrap_or_default().to_owned();
            logs.insert(origin, vkey.clone());
        }
        let state = match std::fs::read(state_path(dir)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("reading {}", state_path(dir).display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(e).context("reading the witness state"),
        };
        Ok(Self {
            key,
            logs,
            dir: dir.to_owned(),
            state: tokio::sync::Mutex::new(state),
        })
    }

    pub fn verifier_key(&self) -> String {
        self.key.verifier_key()
    }

    /// Handles an `add-checkpoint` request: the cosignature line, or why not.
    pub async fn add_checkpoint(&self, body: &[u8], now: u64) -> Result<String, Refusal> {
        let request = protocol::parse_request(body)?;
        let signed = protocol::open(&request.note, |origin| self.logs.get(origin).cloned())?;
        let mut state = self.state.lock().await;
        let held_record = state.logs.get(&signed.origin).cloned();
        let held = held_record.as_ref().and_then(|h| {
            let root = data_encoding::BASE64.decode(h.root.as_bytes()).ok()?;
            Some(Held {
                size: h.size,
                root: tlog_tiles::Hash(root.try_into().ok()?),
            })
        });
        if let Err(refusal) = protocol::check(held.as_ref(), request.old, &request.proof, &signed) {
            if let Refusal::Inconsistent(why) = &refusal {
                self.record_evidence(&signed.origin, held_record.as_ref(), body, why, now);
            }
            return Err(refusal);
        }
        let line = self.key.cosign(&signed.body, now);
        let mut note = signed_note::Note::new(&signed.body, &signed.log_signatures)
            .map(|n| n.to_bytes())
            .map_err(|e| Refusal::BadRequest(e.to_string()))?;
        note.extend_from_slice(line.as_bytes());
        state.logs.insert(
            signed.origin.clone(),
            HeldCheckpoint {
                size: signed.size,
                root: data_encoding::BASE64.encode(&signed.root.0),
                note: String::from_utf8_lossy(&note).into_owned(),
            },
        );
        if let Err(e) = self.persist(&state) {
            tracing::error!(error = %e, "the witness state could not be saved; not cosigning");
            // Not cosigned unless kept: forget the update too.
            match held_record {
                Some(h) => state.logs.insert(signed.origin, h),
                None => state.logs.remove(&signed.origin),
            };
            return Err(Refusal::Unavailable);
        }
        tracing::info!(origin = %signed.origin, size = signed.size, "cosigned");
        Ok(line)
    }

    /// The latest checkpoint cosigned for the log whose origin hashes to `hash`.
    pub async fn latest(&self, hash: &str) -> Option<String> {
        let state = self.state.lock().await;
        state
            .logs
            .iter()
            .find(|(origin, _)| origin_hash(origin) == hash)
            .map(|(_, h)| h.note.clone())
    }

    fn persist(&self, state: &State) -> anyhow::Result<()> {
        let path = state_path(&self.dir);
        let tmp = path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&serde_json::to_vec_pretty(state)?)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        std::fs::File::open(&self.dir)?.sync_all()?;
        Ok(())
    }

    fn record_evidence(
        &self,
        origin: &str,
        held: Option<&HeldCheckpoint>,
        request: &[u8],
        why: &str,
        now: u64,
    ) {
        let dir = self.dir.join("evidence");
        let name = format!("{now}-{}.txt", &origin_hash(origin)[..16]);
        let text = format!(
            "A checkpoint refused by witness {} at {now} (POSIX seconds).\n\
             Log: {origin}\nWhy: {why}\n\n\
             == The checkpoint this witness held (signed by the log) ==\n{}\n\
             == The add-checkpoint request refused (its checkpoint signed by the log) ==\n{}",
            self.key.name(),
            held.map_or("(none)\n", |h| h.note.as_str()),
            String::from_utf8_lossy(request),
        );
        let written =
            std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(dir.join(&name), text));
        match written {
            Ok(()) => {
                tracing::warn!(origin, evidence = %name, why, "refused a conflicting checkpoint")
            }
            Err(e) => {
                tracing::error!(origin, error = %e, why, "refused a conflicting checkpoint; the evidence could not be written")
            }
        }
    }
}
