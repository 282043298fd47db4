//! Batch/lot number under GS1 Application Identifier (10).

use super::ParseError;
use crate::domain::Reason;

/// A lot code: 1–20 characters of the GS1 AI encodable character set 82.
///
/// Case is significant and kept as given; upper case keeps QR codes in alphanumeric mode.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LotCode(String);

/// GS1 General Specifications, figure 7.11-1 (character set 82), minus nothing.
pub(crate) fn is_cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

impl LotCode {
    pub const MAX_LEN: usize = 20;

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ParseError::new(
                Reason::LotCodeEmpty,
                "a lot code must not be empty",
            ));
        }
        if let Some(bad) = s.chars().find(|c| !is_cset82(*c)) {
            return Err(ParseError::new(
                Reason::LotCodeCharacter,
                format!(
                    "`{bad}` is not allowed in a GS1 lot code (letters A–Z a–z, digits and !\"%&'()*+,-./:;<=>?_ only)"
                ),
            ));
        }
        if s.len() > Self::MAX_LEN {
            return Err(ParseError::new(
                Reason::LotCodeLength,
                format!("a GS1 lot code has at most 20 characters, not {}", s.len()),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_lot_codes_parse() {
        for ok in ["LOT2024A", "HX-24/07", "a1", "12345678901234567890"] {
            assert_eq!(LotCode::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn vietnamese_letters_spaces_and_long_codes_are_rejected() {
        assert_eq!(
            LotCode::parse("LÔ1").unwrap_err().code,
            Reason::LotCodeCharacter
        );
        assert_eq!(
            LotCode::parse("LOT 1").unwrap_err().code,
            Reason::LotCodeCharacter
        );
        assert_eq!(
            LotCode::parse("123456789012345678901").unwrap_err().code,
            Reason::LotCodeLength
        );
        assert_eq!(LotCode::parse("  ").unwrap_err().code, Reason::LotCodeEmpty);
    }
}
