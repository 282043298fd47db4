//! Growing-area codes (mã số vùng trồng).
//!
//! The code is stored exactly as issued (admin-unit codes changed on 2025-07-01; a code issued
//! before keeps its old province/district numbers and is never rewritten). Recognised formats
//! are parsed into their parts so the API and pages can explain them.

use serde::Serialize;

use super::ParseError;
use crate::domain::Reason;

/// An official growing-area code, kept verbatim, with its recognised structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrowingAreaCode {
    code: String,
    parsed: ParsedCode,
}

/// What a code's structure says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum ParsedCode {
    /// Domestic code `VN-<province>-<district>-<commune>-<seq>-<YY>` (Decision 3156/QĐ-BNN-TT).
    Domestic {
        province_code: String,
        district_code: String,
        commune_code: String,
        sequence: String,
        /// Four-digit year the code was issued (20YY).
        issued_year: u16,
    },
    /// Export code issued for a market, e.g. `VN-DNOOR0039` (letters: place and crop; digits: number).
    Export { prefix: String, number: String },
    /// Dotted export code as listed by some importing countries, e.g. `PB.33.01.01.001`.
    ExportDotted {
        prefix: String,
        segments: Vec<String>,
    },
    /// Accepted as issued, but not a structure this service recognises.
    Other,
}

pub const MAX_LEN: usize = 64;

fn allowed(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || ".-()/: ".contains(c)
}

fn digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_domestic(code: &str) -> Option<ParsedCode> {
    let parts: Vec<&str> = code.split('-').collect();
    match parts.as_slice() {
        ["VN", p, d, c, seq, yy]
            if digits(p, 2, 2)
                && digits(d, 3, 3)
                && digits(c, 5, 5)
                && digits(seq, 2, 4)
                && digits(yy, 2, 2) =>
        {
            Some(ParsedCode::Domestic {
                province_code: (*p).to_owned(),
                district_code: (*d).to_owned(),
                commune_code: (*c).to_owned(),
                sequence: (*seq).to_owned(),
                issued_year: 2000 + yy.parse::<u16>().ok()?,
            })
        }
        _ => None,
    }
}

fn parse_export(code: &str) -> Option<ParsedCode> {
    let rest = code.strip_prefix("VN-")?;
    let rest = rest.replace('-', "");
    let split = rest.find(|c: char| c.is_ascii_digit())?;
    let (prefix, number) = rest.split_at(split);
    let ok = (2..=8).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_uppercase())
        && digits(number, 2, 6);
    ok.then(|| ParsedCode::Export {
        prefix: prefix.to_owned(),
        number: number.to_owned(),
    })
}

fn parse_dotted(code: &str) -> Option<ParsedCode> {
    let mut parts = code.split('.');
    let prefix = parts.next()?;
    let segments: Vec<String> = parts.map(str::to_owned).collect();
    let ok = (1..=4).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_uppercase())
        && (2..=6).contains(&segments.len())
        && segments.iter().all(|s| digits(s, 1, 4));
    ok.then(|| ParsedCode::ExportDotted {
        prefix: prefix.to_owned(),
        segments,
    })
}

impl GrowingAreaCode {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let code = input.trim();
        if code.is_empty() {
            return Err(ParseError::new(
                Reason::GrowingAreaCodeEmpty,
                "a growing-area code must not be empty",
            ));
        }
        if code.chars().count() > MAX_LEN {
            return Err(ParseError::new(
                Reason::GrowingAreaCodeLength,
                format!("a growing-area code has at most {MAX_LEN} characters"),
            ));
        }
        if let Some(bad) = code.chars().find(|c| !allowed(*c)) {
            let hint = if bad.is_ascii_lowercase() {
                " (codes are written in upper case)"
            } else {
                ""
            };
            return Err(ParseError::new(
                Reason::GrowingAreaCodeCharacter,
                format!(
                    "`{bad}` is not allowed in a growing-area code: A–Z, 0–9 and . - ( ) / : space{hint}"
                ),
            ));
        }
        let parsed = parse_domestic(code)
            .or_else(|| parse_export(code))
            .or_else(|| parse_dotted(code))
            .unwrap_or(ParsedCode::Other);
        Ok(Self {
            code: code.to_owned(),
            parsed,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.code
    }

    pub fn parsed(&self) -> &ParsedCode {
        &self.parsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domestic_code_is_split_into_its_parts() {
        let c = GrowingAreaCode::parse("VN-66-650-24370-94-21").unwrap();
        assert_eq!(
            c.parsed(),
            &ParsedCode::Domestic {
                province_code: "66".into(),
                district_code: "650".into(),
                commune_code: "24370".into(),
                sequence: "94".into(),
                issued_year: 2021,
            }
        );
    }

    #[test]
    fn export_codes_are_recognised() {
        assert_eq!(
            GrowingAreaCode::parse("VN-DNOOR0039").unwrap().parsed(),
            &ParsedCode::Export {
                prefix: "DNOOR".into(),
                number: "0039".into()
            }
        );
        assert!(matches!(
            GrowingAreaCode::parse("PB.33.01.01.001").unwrap().parsed(),
            ParsedCode::ExportDotted { prefix, segments } if prefix == "PB" && segments.len() == 4
        ));
    }

    #[test]
    fn unknown_structures_are_kept_as_other() {
        let c = GrowingAreaCode::parse("HTX (2019)/A-12").unwrap();
        assert_eq!(c.parsed(), &ParsedCode::Other);
        assert_eq!(c.as_str(), "HTX (2019)/A-12");
        // A domestic-looking code with a malformed part is not mistaken for a domestic one.
        assert_eq!(
            GrowingAreaCode::parse("VN-66-650-2437-94-21")
                .unwrap()
                .parsed(),
            &ParsedCode::Other
        );
    }

    #[test]
    fn characters_outside_the_set_and_long_codes_are_rejected() {
        assert_eq!(
            GrowingAreaCode::parse("vn-66").unwrap_err().code,
            Reason::GrowingAreaCodeCharacter
        );
        assert_eq!(
            GrowingAreaCode::parse("VN_66").unwrap_err().code,
            Reason::GrowingAreaCodeCharacter
        );
        assert_eq!(
            GrowingAreaCode::parse(&"A".repeat(65)).unwrap_err().code,
            Reason::GrowingAreaCodeLength
        );
        assert_eq!(
            GrowingAreaCode::parse("").unwrap_err().code,
            Reason::GrowingAreaCodeEmpty
        );
    }
}
