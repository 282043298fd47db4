//! Scratch PINs: an 8-digit code hidden under a scratch-off layer next to the QR code, which a
//! shopper enters once to confirm the item is genuine.
//!
//! A PIN is derived from the stamp's serial with a server secret,
//! `PIN = HMAC-SHA256(key, "ocop-trace/pin/v1" ‖ serial)` read as a big-endian integer modulo
//! 10⁸, so no plain PIN is ever stored: the database keeps only
//! `HMAC-SHA256(key, "ocop-trace/pin-hash/v1" ‖ serial ‖ PIN)`. A plain SHA-256 of an 8-digit
//! PIN could be reversed from a database dump in seconds (10⁸ guesses); the keyed hash cannot
//! without the key file. The PINs are shown once, in the print file that releases them.

use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::Serial;

const PIN_LABEL: &[u8] = b"ocop-trace/pin/v1";
const HASH_LABEL: &[u8] = b"ocop-trace/pin-hash/v1";

/// The server's PIN secret (32 bytes), kept as an HMAC with the key already absorbed: each
/// use clones it instead of hashing the key again (two of a short message's four SHA-256
/// blocks; every scan and every issued stamp takes one).
#[derive(Clone)]
pub struct PinKey(Hmac<Sha256>);

impl std::fmt::Debug for PinKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinKey(..)")
    }
}

impl PinKey {
    pub fn from_bytes(b: [u8; 32]) -> Self {
        // HMAC pads a key shorter than SHA-256's 64-byte block with zeros (RFC 2104).
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&b);
        Self(<Hmac<Sha256> as KeyInit>::new(&block.into()))
    }

    fn mac(&self) -> Hmac<Sha256> {
        self.0.clone()
    }

    /// The stamp's PIN, eight digits.
    pub fn pin(&self, serial: &Serial) -> String {
        let mut m = self.mac();
        m.update(PIN_LABEL);
        m.update(serial.as_str().as_bytes());
        let out = m.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&out[..8]);
        // 2⁶⁴ mod 10⁸ is tiny next to 2⁶⁴: the bias is below 10⁻¹¹.
        format!("{:08}", u64::from_be_bytes(first) % 100_000_000)
    }

    /// What the database stores for a stamp's PIN.
    pub fn hash(&self, serial: &Serial, pin: &str) -> [u8; 32] {
        let mut m = self.mac();
        m.update(HASH_LABEL);
        m.update(serial.as_str().as_bytes());
        m.update(pin.as_bytes());
        m.finalize().into_bytes().into()
    }

    /// Whether `pin` matches the stored hash, in constant time.
    pub fn check(&self, serial: &Serial, pin: &str, stored: &[u8]) -> bool {
        let mut m = self.mac();
        m.update(HASH_LABEL);
        m.update(serial.as_str().as_bytes());
        m.update(pin.as_bytes());
        m.verify_slice(stored).is_ok()
    }

    /// A keyed hash of other data under a distinct label (e.g. a scanning client's address),
    /// so it can be compared without being reversible from a database copy.
    pub fn keyed_hash(&self, label: &[u8], data: &[u8]) -> [u8; 32] {
        let mut m = self.mac();
        m.update(label);
        m.update(&[0]);
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// Reads the key file (64 hex digits), or creates it with a fresh random key (mode 0600).
    /// Returns the key and whether it was created.
    pub fn load_or_create(path: &Path) -> anyhow::Result<(Self, bool)> {
        let (bytes, created) = crate::key_file::load_or_create(path, "the PIN key")?;
        Ok((Self::from_bytes(bytes), created))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serial() -> Serial {
        Serial::parse("0123456789ABCDEF").unwrap()
    }

    #[test]
    fn the_prepared_key_gives_the_hmac_of_the_plain_key() {
        // Hashes stored before the key was kept pre-absorbed must still match.
        let key = [7u8; 32];
        let mut plain = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        plain.update(b"label");
        plain.update(&[0]);
        plain.update(b"203.0.113.9");
        let expected: [u8; 32] = plain.finalize().into_bytes().into();
        assert_eq!(
            PinKey::from_bytes(key).keyed_hash(b"label", b"203.0.113.9"),
            expected
        );
    }

    #[test]
    fn pins_are_eight_digits_and_depend_on_key_and_serial() {
        let k = PinKey::from_bytes([7; 32]);
        let pin = k.pin(&serial());
        assert_eq!(pin.len(), 8);
        assert!(pin.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(pin, k.pin(&serial()), "deterministic");
        assert_ne!(pin, PinKey::from_bytes([8; 32]).pin(&serial()));
        assert_ne!(pin, k.pin(&Serial::parse("0123456789ABCDEG").unwrap()));
    }

    #[test]
    fn only_the_right_pin_matches_the_stored_hash() {
        let k = PinKey::from_bytes([7; 32]);
        let pin = k.pin(&serial());
        let stored = k.hash(&serial(), &pin);
        assert!(k.check(&serial(), &pin, &stored));
        assert!(!k.check(&serial(), "00000000", &stored) || pin == "00000000");
        assert!(!PinKey::from_bytes([8; 32]).check(&serial(), &pin, &stored));
        assert!(!k.check(&serial(), &pin, &stored[..31]));
    }

    #[test]
    fn the_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/pin.key");
        let (a, created) = PinKey::load_or_create(&path).unwrap();
        assert!(created);
        let (b, created) = PinKey::load_or_create(&path).unwrap();
        assert!(!created);
        let s = serial();
        assert_eq!(a.pin(&s), b.pin(&s), "the same key read back");
        std::fs::write(&path, "not hex").unwrap();
        let e = PinKey::load_or_create(&path).unwrap_err();
        assert!(format!("{e:#}").contains("64 hexadecimal digits"));
    }
}
