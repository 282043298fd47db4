//! Hash chains: the global chain over all entries and the per-batch chain over its diary.

use sha2::{Digest, Sha256};

use super::Hash;

/// `chain[-1]`: 32 zero bytes.
pub const GENESIS: Hash = Hash([0; 32]);

/// `SHA-256(previous ‖ leaf)`: the next link of a chain.
pub fn link(previous: &Hash, leaf: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update(previous.0);
    h.update(leaf.0);
    Hash(h.finalize().into())
}

/// RFC 6962 leaf hash of an entry payload: `SHA-256(0x00 ‖ payload)`.
pub fn leaf(payload: &[u8]) -> Hash {
    tlog_tiles::record_hash(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_bind_both_the_previous_link_and_the_leaf() {
        let a = leaf(b"a");
        let b = leaf(b"b");
        assert_ne!(link(&GENESIS, &a), link(&GENESIS, &b));
        assert_ne!(link(&a, &b), link(&b, &a));
        // SHA-256 of 64 zero bytes, a fixed known value.
        assert_eq!(
            super::super::hex(&link(&GENESIS, &GENESIS)),
            "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b"
        );
    }

    #[test]
    fn the_leaf_hash_is_domain_separated() {
        // RFC 6962 §2.1: the empty leaf hashes to SHA-256(0x00).
        assert_eq!(
            super::super::hex(&leaf(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }
}
