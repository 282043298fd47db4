//! Contact details: e-mail addresses and Vietnamese phone numbers.

use super::ParseError;
use crate::domain::Reason;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld` (no spaces, one `@`, a dot in the domain); stored lower-case
    /// so uniqueness does not depend on how someone typed it.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim().to_lowercase();
        let bad = || {
            ParseError::new(
                Reason::EmailFormat,
                "an e-mail address looks like name@example.vn",
            )
        };
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain
                .split('.')
                .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if local.is_empty() || !domain_ok {
            return Err(bad());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Vietnamese phone number normalised to E.164 (`+84…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Accepts national (`0912 345 678`) and international (`+84 912 345 678`, `84912345678`)
    /// forms with spaces, dots or hyphens; the national significant number has 9 or 10 digits.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !" .-()".contains(*c))
            .collect();
        let national = compact
            .strip_prefix("+84")
            .or_else(|| {
                compact
                    .strip_prefix("84")
                    .filter(|r| r.len() >= 9 && !compact.starts_with('0'))
            })
            .or_else(|| compact.strip_prefix('0'))
            .unwrap_or("");
        if !(9..=10).contains(&national.len())
            || !national.bytes().all(|b| b.is_ascii_digit())
            || national.starts_with('0')
        {
            return Err(ParseError::new(
                Reason::PhoneFormat,
                "a Vietnamese phone number looks like 0912 345 678 or +84 912 345 678",
            ));
        }
        Ok(Self(format!("+84{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A stored `+84…` number as people in Vietnam write it: `0912 345 678`.
    pub fn national(stored: &str) -> String {
        match stored.strip_prefix("+84") {
            Some(rest) if rest.len() == 9 && rest.is_ascii() => {
                format!("0{} {} {}", &rest[..3], &rest[3..6], &rest[6..])
            }
            Some(rest) => format!("0{rest}"),
            None => stored.to_owned(),
        }
    }
}

/// How a person identifies at sign-in.
pub enum Login {
    Email(Email),
    Phone(Phone),
}

impl Login {
    /// What a person types as their login: an e-mail address (it has an `@`) or a phone number.
    pub fn parse(typed: &str) -> Result<Login, ParseError> {
        let typed = typed.trim();
        if typed.contains('@') {
            Email::parse(typed).map(Login::Email)
        } else {
            Phone::parse(typed).map(Login::Phone)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_normalised_to_e164() {
        for input in [
            "0912 345 678",
            "+84 912.345.678",
            "84912345678",
            "0912-345-678",
        ] {
            assert_eq!(
                Phone::parse(input).unwrap().as_str(),
                "+84912345678",
                "{input}"
            );
        }
        assert_eq!(
            Phone::parse("024 3825 1234").unwrap().as_str(),
            "+842438251234"
        );
    }

    #[test]
    fn malformed_phone_numbers_are_rejected() {
        for bad in [
            "12345",
            "0912 345 67a",
            "+1 415 555 0100",
            "00912345678",
            "",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(Email::parse(" Hoa@HTX.vn ").unwrap().as_str(), "hoa@htx.vn");
        for bad in [
            "hoa",
            "hoa@",
            "@htx.vn",
            "hoa@htx",
            "h oa@htx.vn",
            "hoa@-htx.vn",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stored_numbers_are_shown_the_national_way() {
        assert_eq!(Phone::national("+84912345678"), "0912 345 678");
        assert_eq!(Phone::national("+842203855123"), "02203855123");
        assert_eq!(Phone::national("lan@htx.vn"), "lan@htx.vn");
    }
}
