//! Where files live: product photos, certificate scans, diary photos, generated print files.
//!
//! One [`BlobStore`] trait with two implementations: [`fs::FsStore`] (the default, under the
//! data directory) and [`s3::S3Store`] (any S3-compatible service, for production and for
//! several app nodes sharing files). Keys are content-addressed — the SHA-256 of the bytes —
//! so the same photo uploaded twice is stored once, and a stored object can be checked
//! against its name.

pub mod fs;
pub mod s3;

use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use sha2::{Digest, Sha256};

/// A content address: the lower-case hex SHA-256 of an object's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobKey(String);

impl BlobKey {
    /// The key of `data`.
    pub fn of(data: &[u8]) -> Self {
        Self(data_encoding::HEXLOWER.encode(&Sha256::digest(data)))
    }

    /// A key read back from storage or the database: 64 lower-case hex digits.
    pub fn parse(s: &str) -> Result<Self, StorageError> {
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(s.to_owned()))
        } else {
            Err(StorageError::InvalidKey(s.chars().take(80).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a `put` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub key: BlobKey,
    /// `false` when the store already had these bytes (nothing was written).
    pub created: bool,
}

/// What the store knows about an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    pub size: u64,
    pub content_type: String,
}

/// An object's bytes, as they arrive.
pub type BlobStream = Pin<Box<dyn Stream<Item = Result<Bytes, StorageError>> + Send>>;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("no object {0}")]
    NotFound(BlobKey),
    #[error("`{0}` is not a blob key (64 lower-case hex digits)")]
    InvalidKey(String),
    /// The store cannot be reached or failed (a 503 for clients; retry later).
    #[error("the blob store is unavailable: {0}")]
    Unavailable(String),
    #[error("blob store: {0}")]
    Other(String),
}

#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `data` under its key (computed here, and returned). Storing the same bytes again
    /// is cheap and changes nothing. A failed put leaves no object behind.
    async fn put(&self, data: Bytes, content_type: &str) -> Result<Stored, StorageError>;
    /// The object's bytes, streamed.
    async fn get(&self, key: &BlobKey) -> Result<BlobStream, StorageError>;
    /// The object's size and type, or `None` when absent.
    async fn head(&self, key: &BlobKey) -> Result<Option<BlobMeta>, StorageError>;
    /// Removes the object; removing an absent object is not an error.
    async fn delete(&self, key: &BlobKey) -> Result<(), StorageError>;
    /// Every key in the store (for `ocop-trace storage check`, which looks for orphans).
    async fn list(&self) -> Result<Vec<BlobKey>, StorageError>;
    /// A time-limited URL from which anyone may GET the object directly, when the store has
    /// one (S3 presigned URLs); `None` means: serve it through the app.
    async fn url(&self, key: &BlobKey, ttl: Duration) -> Result<Option<String>, StorageError>;
}

/// The store the settings name.
pub fn open(settings: &crate::settings::BlobStoreSettings) -> std::sync::Arc<dyn BlobStore> {
    match settings {
        crate::settings::BlobStoreSettings::Fs(root) => std::sync::Arc::new(fs::FsStore::new(root)),
        crate::settings::BlobStoreSettings::S3(s3) => std::sync::Arc::new(s3::S3Store::new(s3)),
    }
}

/// Reads a whole stream (for tests and small objects).
pub async fn read_all(mut s: BlobStream) -> Result<Vec<u8>, StorageError> {
    use futures_util::StreamExt;
    let mut out = Vec::new();
    while let Some(chunk) = s.next().await {
        out.extend_from_slice(&chunk?);
    }
    Ok(out)
}

/// The trait's contract, run against every implementation (unit tests for `fs`, integration
/// tests for S3 servers). Test support: it panics on the first broken rule, by design, which
/// is why it may use `expect`.
#[doc(hidden)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod contract {
    use super::*;

    /// Runs every check; panics with the first broken rule.
    pub async fn check(store: &dyn BlobStore) {
        let photo = Bytes::from_static(b"\xff\xd8\xff\xe0 not really a JPEG, but bytes");
        let first = store.put(photo.clone(), "image/jpeg").await.expect("put");
        let key = first.key;
        assert_eq!(key, BlobKey::of(&photo), "keys are content addresses");
        assert!(first.created);
        let meta = store.head(&key).await.expect("head").expect("present");
        assert_eq!(meta.size, photo.len() as u64);
        assert_eq!(meta.content_type, "image/jpeg");
        let back = read_all(store.get(&key).await.expect("get"))
            .await
            .expect("read");
        assert_eq!(back, photo);

        // The same bytes again: the same key, one object.
        let again = store.put(photo.clone(), "image/jpeg").await.expect("put");
        assert_eq!((again.key, again.created), (key.clone(), false));

        // A larger object (several chunks and, on S3, a multipart upload).
        let big: Vec<u8> = (0..(9 * 1024 * 1024 + 17))
            .map(|i| (i % 251) as u8)
            .collect();
        let big_key = store
            .put(Bytes::from(big.clone()), "application/pdf")
            .await
            .expect("put big")
            .key;
        let back = read_all(store.get(&big_key).await.expect("get big"))
            .await
            .expect("read big");
        assert!(back == big, "the large object round-trips byte for byte");

        let absent = BlobKey::of(b"never stored");
        assert!(store.head(&absent).await.expect("head absent").is_none());
        let listed = store.list().await.expect("list");
        assert!(
            listed.contains(&key) && listed.contains(&big_key),
            "{listed:?}"
        );
        assert!(!listed.contains(&absent));
        assert!(matches!(
            store.get(&absent).await.map(|_| ()),
            Err(StorageError::NotFound(_))
        ));
        store
            .delete(&absent)
            .await
            .expect("deleting an absent object");

        store.delete(&key).await.expect("delete");
        assert!(store.head(&key).await.expect("head deleted").is_none());
        store.delete(&big_key).await.expect("delete big");
        assert!(!store.list().await.expect("list").contains(&big_key));
        let _ = store
            .url(&big_key, Duration::from_secs(60))
            .await
            .expect("url");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sha256_hex_and_parse_strictly() {
        let k = BlobKey::of(b"abc");
        assert_eq!(
            k.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(BlobKey::parse(k.as_str()).unwrap(), k);
        assert!(BlobKey::parse("../etc/passwd").is_err());
        assert!(BlobKey::parse(&k.as_str().to_uppercase()).is_err());
    }
}
