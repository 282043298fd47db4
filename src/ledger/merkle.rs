//! The RFC 6962/9162 Merkle tree over entry leaves.
//!
//! Interior hashes are kept in the stored-hash-index layout of Go's `sumdb/tlog` (through the
//! `tlog_tiles` crate): appending record `n` produces `1 + trailing_ones(n)` hashes, the leaf
//! and each perfect subtree it completes. We store those hashes on the entry row of record
//! `n`, so stored hash `i` lives on row [`writer_of`]`(i)` and any proof reads O(log n) rows.
//!
//! Appending needs only the [`Frontier`]: the roots of the perfect subtrees along the right
//! edge of the tree (one per set bit of the size), kept with the log head.

use std::cell::RefCell;
use std::collections::HashMap;

use tlog_tiles::{Hash, HashReader, node_hash};

/// Roots of the perfect subtrees on the right edge of a tree of `size` leaves, from the
/// largest (leftmost) to the smallest.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frontier {
    size: u64,
    roots: Vec<Hash>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrontierError {
    #[error("stored frontier has {found} hashes, a tree of {size} leaves needs {expected}")]
    Length {
        size: u64,
        expected: u32,
        found: usize,
    },
}

impl Frontier {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Rebuilds a frontier from its stored form: the roots concatenated, 32 bytes each.
    pub fn from_bytes(size: u64, bytes: &[u8]) -> Result<Self, FrontierError> {
        let expected = size.count_ones();
        if bytes.len() != expected as usize * 32 {
            return Err(FrontierError::Length {
                size,
                expected,
                found: bytes.len() / 32,
            });
        }
        let roots = bytes
            .chunks_exact(32)
            .filter_map(|c| c.try_into().ok().map(Hash))
            .collect();
        Ok(Self { size, roots })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        self.roots.iter().flat_map(|h| h.0).collect()
    }

    /// Appends a leaf and returns the hashes to store with it, in stored-hash-index order:
    /// the leaf, then each perfect subtree it completes (exactly what `tlog::stored_hashes`
    /// returns for this record).
    pub fn append(&mut self, leaf: Hash) -> Vec<Hash> {
        let mut stored = vec![leaf];
        let mut h = leaf;
        // Each trailing one bit of the old size is a perfect subtree that the new leaf's
        // subtree now completes.
        for _ in 0..(self.size.trailing_ones()) {
            let Some(left) = self.roots.pop() else { break };
            h = node_hash(left, h);
            stored.push(h);
        }
        self.roots.push(h);
        self.size += 1;
        stored
    }

    /// RFC 6962 Merkle tree hash of the whole tree (`SHA-256("")` when empty).
    pub fn root(&self) -> Hash {
        let mut it = self.roots.iter().rev();
        match it.next() {
            None => tlog_tiles::EMPTY_HASH,
            Some(last) => it.fold(*last, |acc, left| node_hash(*left, acc)),
        }
    }
}

/// The record whose append wrote stored hash `index`, and its position in that record's list.
pub fn writer_of(index: u64) -> (u64, usize) {
    let (level, n) = tlog_tiles::split_stored_hash_index(index);
    (((n + 1) << level) - 1, usize::from(level))
}

/// First stored hash index written by record `n`.
pub fn first_index_of(n: u64) -> u64 {
    tlog_tiles::stored_hash_index(0, n)
}

// Proofs against hashes that must be fetched asynchronously: every `tlog_tiles` function
// reads hashes in exactly one call, so a first pass with a [`Recorder`] learns which indexes
// it needs (answering with placeholders), the caller fetches them in one query, and a second
// pass computes with the real hashes ([`Fetched`]).

/// First pass: remembers the requested indexes.
#[derive(Default)]
pub struct Recorder(RefCell<Vec<u64>>);

impl HashReader for Recorder {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        self.0.borrow_mut().extend_from_slice(indexes);
        Ok(vec![Hash([0; 32]); indexes.len()])
    }
}

impl Recorder {
    pub fn into_indexes(self) -> Vec<u64> {
        self.0.into_inner()
    }
}

/// A reader for both passes of a computation over fetched hashes.
pub enum TwoPass {
    Learn(Recorder),
    Answer(Fetched),
}

impl HashReader for TwoPass {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        match self {
            TwoPass::Learn(r) => r.read_hashes(indexes),
            TwoPass::Answer(f) => f.read_hashes(indexes),
        }
    }
}

/// Second pass: answers from fetched hashes.
pub struct Fetched(pub HashMap<u64, Hash>);

impl HashReader for Fetched {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|i| {
                self.0
                    .get(i)
                    .copied()
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

/// Why a proof request cannot be answered.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofRequestError {
    #[error("index {index} is not in a tree of {size} entries")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("the tree sizes must satisfy 1 <= first <= second (got {first} and {second})")]
    SizeOrder { first: u64, second: u64 },
    #[error("size {size} is larger than the log ({log_size} entries)")]
    BeyondLog { size: u64, log_size: u64 },
}

pub fn check_inclusion_request(
    index: u64,
    size: u64,
    log_size: u64,
) -> Result<(), ProofRequestError> {
    if size > log_size {
        return Err(ProofRequestError::BeyondLog { size, log_size });
    }
    if index >= size {
        return Err(ProofRequestError::IndexOutOfRange { index, size });
    }
    Ok(())
}

pub fn check_consistency_request(
    first: u64,
    second: u64,
    log_size: u64,
) -> Result<(), ProofRequestError> {
    if second > log_size {
        return Err(ProofRequestError::BeyondLog {
            size: second,
            log_size,
        });
    }
    if first == 0 || first > second {
        return Err(ProofRequestError::SizeOrder { first, second });
    }
    Ok(())
}

pub fn inclusion_proof(
    index: u64,
    size: u64,
    hashes: &Fetched,
) -> Result<Vec<Hash>, tlog_tiles::Error> {
    tlog_tiles::prove_record(size, index, hashes)
}

pub fn consistency_proof(
    first: u64,
    second: u64,
    hashes: &Fetched,
) -> Result<Vec<Hash>, tlog_tiles::Error> {
    tlog_tiles::prove_tree(second, first, hashes)
}

pub fn root(size: u64, hashes: &Fetched) -> Result<Hash, tlog_tiles::Error> {
    tlog_tiles::tree_hash(size, hashes)
}

/// RFC 9162 §2.1.3.2: does `proof` show leaf `leaf` at `index` in the tree of `size` with `root`?
pub fn verify_inclusion(proof: &[Hash], index: u64, size: u64, leaf: Hash, root: Hash) -> bool {
    index < size && tlog_tiles::check_record(&proof.to_vec(), size, root, index, leaf).is_ok()
}

/// RFC 9162 §2.1.4.2: is the tree (`first`, `first_root`) a prefix of (`second`, `second_root`)?
pub fn verify_consistency(
    proof: &[Hash],
    first: u64,
    first_root: Hash,
    second: u64,
    second_root: Hash,
) -> bool {
    first >= 1
        && first <= second
        && tlog_tiles::check_tree(&proof.to_vec(), second, second_root, first, first_root).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{chain, hex, parse_hex};

    /// The reference leaves of the certificate-transparency test tree, as published in
    /// transparency-dev/merkle `testonly/constants.go` (`LeafInputs`).
    fn reference_leaves() -> Vec<Vec<u8>> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|h| data_encoding::HEXLOWER.decode(h.as_bytes()).unwrap())
        .collect()
    }

    /// transparency-dev/merkle `testonly/constants.go` (`RootHashes`), roots for 1..=8 leaves.
    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// Appends leaves and keeps every stored hash, as the database does.
    fn build(leaves: &[Vec<u8>]) -> (Frontier, Fetched, Vec<Hash>) {
        let mut f = Frontier::default();
        let mut stored = HashMap::new();
        let mut roots = vec![];
        for (n, l) in leaves.iter().enumerate() {
            let hashes = f.append(chain::leaf(l));
            for (k, h) in hashes.into_iter().enumerate() {
                stored.insert(first_index_of(n as u64) + k as u64, h);
            }
            roots.push(f.root());
        }
        (f, Fetched(stored), roots)
    }

    fn hexes(v: &[Hash]) -> Vec<String> {
        v.iter().map(hex).collect()
    }

    #[test]
    fn roots_match_the_rfc6962_reference_vectors() {
        let (f, stored, roots) = build(&reference_leaves());
        assert_eq!(hexes(&roots), ROOTS);
        assert_eq!(
            hex(&Frontier::default().root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        for size in 1..=8u64 {
            assert_eq!(hex(&root(size, &stored).unwrap()), ROOTS[size as usize - 1]);
        }
        let restored = Frontier::from_bytes(8, &f.to_bytes()).unwrap();
        assert_eq!(restored.root(), f.root());
    }

    /// transparency-dev/merkle `proof/verify_test.go` / `testonly/reference_test.go`
    /// (TestRefInclusionProof): PATH(index, D[size]).
    #[test]
    fn inclusion_proofs_match_the_reference_vectors() {
        let (_, stored, _) = build(&reference_leaves());
        let cases: &[(u64, u64, &[&str])] = &[
            (0, 1, &[]),
            (
                0,
                2,
                &["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
            ),
            (
                2,
                3,
                &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
            (
                1,
                5,
                &[
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
            (
                0,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
        ];
        let leaves = reference_leaves();
        for (index, size, want) in cases {
            let proof = inclusion_proof(*index, *size, &stored).unwrap();
            assert_eq!(hexes(&proof), *want, "PATH({index}, D[{size}])");
            let root = parse_hex(ROOTS[*size as usize - 1]).unwrap();
            assert!(verify_inclusion(
                &proof,
                *index,
                *size,
                chain::leaf(&leaves[*index as usize]),
                root
            ));
        }
    }

    /// transparency-dev/merkle (TestRefConsistencyProof): PROOF(first, D[second]).
    #[test]
    fn consistency_proofs_match_the_reference_vectors() {
        let (_, stored, _) = build(&reference_leaves());
        let cases: &[(u64, u64, &[&str])] = &[
            (1, 1, &[]),
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
        ];
        for (first, second, want) in cases {
            let proof = consistency_proof(*first, *second, &stored).unwrap();
            assert_eq!(hexes(&proof), *want, "PROOF({first}, D[{second}])");
            let r1 = parse_hex(ROOTS[*first as usize - 1]).unwrap();
            let r2 = parse_hex(ROOTS[*second as usize - 1]).unwrap();
            assert!(verify_consistency(&proof, *first, r1, *second, r2));
        }
    }

    #[test]
    fn the_writer_of_each_stored_hash_is_found_from_its_index() {
        let (_, stored, _) = build(
            &(0..40)
                .map(|i: u32| i.to_be_bytes().to_vec())
                .collect::<Vec<_>>(),
        );
        for (index, _) in stored.0.iter() {
            let (record, offset) = writer_of(*index);
            assert_eq!(first_index_of(record) + offset as u64, *index);
        }
    }

    #[test]
    fn bad_proof_requests_are_errors_not_panics() {
        assert!(check_inclusion_request(5, 5, 10).is_err());
        assert!(check_inclusion_request(0, 11, 10).is_err());
        assert!(check_consistency_request(0, 5, 10).is_err());
        assert!(check_consistency_request(6, 5, 10).is_err());
        assert!(check_consistency_request(1, 11, 10).is_err());
        assert!(!verify_inclusion(&[], 3, 2, Hash([0; 32]), Hash([0; 32])));
        assert!(!verify_consistency(&[], 0, Hash([0; 32]), 2, Hash([0; 32])));
        assert!(Frontier::from_bytes(3, &[0; 32]).is_err());
    }

    proptest::proptest! {
        /// For random sizes, every inclusion and consistency proof verifies against the
        /// frontier's root, and changing any proof hash makes it fail.
        #[test]
        fn proofs_verify_and_tampering_fails(size in 1u64..300, pick in 0u64..1000, flip in 0usize..64) {
            let leaves: Vec<Vec<u8>> = (0..size).map(|i| format!("entry {i}").into_bytes()).collect();
            let (f, stored, roots) = build(&leaves);
            let index = pick % size;
            let proof = inclusion_proof(index, size, &stored).unwrap();
            let leaf = chain::leaf(&leaves[index as usize]);
            proptest::prop_assert!(verify_inclusion(&proof, index, size, leaf, f.root()));
            proptest::prop_assert!(proof.len() as u32 <= 64 - (size - 1).leading_zeros());
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let k = flip % bad.len();
                bad[k].0[flip % 32] ^= 1;
                proptest::prop_assert!(!verify_inclusion(&bad, index, size, leaf, f.root()));
            }
            let first = 1 + pick % size;
            let c = consistency_proof(first, size, &stored).unwrap();
            let first_root = roots[first as usize - 1];
            proptest::prop_assert!(verify_consistency(&c, first, first_root, size, f.root()));
            if !c.is_empty() {
                let mut bad = c.clone();
                let k = flip % bad.len();
                bad[k].0[0] ^= 0x80;
                proptest::prop_assert!(!verify_consistency(&bad, first, first_root, size, f.root()));
            }
        }
    }
}
