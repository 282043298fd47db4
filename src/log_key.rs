//! The log's signing key on disk: read it, or create it once (mode 0600).

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::ledger::note::LogKey;

/// The key name (and checkpoint origin) for a public base URL: its host, port and path,
/// e.g. `trace.example.vn` or `127.0.0.1:8080`.
pub fn origin_for(base: &url::Url) -> String {
    let mut s = base.host_str().unwrap_or("ocop-trace").to_owned();
    if let Some(port) = base.port() {
        s.push_str(&format!(":{port}"));
    }
    s.push_str(base.path().trim_end_matches('/'));
    s
}

pub fn read(path: &Path) -> anyhow::Result<LogKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the log signing key {}", path.display()))?;
    LogKey::from_secret(&text)
        .with_context(|| format!("parsing the log signing key {}", path.display()))
}

/// Writes a new key to `path`, which must not exist yet; returns it.
pub fn create(path: &Path, name: &str) -> anyhow::Result<LogKey> {
    let (key, secret) = LogKey::generate(name)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating the log signing key {}", path.display()))?;
    file.write_all(format!("{secret}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing the log signing key {}", path.display()))?;
    Ok(key)
}

/// Reads the key, creating it on first start. Returns the key and whether it was created.
pub fn load_or_create(path: &Path, name: &str) -> anyhow::Result<(LogKey, bool)> {
    if path.exists() {
        Ok((read(path)?, false))
    } else {
        Ok((create(path, name)?, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_come_from_the_public_url() {
        assert_eq!(
            origin_for(&url::Url::parse("https://trace.example.vn/").unwrap()),
            "trace.example.vn"
        );
        assert_eq!(
            origin_for(&url::Url::parse("http://127.0.0.1:8080").unwrap()),
            "127.0.0.1:8080"
        );
        assert_eq!(
            origin_for(&url::Url::parse("https://x.vn/log/").unwrap()),
            "x.vn/log"
        );
    }

    #[test]
    fn a_key_is_created_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/log-key");
        let (key, created) = load_or_create(&path, "trace.example.vn").unwrap();
        assert!(created);
        let (again, created) = load_or_create(&path, "other").unwrap();
        assert!(!created);
        assert_eq!(again.verifier_key(), key.verifier_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert!(create(&path, "x").is_err(), "never overwrites a key");
    }
}
