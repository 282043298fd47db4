//! The tamper-evident ledger, as pure code (no HTTP, no database).
//!
//! Every fact shoppers and inspectors rely on becomes an entry whose payload is the record as
//! RFC 8785 canonical JSON ([`canonical`]). Entries are:
//! - hashed as RFC 6962 leaves and chained: `chain[n] = SHA-256(chain[n-1] ‖ leaf[n])`
//!   ([`chain`]);
//! - the leaves of an RFC 6962/9162 Merkle tree whose interior hashes are kept in the
//!   "stored hash index" layout of Go's `sumdb/tlog` (via the `tlog_tiles` crate), so that any
//!   inclusion or consistency proof reads O(log n) hashes ([`merkle`]);
//! - committed to by C2SP `tlog-checkpoint`s signed as C2SP signed notes with Ed25519
//!   ([`note`]).
//!
//! Storage lives in `services::ledger`; this module only computes and checks.

pub mod bundle;
pub mod canonical;
pub mod chain;
pub mod cosignature;
pub mod follow;
pub mod merkle;
pub mod note;
pub mod public_form;
pub mod tiles;

pub use tlog_tiles::Hash;

/// Lower-case hex of a hash, as used in the API.
pub fn hex(h: &Hash) -> String {
    data_encoding::HEXLOWER.encode(&h.0)
}

/// Parses 64 hex digits into a hash.
pub fn parse_hex(s: &str) -> Option<Hash> {
    let bytes = data_encoding::HEXLOWER_PERMISSIVE
        .decode(s.as_bytes())
        .ok()?;
    Some(Hash(bytes.try_into().ok()?))
}

/// A hash from a stored 32-byte value.
pub fn from_slice(b: &[u8]) -> Option<Hash> {
    Some(Hash(b.try_into().ok()?))
}
