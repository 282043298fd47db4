//! Compressed GS1 Digital Link URIs (GS1 Digital Link standard 1.1 §10; "DL compression"):
//! the element string packed into bits and written in URI-safe base64 as one path segment,
//! `https://HOST/ARBAfeOtiCETNnrWTZfCTQyFQASNFZ4mrze8`.
//!
//! Only decompression is needed (the service prints uncompressed URIs), and only of what
//! this resolver can answer: the GTIN (01) with its key qualifiers 22, 10 and 21. Date and
//! quantity attributes that often travel with them (11–17, 30, 37, 7003) are read and
//! ignored, exactly as their query-string form is in an uncompressed URI; any other AI is
//! refused with a clear error rather than misread. The bit layout follows the standard:
//!
//! - each AI is its digits in 4-bit BCD (the first two digits decide its length), or one
//!   byte naming a fixed sequence of AIs (the standard's optimisation table);
//! - a fixed-length numeric value is the number in ⌈n·log₂10⌉ bits;
//! - an alphanumeric value is a 3-bit encoding (digits, lower or upper hex, URI-safe base64,
//!   7-bit ASCII), a length in ⌈log₂ max⌉ bits, and the characters;
//! - `F` followed by 7 bits of key length introduces a non-GS1 key=value pair (ignored);
//! - fewer than 9 bits left are padding.
//!
//! No maintained Rust crate decompresses Digital Link URIs (`dpp-digital-link` parses only
//! uncompressed ones), so this is written here and checked in CI against GS1's Python port
//! of the compression prototype (`tests/contract`).

use crate::domain::{Gtin, LotCode, ParseError};

use super::DigitalLink;
use crate::domain::Reason;

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// How an AI's value is written.
#[derive(Clone, Copy)]
enum Format {
    /// Exactly `n` digits.
    Digits(usize),
    /// Up to `n` digits.
    DigitsUpTo(usize),
    /// Up to `n` characters of GS1's character set 82.
    TextUpTo(usize),
}

/// The AIs read here and their formats (GS1 General Specifications).
fn format(ai: &str) -> Option<Format> {
    Some(match ai {
        "01" => Format::Digits(14),
        "10" | "21" | "22" => Format::TextUpTo(20),
        "11" | "12" | "13" | "15" | "16" | "17" => Format::Digits(6),
        "30" | "37" => Format::DigitsUpTo(8),
        "7003" => Format::Digits(10),
        _ => return None,
    })
}

/// How many digits an AI starting with these two has (GS1's table of AI prefixes).
fn ai_length(prefix: &str) -> Option<usize> {
    match prefix {
        "01" | "10" | "11" | "12" | "13" | "15" | "16" | "17" | "21" | "22" | "30" | "37" => {
            Some(2)
        }
        "70" => Some(4),
        _ => None,
    }
}

/// The standard's one-byte codes for common AI sequences, those made only of AIs read here.
fn sequence(code: u8) -> Option<&'static [&'static str]> {
    Some(match code {
        0x0A => &["01", "22"],
        0x0B => &["01", "10"],
        0x0C => &["01", "21"],
        0x0D => &["01", "17"],
        0x0E => &["01", "7003"],
        0x0F => &["01", "30"],
        0x1A => &["01", "10", "21", "17"],
        0x1B => &["01", "15"],
        0x1C => &["01", "11"],
        0x1D => &["01", "16"],
        0x1F => &["01", "10", "15"],
        _ => return None,
    })
}

fn length_bits(max: usize) -> usize {
    ((max as f64).log2() + 0.01).ceil() as usize
}

fn digit_bits(digits: usize) -> usize {
    (digits as f64 * std::f64::consts::LOG2_10 + 0.01).ceil() as usize
}

fn bad(message: impl Into<String>) -> ParseError {
    ParseError::new(Reason::DigitalLinkCompressed, message)
}

/// The bits of a base64 segment, read left to right.
struct Bits {
    bits: Vec<bool>,
    at: usize,
}

impl Bits {
    fn left(&self) -> usize {
        self.bits.len() - self.at
    }

    fn take(&mut self, n: usize) -> Result<u128, ParseError> {
        if n > 128 || self.left() < n {
            return Err(bad("the compressed URI ends in the middle of a value"));
        }
        let v = self.bits[self.at..self.at + n]
            .iter()
            .fold(0u128, |acc, &b| (acc << 1) | u128::from(b));
        self.at += n;
        Ok(v)
    }

    fn take_usize(&mut self, n: usize) -> Result<usize, ParseError> {
        usize::try_from(self.take(n)?).map_err(|_| bad("a length is out of range"))
    }

    /// `n` digits written as one number.
    fn digits(&mut self, n: usize) -> Result<String, ParseError> {
        if n == 0 {
            return Ok(String::new());
        }
        let v = self.take(digit_bits(n))?;
        let s = format!("{v:0n$}");
        if s.len() > n {
            return Err(bad("a numeric value has more digits than its length says"));
        }
        Ok(s)
    }

    /// `n` characters in one of the five encodings.
    fn text(&mut self, encoding: u128, n: usize) -> Result<String, ParseError> {
        match encoding {
            0 => self.digits(n),
            1 | 2 => (0..n)
                .map(|_| {
                    let c = char::from(HEX[self.take_usize(4)?]);
                    Ok(if encoding == 1 {
                        c.to_ascii_lowercase()
                    } else {
                        c
                    })
                })
                .collect(),
            3 => (0..n)
                .map(|_| Ok(char::from(BASE64[self.take_usize(6)?])))
                .collect(),
            4 => (0..n)
                .map(|_| {
                    let c = self.take(7)? as u8;
                    if c.is_ascii_graphic() {
                        Ok(char::from(c))
                    } else {
                        Err(bad("a value holds a control character"))
                    }
                })
                .collect(),
            _ => Err(bad(format!("unknown value encoding {encoding}"))),
        }
    }

    fn value(&mut self, ai: &str) -> Result<String, ParseError> {
        match format(ai).ok_or_else(|| unsupported(ai))? {
            Format::Digits(n) => self.digits(n),
            Format::DigitsUpTo(max) => {
                let n = self.take_usize(length_bits(max))?;
                self.digits(n)
            }
            Format::TextUpTo(max) => {
                let encoding = self.take(3)?;
                let n = self.take_usize(length_bits(max))?;
                self.text(encoding, n)
            }
        }
    }
}

fn unsupported(ai: &str) -> ParseError {
    bad(format!(
        "the compressed URI holds AI ({ai}), which this resolver does not read; \
         use the uncompressed URI"
    ))
}

/// Whether a path segment can be a compressed Digital Link (URI-safe base64, long enough
/// to hold a GTIN).
pub fn looks_compressed(segment: &str) -> bool {
    segment.len() >= 10 && segment.bytes().all(|b| BASE64.contains(&b))
}

/// The identifiers in a compressed Digital Link path segment.
pub fn decompress(segment: &str) -> Result<DigitalLink, ParseError> {
    let mut bits = Vec::with_capacity(segment.len() * 6);
    for b in segment.bytes() {
        let v = BASE64
            .iter()
            .position(|&c| c == b)
            .ok_or_else(|| bad("not URI-safe base64"))?;
        bits.extend((0..6).rev().map(|i| v >> i & 1 == 1));
    }
    let mut bits = Bits { bits, at: 0 };
    let mut found: Vec<(String, String)> = Vec::new();
    while bits.left() > 8 {
        let (h1, h2) = (bits.take_usize(4)?, bits.take_usize(4)?);
        if h1 <= 9 && h2 <= 9 {
            let prefix = format!("{h1}{h2}");
            let len = ai_length(&prefix).ok_or_else(|| unsupported(&format!("{prefix}…")))?;
            let mut ai = prefix;
            for _ in 2..len {
                let d = bits.take_usize(4)?;
                if d > 9 {
                    return Err(bad("an AI is not all digits"));
                }
                ai.push(char::from(b'0' + d as u8));
            }
            let value = bits.value(&ai)?;
            found.push((ai, value));
        } else if let Some(seq) = sequence((h1 << 4 | h2) as u8) {
            for ai in seq {
                let value = bits.value(ai)?;
                found.push(((*ai).to_owned(), value));
            }
        } else if h1 == 0xF {
            // A non-GS1 key=value pair: a 7-bit key length (h2 and three more bits), the key in
            // base64, then a value like an alphanumeric AI's (at most 127 characters).
            let key_len = (h2 << 3) | bits.take_usize(3)?;
            for _ in 0..key_len {
                bits.take(6)?;
            }
            let encoding = bits.take(3)?;
            let n = bits.take_usize(7)?;
            bits.text(encoding, n)?;
        } else {
            return Err(bad(format!(
                "unknown AI sequence code {:02X}",
                h1 << 4 | h2
            )));
        }
    }
    let get = |ai: &str| found.iter().find(|(a, _)| a == ai).map(|(_, v)| v.as_str());
    let gtin = get("01").ok_or_else(|| bad("the compressed URI holds no GTIN (01)"))?;
    let text = |ai: &str| -> Result<Option<String>, ParseError> {
        match get(ai) {
            Some(v) if v.is_empty() || v.chars().count() > 20 => Err(ParseError::new(
                Reason::DigitalLinkValue,
                format!("the value of ({ai}) must have 1 to 20 characters"),
            )),
            v => Ok(v.map(str::to_owned)),
        }
    };
    Ok(DigitalLink {
        gtin: Some(Gtin::parse(gtin)?),
        variant: text("22")?,
        lot: text("10")?.map(|l| LotCode::parse(&l)).transpose()?,
        serial: text("21")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// URIs compressed by GS1's compression prototype (Python port `gs1-compression` 0.1.3,
    /// without optimisations) and the example of the issue (with optimisation code 0B).
    #[test]
    fn decompresses_what_gs1_tools_compress() {
        let path = |s: &str| decompress(s).unwrap().path();
        assert_eq!(
            path("ARBAfeOtiCETNnrWTZfCTQyFQASNFZ4mrze8"),
            "/01/08934588012228/10/MO-26%2FB%26C/21/0123456789ABCDEF"
        );
        assert_eq!(
            path("ARBAfeOtiCDOYdtpt0AQqACRorPE1eb3kTErq"),
            "/01/08934588012228/22/V1/10/MO2026A/21/0123456789ABCDEF"
        );
        assert_eq!(path("ARBAfeOtiCDPNRtpt00"), "/01/08934588012228/10/mo2026a");
        assert_eq!(path("ARBAfeOtiA"), "/01/08934588012228");
        // Digits keep their leading zeros (the length is in the data).
        assert_eq!(
            path("ARBAfeOtiCAMPEgEIKAHs"),
            "/01/08934588012228/10/123456/21/00123"
        );
        assert_eq!(
            path("CxBAfeOtiM5h22m3QBC4cijgDJIolEiE9LAmA"),
            "/01/08934588012228/10/MO2026A/21/5FHAGSRRKJEJ6WBM"
        );
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let code = |s: &str| decompress(s).unwrap_err().code;
        assert_eq!(code("AAAAAAAAAAAA"), Reason::DigitalLinkCompressed);
        assert_eq!(code("ARBAfe!tiA"), Reason::DigitalLinkCompressed);
        // AI (00), an SSCC: valid, but not this resolver's.
        assert!(decompress("ABBAfeOtiA").is_err());
        assert!(!looks_compressed("healthz"));
        assert!(looks_compressed("ARBAfeOtiCDPNRtpt00"));
    }
}
