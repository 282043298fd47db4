//! Password hashing with Argon2id (OWASP-recommended default parameters of the `argon2` crate).
//!
//! Hashing costs ~15 ms of CPU, so callers run it on the blocking pool.

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::domain::ParseError;
use crate::domain::Reason;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// Length rule (NIST SP 800-63B: at least 8 characters, long passphrases allowed).
pub fn check_policy(password: &str) -> Result<(), ParseError> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(ParseError::new(
            Reason::PasswordTooShort,
            format!("a password has at least {MIN_LEN} characters"),
        ));
    }
    if n > MAX_LEN {
        return Err(ParseError::new(
            Reason::PasswordTooLong,
            format!("a password has at most {MAX_LEN} characters"),
        ));
    }
    Ok(())
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// False for a wrong password and for an unreadable stored hash.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("mật khẩu dài").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("mật khẩu dài", &h));
        assert!(!verify("mat khau dai", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(
            check_policy("1234567").unwrap_err().code,
            Reason::PasswordTooShort
        );
        assert!(check_policy("12345678").is_ok());
    }
}
