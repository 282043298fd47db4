//! C2SP `tlog-tiles` coordinates: the paths of hash tiles and entry bundles, and which of them a
//! tree of a given size holds.
//!
//! A tile at level `l` holds up to 256 consecutive Merkle tree hashes of height `8·l`; a tile
//! is *full* at 256 hashes and *partial* (`.p/<W>`, 1 ≤ W ≤ 255) at the right edge of a tree.
//! The hashes themselves come from the stored hashes (see [`super::merkle`]): hash `i` of tile
//! `n` at level `l` is the stored hash `(8·l, 256·n + i)`.
//!
//! Paths are parsed strictly, as the specification writes them (no leading zeros, `x` on every
//! element but the last), so one tile has exactly one URL and caches hold it once.

use std::fmt;

/// Hashes per full tile.
pub const WIDTH: u32 = 256;
/// Height of a tile: `log2(WIDTH)`.
pub const HEIGHT: u8 = 8;
/// The highest level the specification allows.
pub const MAX_LEVEL: u8 = 63;

/// A hash tile or an entry bundle, as named by its path under `<prefix>/tile/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileRef {
    /// `None` for an entry bundle (`tile/entries/…`), otherwise the level.
    pub level: Option<u8>,
    /// Index of the tile within its level.
    pub n: u64,
    /// Number of hashes (or entries): 256 for a full tile.
    pub width: u32,
}

/// A path that names no tile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a tile path: {0}")]
pub struct BadTilePath(pub String);

impl TileRef {
    pub fn hashes(level: u8, n: u64, width: u32) -> Self {
        Self {
            level: Some(level),
            n,
            width,
        }
    }

    pub fn entries(n: u64, width: u32) -> Self {
        Self {
            level: None,
            n,
            width,
        }
    }

    pub fn is_full(&self) -> bool {
        self.width == WIDTH
    }

    /// Parses the part of a path after `tile/`: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`.
    pub fn parse(path: &str) -> Result<Self, BadTilePath> {
        let bad = || BadTilePath(path.to_owned());
        let (first, rest) = path.split_once('/').ok_or_else(bad)?;
        let level = if first == "entries" {
            None
        } else {
            let l: u8 = first.parse().map_err(|_| bad())?;
            if l > MAX_LEVEL {
                return Err(bad());
            }
            Some(l)
        };
        let (index, width) = match rest.split_once(".p/") {
            Some((index, w)) => {
                let w: u32 = w.parse().map_err(|_| bad())?;
                if !(1..WIDTH).contains(&w) {
                    return Err(bad());
                }
                (index, w)
            }
            None => (rest, WIDTH),
        };
        let mut n: u64 = 0;
        for element in index.split('/') {
            let digits = element.strip_prefix('x').unwrap_or(element);
            if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let d: u64 = digits.parse().map_err(|_| bad())?;
            n = n
                .checked_mul(1000)
                .and_then(|n| n.checked_add(d))
                .ok_or_else(bad)?;
        }
        let tile = Self { level, n, width };
        // The one canonical spelling: `x` on all but the last element, no `x000` in front, the
        // width without leading zeros.
        if tile.path() != path {
            return Err(bad());
        }
        Ok(tile)
    }

    /// The path under `<prefix>/tile/`, as the specification spells it.
    pub fn path(&self) -> String {
        let mut elements = vec![format!("{:03}", self.n % 1000)];
        let mut n = self.n / 1000;
        while n > 0 {
            elements.push(format!("x{:03}", n % 1000));
            n /= 1000;
        }
        elements.reverse();
        let level = match self.level {
            Some(l) => l.to_string(),
            None => "entries".to_owned(),
        };
        let partial = if self.is_full() {
            String::new()
        } else {
            format!(".p/{}", self.width)
        };
        format!("{level}/{}{partial}", elements.join("/"))
    }

    /// Whether a tree of `size` entries holds this tile: its last hash covers entries that all
    /// exist. Such a tile never changes, whatever is appended later.
    pub fn within(&self, size: u64) -> bool {
        let level = u32::from(self.level.unwrap_or(0));
        let span = 256u64.checked_pow(level);
        let end = self
            .n
            .checked_mul(u64::from(WIDTH))
            .and_then(|first| first.checked_add(u64::from(self.width)))
            .zip(span)
            .and_then(|(count, span)| count.checked_mul(span));
        end.is_some_and(|end| end <= size)
    }

    /// Entry indexes an entry bundle (or a level-0 tile) covers.
    pub fn entry_range(&self) -> std::ops::Range<u64> {
        let start = self.n.saturating_mul(u64::from(WIDTH));
        start..start.saturating_add(u64::from(self.width))
    }

    /// The `tlog_tiles` tile with the same hashes (entry bundles map to their level-0 tile).
    pub fn hash_tile(&self) -> tlog_tiles::Tile {
        // Valid by construction: height 8, level ≤ 63, 1 ≤ width ≤ 256.
        tlog_tiles::Tile::new(HEIGHT, self.level.unwrap_or(0), self.n, self.width, false)
    }
}

impl fmt::Display for TileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tile/{}", self.path())
    }
}

/// The tiles a client needs to read a tree of `size` entries from scratch: every full tile and
/// the partial tile at the right edge of each level (none where the level ends on a full tile).
pub fn tiles_of(size: u64) -> Vec<TileRef> {
    let mut out = Vec::new();
    let mut level = 0u8;
    while level <= MAX_LEVEL {
        let Some(span) = 256u64.checked_pow(u32::from(level)) else {
            break;
        };
        let hashes = size / span;
        if hashes == 0 {
            break;
        }
        let full = hashes / u64::from(WIDTH);
        out.extend((0..full).map(|n| TileRef::hashes(level, n, WIDTH)));
        let rest = (hashes % u64::from(WIDTH)) as u32;
        if rest > 0 {
            out.push(TileRef::hashes(level, full, rest));
        }
        level += 1;
    }
    out
}

/// An entry bundle: each entry prefixed by its length as a big-endian `u16`.
pub fn bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Result<Vec<u8>, EntryTooLong> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len()).map_err(|_| EntryTooLong(e.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// An entry longer than an entry bundle can hold.
#[derive(Debug, thiserror::Error)]
#[error("an entry of {0} bytes does not fit an entry bundle (65,535 at most)")]
pub struct EntryTooLong(pub usize);

/// The entries of a bundle, or `None` if its length prefixes do not add up.
pub fn unbundle(data: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (len, tail) = rest.split_first_chunk::<2>()?;
        let len = usize::from(u16::from_be_bytes(*len));
        if tail.len() < len {
            return None;
        }
        let (entry, tail) = tail.split_at(len);
        out.push(entry);
        rest = tail;
    }
    Some(out)
}

/// Tiles already fetched, keyed by their `tlog_tiles` coordinates: what a client hands to
/// [`tlog_tiles::TileHashReader`], which checks each tile against the tree's root as it reads it.
#[derive(Debug, Default)]
pub struct TileMap(pub std::collections::HashMap<tlog_tiles::Tile, Vec<u8>>);

impl tlog_tiles::TileReader for TileMap {
    fn height(&self) -> u8 {
        HEIGHT
    }

    fn read_tiles(&self, tiles: &[tlog_tiles::Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        tiles
            .iter()
            .map(|t| self.0.get(t).cloned().ok_or(tlog_tiles::Error::InvalidTile))
            .collect()
    }

    fn save_tiles(&self, _: &[tlog_tiles::Tile], _: &[Vec<u8>]) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_spelled_as_the_specification_spells_them() {
        for (tile, path) in [
            (TileRef::hashes(0, 0, 256), "0/000"),
            (TileRef::hashes(1, 1234067, 256), "1/x001/x234/067"),
            (TileRef::hashes(2, 1234067, 17), "2/x001/x234/067.p/17"),
            (TileRef::entries(1000, 1), "entries/x001/000.p/1"),
            (TileRef::entries(999, 256), "entries/999"),
        ] {
            assert_eq!(tile.path(), path);
            assert_eq!(TileRef::parse(path), Ok(tile), "{path}");
        }
    }

    #[test]
    fn any_other_spelling_is_refused() {
        for path in [
            "",
            "0",
            "0/",
            "00/000",
            "64/000",
            "256/000",
            "-1/000",
            "0/0",
            "0/0000",
            "0/x000/001",
            "0/001/002",
            "0/x001",
            "0/xx01/000",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/017",
            "0/000.p/",
            "0/000.p/1/2",
            "0/x018/x446/x744/x073/x709/x551/616",
            "data/000",
            "entries/000/",
            "0/+01",
            "0/ 01",
        ] {
            assert!(TileRef::parse(path).is_err(), "{path:?} parsed");
        }
    }

    #[test]
    fn bundles_are_length_prefixed_entries() {
        let entries: [&[u8]; 3] = [b"ab", b"", &[7; 300]];
        let data = bundle(entries).unwrap();
        assert_eq!(&data[..4], &[0, 2, b'a', b'b']);
        assert_eq!(&data[4..8], &[0, 0, 1, 44]);
        assert_eq!(unbundle(&data).unwrap(), entries.to_vec());
        assert!(unbundle(&data[..data.len() - 1]).is_none());
        assert!(unbundle(&[0]).is_none());
        assert!(bundle([&[0u8; 65_536][..]]).is_err());
    }

    #[test]
    fn a_tree_holds_the_tiles_the_specification_lists() {
        // The specification's example: a tree of 70,000 entries.
        let tiles = tiles_of(70_000);
        assert_eq!(tiles.iter().filter(|t| t.level == Some(0)).count(), 274);
        assert_eq!(tiles[273], TileRef::hashes(0, 273, 112));
        assert!(tiles.contains(&TileRef::hashes(1, 0, 256)));
        assert!(tiles.contains(&TileRef::hashes(1, 1, 17)));
        assert!(tiles.contains(&TileRef::hashes(2, 0, 1)));
        assert_eq!(tiles.len(), 274 + 2 + 1);
        for t in &tiles {
            assert!(t.within(70_000), "{t}");
        }
        assert!(!TileRef::hashes(0, 273, 113).within(70_000));
        assert!(!TileRef::hashes(0, 273, 256).within(70_000));
        assert!(!TileRef::hashes(1, 1, 18).within(70_000));
        assert!(!TileRef::hashes(3, 0, 1).within(70_000));
        assert!(!TileRef::hashes(63, u64::MAX / 256, 255).within(u64::MAX));
        // A tree of 256 entries: one full level-0 tile and a partial level-1 tile of width 1.
        assert_eq!(
            tiles_of(256),
            vec![TileRef::hashes(0, 0, 256), TileRef::hashes(1, 0, 1)]
        );
        assert!(tiles_of(0).is_empty());
    }

    /// Tiles made from the stored hashes, read back by `tlog_tiles`' own tile reader, which
    /// checks every tile it loads against the tree's root.
    #[test]
    fn tiles_from_stored_hashes_verify_against_the_root() {
        use std::collections::HashMap;

        use crate::ledger::merkle::{Fetched, Frontier, first_index_of};
        use tlog_tiles::TileHashReader;

        let size = 70_000u64;
        let mut frontier = Frontier::default();
        let mut stored = HashMap::new();
        for n in 0..size {
            let hashes = frontier.append(crate::ledger::chain::leaf(&n.to_be_bytes()));
            for (k, h) in hashes.into_iter().enumerate() {
                stored.insert(first_index_of(n) + k as u64, h);
            }
        }
        let stored = Fetched(stored);
        let root = frontier.root();

        let served = TileMap(
            tiles_of(size)
                .into_iter()
                .map(|t| {
                    let tile = t.hash_tile();
                    (tile, tile.read_data(&stored).unwrap())
                })
                .collect(),
        );
        let reader = TileHashReader::new(size, root, &served);
        assert_eq!(tlog_tiles::tree_hash(size, &reader).unwrap(), root);
        for n in [0, 1, 255, 256, 65_535, 65_536, 69_999] {
            let proof = tlog_tiles::prove_record(size, n, &reader).unwrap();
            let leaf = crate::ledger::chain::leaf(&n.to_be_bytes());
            tlog_tiles::check_record(&proof, size, root, n, leaf).unwrap();
        }
        let old = 65_537;
        let proof = tlog_tiles::prove_tree(size, old, &reader).unwrap();
        let old_root = tlog_tiles::tree_hash(old, &stored).unwrap();
        tlog_tiles::check_tree(&proof, size, root, old, old_root).unwrap();
    }
}
