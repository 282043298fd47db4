//! Marketplaces with a seller API: one client per marketplace behind [`ApiClient`], driven by
//! the push outbox (`services::outbox`). Clients sign and send; they never retry on their own —
//! the outbox decides from the [`PushError`] when to try again.

pub mod lazada;
pub mod shopee;
pub mod tiki;

use std::time::Duration;

use super::Listing;

/// The app's credentials with a marketplace and where its API is (from configuration).
#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub base_url: url::Url,
    /// Partner id / app key.
    pub key: String,
    /// Partner key / app secret.
    pub secret: crate::sensitive::Sensitive<String>,
    /// Where the marketplace fetches our images from (the service's public base URL).
    pub public_base: url::Url,
}

impl ApiConfig {
    /// Where the marketplace fetches one of the listing's images (our public `/media/`).
    pub fn image_url(&self, image: &crate::marketplace::listing::ListingImage) -> String {
        crate::urls::url_under(
            &self.public_base,
            &crate::storage::media_path(&image.sha256),
        )
    }
}

/// A shop's credentials on the marketplace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub shop_id: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
}

/// The marketplace accepted the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    pub external_id: String,
    /// New tokens, when the client had to refresh them (the outbox stores them).
    pub account: Option<Account>,
    /// Where the marketplace reviews items before sale: the review's state after this push
    /// (`queuing`); `None` where an accepted item is on sale at once.
    pub review: Option<String>,
}

impl Pushed {
    /// Accepted, on sale, no tokens refreshed.
    pub fn listed(external_id: impl Into<String>) -> Self {
        Self {
            external_id: external_id.into(),
            account: None,
            review: None,
        }
    }
}

/// The state of a marketplace's review of a pushed item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The marketplace's word for it (`processing`, `awaiting_approve`, `approved`…).
    pub state: String,
    /// Why it was rejected, when it was.
    pub reason: Option<String>,
    /// New tokens, when the client had to refresh them.
    pub account: Option<Account>,
}

impl Review {
    /// The state of an approved item.
    pub const APPROVED: &'static str = "approved";
    /// The states that end a review without approval: rejected, or withdrawn.
    pub const REFUSED: [&'static str; 2] = ["rejected", "deleted"];

    /// Whether a review in `state` is over: `Some(true)` approved, `Some(false)` rejected or
    /// withdrawn, `None` still under way.
    pub fn settles(state: &str) -> Option<bool> {
        if state == Self::APPROVED {
            Some(true)
        } else if Self::REFUSED.contains(&state) {
            Some(false)
        } else {
            None
        }
    }
}

/// Why a push did not go through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// Worth trying again later: a timeout, a 5xx, a rate limit (`after` = its Retry-After).
    #[error("{detail}")]
    Retry {
        status: Option<u16>,
        after: Option<Duration>,
        detail: String,
    },
    /// The marketplace refused the item; retrying the same version cannot help.
    #[error("{detail}")]
    Refused { status: Option<u16>, detail: String },
}

impl PushError {
    /// The marketplace answered, but without what its documentation promises (an id, a
    /// state): worth asking again, in case it was a passing fault.
    pub fn malformed(detail: impl Into<String>) -> Self {
        PushError::Retry {
            status: None,
            after: None,
            detail: detail.into(),
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            PushError::Retry { status, .. } | PushError::Refused { status, .. } => *status,
        }
    }

    /// A transport failure or a status that says "later". The request's URL is quoted
    /// without its query string, where marketplaces put tokens and signatures.
    pub fn from_http(e: &reqwest::Error) -> Self {
        let mut detail = format!("request failed: {e}");
        if let Some(url) = e.url() {
            detail = detail.replace(url.as_str(), &without_query(url));
        }
        PushError::Retry {
            status: e.status().map(|s| s.as_u16()),
            after: None,
            detail,
        }
    }

    /// The same error with every occurrence of `secrets` (tokens, app secrets) replaced by
    /// `[redacted]`, in any encoding a URL or a JSON body would give it.
    pub fn redacted(self, secrets: &[Option<&str>]) -> Self {
        let scrub = |mut detail: String| {
            for secret in secrets.iter().flatten().filter(|s| s.len() >= 6) {
                let encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
                for form in [secret.to_string(), encoded] {
                    detail = detail.replace(&form, "[redacted]");
                }
            }
            detail
        };
        match self {
            PushError::Retry {
                status,
                after,
                detail,
            } => PushError::Retry {
                status,
                after,
                detail: scrub(detail),
            },
            PushError::Refused { status, detail } => PushError::Refused {
                status,
                detail: scrub(detail),
            },
        }
    }

    /// The retry decision for an HTTP status that is not a success.
    pub fn from_status(status: u16, retry_after: Option<&str>, body: &str) -> Self {
        let detail = format!(
            "HTTP {status}: {}",
            body.chars().take(300).collect::<String>()
        );
        if status == 429 || status == 408 || status >= 500 {
            PushError::Retry {
                status: Some(status),
                after: retry_after
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs),
                detail,
            }
        } else {
            PushError::Refused {
                status: Some(status),
                detail,
            }
        }
    }
}

#[async_trait::async_trait]
pub trait ApiClient: Send + Sync {
    /// Sends one listing version with its images' bytes (in the listing's order).
    /// `idempotency_key` goes along where the marketplace takes one.
    async fn push(
        &self,
        http: &reqwest::Client,
        config: &ApiConfig,
        account: &Account,
        listing: &Listing,
        images: &[Vec<u8>],
        idempotency_key: &str,
    ) -> Result<Pushed, PushError>;

    /// Sends a new version of an item the marketplace already has (`external_id`). Updating
    /// to the same content twice changes nothing, so an interrupted update is simply sent again.
    #[allow(clippy::too_many_arguments)]
    async fn update(
        &self,
        http: &reqwest::Client,
        config: &ApiConfig,
        account: &Account,
        external_id: &str,
        listing: &Listing,
        images: &[Vec<u8>],
    ) -> Result<Pushed, PushError>;

    /// The marketplace's id of an item with this SKU, if it has one: after a push whose outcome
    /// is unknown (the process stopped while it was in flight), the outbox asks before sending
    /// again, so an item is never created twice.
    async fn find(
        &self,
        http: &reqwest::Client,
        config: &ApiConfig,
        account: &Account,
        sku: &str,
    ) -> Result<Option<String>, PushError>;

    /// Where the marketplace reviews items before sale: the state of the review of the item
    /// `external_id`. Marketplaces that list at once have nothing to say (`None`).
    async fn review(
        &self,
        _http: &reqwest::Client,
        _config: &ApiConfig,
        _account: &Account,
        _external_id: &str,
    ) -> Result<Option<Review>, PushError> {
        Ok(None)
    }
}

/// An id in a marketplace's JSON answer, which may come as a number or a string.
pub fn id_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The listing's category as the numeric id marketplaces' APIs take; a category that is not
/// one (the mapping file names none for the product's OCOP group) is a refusal, not a guess.
pub fn numeric_category(l: &Listing, marketplace: &str) -> Result<i64, PushError> {
    l.category
        .as_deref()
        .and_then(|c| c.trim().parse().ok())
        .ok_or_else(|| PushError::Refused {
            status: None,
            detail: format!(
                "no numeric {marketplace} category for this product's OCOP group (assets/marketplaces/{marketplace}.toml)"
            ),
        })
}

/// A URL as it may be shown: no user name, password, query string or fragment.
pub fn without_query(url: &url::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Reads a response: its status, `Retry-After`, and body text.
pub async fn read(res: reqwest::Response) -> Result<(u16, Option<String>, String), PushError> {
    let status = res.status().as_u16();
    let retry_after = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res.text().await.map_err(|e| PushError::from_http(&e))?;
    Ok((status, retry_after, body))
}

/// Upper-case or lower-case hex of an HMAC-SHA256.
pub fn hmac_sha256_hex(secret: &str, message: &str, upper: bool) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(message.as_bytes());
    let bytes = mac.finalize().into_bytes();
    if upper {
        data_encoding::HEXUPPER.encode(&bytes)
    } else {
        data_encoding::HEXLOWER.encode(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_come_as_numbers_or_strings_and_categories_must_be_numeric() {
        assert_eq!(id_text(&json!(9000)).as_deref(), Some("9000"));
        assert_eq!(id_text(&json!("trk-1")).as_deref(), Some("trk-1"));
        assert_eq!(id_text(&json!("")), None);
        assert_eq!(id_text(&json!(null)), None);
        let mut l = crate::marketplace::tests::listing();
        l.category = Some(" 100629 ".into());
        assert_eq!(numeric_category(&l, "shopee").unwrap(), 100_629);
        l.category = Some("Đặc sản".into());
        assert!(matches!(
            numeric_category(&l, "shopee"),
            Err(PushError::Refused { detail, .. }) if detail.contains("assets/marketplaces/shopee.toml")
        ));
    }
}
