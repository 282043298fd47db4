//! Following a log from outside, as a monitor does: what was seen (a checkpoint and the right
//! edge of its tree), extended entry by entry from the entry bundles, and the checks that
//! find a log misbehaving — a tree that shrank, two roots for one size, a tree that does not
//! extend the one seen before, an entry that is not a public form.
//!
//! Keeping the tree's [`Frontier`] is enough to prove consistency: appending the new entries
//! to the old frontier gives the new root only if the new tree extends the old one.

use serde::{Deserialize, Serialize};

use super::merkle::Frontier;
use super::{Hash, chain};

/// What a monitor has verified so far of one log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Seen {
    pub origin: String,
    /// The log's verifier key, pinned at the first run.
    pub log_key: String,
    /// The latest checkpoint verified, as served (note text with its signatures).
    pub checkpoint: String,
    pub size: u64,
    /// Base64 of the frontier's roots (see [`Frontier::to_bytes`]).
    pub frontier: String,
}

impl Seen {
    pub fn frontier(&self) -> Option<Frontier> {
        let bytes = data_encoding::BASE64
            .decode(self.frontier.as_bytes())
            .ok()?;
        Frontier::from_bytes(self.size, &bytes).ok()
    }

    pub fn root(&self) -> Option<Hash> {
        self.frontier().map(|f| f.root())
    }
}

pub fn encode_frontier(f: &Frontier) -> String {
    data_encoding::BASE64.encode(&f.to_bytes())
}

/// A misbehaving log, with what proves it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error(
        "the log shrank: a checkpoint of {seen} entries was verified before, now one of {now} is served\n\n== seen before ==\n{before}\n== served now ==\n{after}"
    )]
    Shrank {
        seen: u64,
        now: u64,
        before: String,
        after: String,
    },
    #[error(
        "two different trees of {size} entries, both signed by the log (a split view)\n\n== seen before ==\n{before}\n== served now ==\n{after}"
    )]
    Forked {
        size: u64,
        before: String,
        after: String,
    },
    #[error(
        "the tree of {now} entries does not extend the one of {seen} seen before: its entries {seen}..{now} lead to root {computed}, the checkpoint says {signed}\n\n== seen before ==\n{before}\n== served now ==\n{after}"
    )]
    NotAnExtension {
        seen: u64,
        now: u64,
        computed: String,
        signed: String,
        before: String,
        after: String,
    },
    #[error("entry {index} is not the public form of an entry: {entry:?}")]
    NotPublic { index: u64, entry: String },
    #[error(
        "entry {index} served in its bundle hashes to {entry_hash}, but the log's tile says leaf {tile_hash}: the entry was changed\n{entry:?}"
    )]
    ChangedEntry {
        index: u64,
        entry: String,
        entry_hash: String,
        tile_hash: String,
    },
}

/// The leaf of an entry from a bundle, after checking that it is a public form:
/// `{"kind":…,"payload_sha256":…}` and nothing else.
pub fn public_leaf(index: u64, entry: &[u8]) -> Result<Hash, Broken> {
    let not_public = || Broken::NotPublic {
        index,
        entry: String::from_utf8_lossy(entry).into_owned(),
    };
    let value: serde_json::Value = serde_json::from_slice(entry).map_err(|_| not_public())?;
    let object = value.as_object().ok_or_else(not_public)?;
    let kind = object.get("kind").and_then(|k| k.as_str());
    let sha = object.get("payload_sha256").and_then(|k| k.as_str());
    match (kind, sha) {
        (Some(kind), Some(sha))
            if object.len() == 2
                && sha.len() == 64
                && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                && super::public_form::public_form_text(kind, sha).as_bytes() == entry =>
        {
            Ok(chain::leaf(entry))
        }
        _ => Err(not_public()),
    }
}

/// Checks a newly served checkpoint `(size, note)` against what was seen, before any entry is
/// read: it may not be smaller, nor of the same size with another root.
pub fn check_checkpoint(seen: &Seen, size: u64, root: Hash, note: &str) -> Result<(), Broken> {
    if size < seen.size {
        return Err(Broken::Shrank {
            seen: seen.size,
            now: size,
            before: seen.checkpoint.clone(),
            after: note.to_owned(),
        });
    }
    if size == seen.size && seen.root() != Some(root) {
        return Err(Broken::Forked {
            size,
            before: seen.checkpoint.clone(),
            after: note.to_owned(),
        });
    }
    Ok(())
}

/// After the new entries were appended to the seen frontier: it must give the signed root.
pub fn check_extension(
    seen: &Seen,
    extended: &Frontier,
    root: Hash,
    note: &str,
) -> Result<(), Broken> {
    if extended.root() == root {
        return Ok(());
    }
    Err(Broken::NotAnExtension {
        seen: seen.size,
        now: extended.size(),
        computed: super::hex(&extended.root()),
        signed: super::hex(&root),
        before: seen.checkpoint.clone(),
        after: note.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::public_form::public_form;

    fn seen(entries: &[&[u8]]) -> Seen {
        let mut f = Frontier::default();
        for e in entries {
            f.append(chain::leaf(&public_form("t.created", e)));
        }
        Seen {
            origin: "o".into(),
            log_key: "k".into(),
            checkpoint: "before\n".into(),
            size: f.size(),
            frontier: encode_frontier(&f),
        }
    }

    #[test]
    fn only_public_forms_are_accepted_as_entries() {
        let form = public_form("farms.created", b"{}");
        assert_eq!(public_leaf(0, &form), Ok(chain::leaf(&form)));
        for bad in [
            &b"{}"[..],
            b"not json",
            br#"{"kind":"x","payload_sha256":"00"}"#,
            br#"{"payload_sha256":"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","kind":"t"}"#,
            br#"{"kind":"t","payload_sha256":"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","name":"Vuon ong Ba"}"#,
            br#"{"kind": "t","payload_sha256":"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}"#,
        ] {
            assert!(public_leaf(3, bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn shrinking_forking_and_non_extensions_are_caught() {
        let before = seen(&[b"a", b"b", b"c"]);
        let root = before.root().unwrap();
        assert_eq!(check_checkpoint(&before, 3, root, "same"), Ok(()));
        assert!(matches!(
            check_checkpoint(&before, 2, root, "x"),
            Err(Broken::Shrank {
                seen: 3,
                now: 2,
                ..
            })
        ));
        let other = seen(&[b"a", b"B", b"c"]).root().unwrap();
        assert!(matches!(
            check_checkpoint(&before, 3, other, "x"),
            Err(Broken::Forked { size: 3, .. })
        ));

        // Extending the seen frontier gives the real log's root, not a rewritten one's.
        let mut extended = before.frontier().unwrap();
        extended.append(chain::leaf(&public_form("t.created", b"d")));
        let honest = seen(&[b"a", b"b", b"c", b"d"]).root().unwrap();
        assert_eq!(check_extension(&before, &extended, honest, "n"), Ok(()));
        let rewritten = seen(&[b"a", b"X", b"c", b"d"]).root().unwrap();
        let err = check_extension(&before, &extended, rewritten, "n").unwrap_err();
        assert!(matches!(
            err,
            Broken::NotAnExtension {
                seen: 3,
                now: 4,
                ..
            }
        ));
        assert!(err.to_string().contains("== seen before ==\nbefore\n"));
    }
}
