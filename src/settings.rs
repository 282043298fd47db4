//! Configuration: defaults < `ocop-trace.toml` < `OCOP_*` environment < command-line flags.
//!
//! clap merges the environment and flags; the file layer sits below them and the defaults
//! below that. The resolved [`Settings`] is a plain value passed into the app state, never a
//! global. Its `Debug` redacts secrets (the database password).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::marketplace::api::ApiConfig;
use crate::media::UploadLimits;
use crate::storage::s3::S3Settings;
pub use crate::storage::{BlobStoreKind, BlobStoreSettings};
pub use crate::telemetry::LogFormat;
use crate::urls::redact_url;

/// Settings shared by every subcommand, from flags or environment.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SettingsArgs {
    /// Settings file (TOML). Default: `ocop-trace.toml` in the working directory, if present.
    #[arg(long, env = "OCOP_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "OCOP_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// Directory for the SQLite database and local blobs [default: ./data].
    #[arg(long, env = "OCOP_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://…` or `postgres://…` [default: the SQLite file in the data directory].
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
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
    pub metrics_token: Option<String>,
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
    pub s3_secret_access_key: Option<String>,
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
    pub lazada_app_secret: Option<String>,
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
    pub shopee_partner_key: Option<String>,
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
    pub tiki_client_secret: Option<String>,
    /// How often to ask a marketplace that reviews items before sale (Tiki) how its review of
    /// a pushed listing stands, in seconds [default: 300].
    #[arg(long, env = "OCOP_MARKETPLACE_REVIEW_POLL_SECS", global = true)]
    pub marketplace_review_poll_secs: Option<u64>,
    /// First retry delay of a failed marketplace push, in milliseconds; it doubles with each
    /// attempt, up to an hour, with jitter [default: 2000].
    #[arg(long, env = "OCOP_OUTBOX_RETRY_BASE_MS", global = true)]
    pub outbox_retry_base_ms: Option<u64>,
    /// Time limit of one request to a marketplace API, in seconds [default: 60].
    #[arg(long, env = "OCOP_MARKETPLACE_TIMEOUT_SECS", global = true)]
    pub marketplace_timeout_secs: Option<u64>,
    /// Largest uploaded file, in bytes [default: 20971520 (20 MiB)].
    #[arg(long, env = "OCOP_UPLOAD_MAX_BYTES", global = true)]
    pub upload_max_bytes: Option<usize>,
    /// Largest uploaded image, in pixels (width × height) [default: 48000000].
    #[arg(long, env = "OCOP_IMAGE_MAX_PIXELS", global = true)]
    pub image_max_pixels: Option<u64>,
}

/// The settings file; unknown keys are an error so that a typo is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    db_max_connections: Option<u32>,
    public_base_url: Option<url::Url>,
    log_key_file: Option<PathBuf>,
    pin_key_file: Option<PathBuf>,
    secrets_key_file: Option<PathBuf>,
    log_format: Option<LogFormat>,
    scan_warn_24h: Option<u64>,
    scan_warn_7d: Option<u64>,
    scan_rate_per_minute: Option<u32>,
    password_token_days: Option<u32>,
    metrics_token: Option<String>,
    trust_forwarded_for: Option<bool>,
    blob_store: Option<BlobStoreKind>,
    s3_endpoint: Option<url::Url>,
    s3_region: Option<String>,
    s3_bucket: Option<String>,
    s3_access_key_id: Option<String>,
    s3_secret_access_key: Option<String>,
    s3_path_style: Option<bool>,
    s3_prefix: Option<String>,
    s3_presigned_downloads: Option<bool>,
    upload_max_bytes: Option<usize>,
    image_max_pixels: Option<u64>,
    lazada_base_url: Option<url::Url>,
    lazada_app_key: Option<String>,
    lazada_app_secret: Option<String>,
    shopee_base_url: Option<url::Url>,
    shopee_partner_id: Option<String>,
    shopee_partner_key: Option<String>,
    tiki_base_url: Option<url::Url>,
    tiki_client_id: Option<String>,
    tiki_client_secret: Option<String>,
    marketplace_review_poll_secs: Option<u64>,
    outbox_retry_base_ms: Option<u64>,
    marketplace_timeout_secs: Option<u64>,
}

#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub db_max_connections: u32,
    pub public_base_url: url::Url,
    pub log_key_file: PathBuf,
    pub pin_key_file: PathBuf,
    pub secrets_key_file: PathBuf,
    pub log_format: LogFormat,
    pub scan_thresholds: crate::services::scans::Thresholds,
    pub scan_rate_per_minute: u32,
    /// How long a token exchanged for a password lives.
    pub password_token_life: chrono::TimeDelta,
    /// `/metrics` is served only with `Authorization: Bearer <this>`; never when `None`.
    pub metrics_token: Option<String>,
    pub trust_forwarded_for: bool,
    pub blob_store: BlobStoreSettings,
    pub upload_limits: UploadLimits,
    /// Seller-API credentials by marketplace id (only those configured).
    pub marketplace_apis: std::collections::BTreeMap<&'static str, ApiConfig>,
    pub outbox_retry_base: std::time::Duration,
    pub marketplace_timeout: std::time::Duration,
    /// How often a pending marketplace review (Tiki) is asked about.
    pub marketplace_review_poll: std::time::Duration,
}

pub const DEFAULT_CONFIG_FILE: &str = "ocop-trace.toml";

impl Settings {
    /// Resolves the layers. A settings file named explicitly must exist; the default one is
    /// optional.
    pub fn resolve(args: &SettingsArgs) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                read_file(Path::new(DEFAULT_CONFIG_FILE))?
            }
            None => FileSettings::default(),
        };
        Self::merge(args.clone(), file)
    }

    fn merge(args: SettingsArgs, file: FileSettings) -> anyhow::Result<Self> {
        let data_dir = args
            .data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("./data"));
        let blob_store = blob_store(&args, &file, &data_dir)?;
        let listen = args
            .listen
            .or(file.listen)
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)));
        let database_url = args.database_url.or(file.database_url).unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("ocop-trace.db").display()
            )
        });
        let public_base_url = match args.public_base_url.or(file.public_base_url) {
            Some(u) => u,
            None => url::Url::parse(&format!("http://{listen}"))
                .context("building the default public base URL")?,
        };
        if !matches!(public_base_url.scheme(), "http" | "https") {
            anyhow::bail!("OCOP_PUBLIC_BASE_URL must be an http(s) URL, not {public_base_url}");
        }
        let log_key_file = args
            .log_key_file
            .or(file.log_key_file)
            .unwrap_or_else(|| data_dir.join("log-signing.key"));
        let pin_key_file = args
            .pin_key_file
            .or(file.pin_key_file)
            .unwrap_or_else(|| data_dir.join("pin.key"));
        let upload_defaults = UploadLimits::default();
        let upload_limits = UploadLimits {
            max_bytes: args
                .upload_max_bytes
                .or(file.upload_max_bytes)
                .unwrap_or(upload_defaults.max_bytes)
                .max(1),
            max_pixels: args
                .image_max_pixels
                .or(file.image_max_pixels)
                .unwrap_or(upload_defaults.max_pixels)
                .max(1),
        };
        let secrets_key_file = args
            .secrets_key_file
            .clone()
            .or(file.secrets_key_file.clone())
            .unwrap_or_else(|| data_dir.join("secrets.key"));
        let defaults = crate::services::scans::Thresholds::default();
        let scan_thresholds = crate::services::scans::Thresholds {
            per_day: args
                .scan_warn_24h
                .or(file.scan_warn_24h)
                .unwrap_or(defaults.per_day)
                .max(1),
            per_week: args
                .scan_warn_7d
                .or(file.scan_warn_7d)
                .unwrap_or(defaults.per_week)
                .max(1),
        };
        let mut marketplace_apis = std::collections::BTreeMap::new();
        let apis = [
            (
                "lazada",
                "https://api.lazada.vn/rest",
                args.lazada_base_url
                    .clone()
                    .or(file.lazada_base_url.clone()),
                args.lazada_app_key.clone().or(file.lazada_app_key.clone()),
                args.lazada_app_secret
                    .clone()
                    .or(file.lazada_app_secret.clone()),
            ),
            (
                "shopee",
                "https://partner.shopeemobile.com",
                args.shopee_base_url
                    .clone()
                    .or(file.shopee_base_url.clone()),
                args.shopee_partner_id
                    .clone()
                    .or(file.shopee_partner_id.clone()),
                args.shopee_partner_key
                    .clone()
                    .or(file.shopee_partner_key.clone()),
            ),
            (
                "tiki",
                "https://api.tiki.vn",
                args.tiki_base_url.clone().or(file.tiki_base_url.clone()),
                args.tiki_client_id.clone().or(file.tiki_client_id.clone()),
                args.tiki_client_secret
                    .clone()
                    .or(file.tiki_client_secret.clone()),
            ),
        ];
        for (id, default_base, base, key, secret) in apis {
            if let (Some(key), Some(secret)) = (key, secret) {
                if id == "shopee" && key.trim().parse::<u64>().is_err() {
                    anyhow::bail!(
                        "OCOP_SHOPEE_PARTNER_ID must be Shopee's numeric partner id, not {key:?}"
                    );
                }
                let base_url = match base {
                    Some(u) => u,
                    None => url::Url::parse(default_base).context("a default marketplace URL")?,
                };
                marketplace_apis.insert(
                    id,
                    ApiConfig {
                        base_url,
                        key,
                        secret,
                        public_base: public_base_url.clone(),
                    },
                );
            }
        }
        let outbox_retry_base = std::time::Duration::from_millis(
            args.outbox_retry_base_ms
                .or(file.outbox_retry_base_ms)
                .unwrap_or(2_000)
                .max(1),
        );
        let marketplace_timeout = std::time::Duration::from_secs(
            args.marketplace_timeout_secs
                .or(file.marketplace_timeout_secs)
                .unwrap_or(60)
                .max(1),
        );
        let marketplace_review_poll = std::time::Duration::from_secs(
            args.marketplace_review_poll_secs
                .or(file.marketplace_review_poll_secs)
                .unwrap_or(300)
                .max(1),
        );
        Ok(Self {
            secrets_key_file,
            marketplace_timeout,
            marketplace_review_poll,
            marketplace_apis,
            outbox_retry_base,
            blob_store,
            upload_limits,
            scan_thresholds,
            scan_rate_per_minute: args
                .scan_rate_per_minute
                .or(file.scan_rate_per_minute)
                .unwrap_or(60),
            password_token_life: chrono::TimeDelta::days(i64::from(
                args.password_token_days
                    .or(file.password_token_days)
                    .unwrap_or(30)
                    .clamp(1, 3650),
            )),
            metrics_token: args
                .metrics_token
                .or(file.metrics_token)
                .filter(|t| !t.is_empty()),
            trust_forwarded_for: args
                .trust_forwarded_for
                .or(file.trust_forwarded_for)
                .unwrap_or(false),
            pin_key_file,
            listen,
            data_dir,
            database_url,
            log_key_file,
            db_max_connections: args
                .db_max_connections
                .or(file.db_max_connections)
                .unwrap_or(10)
                .max(1),
            public_base_url,
            log_format: args
                .log_format
                .or(file.log_format)
                .unwrap_or(LogFormat::Pretty),
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// The blob store: the local directory by default; S3 when asked, with every setting it needs.
fn blob_store(
    args: &SettingsArgs,
    file: &FileSettings,
    data_dir: &Path,
) -> anyhow::Result<BlobStoreSettings> {
    let kind = args
        .blob_store
        .or(file.blob_store)
        .unwrap_or(BlobStoreKind::Fs);
    if kind == BlobStoreKind::Fs {
        return Ok(BlobStoreSettings::Fs(data_dir.join("blobs")));
    }
    let pick = |a: &Option<String>, f: &Option<String>| a.clone().or_else(|| f.clone());
    let required = |v: Option<String>, var: &str| {
        v.filter(|v| !v.trim().is_empty())
            .with_context(|| format!("{var} must be set when OCOP_BLOB_STORE=s3"))
    };
    let endpoint = args.s3_endpoint.clone().or(file.s3_endpoint.clone());
    if let Some(e) = &endpoint
        && !matches!(e.scheme(), "http" | "https")
    {
        anyhow::bail!("OCOP_S3_ENDPOINT must be an http(s) URL, not {e}");
    }
    Ok(BlobStoreSettings::S3(S3Settings {
        endpoint: endpoint.map(|e| e.as_str().trim_end_matches('/').to_owned()),
        region: pick(&args.s3_region, &file.s3_region).unwrap_or_else(|| "us-east-1".into()),
        bucket: required(pick(&args.s3_bucket, &file.s3_bucket), "OCOP_S3_BUCKET")?,
        access_key_id: required(
            pick(&args.s3_access_key_id, &file.s3_access_key_id),
            "OCOP_S3_ACCESS_KEY_ID",
        )?,
        secret_access_key: required(
            pick(&args.s3_secret_access_key, &file.s3_secret_access_key),
            "OCOP_S3_SECRET_ACCESS_KEY",
        )?,
        path_style: args.s3_path_style.or(file.s3_path_style).unwrap_or(true),
        prefix: pick(&args.s3_prefix, &file.s3_prefix).unwrap_or_else(|| "blobs/".into()),
        presign: args
            .s3_presigned_downloads
            .or(file.s3_presigned_downloads)
            .unwrap_or(true),
    }))
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading settings file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing settings file {}", path.display()))
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("db_max_connections", &self.db_max_connections)
            .field("public_base_url", &self.public_base_url.as_str())
            .field("log_key_file", &self.log_key_file)
            .field("pin_key_file", &self.pin_key_file)
            .field("secrets_key_file", &self.secrets_key_file)
            .field("log_format", &self.log_format)
            .field("scan_thresholds", &self.scan_thresholds)
            .field("scan_rate_per_minute", &self.scan_rate_per_minute)
            .field("password_token_life", &self.password_token_life)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "[redacted]"),
            )
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("blob_store", &self.blob_store)
            .field("upload_limits", &self.upload_limits)
            .field("marketplace_apis", &self.marketplace_apis)
            .field("outbox_retry_base", &self.outbox_retry_base)
            .field("marketplace_timeout", &self.marketplace_timeout)
            .field("marketplace_review_poll", &self.marketplace_review_poll)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_environment_override_the_file_which_overrides_defaults() {
        let file: FileSettings =
            toml::from_str("listen = \"0.0.0.0:9000\"\ndb_max_connections = 3\n").unwrap();
        let args = SettingsArgs {
            db_max_connections: Some(7),
            ..Default::default()
        };
        let s = Settings::merge(args, file).unwrap();
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(s.db_max_connections, 7);
        assert_eq!(s.log_format, LogFormat::Pretty);
        assert!(
            s.database_url.starts_with("sqlite://./data/ocop-trace.db"),
            "{}",
            s.database_url
        );
        assert_eq!(s.public_base_url.as_str(), "http://0.0.0.0:9000/");
    }

    #[test]
    fn unknown_keys_in_the_file_are_rejected() {
        assert!(toml::from_str::<FileSettings>("lissten = \"x\"").is_err());
    }

    #[test]
    fn debug_output_redacts_the_database_password() {
        let args = SettingsArgs {
            database_url: Some("postgres://app:s3cret@db:5432/ocop".into()),
            ..Default::default()
        };
        let s = Settings::merge(args, FileSettings::default()).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
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
        let e = Settings::merge(args.clone(), FileSettings::default()).unwrap_err();
        assert!(e.to_string().contains("OCOP_S3_SECRET_ACCESS_KEY"), "{e}");
        args.s3_secret_access_key = Some("very-secret".into());
        let s = Settings::merge(args, FileSettings::default()).unwrap();
        let BlobStoreSettings::S3(s3) = &s.blob_store else {
            panic!("expected S3")
        };
        assert_eq!((s3.region.as_str(), s3.path_style), ("us-east-1", true));
        assert!(!format!("{s:?}").contains("very-secret"));
        let fs = Settings::merge(SettingsArgs::default(), FileSettings::default()).unwrap();
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
        let e = Settings::merge(args.clone(), FileSettings::default()).unwrap_err();
        assert!(e.to_string().contains("OCOP_SHOPEE_PARTNER_ID"), "{e}");
        args.shopee_partner_id = Some("2001887".into());
        let s = Settings::merge(args, FileSettings::default()).unwrap();
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
}
