//! The blob store's contract against real S3 servers: an in-process s3s server (real S3
//! protocol with signature checks; needs nothing installed), and Garage, which `.ci/run`
//! installs and starts (an ignored test here, which fails when the server is missing).

use ocop_trace::storage::s3::{S3Settings, S3Store};
use ocop_trace::storage::{BlobStore, StorageError, contract};

/// An S3 server in this process, serving a temporary directory, with one bucket.
pub async fn start_s3(root: &std::path::Path, bucket: &str) -> String {
    std::fs::create_dir_all(root.join(bucket)).unwrap();
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let mut b = s3s::service::S3ServiceBuilder::new(fs);
    b.set_auth(s3s::auth::SimpleAuth::from_single("testak", "testsk"));
    let service = b.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let svc = service.clone();
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(hyper_util::rt::TokioIo::new(sock), svc)
                .await;
            });
        }
    });
    format!("http://{addr}")
}

pub fn settings(endpoint: String, bucket: &str, key: &str, secret: &str) -> S3Settings {
    S3Settings {
        endpoint: Some(endpoint),
        region: "us-east-1".into(),
        bucket: bucket.into(),
        access_key_id: key.into(),
        secret_access_key: secret.into(),
        path_style: true,
        prefix: "blobs/".into(),
        presign: true,
    }
}

#[tokio::test]
async fn the_s3_store_keeps_the_contract_against_an_in_process_server() {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = start_s3(dir.path(), "ocop-blobs").await;
    let store = S3Store::new(&settings(
        endpoint.clone(),
        "ocop-blobs",
        "testak",
        "testsk",
    ));
    contract::check(&store).await;

    // A presigned URL serves the object to anyone, for its lifetime.
    let key = store
        .put(bytes::Bytes::from_static(b"label sheet"), "application/pdf")
        .await
        .unwrap()
        .key;
    let url = store
        .url(&key, std::time::Duration::from_secs(60))
        .await
        .unwrap()
        .expect("S3 gives presigned URLs");
    let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(&body[..], b"label sheet");

    // Wrong credentials are refused by the server's signature check.
    let intruder = S3Store::new(&settings(endpoint, "ocop-blobs", "testak", "wrong"));
    assert!(intruder.head(&key).await.is_err());
}

#[tokio::test]
async fn an_unreachable_s3_is_reported_as_unavailable() {
    // A port nothing listens on: port 1 is below the ephemeral range the other tests' servers
    // take theirs from (a freed ephemeral port was once taken by one of them mid-test).
    let endpoint = "http://127.0.0.1:1".to_owned();
    let store = S3Store::new(&settings(endpoint, "ocop-blobs", "testak", "testsk"));
    let e = store
        .put(bytes::Bytes::from_static(b"x"), "text/plain")
        .await
        .unwrap_err();
    assert!(matches!(e, StorageError::Unavailable(_)), "{e:?}");
}

/// The same contract against an external S3-compatible server (Garage, which `.ci/run`
/// installs and starts): `TEST_S3_ENDPOINT`, `TEST_S3_BUCKET`, `TEST_S3_ACCESS_KEY_ID`,
/// `TEST_S3_SECRET_ACCESS_KEY`. Ignored by plain `cargo test`; when run, a missing or
/// unreachable server fails it.
#[tokio::test]
#[ignore = "needs an external S3 server (TEST_S3_*); run by .ci/run with Garage"]
async fn the_s3_store_keeps_the_contract_against_an_external_server() {
    let var =
        |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} must be set to run this test"));
    let store = S3Store::new(&settings(
        var("TEST_S3_ENDPOINT"),
        &var("TEST_S3_BUCKET"),
        &var("TEST_S3_ACCESS_KEY_ID"),
        &var("TEST_S3_SECRET_ACCESS_KEY"),
    ));
    contract::check(&store).await;
}
