//! Signed checkpoints: C2SP `tlog-checkpoint` text signed as a C2SP `signed-note` with
//! Ed25519, through the `tlog_tiles` and `signed_note` crates (ports of Go's `sumdb/tlog` and
//! `sumdb/note`).
//!
//! The signing key is stored in Go's note format, `PRIVATE+KEY+<name>+<id>+<base64>`; the
//! verifier key published to the world is `<name>+<id>+<base64>`.

use signed_note::{Note, Signer, StandardSigner, StandardVerifier, VerifierList};
use tlog_tiles::{Checkpoint, Hash};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("`{0}` cannot name a log key (no spaces or `+`)")]
    BadName(String),
    #[error("the signing key is malformed: {0}")]
    Malformed(String),
    #[error("the OS random generator failed: {0}")]
    Random(String),
}

#[derive(Debug, thiserror::Error)]
pub enum NoteCheckError {
    #[error("the note is malformed or its signature does not verify: {0}")]
    Note(String),
    #[error("the signed text is not a tlog checkpoint")]
    Checkpoint,
    #[error("the checkpoint is for origin `{found}`, not `{expected}`")]
    Origin { expected: String, found: String },
}

/// The log's signing key.
#[derive(Clone)]
pub struct LogKey {
    signer: StandardSigner,
    verifier_key: String,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKey")
            .field("verifier_key", &self.verifier_key)
            .finish_non_exhaustive()
    }
}

/// Builds the Go-format key pair for an Ed25519 seed.
fn encode(name: &str, seed: &[u8; 32]) -> (String, String) {
    let signing = ed25519_dalek::SigningKey::from_bytes(seed);
    let public: Vec<u8> = [&[1u8][..], signing.verifying_key().as_bytes()].concat();
    let private: Vec<u8> = [&[1u8][..], seed].concat();
    let id = signed_note::key_id(name, &public);
    let skey = format!(
        "PRIVATE+KEY+{name}+{id:08x}+{}",
        data_encoding::BASE64.encode(&private)
    );
    (
        skey,
        signed_note::new_ed25519_verifier_key(name, &signing.verifying_key()),
    )
}

impl LogKey {
    /// A new random key named `name`; returns the key and its secret text to store.
    pub fn generate(name: &str) -> Result<(Self, String), KeyError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(KeyError::BadName(name.to_owned()));
        }
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        let (skey, _) = encode(name, &seed);
        Ok((Self::from_secret(&skey)?, skey))
    }

    pub fn from_secret(skey: &str) -> Result<Self, KeyError> {
        let skey = skey.trim();
        let signer = StandardSigner::new(skey).map_err(|e| KeyError::Malformed(e.to_string()))?;
        let parts: Vec<&str> = skey.splitn(5, '+').collect();
        let seed: [u8; 32] = match parts.as_slice() {
            ["PRIVATE", "KEY", _, _, b64] => data_encoding::BASE64
                .decode(b64.as_bytes())
                .ok()
                .and_then(|k| k.get(1..).and_then(|s| s.try_into().ok()))
                .ok_or_else(|| KeyError::Malformed("bad key data".into()))?,
            _ => {
                return Err(KeyError::Malformed(
                    "expected PRIVATE+KEY+name+id+data".into(),
                ));
            }
        };
        let (_, verifier_key) = encode(signer.name(), &seed);
        Ok(Self {
            signer,
            verifier_key,
        })
    }

    pub fn name(&self) -> &str {
        self.signer.name()
    }

    /// `<name>+<id>+<base64>`, as published at `/.well-known/ocop-trace/log-key`.
    pub fn verifier_key(&self) -> &str {
        &self.verifier_key
    }

    /// The signed note for a checkpoint of the log named by this key.
    pub fn sign_checkpoint(&self, size: u64, root: Hash) -> Result<String, KeyError> {
        let checkpoint = Checkpoint::new(self.name(), size, root, "")
            .map_err(|_| KeyError::BadName(self.name().to_owned()))?;
        self.sign_text(&checkpoint.to_bytes())
    }

    fn sign_text(&self, text: &[u8]) -> Result<String, KeyError> {
        let mut note = Note::new(text, &[]).map_err(|e| KeyError::Malformed(e.to_string()))?;
        note.add_sigs(&[&self.signer])
            .map_err(|e| KeyError::Malformed(e.to_string()))?;
        String::from_utf8(note.to_bytes()).map_err(|e| KeyError::Malformed(e.to_string()))
    }
}

/// Verifies a signed checkpoint against a verifier key and returns (size, root).
pub fn verify_checkpoint(note: &[u8], verifier_key: &str) -> Result<(u64, Hash), NoteCheckError> {
    let verifier =
        StandardVerifier::new(verifier_key).map_err(|e| NoteCheckError::Note(e.to_string()))?;
    let name = signed_note::Verifier::name(&verifier).to_owned();
    let parsed = Note::from_bytes(note).map_err(|e| NoteCheckError::Note(e.to_string()))?;
    parsed
        .verify(&VerifierList::new(vec![Box::new(verifier)]))
        .map_err(|e| NoteCheckError::Note(e.to_string()))?;
    let checkpoint =
        Checkpoint::from_bytes(parsed.text()).map_err(|_| NoteCheckError::Checkpoint)?;
    if checkpoint.origin() != name {
        return Err(NoteCheckError::Origin {
            expected: name,
            found: checkpoint.origin().to_owned(),
        });
    }
    Ok((checkpoint.size(), *checkpoint.hash()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Key and expected note from Go's golang.org/x/mod/sumdb/note `note_test.go` (TestSign),
    /// the reference implementation of C2SP signed-note.
    const GO_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

    #[test]
    fn signing_matches_the_go_sumdb_note_vector() {
        let key = LogKey::from_secret(GO_SKEY).unwrap();
        assert_eq!(key.verifier_key(), GO_VKEY);
        let text = b"If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
        let want = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\
                    \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        assert_eq!(key.sign_text(text).unwrap(), want);
    }

    #[test]
    fn a_checkpoint_round_trips_and_a_changed_byte_fails() {
        let (key, secret) = LogKey::generate("trace.example.vn").unwrap();
        assert!(secret.starts_with("PRIVATE+KEY+trace.example.vn+"));
        assert_eq!(
            LogKey::from_secret(&secret).unwrap().verifier_key(),
            key.verifier_key()
        );
        let root = tlog_tiles::record_hash(b"x");
        let note = key.sign_checkpoint(42, root).unwrap();
        assert!(note.starts_with("trace.example.vn\n42\n"), "{note}");
        assert_eq!(
            verify_checkpoint(note.as_bytes(), key.verifier_key()).unwrap(),
            (42, root)
        );

        let tampered = note.replacen("\n42\n", "\n43\n", 1);
        assert!(verify_checkpoint(tampered.as_bytes(), key.verifier_key()).is_err());
        let (other, _) = LogKey::generate("trace.example.vn").unwrap();
        assert!(verify_checkpoint(note.as_bytes(), other.verifier_key()).is_err());
    }

    #[test]
    fn bad_names_and_keys_are_rejected() {
        assert!(LogKey::generate("has space").is_err());
        assert!(LogKey::from_secret("PRIVATE+KEY+x").is_err());
        assert!(LogKey::from_secret(GO_VKEY).is_err());
    }
}
