//! Configuration: defaults < `ocop-trace.toml` < `OCOP_*` environment < command-line flags.
//!
//! Every key is declared once, as a field of [`SettingsArgs`]: clap reads its flag and its
//! environment variable, serde its key in the settings file (unknown keys are an error), and
//! figment lays the file under the flags and environment. [`Settings::from_args`] applies
//! the defaults and composes the settings types the modules declare (`storage`'s blob store,
//! `marketplace::api`'s credentials, `media`'s upload limits, the scan thresholds). Secrets are
//! [`Sensitive`], so `{:?}` of the settings is safe to log.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::marketplace::api::ApiConfig;
use crate::media::UploadLimits;
use crate::sensitive::Sensitive;
use crate::storage::s3::S3Settings;
pub use crate::storage::{BlobStoreKind, BlobStoreSettings};
pub use crate::telemetry::LogFormat;
use crate::urls::redact_url;

/// A database URL; its `Debug` hides the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl std::ops::Deref for DatabaseUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", redact_url(&self.0))
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(DatabaseUrl(s.to_owned()))
    }
}

impl From<&str> for DatabaseUrl {
    fn from(s: &str) -> Self {
        DatabaseUrl(s.to_owned())
    }
}

/// Every setting, declared once: the flag (`--data-dir`), the environment variable
/// (`OCOP_DATA_DIR`) and the file key (`data_dir`) of each come from its field.
#[derive(Debug, Clone, Default, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsArgs {
    /// Settings file (TOML). Default: `ocop-trace.toml` in the working directory, if present.
    #[arg(long, env = "OCOP_CONFIG", global = true)]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "OCOP_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// Directory for the SQLite database and local blobs [default: ./data].
    #[arg(long, env = "OCOP_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://…` or `postgres://…` [default: the SQLite file in the data directory].
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<DatabaseUrl>,
    /// Maximum database connections in the pool [default: 10].
    #[arg(long, env = "OCOP_DB_MAX_CONNECTIONS", global = true)]
    pub db_max_connections: Option<u32>,
    /// Public base URL printed in QR codes and links [default: http://<listen>].
    #[arg(long, env = "OCOP_PUBLIC_BASE_URL", global = true)]
    pub public_base_url: Option<url::Url>,
    /// File holding the log's Ed25519 signing key [default: <data dir>/log-signing.key].
    #[arg(long, env = "OCOP_LOG_KEY_FILE", global = true)]
    pub log_key_file: Option<PathBuf>,
    /// File holding the secret key for stamps' scratch PINs, created on first start
    /// [default: <data dir>/pin.key].
    #[arg(long, env = "OCOP_PIN_KEY_FILE", global = true)]
    pub pin_key_file: Option<PathBuf>,
    /// File holding the key that seals marketplace shops' tokens in the database, created on
    /// first start [default: <data dir>/secrets.key].
    #[arg(long, env = "OCOP_SECRETS_KEY_FILE", global = true)]
    pub secrets_key_file: Option<PathBuf>,
    /// Log format: `pretty` for people, `json` for log collectors [default: pretty].
    #[arg(long, env = "OCOP_LOG_FORMAT", global = true)]
    pub log_format: Option<LogFormat>,
    /// Scans of one stamp within 24 hours that make its page warn of a copy [default: 3].
    #[arg(long, env = "OCOP_SCAN_WARN_24H", global = true)]
    pub scan_warn_24h: Option<u64>,
    /// Scans of one stamp within 7 days that make its page warn of a copy [default: 10].
    #[arg(long, env = "OCOP_SCAN_WARN_7D", global = true)]
    pub scan_warn_7d: Option<u64>,
    /// Scan-page requests per client address per minute; 0 turns the limit off [default: 60].
    #[arg(long, env = "OCOP_SCAN_RATE_PER_MINUTE", global = true)]
    pub scan_rate_per_minute: Option<u32>,
    /// Memory for the scan page's caches (lots, stamps, rendered frames), in MB [default: 64].
    #[arg(long, env = "OCOP_SCAN_CACHE_MB", global = true)]
    pub scan_cache_mb: Option<u32>,
    /// This node's scan journal: scans answered before their commit, kept so a crash of the
    /// process loses none. One directory per node [default: <data dir>/scan-journal].
    #[arg(long, env = "OCOP_SCAN_JOURNAL_DIR", global = true)]
    pub scan_journal_dir: Option<PathBuf>,
    /// Days each scan's row is kept (its client hash, time and language); older rows are
    /// deleted once a day. Stamps' scan counts and batches' counts per day stay. 0 keeps
    /// every row; at least 8 (copy warnings look back 7 days) [default: 400].
    #[arg(long, env = "OCOP_SCAN_KEEP_DAYS", global = true)]
    pub scan_keep_days: Option<u32>,
    /// Witnesses that cosign the log's checkpoints (C2SP tlog-witness), each as
    /// `<verifier key> <URL>` (the key the witness prints with `ocop-trace witness
    /// --print-key`), separated by commas. None by default.
    #[arg(long, env = "OCOP_WITNESSES", global = true, value_delimiter = ',')]
    pub witnesses: Option<Vec<String>>,
    /// How many of the witnesses must cosign a checkpoint before shoppers' pages say it was
    /// confirmed independently [default: a majority of them].
    #[arg(long, env = "OCOP_WITNESS_QUORUM", global = true)]
    pub witness_quorum: Option<usize>,
    /// Days a token exchanged for a password (`POST /api/v1/auth/tokens`) lives [default: 30].
    #[arg(long, env = "OCOP_PASSWORD_TOKEN_DAYS", global = true)]
    pub password_token_days: Option<u32>,
    /// The bearer token `/metrics` asks for; without one, `/metrics` is not served.
    #[arg(
        long,
        env = "OCOP_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<Sensitive<String>>,
    /// Take the client address from the first `X-Forwarded-For` entry (only behind a proxy
    /// that sets it) [default: false].
    #[arg(long, env = "OCOP_TRUST_FORWARDED_FOR", global = true)]
    pub trust_forwarded_for: Option<bool>,
    /// Where files live: `fs` (under the data directory) or `s3` [default: fs].
    #[arg(long, env = "OCOP_BLOB_STORE", global = true)]
    pub blob_store: Option<BlobStoreKind>,
    /// S3 endpoint URL, for S3-compatible services (Garage, MinIO) [default: AWS].
    #[arg(long, env = "OCOP_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<url::Url>,
    /// S3 region; must match what the service signs with [default: us-east-1].
    #[arg(long, env = "OCOP_S3_REGION", global = true)]
    pub s3_region: Option<String>,
    /// S3 bucket (required with `OCOP_BLOB_STORE=s3`).
    #[arg(long, env = "OCOP_S3_BUCKET", global = true)]
    pub s3_bucket: Option<String>,
    /// S3 access key id (required with `OCOP_BLOB_STORE=s3`).
    #[arg(long, env = "OCOP_S3_ACCESS_KEY_ID", global = true)]
    pub s3_access_key_id: Option<String>,
    /// S3 secret access key (required with `OCOP_BLOB_STORE=s3`).
    #[arg(
        long,
        env = "OCOP_S3_SECRET_ACCESS_KEY",
        global = true,
        hide_env_values = true
    )]
    pub s3_secret_access_key: Option<Sensitive<String>>,
    /// Path-style addressing (`host/bucket/key`), as Garage and MinIO need [default: true].
    #[arg(long, env = "OCOP_S3_PATH_STYLE", global = true)]
    pub s3_path_style: Option<bool>,
    /// Prefix of every object key in the bucket [default: blobs/].
    #[arg(long, env = "OCOP_S3_PREFIX", global = true)]
    pub s3_prefix: Option<String>,
    /// Send downloads straight to the bucket through presigned URLs; `false` when clients
    /// cannot reach the S3 endpoint, so the app streams them [default: true].
    #[arg(long, env = "OCOP_S3_PRESIGNED_DOWNLOADS", global = true)]
    pub s3_presigned_downloads: Option<bool>,
    /// Lazada Open Platform API base URL [default: https://api.lazada.vn/rest].
    #[arg(long, env = "OCOP_LAZADA_BASE_URL", global = true)]
    pub lazada_base_url: Option<url::Url>,
    /// Lazada app key; with the secret, listings can be pushed to Lazada.
    #[arg(long, env = "OCOP_LAZADA_APP_KEY", global = true)]
    pub lazada_app_key: Option<String>,
    /// Lazada app secret.
    #[arg(
        long,
        env = "OCOP_LAZADA_APP_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub lazada_app_secret: Option<Sensitive<String>>,
    /// Shopee Open Platform API base URL [default: https://partner.shopeemobile.com].
    #[arg(long, env = "OCOP_SHOPEE_BASE_URL", global = true)]
    pub shopee_base_url: Option<url::Url>,
    /// Shopee partner id; with the partner key, listings can be pushed to Shopee.
    #[arg(long, env = "OCOP_SHOPEE_PARTNER_ID", global = true)]
    pub shopee_partner_id: Option<String>,
    /// Shopee partner key.
    #[arg(
        long,
        env = "OCOP_SHOPEE_PARTNER_KEY",
        global = true,
        hide_env_values = true
    )]
    pub shopee_partner_key: Option<Sensitive<String>>,
    /// Tiki Open API base URL [default: https://api.tiki.vn].
    #[arg(long, env = "OCOP_TIKI_BASE_URL", global = true)]
    pub tiki_base_url: Option<url::Url>,
    /// Tiki OpenAPI application's client id; with the secret, listings can be pushed to Tiki.
    #[arg(long, env = "OCOP_TIKI_CLIENT_ID", global = true)]
    pub tiki_client_id: Option<String>,
    /// Tiki OpenAPI application's client secret.
    #[arg(
        long,
        env = "OCOP_TIKI_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub tiki_client_secret: Option<Sensitive<String>>,
    /// How often to ask a marketplace that reviews items before sale (Tiki) how its review of
    /// a pushed listing stands, in seconds [default: 300].
    #[arg(long, env = "OCOP_MARKETPLACE_REVIEW_POLL_SECS", global = true)]
    pub marketplace_review_poll_secs: Option<u64>,
    /// First retry delay of a failed marketplace push, in milliseconds; it doubles with each
    /// attempt, up to an hour, with jitter [default: 2000].
    #[arg(long, env = "OCOP_OUTBOX_RETRY_BASE_MS", global = true)]
    pub outbox_retry_base_ms: Option<u64>,
    /// Run the marketplace push worker on this node; with several nodes, any number may (jobs
    /// are claimed under a lease) [default: true].
    #[arg(long, env = "OCOP_OUTBOX_WORKER", global = true)]
    pub outbox_worker: Option<bool>,
    /// Time limit of one request to a marketplace API, in seconds [default: 60].
    #[arg(long, env = "OCOP_MARKETPLACE_TIMEOUT_SECS", global = true)]
    pub marketplace_timeout_secs: Option<u64>,
    /// The traceability portal's EPCIS 2.0 capture endpoint: batches' events are pushed there
    /// (`POST /api/v1/batches/{id}/portal-pushes`, the console's batch page). Unset: no portal.
    #[arg(long, env = "OCOP_PORTAL_CAPTURE_URL", global = true)]
    pub portal_capture_url: Option<String>,
    /// Bearer token the portal gave this service, sent with every push.
    #[arg(long, env = "OCOP_PORTAL_TOKEN", global = true, hide_env_values = true)]
    pub portal_token: Option<Sensitive<String>>,
    /// Largest uploaded file, in bytes [default: 20971520 (20 MiB)].
    #[arg(long, env = "OCOP_UPLOAD_MAX_BYTES", global = true)]
    pub upload_max_bytes: Option<usize>,
    /// Largest uploaded image, in pixels (width × height) [default: 48000000].
    #[arg(long, env = "OCOP_IMAGE_MAX_PIXELS", global = true)]
    pub image_max_pixels: Option<u64>,
}

/// The settings the service runs with: every default applied, every module's settings built.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub db_max_connections: u32,
    pub public_base_url: url::Url,
    pub log_key_file: PathBuf,
    pub pin_key_file: PathBuf,
    pub secrets_key_file: PathBuf,
    pub log_format: LogFormat,
    pub scan_thresholds: crate::services::scans::Thresholds,
    pub scan_rate_per_minute: u32,
    /// Bytes the scan page's caches may hold, all together (approximately).
    pub scan_cache_bytes: u64,
    /// This node's scan journal (`services::scan_journal`).
    pub scan_journal_dir: PathBuf,
    /// How long a scan's row is kept; `None` keeps every row (`services::scan_retention`).
    pub scan_keep: Option<chrono::TimeDelta>,
    /// The witnesses the log submits its checkpoints to (`services::witnessing`).
    pub witnesses: Vec<WitnessEndpoint>,
    /// Cosignatures a checkpoint needs to count as independently confirmed (1..=witnesses).
    pub witness_quorum: usize,
    /// How long a token exchanged for a password lives.
    pub password_token_life: chrono::TimeDelta,
    /// `/metrics` is served only with `Authorization: Bearer <this>`; never when `None`.
    pub metrics_token: Option<Sensitive<String>>,
    pub trust_forwarded_for: bool,
    pub blob_store: BlobStoreSettings,
    pub upload_limits: UploadLimits,
    /// Seller-API credentials by marketplace id (only those configured).
    pub marketplace_apis: std::collections::BTreeMap<&'static str, ApiConfig>,
    pub outbox_retry_base: std::time::Duration,
    /// Whether `serve` runs the push worker (and the review polling) on this node.
    pub outbox_worker: bool,
    pub marketplace_timeout: std::time::Duration,
    /// How often a pending marketplace review (Tiki) is asked about.
    pub marketplace_review_poll: std::time::Duration,
    /// The traceability portal batches' events are pushed to (`services::outbox::portal`).
    pub portal: Option<crate::services::outbox::PortalConfig>,
}

/// Parses `<verifier key> <URL>`.
fn witness_endpoint(text: &str) -> anyhow::Result<WitnessEndpoint> {
    let mut parts = text.split_whitespace();
    let (Some(key), Some(url), None) = (parts.next(), parts.next(), parts.next()) else {
        anyhow::bail!("OCOP_WITNESSES: `{text}` is not `<verifier key> <URL>`");
    };
    let verifier = crate::ledger::cosignature::CosignatureVerifier::parse(key)
        .map_err(|e| anyhow::anyhow!("OCOP_WITNESSES: {e}"))?;
    let url = url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| anyhow::anyhow!("OCOP_WITNESSES: `{url}` is not an http(s) URL"))?;
    Ok(WitnessEndpoint {
        url,
        key: key.to_owned(),
        verifier,
    })
}

fn witness_quorum(given: Option<usize>, witnesses: usize) -> anyhow::Result<usize> {
    match given {
        None => Ok(witnesses / 2 + usize::from(witnesses > 0)),
        Some(k) if (1..=witnesses).contains(&k) => Ok(k),
        Some(k) => anyhow::bail!(
            "OCOP_WITNESS_QUORUM is {k}, but it must be between 1 and the {witnesses} witnesses configured"
        ),
    }
}

pub use crate::services::witnessing::WitnessEndpoint;

pub const DEFAULT_CONFIG_FILE: &str = "ocop-trace.toml";

impl SettingsArgs {
    /// The flags and environment (`self`) over the settings file. A file named explicitly must
    /// exist; the default one is optional.
    pub fn over_file(&self) -> anyhow::Result<SettingsArgs> {
        let file = match &self.config {
            Some(path) => Some(path.clone()),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => Some(DEFAULT_CONFIG_FILE.into()),
            None => None,
        };
        let mut figment = Figment::new();
        if let Some(path) = &file {
            if !path.exists() {
                anyhow::bail!("settings file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        // Only what was given on the command line or in the environment (a key left unset
        // must not hide the file's).
        let mut given = serde_json::to_value(self).context("reading the flags")?;
        if let Some(map) = given.as_object_mut() {
            map.retain(|_, v| !v.is_null());
        }
        let merged: SettingsArgs = figment
            .merge(Serialized::globals(given))
            .extract()
            .map_err(|e| match &file {
                Some(path) => anyhow::anyhow!("settings file {}: {e}", path.display()),
                None => anyhow::anyhow!("settings: {e}"),
            })?;
        Ok(SettingsArgs {
            config: self.config.clone(),
            ..merged
        })
    }
}

impl Settings {
    /// Resolves the layers: defaults < file < environment < flags.
    pub fn resolve(args: &SettingsArgs) -> anyhow::Result<Self> {
        Self::from_args(args.over_file()?)
    }

    /// The settings from one merged layer, with the defaults for what it leaves unset.
    pub fn from_args(a: SettingsArgs) -> anyhow::Result<Self> {
        let data_dir = a
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("./data"));
        let blob_store = blob_store(&a, &data_dir)?;
        let witnesses = a
            .witnesses
            .iter()
            .flatten()
            .filter(|w| !w.trim().is_empty())
            .map(|w| witness_endpoint(w))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let listen = a.listen.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)));
        let database_url = a.database_url.clone().unwrap_or_else(|| {
            DatabaseUrl(format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("ocop-trace.db").display()
            ))
        });
        let public_base_url = match a.public_base_url.clone() {
            Some(u) => u,
            None => url::Url::parse(&format!("http://{listen}"))
                .context("building the default public base URL")?,
        };
        if !matches!(public_base_url.scheme(), "http" | "https") {
            anyhow::bail!("OCOP_PUBLIC_BASE_URL must be an http(s) URL, not {public_base_url}");
        }
        let upload_defaults = UploadLimits::default();
        let scan_defaults = crate::services::scans::Thresholds::default();
        let marketplace_apis = marketplace_apis(&a, &public_base_url)?;
        let seconds = |v: Option<u64>, default: u64| {
            std::time::Duration::from_secs(v.unwrap_or(default).max(1))
        };
        Ok(Self {
            log_key_file: a
                .log_key_file
                .unwrap_or_else(|| data_dir.join("log-signing.key")),
            pin_key_file: a.pin_key_file.unwrap_or_else(|| data_dir.join("pin.key")),
            scan_journal_dir: a
                .scan_journal_dir
                .unwrap_or_else(|| data_dir.join("scan-journal")),
            secrets_key_file: a
                .secrets_key_file
                .unwrap_or_else(|| data_dir.join("secrets.key")),
            upload_limits: UploadLimits {
                max_bytes: a
                    .upload_max_bytes
                    .unwrap_or(upload_defaults.max_bytes)
                    .max(1),
                max_pixels: a
                    .image_max_pixels
                    .unwrap_or(upload_defaults.max_pixels)
                    .max(1),
            },
            scan_thresholds: crate::services::scans::Thresholds {
                per_day: a.scan_warn_24h.unwrap_or(scan_defaults.per_day).max(1),
                per_week: a.scan_warn_7d.unwrap_or(scan_defaults.per_week).max(1),
            },
            marketplace_apis,
            // Empty is unset, as a compose file's `${OCOP_PORTAL_CAPTURE_URL:-}` gives it.
            portal: match a.portal_capture_url.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(raw) => Some(crate::services::outbox::PortalConfig {
                    capture_url: url::Url::parse(raw)
                        .ok()
                        .filter(|u| matches!(u.scheme(), "http" | "https"))
                        .ok_or_else(|| {
                            anyhow::anyhow!(
                                "OCOP_PORTAL_CAPTURE_URL must be an http(s) URL, not `{raw}`"
                            )
                        })?,
                    token: a.portal_token.filter(|t| !t.as_str().is_empty()),
                }),
            },
            outbox_retry_base: std::time::Duration::from_millis(
                a.outbox_retry_base_ms.unwrap_or(2_000).max(1),
            ),
            outbox_worker: a.outbox_worker.unwrap_or(true),
            marketplace_timeout: seconds(a.marketplace_timeout_secs, 60),
            marketplace_review_poll: seconds(a.marketplace_review_poll_secs, 300),
            scan_rate_per_minute: a.scan_rate_per_minute.unwrap_or(60),
            scan_cache_bytes: u64::from(a.scan_cache_mb.unwrap_or(64).max(1)) << 20,
            scan_keep: match a.scan_keep_days.unwrap_or(400) {
                0 => None,
                days => Some(chrono::TimeDelta::days(i64::from(days.max(8)))),
            },
            witness_quorum: witness_quorum(a.witness_quorum, witnesses.len())?,
            witnesses,
            password_token_life: chrono::TimeDelta::days(i64::from(
                a.password_token_days.unwrap_or(30).clamp(1, 3650),
            )),
            metrics_token: a.metrics_token.filter(|t| !t.as_str().is_empty()),
            trust_forwarded_for: a.trust_forwarded_for.unwrap_or(false),
            db_max_connections: a.db_max_connections.unwrap_or(10).max(1),
            log_format: a.log_format.unwrap_or(LogFormat::Pretty),
            blob_store,
            listen,
            data_dir,
            database_url,
            public_base_url,
        })
    }

    /// What the scan page's proof checks: k of the configured witnesses; none without them.
    pub fn witness_policy(&self) -> Option<crate::services::stamp_proof::WitnessPolicy> {
        (!self.witnesses.is_empty()).then(|| crate::services::stamp_proof::WitnessPolicy {
            quorum: self.witness_quorum,
            keys: self.witnesses.iter().map(|w| w.key.clone()).collect(),
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// Seller-API credentials by marketplace id, for those with both key and secret set.
fn marketplace_apis(
    a: &SettingsArgs,
    public_base: &url::Url,
) -> anyhow::Result<std::collections::BTreeMap<&'static str, ApiConfig>> {
    let apis = [
        (
            "lazada",
            "https://api.lazada.vn/rest",
            &a.lazada_base_url,
            &a.lazada_app_key,
            &a.lazada_app_secret,
        ),
        (
            "shopee",
            "https://partner.shopeemobile.com",
            &a.shopee_base_url,
            &a.shopee_partner_id,
            &a.shopee_partner_key,
        ),
        (
            "tiki",
            "https://api.tiki.vn",
            &a.tiki_base_url,
            &a.tiki_client_id,
            &a.tiki_client_secret,
        ),
    ];
    let mut out = std::collections::BTreeMap::new();
    for (id, default_base, base, key, secret) in apis {
        let (Some(key), Some(secret)) = (key, secret) else {
            continue;
        };
        if id == "shopee" && key.trim().parse::<u64>().is_err() {
            anyhow::bail!(
                "OCOP_SHOPEE_PARTNER_ID must be Shopee's numeric partner id, not {key:?}"
            );
        }
        let base_url = match base {
            Some(u) => u.clone(),
            None => url::Url::parse(default_base).context("a default marketplace URL")?,
        };
        out.insert(
            id,
            ApiConfig {
                base_url,
                key: key.clone(),
                secret: secret.clone(),
                public_base: public_base.clone(),
            },
        );
    }
    Ok(out)
}

/// The blob store: the local directory by default; S3 when asked, with every setting it needs.
fn blob_store(a: &SettingsArgs, data_dir: &Path) -> anyhow::Result<BlobStoreSettings> {
    if a.blob_store.unwrap_or(BlobStoreKind::Fs) == BlobStoreKind::Fs {
        return Ok(BlobStoreSettings::Fs(data_dir.join("blobs")));
    }
    fn required<T: Clone>(
        v: &Option<T>,
        var: &str,
        empty: impl Fn(&T) -> bool,
    ) -> anyhow::Result<T> {
        v.clone()
            .filter(|v| !empty(v))
            .with_context(|| format!("{var} must be set when OCOP_BLOB_STORE=s3"))
    }
    let blank = |s: &String| s.trim().is_empty();
    if let Some(e) = &a.s3_endpoint
        && !matches!(e.scheme(), "http" | "https")
    {
        anyhow::bail!("OCOP_S3_ENDPOINT must be an http(s) URL, not {e}");
    }
    Ok(BlobStoreSettings::S3(S3Settings {
        endpoint: a
            .s3_endpoint
            .as_ref()
            .map(|e| e.as_str().trim_end_matches('/').to_owned()),
        region: a.s3_region.clone().unwrap_or_else(|| "us-east-1".into()),
        bucket: required(&a.s3_bucket, "OCOP_S3_BUCKET", blank)?,
        access_key_id: required(&a.s3_access_key_id, "OCOP_S3_ACCESS_KEY_ID", blank)?,
        secret_access_key: required(&a.s3_secret_access_key, "OCOP_S3_SECRET_ACCESS_KEY", |s| {
            s.as_str().trim().is_empty()
        })?,
        path_style: a.s3_path_style.unwrap_or(true),
        prefix: a.s3_prefix.clone().unwrap_or_else(|| "blobs/".into()),
        presign: a.s3_presigned_downloads.unwrap_or(true),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn flags_and_environment_override_the_file_which_overrides_defaults() {
        let f = file("listen = \"0.0.0.0:9000\"\ndb_max_connections = 3\nscan_warn_7d = 12\n");
        let args = SettingsArgs {
            config: Some(f.path().into()),
            db_max_connections: Some(7),
            ..Default::default()
        };
        let s = Settings::resolve(&args).unwrap();
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000", "from the file");
        assert_eq!(s.db_max_connections, 7, "the flag wins");
        assert_eq!(s.scan_thresholds.per_week, 12);
        assert_eq!(s.log_format, LogFormat::Pretty, "the default");
        assert!(
            s.database_url.starts_with("sqlite://./data/ocop-trace.db"),
            "{:?}",
            s.database_url
        );
        assert_eq!(s.public_base_url.as_str(), "http://0.0.0.0:9000/");
    }

    #[test]
    fn the_portal_is_an_http_url_and_empty_means_none() {
        let portal = |url: &str, token: Option<&str>| {
            Settings::resolve(&SettingsArgs {
                portal_capture_url: Some(url.into()),
                portal_token: token.map(Into::into),
                ..Default::default()
            })
            .map(|s| s.portal)
        };
        assert!(portal("", Some("t")).unwrap().is_none());
        assert!(portal("  ", None).unwrap().is_none());
        let p = portal(
            "https://truyxuat.gov.vn/epcis/capture",
            Some("secret-token"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(p.capture_url.path(), "/epcis/capture");
        assert!(
            !format!("{p:?}").contains("secret-token"),
            "the token is redacted"
        );
        assert!(
            portal("https://x.vn/capture", Some(""))
                .unwrap()
                .unwrap()
                .token
                .is_none()
        );
        for bad in ["ftp://x.vn/capture", "truyxuat.gov.vn/capture"] {
            let e = portal(bad, None).unwrap_err().to_string();
            assert!(e.contains("OCOP_PORTAL_CAPTURE_URL"), "{e}");
        }
    }

    #[test]
    fn scans_are_kept_400_days_unless_told_and_never_less_than_the_copy_window() {
        let keep = |days: Option<u32>| {
            let args = SettingsArgs {
                scan_keep_days: days,
                ..Default::default()
            };
            Settings::resolve(&args)
                .unwrap()
                .scan_keep
                .map(|d| d.num_days())
        };
        assert_eq!(keep(None), Some(400));
        assert_eq!(keep(Some(0)), None, "0 keeps every scan");
        assert_eq!(keep(Some(3)), Some(8), "copy warnings read 7 days back");
        assert_eq!(keep(Some(90)), Some(90));
    }

    #[test]
    fn witnesses_are_a_key_and_a_url_each_and_the_quorum_defaults_to_a_majority() {
        let key = |name: &str, seed: u8| {
            crate::ledger::cosignature::WitnessKey::new(name, &[seed; 32])
                .unwrap()
                .verifier_key()
        };
        let with = |witnesses: Vec<String>, quorum: Option<usize>| {
            Settings::resolve(&SettingsArgs {
                witnesses: Some(witnesses),
                witness_quorum: quorum,
                ..Default::default()
            })
        };
        let three: Vec<String> = (1..=3)
            .map(|i| format!("{} https://w{i}.test/", key(&format!("w{i}.test"), i)))
            .collect();
        let s = with(three.clone(), None).unwrap();
        assert_eq!((s.witnesses.len(), s.witness_quorum), (3, 2));
        assert_eq!(s.witness_policy().unwrap().keys[0], key("w1.test", 1));
        assert_eq!(with(three.clone(), Some(3)).unwrap().witness_quorum, 3);
        assert!(with(three.clone(), Some(4)).is_err(), "more than there are");
        assert!(with(three, Some(0)).is_err());
        assert!(
            with(vec![String::new()], None)
                .unwrap()
                .witness_policy()
                .is_none()
        );
        for bad in [
            format!("{} ftp://w.test/", key("w.test", 1)),
            format!("{} https://w.test/ extra", key("w.test", 1)),
            key("w.test", 1),
            "w.test+00000000+AAAA https://w.test/".to_owned(),
        ] {
            assert!(with(vec![bad.clone()], None).is_err(), "{bad}");
        }
        assert!(
            Settings::resolve(&SettingsArgs {
                witness_quorum: Some(1),
                ..Default::default()
            })
            .is_err(),
            "a quorum without witnesses"
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_rejected_and_a_named_file_must_exist() {
        let f = file("lissten = \"x\"");
        let args = SettingsArgs {
            config: Some(f.path().into()),
            ..Default::default()
        };
        let e = Settings::resolve(&args).unwrap_err().to_string();
        assert!(e.contains("lissten"), "{e}");
        let args = SettingsArgs {
            config: Some("/nonexistent/ocop-trace.toml".into()),
            ..Default::default()
        };
        let e = Settings::resolve(&args).unwrap_err().to_string();
        assert!(e.contains("does not exist"), "{e}");
    }

    #[test]
    fn debug_output_redacts_the_database_password_and_every_secret() {
        let args = SettingsArgs {
            database_url: Some("postgres://app:s3cret@db:5432/ocop".into()),
            metrics_token: Some("metrics-secret".into()),
            ..Default::default()
        };
        let shown = format!("{args:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("metrics-secret"),
            "{shown}"
        );
        let s = Settings::from_args(args).unwrap();
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("metrics-secret"),
            "{shown}"
        );
        assert!(shown.contains("app:***@db"), "{shown}");
    }

    #[test]
    fn s3_needs_its_settings_and_hides_its_secret() {
        let mut args = SettingsArgs {
            blob_store: Some(BlobStoreKind::S3),
            s3_bucket: Some("ocop".into()),
            s3_access_key_id: Some("GKabc".into()),
            ..Default::default()
        };
        let e = Settings::from_args(args.clone()).unwrap_err();
        assert!(e.to_string().contains("OCOP_S3_SECRET_ACCESS_KEY"), "{e}");
        args.s3_secret_access_key = Some("very-secret".into());
        let s = Settings::from_args(args).unwrap();
        let BlobStoreSettings::S3(s3) = &s.blob_store else {
            panic!("expected S3")
        };
        assert_eq!((s3.region.as_str(), s3.path_style), ("us-east-1", true));
        assert!(!format!("{s:?}").contains("very-secret"));
        let fs = Settings::from_args(SettingsArgs::default()).unwrap();
        assert!(matches!(fs.blob_store, BlobStoreSettings::Fs(p) if p.ends_with("blobs")));
    }

    #[test]
    fn marketplace_apis_are_on_only_with_their_credentials() {
        let mut args = SettingsArgs {
            shopee_partner_id: Some("partner-x".into()),
            shopee_partner_key: Some("shopee-secret".into()),
            tiki_client_id: Some("7590139168389961".into()),
            tiki_client_secret: Some("tiki-secret".into()),
            lazada_app_key: Some("123456".into()),
            ..Default::default()
        };
        let e = Settings::from_args(args.clone()).unwrap_err();
        assert!(e.to_string().contains("OCOP_SHOPEE_PARTNER_ID"), "{e}");
        args.shopee_partner_id = Some("2001887".into());
        let s = Settings::from_args(args).unwrap();
        let on: Vec<&str> = s.marketplace_apis.keys().copied().collect();
        assert_eq!(on, ["shopee", "tiki"], "Lazada has no secret");
        assert_eq!(
            s.marketplace_apis["tiki"].base_url.as_str(),
            "https://api.tiki.vn/"
        );
        let shown = format!("{s:?}");
        assert!(!shown.contains("tiki-secret") && !shown.contains("shopee-secret"));
        assert_eq!(s.marketplace_review_poll.as_secs(), 300);
    }

    #[test]
    fn every_key_is_a_flag_an_environment_variable_and_a_file_key_of_the_same_name() {
        use clap::CommandFactory;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            s: SettingsArgs,
        }
        let command = Cli::command();
        let mut keys = 0;
        for arg in command.get_arguments().filter(|a| a.get_id() != "config") {
            let long = arg.get_long().unwrap();
            let key = long.replace('-', "_");
            let env = arg.get_env().unwrap().to_str().unwrap().to_owned();
            let expected = if key == "database_url" {
                "DATABASE_URL".to_owned()
            } else {
                format!("OCOP_{}", key.to_uppercase())
            };
            assert_eq!(env, expected, "--{long}");
            let toml = format!("{key} = \"\"");
            let e = toml::from_str::<SettingsArgs>(&toml)
                .err()
                .map(|e| e.to_string());
            assert!(
                !e.as_deref().unwrap_or("").contains("unknown field"),
                "{key} is not a file key: {e:?}"
            );
            keys += 1;
        }
        assert!(keys > 30, "{keys}");
    }
}
