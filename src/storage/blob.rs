//! What every blob store is: content-addressed keys, the `BlobStore` trait and its errors.

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

/// Reads a whole stream (for tests and small objects).
pub async fn read_all(mut s: BlobStream) -> Result<Vec<u8>, StorageError> {
    use futures_util::StreamExt;
    let mut out = Vec::new();
    while let Some(chunk) = s.next().await {
        out.extend_from_slice(&chunk?);
    }
    Ok(out)
}
