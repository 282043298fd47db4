//! Blobs in an S3-compatible bucket (AWS S3, Garage, MinIO…), for production and for several
//! app nodes sharing files. Objects above [`MULTIPART_THRESHOLD`] are sent as multipart
//! uploads, which are aborted if any part fails, so nothing half-stored remains. Reads can be
//! served straight from the bucket through presigned GET URLs.

use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::Bytes;

use super::{BlobKey, BlobMeta, BlobStore, BlobStream, StorageError, Stored};

/// Objects larger than this go as multipart uploads, in parts of this size (S3's minimum
/// part is 5 MiB).
pub const MULTIPART_THRESHOLD: usize = 8 * 1024 * 1024;

/// Where the bucket is and how to sign for it.
#[derive(Debug, Clone)]
pub struct S3Settings {
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    pub access_key_id: String,
    pub secret_access_key: crate::sensitive::Sensitive<String>,
    /// `https://host/bucket/key` rather than `https://bucket.host/key` (Garage, MinIO).
    pub path_style: bool,
    /// Prepended to every key, e.g. `blobs/`.
    pub prefix: String,
    /// Send clients to presigned URLs for downloads. Off when the endpoint is reachable only
    /// by the app (an internal host name): the app then streams the bytes itself.
    pub presign: bool,
}

pub struct S3Store {
    client: Client,
    bucket: String,
    prefix: String,
    presign: bool,
}

/// A server error (5xx, after the SDK's retries), a timeout or a connection failure means the
/// store is unavailable — the client may retry; anything else is a fault of ours.
fn sdk_error<E: std::fmt::Debug>(e: SdkError<E, HttpResponse>) -> StorageError {
    match &e {
        SdkError::ServiceError(s) if s.raw().status().is_server_error() => {
            StorageError::Unavailable(format!("S3 answered {}: {:?}", s.raw().status(), s.err()))
        }
        SdkError::ServiceError(s) => StorageError::Other(format!("{:?}", s.err())),
        SdkError::ResponseError(r) if r.raw().status().is_server_error() => {
            StorageError::Unavailable(format!("S3 answered {}", r.raw().status()))
        }
        _ => StorageError::Unavailable(format!("{e:?}")),
    }
}

impl S3Store {
    pub fn new(s: &S3Settings) -> Self {
        // The TLS stack is rustls with ring (no C build); install it once per process.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let mut conf = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(s.region.clone()))
            .credentials_provider(Credentials::new(
                s.access_key_id.clone(),
                s.secret_access_key.expose().clone(),
                None,
                None,
                "ocop-trace settings",
            ))
            .force_path_style(s.path_style)
            // A dead endpoint fails fast; a slow one gets time for an 8 MiB part.
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(120))
                    .build(),
            )
            .http_client(http);
        if let Some(endpoint) = &s.endpoint {
            conf = conf.endpoint_url(endpoint.clone());
        }
        Self {
            client: Client::from_conf(conf.build()),
            bucket: s.bucket.clone(),
            prefix: s.prefix.clone(),
            presign: s.presign,
        }
    }

    fn name(&self, key: &BlobKey) -> String {
        format!("{}{}", self.prefix, key.as_str())
    }

    async fn multipart(
        &self,
        name: &str,
        data: &Bytes,
        content_type: &str,
    ) -> Result<(), StorageError> {
        let upload = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(name)
            .content_type(content_type)
            .send()
            .await
            .map_err(sdk_error)?;
        let id = upload
            .upload_id()
            .ok_or_else(|| StorageError::Other("no upload id".into()))?
            .to_owned();
        let mut parts = Vec::new();
        let mut result = Ok(());
        for (i, chunk) in data.chunks(MULTIPART_THRESHOLD).enumerate() {
            let number = i as i32 + 1;
            match self
                .client
                .upload_part()
                .bucket(&self.bucket)
                .key(name)
                .upload_id(&id)
                .part_number(number)
                .body(ByteStream::from(data.slice_ref(chunk)))
                .send()
                .await
            {
                Ok(part) => parts.push(
                    CompletedPart::builder()
                        .part_number(number)
                        .set_e_tag(part.e_tag().map(str::to_owned))
                        .build(),
                ),
                Err(e) => {
                    result = Err(sdk_error(e));
                    break;
                }
            }
        }
        if result.is_ok() {
            result = self
                .client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(name)
                .upload_id(&id)
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(parts))
                        .build(),
                )
                .send()
                .await
                .map(|_| ())
                .map_err(sdk_error);
        }
        if result.is_err() {
            // Leave nothing behind; a failure here is logged by the store's caller anyway.
            let _ = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(name)
                .upload_id(&id)
                .send()
                .await;
        }
        result
    }
}

#[async_trait::async_trait]
impl BlobStore for S3Store {
    async fn put(&self, data: Bytes, content_type: &str) -> Result<Stored, StorageError> {
        let key = BlobKey::of(&data);
        if self.head(&key).await?.is_some() {
            return Ok(Stored {
                key,
                created: false,
            });
        }
        let name = self.name(&key);
        if data.len() > MULTIPART_THRESHOLD {
            self.multipart(&name, &data, content_type).await?;
        } else {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(&name)
                .content_type(content_type)
                .body(ByteStream::from(data))
                .send()
                .await
                .map_err(sdk_error)?;
        }
        Ok(Stored { key, created: true })
    }

    async fn get(&self, key: &BlobKey) -> Result<BlobStream, StorageError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.name(key))
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(s) if s.is_no_such_key() => StorageError::NotFound(key.clone()),
                _ => sdk_error(e),
            })?;
        let stream = futures_util::stream::try_unfold(out.body, |mut body| async move {
            match body.try_next().await {
                Ok(Some(chunk)) => Ok(Some((chunk, body))),
                Ok(None) => Ok(None),
                Err(e) => Err(StorageError::Unavailable(e.to_string())),
            }
        });
        Ok(Box::pin(stream))
    }

    async fn head(&self, key: &BlobKey) -> Result<Option<BlobMeta>, StorageError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(self.name(key))
            .send()
            .await
        {
            Ok(h) => Ok(Some(BlobMeta {
                size: u64::try_from(h.content_length().unwrap_or(0)).unwrap_or(0),
                content_type: h
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned(),
            })),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(self.name(key))
            .send()
            .await
            .map(|_| ())
            .map_err(sdk_error)
    }

    async fn list(&self) -> Result<Vec<BlobKey>, StorageError> {
        let mut out = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&self.prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(sdk_error)?;
            for object in page.contents() {
                if let Some(name) = object.key().and_then(|k| k.strip_prefix(&self.prefix)) {
                    // Objects that are not blobs (another tool's) are none of our business.
                    if let Ok(key) = BlobKey::parse(name) {
                        out.push(key);
                    }
                }
            }
        }
        Ok(out)
    }

    async fn url(&self, key: &BlobKey, ttl: Duration) -> Result<Option<String>, StorageError> {
        if !self.presign {
            return Ok(None);
        }
        let config =
            PresigningConfig::expires_in(ttl).map_err(|e| StorageError::Other(e.to_string()))?;
        let req = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.name(key))
            .presigned(config)
            .await
            .map_err(sdk_error)?;
        Ok(Some(req.uri().to_owned()))
    }
}
