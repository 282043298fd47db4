//! Files: how long a phone photo takes from upload to stored thumbnail, and `put` throughput
//! of 1 MiB objects to each blob store. `cargo bench --bench storage` prints one table; with
//! `TEST_S3_ENDPOINT`, `TEST_S3_BUCKET`, `TEST_S3_ACCESS_KEY_ID` and
//! `TEST_S3_SECRET_ACCESS_KEY` set (Garage, as `.ci/run` starts it) Garage gets a row too.
//!
//! Rows:
//! - `clean 4000×3000 JPEG`: `media::clean` alone (decode, orient, reduce, re-encode,
//!   thumbnail), the CPU part of an upload;
//! - `upload → thumbnail (HTTP, fs)`: the whole request through the real server on loopback —
//!   multipart body, cleaning, both objects stored, the row and its ledger entry committed —
//!   until the 201 that carries the thumbnail's URL;
//! - `put 1 MiB`: distinct objects, one at a time and 8 at a time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;
use common::settings;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ocop_trace::media::{self, Accept, UploadLimits, samples};
use ocop_trace::services::accounts::{self, TokenGrant};
use ocop_trace::storage::s3::{S3Settings, S3Store};
use ocop_trace::storage::{BlobStore, fs::FsStore};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

/// Median time of `runs` uploads of `photo` through the HTTP API (each a different product,
/// so none is a duplicate of another).
async fn upload_through_http(photo: &[u8], runs: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let state = ocop_trace::startup::prepare(settings(dir.path()))
        .await
        .unwrap();
    let admin = accounts::bootstrap_token(&state.db, "bench".into(), TokenGrant::Admin)
        .await
        .unwrap()
        .secret;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(ocop_trace::startup::serve(
        state,
        listener,
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    let post = |path: String, body: serde_json::Value| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let org: serde_json::Value = post(
        "/api/v1/organizations".into(),
        serde_json::json!({"kind": "cooperative", "name": "HTX", "address": "Ea Tul", "province_code": "66"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let mut times = Vec::new();
    for i in 0..runs {
        let mut data = photo.to_vec();
        // A different comment byte: the same picture, other bytes (no dedup shortcut).
        let n = data.len();
        data[n - 3] ^= i as u8;
        let product: serde_json::Value = post(
            format!(
                "/api/v1/organizations/{}/products",
                org["id"].as_str().unwrap()
            ),
            serde_json::json!({"name": format!("Sản phẩm {i}"), "unit": "gói"}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(data)
                .file_name("IMG.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
        let t0 = Instant::now();
        let res = client
            .post(format!(
                "{base}/api/v1/products/{}/images",
                product["id"].as_str().unwrap()
            ))
            .bearer_auth(&admin)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let elapsed = t0.elapsed();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        times.push(elapsed);
    }
    median(times)
}

/// Puts `n` distinct 1 MiB objects, `parallel` at a time; returns MiB/s.
async fn put_throughput(store: Arc<dyn BlobStore>, n: usize, parallel: usize, salt: u64) -> f64 {
    let objects: Vec<Bytes> = (0..n)
        .map(|i| {
            let mut v: Vec<u8> = (0..1024 * 1024).map(|k| (k % 251) as u8).collect();
            v[..8].copy_from_slice(&(i as u64).to_le_bytes());
            v[8..16].copy_from_slice(&salt.to_le_bytes());
            Bytes::from(v)
        })
        .collect();
    let t0 = Instant::now();
    let mut pending = objects.into_iter();
    loop {
        let batch: Vec<Bytes> = pending.by_ref().take(parallel).collect();
        if batch.is_empty() {
            break;
        }
        let puts = batch.into_iter().map(|b| {
            let store = store.clone();
            tokio::spawn(async move { store.put(b, "application/octet-stream").await.unwrap() })
        });
        for p in puts {
            p.await.unwrap();
        }
    }
    n as f64 / t0.elapsed().as_secs_f64()
}

async fn start_s3s(root: &std::path::Path) -> String {
    std::fs::create_dir_all(root.join("bench")).unwrap();
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let mut b = s3s::service::S3ServiceBuilder::new(fs);
    b.set_auth(s3s::auth::SimpleAuth::from_single("benchak", "benchsk"));
    let service = b.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
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

fn s3(endpoint: String, bucket: String, key: String, secret: String) -> Arc<dyn BlobStore> {
    Arc::new(S3Store::new(&S3Settings {
        endpoint: Some(endpoint),
        region: "us-east-1".into(),
        bucket,
        access_key_id: key,
        secret_access_key: secret.into(),
        path_style: true,
        prefix: format!("bench-{}/", uuid::Uuid::now_v7().simple()),
        presign: true,
    }))
}

#[tokio::main]
async fn main() {
    let photo = samples::phone_photo(4000, 3000);
    println!(
        "input: 4000×3000 phone-like JPEG, {:.1} MB, with EXIF (orientation, GPS)\n",
        photo.len() as f64 / 1e6
    );
    println!("| what | median | notes |\n|---|---:|---|");
    let mut times = Vec::new();
    let mut out = None;
    for _ in 0..7 {
        let t0 = Instant::now();
        out = Some(
            media::clean(
                &photo,
                Some("image/jpeg"),
                Accept::Image,
                UploadLimits::default(),
            )
            .unwrap(),
        );
        times.push(t0.elapsed());
    }
    let out = out.unwrap();
    println!(
        "| clean 4000×3000 JPEG | {} | stored {}×{} JPEG {:.0} KB, thumbnail {:.0} KB; 7 runs |",
        ms(median(times)),
        out.dimensions.unwrap().0,
        out.dimensions.unwrap().1,
        out.bytes.len() as f64 / 1e3,
        out.thumbnail.as_ref().unwrap().len() as f64 / 1e3
    );
    println!(
        "| upload → thumbnail (HTTP, fs, SQLite) | {} | request sent to 201; 7 runs |",
        ms(upload_through_http(&photo, 7).await)
    );

    let dir = tempfile::tempdir().unwrap();
    let mut stores: Vec<(&str, Arc<dyn BlobStore>)> = vec![(
        "fs (temp dir, fsync per object)",
        Arc::new(FsStore::new(dir.path().join("blobs"))),
    )];
    let s3dir = tempfile::tempdir().unwrap();
    let endpoint = start_s3s(s3dir.path()).await;
    stores.push((
        "S3: s3s-fs in process",
        s3(endpoint, "bench".into(), "benchak".into(), "benchsk".into()),
    ));
    if let (Ok(e), Ok(b), Ok(k), Ok(s)) = (
        std::env::var("TEST_S3_ENDPOINT"),
        std::env::var("TEST_S3_BUCKET"),
        std::env::var("TEST_S3_ACCESS_KEY_ID"),
        std::env::var("TEST_S3_SECRET_ACCESS_KEY"),
    ) {
        stores.push(("S3: Garage 2.5 single node", s3(e, b, k, s)));
    }
    for (i, (name, store)) in stores.into_iter().enumerate() {
        let one = put_throughput(store.clone(), 100, 1, i as u64 * 10).await;
        let eight = put_throughput(store, 200, 8, i as u64 * 10 + 1).await;
        println!(
            "| put 1 MiB → {name} | {one:.0} MiB/s sequential | {eight:.0} MiB/s with 8 in flight |"
        );
    }
}
