//! API token secrets: generation and the hash stored in place of the secret.
//!
//! A token is `ocop_` followed by 32 random bytes in lower-case base32 (256 bits from the OS
//! CSPRNG). With that much entropy a fast hash (SHA-256) is the right tool: it cannot be
//! brute-forced, and a lookup per request stays cheap, unlike a password hash.

use sha2::{Digest, Sha256};

pub const PREFIX: &str = "ocop_";

/// A freshly generated token: the secret to show once, and the hash to store.
pub struct NewToken {
    pub secret: String,
    pub hash: String,
}

pub fn generate() -> Result<NewToken, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let secret = format!(
        "{PREFIX}{}",
        data_encoding::BASE32_NOPAD.encode(&bytes).to_lowercase()
    );
    let hash = hash(&secret);
    Ok(NewToken { secret, hash })
}

/// Hex SHA-256 of the whole token string.
pub fn hash(secret: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(secret.as_bytes()))
}

/// Cheap shape check before touching the database.
pub fn looks_valid(secret: &str) -> bool {
    secret.strip_prefix(PREFIX).is_some_and(|rest| {
        rest.len() == 52
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_unique_well_formed_and_hashed() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a.secret, b.secret);
        assert!(looks_valid(&a.secret), "{}", a.secret);
        assert_eq!(a.hash, hash(&a.secret));
        assert_eq!(a.hash.len(), 64);
        assert!(!looks_valid("ocop_short"));
    }
}
