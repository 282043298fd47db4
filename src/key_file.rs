//! 32-byte secret keys kept in files (hex), created on first start with mode 0600.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Reads the key at `path`, or creates it; `true` when it was created. `what` names the key
/// in errors ("the PIN key").
pub fn load_or_create(path: &Path, what: &str) -> anyhow::Result<([u8; 32], bool)> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = data_encoding::HEXLOWER_PERMISSIVE
                .decode(text.trim().as_bytes())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .with_context(|| format!("{} must hold 64 hexadecimal digits", path.display()))?;
            Ok((bytes, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("OS random generator: {e}"))?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(path)
                .with_context(|| format!("creating {what} {}", path.display()))?;
            writeln!(file, "{}", data_encoding::HEXLOWER.encode(&bytes))
                .and_then(|()| file.sync_all())
                .with_context(|| format!("writing {what} {}", path.display()))?;
            Ok((bytes, true))
        }
        Err(e) => Err(e).with_context(|| format!("reading {what} {}", path.display())),
    }
}
