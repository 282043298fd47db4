//! What the outbox's parts share: the worker's handle, its limits, sealing shop tokens, a listing version's key.

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use crate::db::Db;
use crate::error::AppError;
use crate::error::Code;
use crate::marketplace::api::{Account, ApiClient, ApiConfig, Pushed};
use crate::marketplace::{Listing, Marketplace};

/// Attempts before a job is given up (failed; retry it through the API).
pub const MAX_ATTEMPTS: i32 = 8;

/// How long a worker holds a claimed job.
pub const LEASE: Duration = Duration::from_secs(120);

pub(super) const MAX_DELAY: Duration = Duration::from_secs(3600);

/// What the worker needs.
#[derive(Clone)]
pub struct Outbox {
    pub db: Db,
    pub http: reqwest::Client,
    pub apis: Arc<std::collections::BTreeMap<&'static str, ApiConfig>>,
    pub retry_base: Duration,
    /// How often a pending marketplace review (Tiki) is asked about.
    pub review_every: Duration,
    pub wake: Arc<tokio::sync::Notify>,
    /// Where the listings' images are (clients that upload images send their bytes).
    pub store: Arc<dyn crate::storage::BlobStore>,
    /// Seals shops' tokens in the database.
    pub secrets: crate::secrets::SecretBox,
    /// When jobs and reviews are due.
    pub clock: crate::services::clock::Clock,
    /// Updates being queued after a change ([`super::requeue_changed`]); [`super::drain`]
    /// waits for them.
    pub requeues: crate::services::in_flight::InFlight,
    /// The traceability portal batches' events are pushed to, when one is configured.
    pub portal: Option<PortalConfig>,
    /// Where a batch's EPCIS events are read from.
    pub epcis: Arc<crate::services::epcis_index::EpcisIndex>,
}

/// The traceability portal: an EPCIS 2.0 capture endpoint (`POST` of an EPCIS document).
#[derive(Clone, Debug)]
pub struct PortalConfig {
    /// `OCOP_PORTAL_CAPTURE_URL`.
    pub capture_url: url::Url,
    /// `OCOP_PORTAL_TOKEN`: sent as `Authorization: Bearer …` when set.
    pub token: Option<crate::sensitive::Sensitive<String>>,
}

pub(super) fn sealed(outbox: &Outbox, plain: &str) -> Result<String, AppError> {
    outbox.secrets.seal(plain).map_err(AppError::internal)
}

pub(super) fn opened(outbox: &Outbox, sealed: &str) -> Result<String, AppError> {
    outbox.secrets.open(sealed).map_err(|e| {
        AppError::conflict(
            Code::MarketplaceAccountUnreadable,
            format!("{e}: connect the shop again"),
        )
    })
}

/// A successful attempt: what the marketplace said, and how it was reached.
#[doc(hidden)]
pub type Sent = (Pushed, &'static str);

pub(super) fn version_key(listing_id: Uuid, l: &Listing) -> Result<String, AppError> {
    use sha2::Digest;
    let json = serde_json::to_vec(l).map_err(AppError::internal)?;
    let digest = sha2::Sha256::digest(&json);
    Ok(format!(
        "{listing_id}:{}",
        data_encoding::HEXLOWER.encode(&digest)
    ))
}

pub(super) fn api_of(m: &'static dyn Marketplace) -> Result<&'static dyn ApiClient, AppError> {
    m.api().ok_or_else(|| {
        AppError::conflict(
            Code::NoSellerApi,
            format!(
                "{} has no seller API: export a listing pack and record the live URL",
                m.name()
            ),
        )
    })
}

/// What no stored or logged error may show.
pub(super) fn secrets<'a>(config: &'a ApiConfig, account: &'a Account) -> [Option<&'a str>; 3] {
    [
        Some(account.access_token.as_str()),
        account.refresh_token.as_deref(),
        Some(config.secret.as_str()),
    ]
}

pub(super) fn clip(s: &str) -> String {
    s.chars().take(1_900).collect()
}

#[cfg(test)]
mod tests {
    use entity::outbox_job::JobStatus;
    use sea_orm::{ActiveEnum, Iterable};

    /// `JobStatus::as_str` (what the API and the console show) is what the column stores.
    #[test]
    fn each_job_status_is_stored_as_the_name_it_is_shown_by() {
        for status in JobStatus::iter() {
            assert_eq!(status.to_value(), status.as_str());
        }
    }
}
