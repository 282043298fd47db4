//! Stamp serial numbers: 16 characters of Crockford base32 (80 random bits).
//!
//! 80 bits from the OS CSPRNG make serials unguessable: someone who has seen any number of
//! stamps cannot predict another one. Crockford's alphabet (`0-9 A-Z` without `I L O U`) is
//! upper case, so a serial keeps a QR code in alphanumeric mode, and it avoids letters that are
//! easy to misread on a printed label. When a person types one, `I`/`L` are read as `1`, `O`
//! as `0`, lower case as upper case, and hyphens and spaces are ignored.

use crate::domain::ParseError;
use crate::domain::Reason;

pub const LEN: usize = 16;
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Serial(String);

impl Serial {
    /// Encodes 10 random bytes (80 bits) as 16 symbols.
    pub fn from_bytes(bytes: [u8; 10]) -> Self {
        let mut acc: u128 = 0;
        for b in bytes {
            acc = (acc << 8) | u128::from(b);
        }
        let s = (0..LEN)
            .rev()
            .map(|i| char::from(ALPHABET[((acc >> (5 * i)) & 31) as usize]))
            .collect();
        Self(s)
    }

    /// A new serial from the OS random generator.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 10];
        getrandom::fill(&mut bytes)?;
        Ok(Self::from_bytes(bytes))
    }

    /// `n` serials from one call to the OS random generator (fast for large runs).
    pub fn generate_many(n: usize) -> Result<Vec<Self>, getrandom::Error> {
        let mut bytes = vec![0u8; n * 10];
        getrandom::fill(&mut bytes)?;
        Ok(bytes
            .chunks_exact(10)
            .map(|c| {
                let mut a = [0u8; 10];
                a.copy_from_slice(c);
                Self::from_bytes(a)
            })
            .collect())
    }

    /// Accepts a serial as printed or typed by a person (see the module docs).
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let mut out = String::with_capacity(LEN);
        for c in input.trim().chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            if !ALPHABET.contains(&(c as u8)) || !c.is_ascii() {
                return Err(ParseError::new(
                    Reason::SerialCharacter,
                    format!(
                        "`{c}` is not used in stamp serials (digits and letters except I, L, O, U)"
                    ),
                ));
            }
            out.push(c);
        }
        if out.len() != LEN {
            return Err(ParseError::new(
                Reason::SerialLength,
                format!("a stamp serial has {LEN} characters, not {}", out.len()),
            ));
        }
        Ok(Self(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Serial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_encode_to_crockford_base32() {
        // 80 zero bits, 80 one bits, and a walking pattern checked by hand (5-bit groups).
        assert_eq!(Serial::from_bytes([0; 10]).as_str(), "0000000000000000");
        assert_eq!(Serial::from_bytes([0xff; 10]).as_str(), "ZZZZZZZZZZZZZZZZ");
        assert_eq!(
            Serial::from_bytes([0x00, 0x44, 0x32, 0x14, 0xc7, 0x42, 0x54, 0xb6, 0x35, 0xcf])
                .as_str(),
            "0123456789ABCDEF"
        );
    }

    #[test]
    fn generated_serials_are_distinct_and_parse_back() {
        let many = Serial::generate_many(10_000).unwrap();
        let distinct: std::collections::HashSet<_> = many.iter().collect();
        assert_eq!(distinct.len(), many.len());
        for s in many.iter().take(100) {
            assert_eq!(&Serial::parse(s.as_str()).unwrap(), s);
            assert!(
                s.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            );
        }
    }

    #[test]
    fn typed_serials_are_normalised_and_bad_ones_rejected() {
        assert_eq!(
            Serial::parse("0123-4567 89ab-cdef").unwrap().as_str(),
            "0123456789ABCDEF"
        );
        assert_eq!(
            Serial::parse("OI23456789ABCDEL").unwrap().as_str(),
            "0123456789ABCDE1"
        );
        assert_eq!(
            Serial::parse("0123456789ABCDEU").unwrap_err().code,
            Reason::SerialCharacter
        );
        assert_eq!(
            Serial::parse("0123456789ABCDÉF").unwrap_err().code,
            Reason::SerialCharacter
        );
        assert_eq!(
            Serial::parse("0123").unwrap_err().code,
            Reason::SerialLength
        );
    }
}
