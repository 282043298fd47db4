//! Secrets the service keeps for others — marketplace shops' access and refresh tokens —
//! sealed at rest with XChaCha20-Poly1305 under a key file (`OCOP_SECRETS_KEY_FILE`), so a
//! database dump or backup does not hand out the shops' tokens.
//!
//! A sealed value is `v1:` and the base64 of a random 24-byte nonce followed by the ciphertext.

use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("a sealed secret is malformed or was sealed with another key")]
    Unreadable,
    #[error("the OS random generator failed")]
    Random,
}

const PREFIX: &str = "v1:";

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// The key in `path`, created on first start; `true` when it was created.
    pub fn load_or_create(path: &Path) -> anyhow::Result<(Self, bool)> {
        let (key, created) = crate::key_file::load_or_create(path, "the secrets key")?;
        Ok((Self::new(&key), created))
    }

    pub fn seal(&self, plain: &str) -> Result<String, SecretError> {
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).map_err(|_| SecretError::Random)?;
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), plain.as_bytes())
            .map_err(|_| SecretError::Unreadable)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", data_encoding::BASE64.encode(&out)))
    }

    pub fn open(&self, sealed: &str) -> Result<String, SecretError> {
        let raw = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| data_encoding::BASE64.decode(b.as_bytes()).ok())
            .filter(|r| r.len() > 24)
            .ok_or(SecretError::Unreadable)?;
        let (nonce, body) = raw.split_at(24);
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| SecretError::Unreadable)?;
        let plain = self
            .cipher
            .decrypt(&XNonce::from(nonce), body)
            .map_err(|_| SecretError::Unreadable)?;
        String::from_utf8(plain).map_err(|_| SecretError::Unreadable)
    }
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_never_repeat() {
        let a = SecretBox::new(&[7; 32]);
        let s1 = a.seal("shopee-access-token").unwrap();
        let s2 = a.seal("shopee-access-token").unwrap();
        assert_ne!(s1, s2, "a fresh nonce every time");
        assert!(!s1.contains("shopee"));
        assert_eq!(a.open(&s1).unwrap(), "shopee-access-token");
        assert_eq!(
            SecretBox::new(&[8; 32]).open(&s1),
            Err(SecretError::Unreadable)
        );
        let mut tampered = s1.clone();
        tampered.pop();
        tampered.push('A');
        assert_eq!(a.open(&tampered), Err(SecretError::Unreadable));
        assert_eq!(a.open("plaintext"), Err(SecretError::Unreadable));
    }
}
