//! Tiles and entry bundles already served, kept in memory. A tile the signed tree holds never
//! changes, so a kept one is served without asking the database anything, not even whether a
//! checkpoint covers it (one did when it was first served, and checkpoints only grow).

use bytes::Bytes;

use crate::ledger::tiles::TileRef;

/// Memory the kept tiles may take: about 1,000 hash tiles (8 KiB) and 1,000 bundles.
pub const DEFAULT_BYTES: u64 = 32 << 20;

#[derive(Clone, Copy)]
struct ByBytes;

impl quick_cache::Weighter<TileRef, Bytes> for ByBytes {
    fn weight(&self, _: &TileRef, data: &Bytes) -> u64 {
        data.len() as u64 + 64
    }
}

pub struct TileCache(quick_cache::sync::Cache<TileRef, Bytes, ByBytes>);

impl TileCache {
    pub fn new(bytes: u64) -> Self {
        let items = usize::try_from(bytes / 8_192).unwrap_or(usize::MAX).max(16);
        Self(quick_cache::sync::Cache::with_weighter(
            items, bytes, ByBytes,
        ))
    }

    pub fn get(&self, tile: &TileRef) -> Option<Bytes> {
        self.0.get(tile)
    }

    /// Keeps a tile the signed tree holds.
    pub fn keep(&self, tile: TileRef, data: Bytes) {
        self.0.insert(tile, data);
    }
}
