//! GS1 Global Trade Item Number.

use super::{ParseError, gs1_check_digit};
use crate::domain::Reason;

/// A GTIN-8, -12, -13 or -14 with a valid check digit, normalised to 14 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Gtin(String);

impl Gtin {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::new(
                Reason::GtinNotDigits,
                "a GTIN contains digits only",
            ));
        }
        if ![8, 12, 13, 14].contains(&s.len()) {
            return Err(ParseError::new(
                Reason::GtinLength,
                format!("a GTIN has 8, 12, 13 or 14 digits, not {}", s.len()),
            ));
        }
        let bytes = s.as_bytes();
        let (body, check) = bytes.split_at(bytes.len() - 1);
        let expected = gs1_check_digit(body);
        if check[0] - b'0' != expected {
            return Err(ParseError::new(
                Reason::GtinCheckDigit,
                format!("the check digit of {s} should be {expected}"),
            ));
        }
        Ok(Self(format!("{s:0>14}")))
    }

    /// The 14-digit form used in storage and GS1 Digital Link URIs.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The barcode as printed on a pack: EAN-13 for a GTIN-13 (the 14-digit form without its
    /// padding zero), the 14 digits otherwise. Marketplaces ask for this form.
    pub fn printed(&self) -> &str {
        match self.0.strip_prefix('0') {
            Some(ean13) => ean13,
            None => &self.0,
        }
    }

    /// True for GS1 Vietnam prefixes (893).
    pub fn is_vietnamese(&self) -> bool {
        // The indicator digit precedes the company prefix in the 14-digit form.
        self.0[1..].starts_with("893")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_form_drops_only_the_padding_zero() {
        assert_eq!(
            Gtin::parse("8934588012228").unwrap().printed(),
            "8934588012228"
        );
        assert_eq!(
            Gtin::parse("18934588012225").unwrap().printed(),
            "18934588012225"
        );
    }

    #[test]
    fn gtin13_is_normalised_to_14_digits() {
        // 8934588012228 is a real Vietnamese EAN-13 (check digit 8).
        let g = Gtin::parse("8934588012228").unwrap();
        assert_eq!(g.as_str(), "08934588012228");
        assert!(g.is_vietnamese());
    }

    #[test]
    fn all_lengths_with_valid_check_digits_parse() {
        // Examples from the GS1 General Specifications check-digit section.
        for ok in [
            "96385074",
            "036000291452",
            "4006381333931",
            "10614141000415",
        ] {
            assert_eq!(Gtin::parse(ok).unwrap().as_str().len(), 14, "{ok}");
        }
    }

    #[test]
    fn a_wrong_check_digit_is_rejected_with_the_expected_digit() {
        let e = Gtin::parse("8934588012229").unwrap_err();
        assert_eq!(e.code, Reason::GtinCheckDigit);
        assert!(e.message.contains("should be 8"));
    }

    #[test]
    fn other_lengths_and_letters_are_rejected() {
        assert_eq!(
            Gtin::parse("123456789").unwrap_err().code,
            Reason::GtinLength
        );
        assert_eq!(
            Gtin::parse("89345880122A").unwrap_err().code,
            Reason::GtinNotDigits
        );
        assert_eq!(Gtin::parse("").unwrap_err().code, Reason::GtinLength);
    }

    proptest::proptest! {
        /// A single changed digit always breaks the GS1 mod-10 check (the scheme detects
        /// every single-digit error).
        #[test]
        fn any_single_digit_change_is_caught(body in "[0-9]{12}", pos in 0usize..13, delta in 1u8..10) {
            let check = super::super::gs1_check_digit(body.as_bytes());
            let valid = format!("{body}{check}");
            proptest::prop_assert!(Gtin::parse(&valid).is_ok());
            let mut bytes = valid.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            let rejected = Gtin::parse(&changed).is_err();
            proptest::prop_assert!(rejected);
        }
    }
}
