//! Trace codes entered by hand (mã truy vết sản phẩm / mã truy vết địa điểm) where the
//! registry holds no key of its own: a product without a GTIN, the producer's premises, a farm.
//!
//! Circular 02/2024/TT-BKHCN (art. 3) defines a trace code as "a string of digits, or of digits
//! and letters" identifying a product or a place at a stage of production and trade, and TCVN
//! 13274:2020 formats them on the GS1 keys. Two forms are taken:
//!
//! - a GS1 element string, with its Application Identifiers in brackets: for a product
//!   `(01)` a GTIN (check digit checked) optionally with `(10)` a lot or `(21)` a serial; for a
//!   place `(414)` a GLN (check digit checked) optionally with `(254)` its extension. A bare
//!   13-digit GLN is taken for a place and written `(414)…`;
//! - otherwise, a code of the issuer's own: 3–48 characters of digits and Latin letters, at
//!   least one digit, with `-`, `.` or `/` between groups (never first, last or doubled).
//!
//! Nothing else: no spaces, no Vietnamese letters (codes are printed and keyed in at stations
//! that read ASCII), no other punctuation.

use super::lot_code::is_cset82;
use super::{Gtin, ParseError, Reason, gs1_check_digit};

/// A trace code as it will be shown and exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceCode {
    code: String,
    gs1: bool,
}

/// What the code identifies: its form differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifies {
    Product,
    Place,
}

const MAX_OWN: usize = 48;

impl TraceCode {
    pub fn parse(input: &str, what: Identifies) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ParseError::new(Reason::Empty, "enter the trace code"));
        }
        if s.starts_with('(') {
            return element_string(s, what).map(|code| Self { code, gs1: true });
        }
        if what == Identifies::Place && s.len() == 13 && s.bytes().all(|b| b.is_ascii_digit()) {
            return gln(s).map(|g| Self {
                code: format!("(414){g}"),
                gs1: true,
            });
        }
        own(s).map(|()| Self {
            code: s.to_owned(),
            gs1: false,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.code
    }

    /// Whether it is a GS1 element string (else the issuer's own code).
    pub fn is_gs1(&self) -> bool {
        self.gs1
    }
}

fn invalid(message: impl Into<String>) -> ParseError {
    ParseError::new(Reason::InvalidValue, message)
}

fn gln(digits: &str) -> Result<String, ParseError> {
    if digits.len() != 13 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!("a GLN has 13 digits, not `{digits}`")));
    }
    let (body, check) = digits.as_bytes().split_at(12);
    let expected = gs1_check_digit(body);
    if check[0] - b'0' != expected {
        return Err(ParseError::new(
            Reason::GtinCheckDigit,
            format!("the check digit of GLN {digits} should be {expected}"),
        ));
    }
    Ok(digits.to_owned())
}

/// `(AI)value(AI)value…` with the AIs `what` allows, the key first.
fn element_string(s: &str, what: Identifies) -> Result<String, ParseError> {
    let mut pairs = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let Some(after) = rest.strip_prefix('(') else {
            return Err(invalid(format!(
                "`{rest}`: each part of a GS1 element string is `(AI)value`"
            )));
        };
        let Some((ai, tail)) = after.split_once(')') else {
            return Err(invalid("a `(` without its `)`"));
        };
        let end = tail.find('(').unwrap_or(tail.len());
        pairs.push((ai, &tail[..end]));
        rest = &tail[end..];
    }
    let (key, extras): (&str, &[&str]) = match what {
        Identifies::Product => ("01", &["10", "21"]),
        Identifies::Place => ("414", &["254"]),
    };
    let mut out = String::new();
    for (i, (ai, value)) in pairs.iter().enumerate() {
        let allowed = if i == 0 {
            *ai == key
        } else {
            extras.contains(ai)
        };
        if !allowed || pairs[..i].iter().any(|(a, _)| a == ai) {
            let expected = match what {
                Identifies::Product => "(01) GTIN, then (10) lot or (21) serial",
                Identifies::Place => "(414) GLN, then (254) extension",
            };
            return Err(invalid(format!(
                "({ai}) is not expected here: a {} trace code is {expected}",
                match what {
                    Identifies::Product => "product",
                    Identifies::Place => "place",
                }
            )));
        }
        let value = match *ai {
            "01" => Gtin::parse(value)?.as_str().to_owned(),
            "414" => gln(value)?,
            _ => {
                if value.is_empty() || value.chars().count() > 20 {
                    return Err(invalid(format!("({ai}) holds 1–20 characters")));
                }
                if let Some(bad) = value
                    .chars()
                    .find(|c| !is_cset82(*c) || *c == '(' || *c == ')')
                {
                    return Err(invalid(format!("`{bad}` is not allowed in ({ai})")));
                }
                (*value).to_owned()
            }
        };
        out.push_str(&format!("({ai}){value}"));
    }
    Ok(out)
}

/// The issuer's own code: digits and letters in groups.
fn own(s: &str) -> Result<(), ParseError> {
    let n = s.chars().count();
    if !(3..=MAX_OWN).contains(&n) {
        return Err(ParseError::new(
            Reason::Length,
            format!("a trace code has 3–{MAX_OWN} characters, not {n}"),
        ));
    }
    if let Some(bad) = s
        .chars()
        .find(|c| !c.is_ascii_alphanumeric() && !"-./".contains(*c))
    {
        return Err(invalid(format!(
            "`{bad}` is not allowed: a trace code has digits, Latin letters and - . / between groups"
        )));
    }
    let separator = |c: char| "-./".contains(c);
    if s.starts_with(separator)
        || s.ends_with(separator)
        || s.as_bytes()
            .windows(2)
            .any(|w| separator(w[0] as char) && separator(w[1] as char))
    {
        return Err(invalid(
            "- . / go between groups of digits and letters, one at a time",
        ));
    }
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return Err(invalid(
            "a trace code has digits (Circular 02/2024/TT-BKHCN, art. 3)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Identifies::{Place, Product};
    use super::*;

    #[test]
    fn gs1_element_strings_are_checked_and_written_in_their_normal_form() {
        let c = TraceCode::parse(" (01)8934588012228(10)CF2026A ", Product).unwrap();
        assert_eq!(c.as_str(), "(01)08934588012228(10)CF2026A");
        assert!(c.is_gs1());
        let c = TraceCode::parse("(414)8934588000010(254)KHO-2", Place).unwrap();
        assert_eq!(c.as_str(), "(414)8934588000010(254)KHO-2");
        assert_eq!(
            TraceCode::parse("8934588000027", Place).unwrap().as_str(),
            "(414)8934588000027"
        );
        for (bad, what, reason) in [
            ("(01)8934588012229", Product, Reason::GtinCheckDigit),
            ("(414)8934588000011", Place, Reason::GtinCheckDigit),
            ("8934588000011", Place, Reason::GtinCheckDigit),
            ("(414)8934588000010", Product, Reason::InvalidValue),
            ("(01)8934588012228", Place, Reason::InvalidValue),
            (
                "(10)CF2026A(01)8934588012228",
                Product,
                Reason::InvalidValue,
            ),
            ("(01)8934588012228(10)A(10)B", Product, Reason::InvalidValue),
            ("(01)8934588012228(10)", Product, Reason::InvalidValue),
            ("(01)8934588012228(10)LÔ1", Product, Reason::InvalidValue),
            ("(01)8934588012228x", Product, Reason::GtinNotDigits),
            ("(01", Product, Reason::InvalidValue),
        ] {
            assert_eq!(
                TraceCode::parse(bad, what).unwrap_err().code,
                reason,
                "{bad}"
            );
        }
    }

    #[test]
    fn an_issuers_own_code_is_digits_and_letters_in_groups() {
        for good in ["HTX-EATUL-01", "893.66.0012", "DL/2026/7", "A1B"] {
            let c = TraceCode::parse(good, Product).unwrap();
            assert_eq!(c.as_str(), good);
            assert!(!c.is_gs1());
        }
        for (bad, reason) in [
            ("", Reason::Empty),
            ("A1", Reason::Length),
            (&"9".repeat(49), Reason::Length),
            ("HTX EATUL 01", Reason::InvalidValue),
            ("Mã-01", Reason::InvalidValue),
            ("-A01", Reason::InvalidValue),
            ("A01-", Reason::InvalidValue),
            ("A--01", Reason::InvalidValue),
            ("ABC-DEF", Reason::InvalidValue),
        ] {
            assert_eq!(
                TraceCode::parse(bad, Place).unwrap_err().code,
                reason,
                "{bad:?}"
            );
        }
    }
}
