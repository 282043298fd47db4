//! The public form of a ledger entry: what the log publishes of it, and what its leaf hashes.
//!
//! An entry's payload is a registry record (tax codes, farm coordinates, phone numbers) that
//! only those who may read the record see. Its public form names the kind of the entry and
//! commits to the payload by its SHA-256, as RFC 8785 canonical JSON:
//!
//! ```text
//! {"kind":"farms.created","payload_sha256":"9f86d0…"}
//! ```
//!
//! The leaf is `SHA-256(0x00 ‖ public form)`, so anyone can follow the log entry by entry from
//! its C2SP entry bundles, and whoever may read the record checks that the payload they were
//! given is the one committed to. Logs begun before the public form (migration 29) hash their
//! earlier entries' payloads directly ([`LeafForm::Payload`]).

use sha2::{Digest, Sha256};

use super::{Hash, chain, hex};

/// How an entry's leaf was hashed, decided by its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeafForm {
    /// `SHA-256(0x00 ‖ payload)`: entries appended before migration 29.
    Payload,
    /// `SHA-256(0x00 ‖ public form)`.
    Public,
}

impl LeafForm {
    /// The form of entry `index` in a log whose public form begins at `public_from`.
    pub fn at(index: u64, public_from: u64) -> Self {
        if index < public_from {
            LeafForm::Payload
        } else {
            LeafForm::Public
        }
    }

    /// The bytes the leaf hashes.
    pub fn data(self, kind: &str, payload: &[u8]) -> Vec<u8> {
        match self {
            LeafForm::Payload => payload.to_vec(),
            LeafForm::Public => public_form(kind, payload),
        }
    }

    pub fn leaf(self, kind: &str, payload: &[u8]) -> Hash {
        chain::leaf(&self.data(kind, payload))
    }
}

/// SHA-256 of a payload, as the public form names it.
pub fn payload_sha256(payload: &[u8]) -> Hash {
    Hash(Sha256::digest(payload).into())
}

/// `{"kind":…,"payload_sha256":…}` in RFC 8785 form: members in code-unit order, no
/// whitespace, the kind escaped as JSON strings are (kinds are ASCII: `<table>.<verb>`).
pub fn public_form(kind: &str, payload: &[u8]) -> Vec<u8> {
    public_form_text(kind, &hex(&payload_sha256(payload))).into_bytes()
}

/// The public form naming `kind` and a payload's SHA-256 given in lower-case hex.
pub fn public_form_text(kind: &str, payload_sha256_hex: &str) -> String {
    let kind = serde_json::Value::String(kind.to_owned());
    format!(r#"{{"kind":{kind},"payload_sha256":"{payload_sha256_hex}"}}"#)
}

/// The leaf of a new entry: every entry appended now is in the public form.
pub fn leaf(kind: &str, payload: &[u8]) -> Hash {
    LeafForm::Public.leaf(kind, payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_form_is_canonical_json_committing_to_the_payload() {
        let payload = r#"{"id":"01a2","name":"Vườn ông Ba"}"#.as_bytes();
        let form = public_form("farms.created", payload);
        let value: serde_json::Value = serde_json::from_slice(&form).unwrap();
        assert_eq!(super::super::canonical::to_vec(&value).unwrap(), form);
        assert_eq!(value["kind"], "farms.created");
        assert_eq!(
            value["payload_sha256"],
            hex(&Hash(Sha256::digest(payload).into()))
        );
        // Nothing of the payload but its hash.
        assert!(!String::from_utf8(form.clone()).unwrap().contains("Vườn"));
        // A known value, for implementations in other languages (verify.js, the docs).
        assert_eq!(
            String::from_utf8(public_form("t.created", b"{}")).unwrap(),
            r#"{"kind":"t.created","payload_sha256":"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}"#
        );
        assert_eq!(leaf("farms.created", payload), chain::leaf(&form));
        assert_ne!(
            leaf("farms.created", payload),
            leaf("farms.updated", payload)
        );
    }

    #[test]
    fn entries_before_the_cut_over_keep_their_payload_leaves() {
        let payload = b"{\"n\":1}";
        assert_eq!(
            LeafForm::at(4, 5).leaf("t.created", payload),
            chain::leaf(payload)
        );
        assert_eq!(
            LeafForm::at(5, 5).leaf("t.created", payload),
            leaf("t.created", payload)
        );
        assert_eq!(LeafForm::at(0, 0), LeafForm::Public);
    }
}
