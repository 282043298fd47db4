//! C2SP `tlog-cosignature`, Ed25519 `cosignature/v1`: a witness's timestamped statement that a
//! checkpoint is the largest consistent tree it has seen of a log.
//!
//! A cosignature is a signed-note signature line, `— <name> base64(key id ‖ timestamp ‖
//! signature)`, whose key id is `SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4]` and whose
//! Ed25519 signature covers
//!
//! ```text
//! cosignature/v1
//! time <POSIX seconds>
//! <the checkpoint's note body>
//! ```
//!
//! Neither `signed_note` nor `tlog_tiles` implements this signature type, so it is written here
//! on their `Verifier` trait and `Signature` line format.

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use signed_note::{Signature, Verifier};

/// The signature type byte of Ed25519 `cosignature/v1` keys.
pub const COSIGNATURE_V1: u8 = 0x04;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CosignKeyError {
    #[error("`{0}` cannot name a witness key (no spaces or `+`)")]
    BadName(String),
    #[error("not a cosignature/v1 verifier key (`<name>+<id>+<base64 of 0x04 and 32 bytes>`): {0}")]
    BadVerifierKey(String),
}

fn key_id(name: &str, public: &VerifyingKey) -> u32 {
    signed_note::key_id(name, &[&[COSIGNATURE_V1][..], public.as_bytes()].concat())
}

/// The message a `cosignature/v1` signs.
pub fn message(body: &[u8], time: u64) -> Vec<u8> {
    [format!("cosignature/v1\ntime {time}\n").as_bytes(), body].concat()
}

/// A witness's signing key.
#[derive(Clone)]
pub struct WitnessKey {
    name: String,
    key: SigningKey,
}

impl std::fmt::Debug for WitnessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WitnessKey")
            .field("verifier_key", &self.verifier_key())
            .finish_non_exhaustive()
    }
}

impl WitnessKey {
    pub fn new(name: &str, seed: &[u8; 32]) -> Result<Self, CosignKeyError> {
        if !signed_note::is_key_name_valid(name) {
            return Err(CosignKeyError::BadName(name.to_owned()));
        }
        Ok(Self {
            name: name.to_owned(),
            key: SigningKey::from_bytes(seed),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `<name>+<id>+base64(0x04 ‖ public key)`: what logs and clients are configured with.
    pub fn verifier_key(&self) -> String {
        let public = self.key.verifying_key();
        format!(
            "{}+{:08x}+{}",
            self.name,
            key_id(&self.name, &public),
            data_encoding::BASE64.encode(&[&[COSIGNATURE_V1][..], public.as_bytes()].concat())
        )
    }

    /// The cosignature line (`— name base64…\n`) over a checkpoint's note body at `time`.
    pub fn cosign(&self, body: &[u8], time: u64) -> String {
        let signature = self.key.sign(&message(body, time));
        let data = [&time.to_be_bytes()[..], &signature.to_bytes()].concat();
        let line = Signature::new(
            self.name.clone(),
            key_id(&self.name, &self.key.verifying_key()),
            data,
        )
        .map(|s| s.to_bytes());
        // The name was checked when the key was made, so the line is always well formed.
        String::from_utf8(line.unwrap_or_default()).unwrap_or_default()
    }
}

/// Checks `cosignature/v1` signatures of one witness; plugs into `signed_note` verification.
#[derive(Debug, Clone)]
pub struct CosignatureVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl CosignatureVerifier {
    pub fn parse(vkey: &str) -> Result<Self, CosignKeyError> {
        let bad = || CosignKeyError::BadVerifierKey(vkey.to_owned());
        let mut parts = vkey.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let id = u32::from_str_radix(id, 16).map_err(|_| bad())?;
        let data = data_encoding::BASE64
            .decode(data.as_bytes())
            .map_err(|_| bad())?;
        let (&[COSIGNATURE_V1], public) = data.split_at_checked(1).ok_or_else(bad)? else {
            return Err(bad());
        };
        let public: [u8; 32] = public.try_into().map_err(|_| bad())?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| bad())?;
        if !signed_note::is_key_name_valid(name) || key_id(name, &key) != id {
            return Err(bad());
        }
        Ok(Self {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// The time a valid cosignature of `body` was made, or `None` if it does not verify.
    pub fn check(&self, body: &[u8], sig: &[u8]) -> Option<u64> {
        let (time, signature) = sig.split_first_chunk::<8>()?;
        let signature = ed25519_dalek::Signature::from_slice(signature).ok()?;
        let time = u64::from_be_bytes(*time);
        if time > i64::MAX as u64 {
            return None;
        }
        self.key
            .verify_strict(&message(body, time), &signature)
            .ok()
            .map(|()| time)
    }
}

impl Verifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.id
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        self.check(msg, sig).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] =
        b"example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    #[test]
    fn a_cosignature_is_a_note_line_over_the_timestamped_message() {
        let key = WitnessKey::new("witness.example.com/w1", &[7; 32]).unwrap();
        let vkey = key.verifier_key();
        assert!(vkey.starts_with("witness.example.com/w1+"), "{vkey}");
        let line = key.cosign(BODY, 1_679_315_147);
        assert!(
            line.starts_with("\u{2014} witness.example.com/w1 "),
            "{line}"
        );
        let sig = Signature::from_bytes(line.trim_end().as_bytes()).unwrap();
        assert_eq!(sig.signature().len(), 8 + 64);
        assert_eq!(&sig.signature()[..8], &1_679_315_147u64.to_be_bytes());

        let verifier = CosignatureVerifier::parse(&vkey).unwrap();
        assert_eq!(sig.id(), verifier.key_id());
        assert_eq!(verifier.check(BODY, sig.signature()), Some(1_679_315_147));
        // Another body, another time or another key does not verify.
        assert_eq!(verifier.check(b"x\n1\nAA==\n", sig.signature()), None);
        let mut later = sig.signature().to_vec();
        later[7] ^= 1;
        assert_eq!(verifier.check(BODY, &later), None);
        let other = WitnessKey::new("witness.example.com/w1", &[8; 32]).unwrap();
        let other = CosignatureVerifier::parse(&other.verifier_key()).unwrap();
        assert_eq!(other.check(BODY, sig.signature()), None);
        assert_ne!(other.key_id(), verifier.key_id());

        // The signed message is the one the specification spells out.
        let message = message(BODY, 1_679_315_147);
        assert!(message.starts_with(b"cosignature/v1\ntime 1679315147\nexample.com/"));
    }

    #[test]
    fn verifier_keys_of_other_types_or_shapes_are_refused() {
        let key = WitnessKey::new("w", &[1; 32]).unwrap();
        let good = key.verifier_key();
        let (name_id, data) = good.rsplit_once('+').unwrap();
        let mut bytes = data_encoding::BASE64.decode(data.as_bytes()).unwrap();
        bytes[0] = 0x01; // an ordinary Ed25519 note key, not a cosigner key
        let wrong_type = format!("{name_id}+{}", data_encoding::BASE64.encode(&bytes));
        for bad in [
            "",
            "w",
            "w+1234",
            &wrong_type,
            &good.replacen("w+", "v+", 1),
            &format!("{good}AA"),
        ] {
            assert!(CosignatureVerifier::parse(bad).is_err(), "{bad:?}");
        }
        assert!(WitnessKey::new("has space", &[1; 32]).is_err());
    }
}
