//! Vietnamese administrative-unit codes (General Statistics Office numbering).
//!
//! Provinces have 2-digit codes and communes 5-digit codes. Since 2025-07-01 there are 34
//! provinces and no district level; older records keep the codes they were issued with, so
//! any well-formed code is accepted rather than checked against one edition of the list.

use super::ParseError;
use crate::domain::Reason;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvinceCode(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommuneCode(String);

impl ProvinceCode {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        let n: u8 = (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
            .ok_or_else(|| {
                ParseError::new(
                    Reason::ProvinceCodeFormat,
                    "a province code is 2 digits, e.g. 01",
                )
            })?;
        if !(1..=99).contains(&n) {
            return Err(ParseError::new(
                Reason::ProvinceCodeFormat,
                "a province code is between 01 and 99",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl CommuneCode {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.len() != 5 || !s.bytes().all(|b| b.is_ascii_digit()) || s == "00000" {
            return Err(ParseError::new(
                Reason::CommuneCodeFormat,
                "a commune code is 5 digits, e.g. 24370",
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
    fn codes_have_fixed_digit_counts() {
        assert!(ProvinceCode::parse("01").is_ok());
        assert!(ProvinceCode::parse("1").is_err());
        assert!(ProvinceCode::parse("00").is_err());
        assert!(CommuneCode::parse("24370").is_ok());
        assert!(CommuneCode::parse("2437").is_err());
        assert!(CommuneCode::parse("2437a").is_err());
    }
}
