//! Vietnamese tax identification number (mã số thuế, MST).

use super::ParseError;
use crate::domain::Reason;

/// A tax code: 10 digits with the MST check digit, the 13-digit branch form `NNNNNNNNNN-BBB`,
/// or (since 1 July 2025, for household businesses and individuals) the 12-digit personal
/// identification number, which has no public check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaxCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaxCodeKind {
    Enterprise,
    Branch,
    PersonalId,
}

/// Weights of the MST check digit over the first nine digits (Circular 105/2020/TT-BTC).
const WEIGHTS: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];

fn check_digit(first_nine: &[u8]) -> Option<u8> {
    let sum: u32 = first_nine
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let c = 10 - sum % 11;
    // A remainder of 0 would need a check "digit" of 10: such numbers are never issued.
    (c < 10).then_some(c as u8)
}

impl TaxCode {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s: String = input.trim().chars().filter(|c| *c != ' ').collect();
        let (main, branch) = match s.split_once('-') {
            Some((m, b)) => (m, Some(b)),
            None => (s.as_str(), None),
        };
        let all_digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(main) || branch.is_some_and(|b| !all_digits(b)) {
            return Err(ParseError::new(
                Reason::TaxCodeFormat,
                "a tax code is 10 digits, 10 digits-3 digits for a branch, or a 12-digit personal id",
            ));
        }
        match (main.len(), branch) {
            (12, None) => return Ok(Self(s)),
            (10, None) | (10, Some(_)) => {}
            _ => {
                return Err(ParseError::new(
                    Reason::TaxCodeFormat,
                    "a tax code is 10 digits, 10 digits-3 digits for a branch, or a 12-digit personal id",
                ));
            }
        }
        if let Some(b) = branch
            && (b.len() != 3 || b == "000")
        {
            return Err(ParseError::new(
                Reason::TaxCodeBranch,
                "a branch suffix is 3 digits from 001 to 999",
            ));
        }
        let bytes = main.as_bytes();
        match check_digit(&bytes[..9]) {
            Some(c) if c == bytes[9] - b'0' => Ok(Self(s)),
            Some(c) => Err(ParseError::new(
                Reason::TaxCodeCheckDigit,
                format!("the check digit of {main} should be {c}"),
            )),
            None => Err(ParseError::new(
                Reason::TaxCodeCheckDigit,
                format!("{main} is not a valid tax code"),
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> TaxCodeKind {
        match self.0.len() {
            12 => TaxCodeKind::PersonalId,
            14 => TaxCodeKind::Branch,
            _ => TaxCodeKind::Enterprise,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_enterprise_tax_codes_verify() {
        // Vinamilk (0300588569) and Viettel (0100109106), as printed on their invoices.
        for ok in ["0300588569", "0100109106"] {
            let t = TaxCode::parse(ok).unwrap();
            assert_eq!(t.kind(), TaxCodeKind::Enterprise);
        }
    }

    #[test]
    fn a_changed_digit_breaks_the_check_digit() {
        let e = TaxCode::parse("0300588568").unwrap_err();
        assert_eq!(e.code, Reason::TaxCodeCheckDigit);
        assert!(e.message.contains("should be 9"), "{}", e.message);
    }

    #[test]
    fn branches_and_personal_ids_are_recognised() {
        assert_eq!(
            TaxCode::parse("0300588569-001").unwrap().kind(),
            TaxCodeKind::Branch
        );
        assert_eq!(
            TaxCode::parse("079203001234").unwrap().kind(),
            TaxCodeKind::PersonalId
        );
        assert_eq!(
            TaxCode::parse("0300588569-000").unwrap_err().code,
            Reason::TaxCodeBranch
        );
        assert_eq!(
            TaxCode::parse("0300588569-01").unwrap_err().code,
            Reason::TaxCodeBranch
        );
        assert_eq!(
            TaxCode::parse("03005885").unwrap_err().code,
            Reason::TaxCodeFormat
        );
        assert_eq!(
            TaxCode::parse("03005885AB").unwrap_err().code,
            Reason::TaxCodeFormat
        );
    }

    proptest::proptest! {
        /// Every issued 10-digit code verifies, and changing its check digit never does.
        #[test]
        fn the_check_digit_is_the_only_one_that_verifies(first in "[0-9]{9}") {
            if let Some(c) = check_digit(first.as_bytes()) {
                let valid = format!("{first}{c}");
                proptest::prop_assert!(TaxCode::parse(&valid).is_ok());
                for other in (0..10).filter(|d| *d != c) {
                    let wrong = format!("{first}{other}");
                    proptest::prop_assert!(TaxCode::parse(&wrong).is_err());
                }
            }
        }
    }
}
