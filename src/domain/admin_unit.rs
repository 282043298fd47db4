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

    /// A commune code a farm is registered with today: well-formed and in the list in force
    /// (34 provinces, since 2025-07-01). A code of the list before says which commune it was,
    /// so that the person can find its current code; the service does not guess one (the
    /// official conversion is many-to-many).
    pub fn parse_current(input: &str) -> Result<Self, ParseError> {
        use super::admin_units::{Edition, commune_path};
        let code = Self::parse(input)?;
        if commune_path(Edition::Since2025, code.as_str(), false).is_some() {
            return Ok(code);
        }
        let was = commune_path(Edition::Before2025, code.as_str(), false)
            .map(|names| format!(" (before 1 July 2025 it was {names})"))
            .unwrap_or_default();
        Err(ParseError::new(
            Reason::CommuneCodeNotCurrent,
            format!(
                "{} is not a commune code of the list in force since 1 July 2025{was}; give the commune's current code",
                code.as_str()
            ),
        ))
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

    #[test]
    fn a_farm_takes_a_commune_of_the_list_in_force() {
        assert!(CommuneCode::parse_current("24277").is_ok());
        let old = CommuneCode::parse_current("24370").unwrap_err();
        assert_eq!(old.code, Reason::CommuneCodeNotCurrent);
        assert!(
            old.message
                .contains("Xã Ea Tân, Huyện Krông Năng, Tỉnh Đắk Lắk"),
            "{}",
            old.message
        );
        assert_eq!(
            CommuneCode::parse_current("2437").unwrap_err().code,
            Reason::CommuneCodeFormat
        );
    }
}
