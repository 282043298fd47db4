//! Where files live: product photos, certificate scans, diary photos, generated print files.
//!
//! One [`BlobStore`] trait with two implementations: [`fs::FsStore`] (the default, under the
//! data directory) and [`s3::S3Store`] (any S3-compatible service, for production and for
//! several app nodes sharing files). Keys are content-addressed — the SHA-256 of the bytes —
//! so the same photo uploaded twice is stored once, and a stored object can be checked
//! against its name.

pub mod fs;
pub mod s3;

mod blob;

pub use blob::{BlobKey, BlobMeta, BlobStore, BlobStream, StorageError, Stored, read_all};

/// Which blob store: the local directory or S3.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum BlobStoreKind {
    Fs,
    S3,
}

/// The blob store the service uses.
#[derive(Debug, Clone)]
pub enum BlobStoreSettings {
    /// Files under this directory.
    Fs(std::path::PathBuf),
    S3(s3::S3Settings),
}

/// Where the public copy of a blob is served, under the public base URL.
pub fn media_path(sha256: &str) -> String {
    format!("/media/{sha256}")
}

/// The store the settings name.
pub fn open(settings: &BlobStoreSettings) -> std::sync::Arc<dyn BlobStore> {
    match settings {
        BlobStoreSettings::Fs(root) => std::sync::Arc::new(fs::FsStore::new(root)),
        BlobStoreSettings::S3(s3) => std::sync::Arc::new(s3::S3Store::new(s3)),
    }
}

/// The trait's contract, run against every implementation (unit tests for `fs`, integration
/// tests for S3 servers). Test support: it panics on the first broken rule, by design, which
/// is why it may use `expect`.
#[doc(hidden)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
pub mod contract {
    use std::time::Duration;

    use bytes::Bytes;

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
