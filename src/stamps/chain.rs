//! The hash chain of a batch's stamps and the Merkle root of a stamp run.
//!
//! `hash[i] = SHA-256(hash[i-1] ‖ serial[i] ‖ batch id ‖ i)`, with the serial as its 16 ASCII
//! bytes, the batch id as its 16 UUID bytes, and `i`, the stamp's index within the batch, as
//! 8 bytes big-endian. `hash[-1]` is the batch's chain head at issuance, so every stamp is
//! chained to the stamp before it and to the batch's whole recorded history. A run's root is the
//! RFC 6962 Merkle tree hash over its stamp hashes (each one a leaf's data); that root goes
//! into the run's single ledger entry.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Serial;
use crate::ledger::merkle::Frontier;
use crate::ledger::{Hash, chain};

pub fn link(previous: &Hash, serial: &Serial, batch: Uuid, index: u64) -> Hash {
    let mut h = Sha256::new();
    h.update(previous.0);
    h.update(serial.as_str().as_bytes());
    h.update(batch.as_bytes());
    h.update(index.to_be_bytes());
    Hash(h.finalize().into())
}

/// Leaves per block of a run's tree whose root is stored with the run (level 8 of the tree,
/// as a C2SP tile of height 8): a stamp's path is then its block's 256 hashes, read in one
/// range query, and the run's few block roots, never the whole run.
pub const BLOCK: usize = 256;

/// The hashes of a run's stamps, the roots of its blocks of [`BLOCK`] stamps (the last one
/// may be partial) and the run's Merkle root.
pub struct Run {
    pub hashes: Vec<Hash>,
    pub blocks: Vec<Hash>,
    pub root: Hash,
}

impl Run {
    /// The batch's chain head after the run.
    pub fn head(&self) -> Option<&Hash> {
        self.hashes.last()
    }
}

/// Chains `serials` after `head`, the first one getting index `first_index` in the batch.
pub fn chain_run(head: Hash, serials: &[Serial], batch: Uuid, first_index: u64) -> Run {
    let mut hashes = Vec::with_capacity(serials.len());
    let mut blocks = Vec::with_capacity(serials.len().div_ceil(BLOCK));
    let mut block = Frontier::default();
    let mut previous = head;
    for (offset, serial) in serials.iter().enumerate() {
        previous = link(&previous, serial, batch, first_index + offset as u64);
        block.append(chain::leaf(&previous.0));
        hashes.push(previous);
        if (offset + 1) % BLOCK == 0 || offset + 1 == serials.len() {
            blocks.push(std::mem::take(&mut block).root());
        }
    }
    Run {
        hashes,
        root: root_of_blocks(&blocks),
        blocks,
    }
}

/// The roots of the blocks of a run whose stamp hashes are `hashes`.
pub fn block_roots(hashes: &[Hash]) -> Vec<Hash> {
    hashes
        .chunks(BLOCK)
        .map(|c| top(levels(c.iter().map(|h| chain::leaf(&h.0)).collect())))
        .collect()
}

/// The run's root from its block roots: they are level 8 of the same tree.
pub fn root_of_blocks(blocks: &[Hash]) -> Hash {
    top(levels(blocks.to_vec()))
}

fn top(levels: Vec<Vec<Hash>>) -> Hash {
    levels
        .last()
        .and_then(|l| l.first())
        .copied()
        .unwrap_or(Hash([0; 32]))
}

/// The inclusion path of the run's stamp `index` from its block's stamp hashes
/// (`block_hashes`, the block being number `index / BLOCK`) and the run's block roots: the
/// path inside the block, then the block's path among the blocks. `None` when `index` is out
/// of range.
pub fn path_from_blocks(block_hashes: &[Hash], blocks: &[Hash], index: usize) -> Option<Vec<Hash>> {
    let leaves = block_hashes.iter().map(|h| chain::leaf(&h.0)).collect();
    let mut path = path_in(&levels(leaves), index % BLOCK)?;
    path.extend(path_in(&levels(blocks.to_vec()), index / BLOCK)?);
    Some(path)
}

/// Every level of a run's RFC 6962 tree, leaves first, root last. Built pairwise, where an
/// unpaired last node moves up unchanged, which gives the same tree as the RFC's split at the
/// largest power of two. Kept in memory, it answers any stamp's path in O(log n).
pub fn levels(leaves: Vec<Hash>) -> Vec<Vec<Hash>> {
    let mut out = vec![leaves];
    while out.last().is_some_and(|l| l.len() > 1) {
        let next = out
            .last()
            .map(|level| {
                level
                    .chunks(2)
                    .map(|pair| match pair {
                        [l, r] => tlog_tiles::node_hash(*l, *r),
                        [only] => *only,
                        _ => unreachable!("chunks(2) yields one or two"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(next);
    }
    out
}

/// The inclusion path of leaf `index` in a tree given by its [`levels`]; `None` when `index`
/// is out of range.
pub fn path_in(levels: &[Vec<Hash>], index: usize) -> Option<Vec<Hash>> {
    if index >= levels.first()?.len() {
        return None;
    }
    let mut path = Vec::new();
    let mut i = index;
    for level in levels.iter().take(levels.len().saturating_sub(1)) {
        if let Some(sibling) = level.get(i ^ 1) {
            path.push(*sibling);
        }
        i /= 2;
    }
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::hex;

    fn serials() -> Vec<Serial> {
        ["0123456789ABCDEF", "ZZZZZZZZZZZZZZZZ", "0000000000000000"]
            .iter()
            .map(|s| Serial::parse(s).unwrap())
            .collect()
    }

    /// Expected values computed independently with Python's hashlib from the definition in
    /// the module docs (head = 32 bytes of 0x07, first index 10).
    #[test]
    fn a_run_matches_an_independent_computation() {
        let batch = Uuid::parse_str("01a20f6e-af6a-7037-a7ca-2509258e71d5").unwrap();
        let run = chain_run(Hash([7; 32]), &serials(), batch, 10);
        let got: Vec<String> = run.hashes.iter().map(hex).collect();
        assert_eq!(
            got,
            [
                "bca059601ef0409fecf193d0700b661f9056c2ccdaf8af6d5b8de52340ee6124",
                "000f7300b86ce5ea04aa5b66e952b88417cd6a1114d1b75e3981fe5fba8d624b",
                "5e6e1f0a21d4f2abe4fba1afbaa56e80b52ec51fdbb0b48d3ad38feea8c3f2a7",
            ]
        );
        assert_eq!(
            hex(&run.root),
            "2f69f87efa1f7ecee619654e12fd3f9f7065f4a7258d5f83dc6614db033cc72f"
        );
        assert_eq!(run.head(), run.hashes.last());
    }

    #[test]
    fn inclusion_paths_verify_against_the_run_root_for_every_leaf() {
        for n in [1usize, 2, 3, 5, 8, 13, 100] {
            let serials: Vec<Serial> = (0..n)
                .map(|i| Serial::parse(&format!("{i:016}")).unwrap())
                .collect();
            let run = chain_run(Hash([3; 32]), &serials, Uuid::now_v7(), 0);
            let leaves: Vec<Hash> = run.hashes.iter().map(|h| chain::leaf(&h.0)).collect();
            let tree = levels(leaves.clone());
            for (i, leaf) in leaves.iter().enumerate() {
                let path = path_in(&tree, i).unwrap();
                assert!(
                    crate::ledger::merkle::verify_inclusion(
                        &path, i as u64, n as u64, *leaf, run.root
                    ),
                    "leaf {i} of {n}"
                );
            }
            assert!(path_in(&tree, n).is_none());
            assert_eq!(tree.last().unwrap()[0], run.root);
        }
    }

    #[test]
    fn every_input_is_bound_into_the_root() {
        let batch = Uuid::now_v7();
        let base = chain_run(Hash([1; 32]), &serials(), batch, 0).root;
        assert_ne!(
            chain_run(Hash([2; 32]), &serials(), batch, 0).root,
            base,
            "the batch head"
        );
        assert_ne!(
            chain_run(Hash([1; 32]), &serials(), Uuid::now_v7(), 0).root,
            base,
            "the batch"
        );
        assert_ne!(
            chain_run(Hash([1; 32]), &serials(), batch, 1).root,
            base,
            "the index"
        );
        let mut swapped = serials();
        swapped.swap(0, 1);
        assert_ne!(
            chain_run(Hash([1; 32]), &swapped, batch, 0).root,
            base,
            "the order"
        );
    }

    #[test]
    fn a_path_from_a_block_and_the_block_roots_is_the_path_in_the_whole_tree() {
        let batch = Uuid::nil();
        for n in [1usize, 2, 3, 255, 256, 257, 511, 512, 513, 1000] {
            let serials: Vec<Serial> = (0..n)
                .map(|i| Serial::from_bytes((i as u128).to_be_bytes()[6..].try_into().unwrap()))
                .collect();
            let run = chain_run(Hash([1; 32]), &serials, batch, 0);
            let all = levels(run.hashes.iter().map(|h| chain::leaf(&h.0)).collect());
            assert_eq!(top(all.clone()), run.root, "n = {n}");
            assert_eq!(block_roots(&run.hashes), run.blocks, "n = {n}");
            for i in 0..n {
                let block = &run.hashes[i / BLOCK * BLOCK..((i / BLOCK + 1) * BLOCK).min(n)];
                assert_eq!(
                    path_from_blocks(block, &run.blocks, i),
                    path_in(&all, i),
                    "n = {n}, i = {i}"
                );
            }
        }
    }
}
