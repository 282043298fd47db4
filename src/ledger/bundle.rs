//! Offline-verifiable proofs in the C2SP `tlog-proof` text format: the entry's index, its
//! inclusion proof and the signed checkpoint it is proved against, optionally with opaque
//! application data (`extra`). Anyone holding the entry's data and the log's verifier key can
//! check it without contacting the service.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! index 73
//! <base64 hash>            (one line per proof hash)
//!
//! <signed checkpoint note>
//! ```

use super::{Hash, merkle, note};

const HEADER: &str = "c2sp.org/tlog-proof@v1";

pub fn format(index: u64, proof: &[Hash], checkpoint_note: &str, extra: Option<&[u8]>) -> String {
    let mut out = format!("{HEADER}\n");
    if let Some(e) = extra {
        out.push_str(&format!("extra {}\n", data_encoding::BASE64.encode(e)));
    }
    out.push_str(&format!("index {index}\n"));
    for h in proof {
        out.push_str(&data_encoding::BASE64.encode(&h.0));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(checkpoint_note);
    out
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BundleError {
    #[error("not a c2sp.org/tlog-proof@v1 document: {0}")]
    Malformed(&'static str),
    #[error("the checkpoint does not verify: {0}")]
    Checkpoint(String),
    #[error("the inclusion proof does not lead to the checkpoint's root")]
    Inclusion,
}

/// What a verified proof establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub index: u64,
    pub size: u64,
    pub extra: Option<Vec<u8>>,
}

/// Checks that `leaf` (the RFC 6962 hash of the entry's data) is in the log signed by
/// `verifier_key`, as the proof claims.
pub fn verify(text: &str, leaf: Hash, verifier_key: &str) -> Result<Verified, BundleError> {
    let (head, checkpoint) = text.split_once("\n\n").ok_or(BundleError::Malformed(
        "no blank line before the checkpoint",
    ))?;
    let mut lines = head.lines();
    if lines.next() != Some(HEADER) {
        return Err(BundleError::Malformed("missing header line"));
    }
    let mut line = lines
        .next()
        .ok_or(BundleError::Malformed("missing index"))?;
    let mut extra = None;
    if let Some(e) = line.strip_prefix("extra ") {
        extra = Some(
            data_encoding::BASE64
                .decode(e.as_bytes())
                .map_err(|_| BundleError::Malformed("extra is not base64"))?,
        );
        line = lines
            .next()
            .ok_or(BundleError::Malformed("missing index"))?;
    }
    let index: u64 = line
        .strip_prefix("index ")
        .and_then(|n| n.parse().ok())
        .ok_or(BundleError::Malformed("bad index line"))?;
    let proof = lines
        .map(|l| {
            data_encoding::BASE64
                .decode(l.as_bytes())
                .ok()
                .and_then(|b| super::from_slice(&b))
                .ok_or(BundleError::Malformed("bad proof hash"))
        })
        .collect::<Result<Vec<Hash>, _>>()?;
    let (size, root) = note::verify_checkpoint(checkpoint.as_bytes(), verifier_key)
        .map_err(|e| BundleError::Checkpoint(e.to_string()))?;
    if !merkle::verify_inclusion(&proof, index, size, leaf, root) {
        return Err(BundleError::Inclusion);
    }
    Ok(Verified { index, size, extra })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::ledger::chain;
    use crate::ledger::merkle::{Fetched, Frontier, first_index_of};
    use crate::ledger::note::LogKey;

    #[test]
    fn a_bundle_verifies_offline_and_any_change_breaks_it() {
        let (key, _) = LogKey::generate("trace.example.vn").unwrap();
        let mut f = Frontier::default();
        let mut stored = HashMap::new();
        let leaves: Vec<Hash> = (0..13u8).map(|i| chain::leaf(&[i])).collect();
        for (n, l) in leaves.iter().enumerate() {
            for (k, h) in f.append(*l).into_iter().enumerate() {
                stored.insert(first_index_of(n as u64) + k as u64, h);
            }
        }
        let proof = merkle::inclusion_proof(5, 13, &Fetched(stored)).unwrap();
        let checkpoint = key.sign_checkpoint(13, f.root()).unwrap();
        let text = format(5, &proof, &checkpoint, Some(b"run 7"));
        assert!(
            text.starts_with("c2sp.org/tlog-proof@v1\nextra cnVuIDc=\nindex 5\n"),
            "{text}"
        );

        let ok = verify(&text, leaves[5], key.verifier_key()).unwrap();
        assert_eq!(
            (ok.index, ok.size, ok.extra.as_deref()),
            (5, 13, Some(&b"run 7"[..]))
        );
        assert_eq!(
            verify(&text, leaves[6], key.verifier_key()),
            Err(BundleError::Inclusion)
        );
        assert_eq!(
            verify(
                &text.replace("index 5", "index 6"),
                leaves[5],
                key.verifier_key()
            ),
            Err(BundleError::Inclusion)
        );
        let (other, _) = LogKey::generate("trace.example.vn").unwrap();
        assert!(matches!(
            verify(&text, leaves[5], other.verifier_key()),
            Err(BundleError::Checkpoint(_))
        ));
        assert!(matches!(
            verify("hello", leaves[5], key.verifier_key()),
            Err(BundleError::Malformed(_))
        ));
    }
}
