//! A gzip stream put together from pieces compressed beforehand and text written per response.
//!
//! A scan page is a frame shared by every stamp of a lot with a few values filled per scan
//! (web/scan_frame.rs). Compressing the whole page for each response cost about two thirds
//! of the server's CPU once clients asked for gzip, as every phone's browser does
//! (bench/RESULTS.md). Here the page's fixed text is compressed once, piece by piece, as raw
//! DEFLATE (RFC 1951) where each piece ends in a sync flush (a byte-aligned end, no final
//! block), and a response is the gzip header (RFC 1952), those pieces copied, each value's
//! text in stored blocks, an empty final block and the trailer (CRC-32 and length of the whole
//! text). Any gzip decoder reads it as one member.
//!
//! A piece may refer back to the text before it (DEFLATE's 32 KB window), values included,
//! so the pieces are compressed in one stream with each value's place held by as many bytes
//! `0xFF` as the value will have: no match can cover such a byte, since none occurs in UTF-8
//! text, so a piece refers back only to fixed text, at distances that hold whenever every
//! value has the length it was compressed for ([`deflate_pieces`]). Compressed apart, the
//! pieces of a scan page came out 17–27 % larger than the page compressed whole.
//!
//! Why not a crate: flate2 compresses and checks, but has no way to splice pre-compressed
//! DEFLATE into a stream; the format needed here is the few lines below.

use std::io::Write;

/// The gzip header: magic, DEFLATE, no flags, no time, no extra flags, OS unknown.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
/// An empty stored block marked final (BFINAL = 1, BTYPE = 00, LEN = 0, NLEN = !0).
const LAST_BLOCK: [u8; 5] = [1, 0, 0, 0xff, 0xff];
/// The most a stored block holds.
const STORED_MAX: usize = u16::MAX as usize;

/// Each piece's text as raw DEFLATE at the best compression, ending in a sync flush, for a
/// stream in which the piece is followed by a value of the given length (none after the
/// last). The pieces are compressed as one text with `0xFF` bytes in the values' places, so
/// each refers back to the fixed text before it: such a piece is valid only where every value
/// before it has its given length. An empty piece is empty.
pub fn deflate_pieces(pieces: &[(&str, usize)]) -> Vec<Vec<u8>> {
    let fresh = || flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let mut encoder = fresh();
    let mut out = Vec::with_capacity(pieces.len());
    for (text, value_len) in pieces {
        let mut deflated = Vec::new();
        if !text.is_empty() {
            // Writing into a Vec cannot fail; `flush` ends the blocks written with a sync
            // flush and empties the encoder's buffer into the Vec.
            let written = encoder
                .write_all(text.as_bytes())
                .and_then(|()| encoder.flush());
            deflated = std::mem::take(encoder.get_mut());
            if written.is_err() {
                // Unreachable; still a valid stream, if a poor one: stored, and from here on
                // no window to refer to.
                deflated = stored(text.as_bytes());
                encoder = fresh();
            }
        }
        out.push(deflated);
        if *value_len > 0 {
            let held = encoder
                .write_all(&vec![0xFF; *value_len])
                .and_then(|()| encoder.flush());
            encoder.get_mut().clear();
            if held.is_err() {
                encoder = fresh();
            }
        }
    }
    out
}

/// `bytes` in stored (uncompressed) blocks, not final.
fn stored(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 5 * (bytes.len() / STORED_MAX + 1));
    put_stored(&mut out, bytes);
    out
}

fn put_stored(out: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.chunks(STORED_MAX) {
        // `chunks` yields at most STORED_MAX bytes, so the length fits in 16 bits.
        let len = chunk.len() as u16;
        out.push(0);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
}

/// A gzip member being written.
pub struct GzipPieces {
    out: Vec<u8>,
    crc: crc32fast::Hasher,
    len: u32,
}

impl GzipPieces {
    /// Starts a member; `capacity` is about the compressed size expected.
    pub fn new(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity + HEADER.len() + 64);
        out.extend_from_slice(&HEADER);
        Self {
            out,
            crc: crc32fast::Hasher::new(),
            len: 0,
        }
    }

    /// Adds `text`, whose DEFLATE form [`deflate_pieces`] made.
    pub fn piece(&mut self, text: &str, deflated: &[u8]) {
        self.out.extend_from_slice(deflated);
        self.count(text);
    }

    /// Adds `text` as it is (stored blocks): a few hundred bytes written per response.
    pub fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        put_stored(&mut self.out, text.as_bytes());
        self.count(text);
    }

    fn count(&mut self, text: &str) {
        self.crc.update(text.as_bytes());
        // ISIZE is the length modulo 2^32 (RFC 1952).
        self.len = self.len.wrapping_add(text.len() as u32);
    }

    /// The member, ended.
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(&LAST_BLOCK);
        self.out
            .extend_from_slice(&self.crc.finalize().to_le_bytes());
        self.out.extend_from_slice(&self.len.to_le_bytes());
        self.out
    }
}

/// Whether an `Accept-Encoding` value accepts gzip (RFC 9110 §12.5.3): `gzip` or `x-gzip`
/// with a weight above zero, or else `*` with one. A malformed weight counts as 1.
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut star = None;
    for (coding, weight) in crate::quality::items(accept_encoding) {
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            return weight > 0.0;
        }
        if coding == "*" {
            star = Some(weight > 0.0);
        }
    }
    star.unwrap_or(false)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Read;

    /// `bytes` decoded as one gzip member.
    pub(crate) fn gunzip(bytes: &[u8]) -> String {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .expect("a valid gzip member");
        text
    }

    /// The member for `pieces`, each followed by its value.
    fn member(pieces: &[(&str, &str)], deflated: &[Vec<u8>]) -> (Vec<u8>, String) {
        let mut gz = GzipPieces::new(256);
        let mut want = String::new();
        for ((piece, value), deflated) in pieces.iter().zip(deflated) {
            gz.piece(piece, deflated);
            gz.text(value);
            want.push_str(piece);
            want.push_str(value);
        }
        (gz.finish(), want)
    }

    #[test]
    fn pieces_and_values_make_one_member_that_decodes_to_their_text() {
        let body = "<p>Mật ong Cư M'gar, hợp tác xã Ea Tul</p>".repeat(20);
        let frame = [
            "<html><body><p>Mật ong Cư M'gar, hợp tác xã Ea Tul</p>",
            "",
            &body,
            "</body></html>",
        ];
        let lens = [9, 0, 19, 0];
        let deflated = deflate_pieces(&frame.iter().copied().zip(lens).collect::<Vec<_>>());
        // Any values of the lengths the pieces were compressed for.
        let (nine, nineteen) = ("ÿ".repeat(4) + "x", "ÿ".repeat(9) + "x");
        for values in [
            ["ABCD EFGH", "", "<b>3 lần quet</b>", ""],
            [&nine, "", &nineteen, ""],
        ] {
            let pieces: Vec<_> = frame.iter().copied().zip(values).collect();
            let (bytes, want) = member(&pieces, &deflated);
            assert_eq!(gunzip(&bytes), want);
            assert!(bytes.len() < want.len() / 4, "the repeated text compressed");
        }
        // The body refers back to the first piece across the value: smaller than alone.
        let alone = deflate_pieces(&[(&body, 0)]);
        assert!(
            deflated[2].len() < alone[0].len(),
            "{} {}",
            deflated[2].len(),
            alone[0].len()
        );
    }

    #[test]
    fn a_text_longer_than_a_stored_block_is_split() {
        let long = "x".repeat(STORED_MAX * 2 + 7);
        let mut gz = GzipPieces::new(0);
        gz.text(&long);
        assert_eq!(gunzip(&gz.finish()), long);
    }

    #[test]
    fn an_empty_member_decodes_to_nothing() {
        assert_eq!(gunzip(&GzipPieces::new(0).finish()), "");
    }

    #[test]
    fn gzip_is_accepted_only_with_a_weight_above_zero() {
        for yes in [
            "gzip",
            "gzip, deflate, br, zstd",
            "br;q=1.0, GZIP;q=0.5",
            "x-gzip",
            "*",
            "identity;q=1, *;q=0.1",
            "gzip;q=bad",
        ] {
            assert!(accepts_gzip(yes), "{yes}");
        }
        for no in [
            "",
            "identity",
            "br, zstd",
            "gzip;q=0",
            "*;q=0",
            "gzip;q=0.0, *",
        ] {
            assert!(!accepts_gzip(no), "{no}");
        }
    }
}
