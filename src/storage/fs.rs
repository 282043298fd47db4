//! Blobs as files under a directory (by default `<data dir>/blobs`): `ab/cd/<key>` holds the
//! bytes and `ab/cd/<key>.type` the content type. Writes go to a temporary file in the same
//! directory, are synced, and are renamed into place, so a crash never leaves a half-written
//! object under its name.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::AsyncReadExt;

use super::{BlobKey, BlobMeta, BlobStore, BlobStream, StorageError, Stored};

/// Bytes read per chunk when streaming a file.
const CHUNK: usize = 64 * 1024;

pub struct FsStore {
    root: PathBuf,
}

impl FsStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &BlobKey) -> PathBuf {
        let k = key.as_str();
        self.root.join(&k[..2]).join(&k[2..4]).join(k)
    }
}

fn io(e: std::io::Error) -> StorageError {
    StorageError::Unavailable(e.to_string())
}

fn type_path(data: &Path) -> PathBuf {
    data.with_extension("type")
}

/// Writes `bytes` to `path` atomically (temp file, sync, rename).
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("a blob path has a directory"))?;
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[async_trait::async_trait]
impl BlobStore for FsStore {
    async fn put(&self, data: Bytes, content_type: &str) -> Result<Stored, StorageError> {
        let key = BlobKey::of(&data);
        let path = self.path(&key);
        let content_type = content_type.to_owned();
        let created = tokio::task::spawn_blocking(move || -> std::io::Result<bool> {
            if path.exists() {
                return Ok(false);
            }
            // The type first: an object exists once its bytes are in place.
            write_atomic(&type_path(&path), content_type.as_bytes())?;
            write_atomic(&path, &data)?;
            Ok(true)
        })
        .await
        .map_err(|e| StorageError::Other(e.to_string()))?
        .map_err(io)?;
        Ok(Stored { key, created })
    }

    async fn get(&self, key: &BlobKey) -> Result<BlobStream, StorageError> {
        let file = match tokio::fs::File::open(self.path(key)).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StorageError::NotFound(key.clone()));
            }
            Err(e) => return Err(io(e)),
        };
        let stream = futures_util::stream::try_unfold(file, |mut file| async move {
            let mut buf = vec![0u8; CHUNK];
            let n = file.read(&mut buf).await.map_err(io)?;
            if n == 0 {
                return Ok(None);
            }
            buf.truncate(n);
            Ok(Some((Bytes::from(buf), file)))
        });
        Ok(Box::pin(stream))
    }

    async fn head(&self, key: &BlobKey) -> Result<Option<BlobMeta>, StorageError> {
        let path = self.path(key);
        let size = match tokio::fs::metadata(&path).await {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        let content_type = tokio::fs::read_to_string(type_path(&path))
            .await
            .unwrap_or_else(|_| "application/octet-stream".to_owned());
        Ok(Some(BlobMeta { size, content_type }))
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), StorageError> {
        let path = self.path(key);
        for p in [path.clone(), type_path(&path)] {
            match tokio::fs::remove_file(&p).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(e)),
            }
        }
        Ok(())
    }

    async fn list(&self) -> Result<Vec<BlobKey>, StorageError> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            let Ok(top) = std::fs::read_dir(&root) else {
                return Ok(out); // no directory yet: no blobs
            };
            for a in top {
                let a = a.map_err(io)?;
                if !a.file_type().map_err(io)?.is_dir() {
                    continue;
                }
                for b in std::fs::read_dir(a.path()).map_err(io)? {
                    let b = b.map_err(io)?;
                    if !b.file_type().map_err(io)?.is_dir() {
                        continue;
                    }
                    for f in std::fs::read_dir(b.path()).map_err(io)? {
                        let name = f.map_err(io)?.file_name();
                        if let Some(key) = name.to_str().and_then(|n| BlobKey::parse(n).ok()) {
                            out.push(key);
                        }
                    }
                }
            }
            Ok(out)
        })
        .await
        .map_err(|e| StorageError::Other(e.to_string()))?
    }

    async fn url(&self, _key: &BlobKey, _ttl: Duration) -> Result<Option<String>, StorageError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_file_store_keeps_the_contract() {
        let dir = tempfile::tempdir().unwrap();
        let store = FsStore::new(dir.path().join("blobs"));
        super::super::contract::check(&store).await;
        // Nothing but the two-level directories is left after the deletes.
        let leftovers: Vec<_> = walk(dir.path())
            .into_iter()
            .filter(|p| p.is_file())
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    fn walk(p: &Path) -> Vec<PathBuf> {
        let mut out = vec![p.to_path_buf()];
        if p.is_dir() {
            for e in std::fs::read_dir(p).unwrap() {
                out.extend(walk(&e.unwrap().path()));
            }
        }
        out
    }
}
