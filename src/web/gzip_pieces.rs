//! A gzip stream put together from pieces compressed beforehand and text written per response.
//!
//! A scan page is a frame shared by every stamp of a lot with a few holes filled per scan
//! (web/scan_frame.rs). Compressing the whole page for each response cost about two thirds
//! of the server's CPU once clients asked for gzip, as every phone's browser does
//! (bench/RESULTS.md). Here each frame piece is compressed once, as raw DEFLATE ending in a
//! sync flush (RFC 1951: a byte-aligned end, no final block, nothing referring back before the
//! piece's start), and a response is the gzip header (RFC 1952), those pieces copied, each
//! hole's text in stored blocks, an empty final block and the trailer (CRC-32 and length of
//! the whole text). Any gzip decoder reads it as one member.
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

/// `text` as raw DEFLATE at the best compression, ending in a sync flush: it can be followed
/// by any other DEFLATE blocks. Empty for empty text.
pub fn deflate_piece(text: &str) -> Vec<u8> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail; `flush` ends the blocks written with a sync flush.
    if encoder.write_all(text.as_bytes()).is_err() || encoder.flush().is_err() {
        return stored(text.as_bytes());
    }
    std::mem::take(encoder.get_mut())
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

    /// Adds `text`, whose DEFLATE form [`deflate_piece`] made.
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
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> String {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .expect("a valid gzip member");
        text
    }

    #[test]
    fn pieces_and_texts_make_one_member_that_decodes_to_their_text() {
        let frame = [
            "<html><body>",
            "<p>Mật ong Cư M'gar</p>".repeat(50).leak(),
            "",
            "</body></html>",
        ];
        let holes = ["ABCD EFGH", "", "<b>3 lần quét</b>"];
        let deflated: Vec<Vec<u8>> = frame.iter().map(|p| deflate_piece(p)).collect();
        let mut gz = GzipPieces::new(256);
        let mut want = String::new();
        for (i, piece) in frame.iter().enumerate() {
            gz.piece(piece, &deflated[i]);
            want.push_str(piece);
            if let Some(hole) = holes.get(i) {
                gz.text(hole);
                want.push_str(hole);
            }
        }
        let bytes = gz.finish();
        assert_eq!(gunzip(&bytes), want);
        assert!(
            bytes.len() < want.len() / 4,
            "the repeated piece compressed"
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
