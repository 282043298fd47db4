//! What the benchmarks share: the service's settings on a scratch directory.

use ocop_trace::settings::{Settings, SettingsArgs};

/// The defaults, on `dir`, with no per-client scan limit (the load comes from one address).
pub fn settings(dir: &std::path::Path) -> Settings {
    Settings::from_args(SettingsArgs {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: Some(dir.to_path_buf()),
        db_max_connections: Some(4),
        public_base_url: Some(url::Url::parse("https://bench.ocop-trace.test").unwrap()),
        scan_rate_per_minute: Some(0),
        ..Default::default()
    })
    .unwrap()
}
