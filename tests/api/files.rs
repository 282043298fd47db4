//! Uploads and downloads through the API: cleaning (EXIF and GPS gone, upright, thumbnailed),
//! every refusal with its status and code and nothing left behind, access between
//! organizations, diary photos committed to by the ledger, and the same flow on S3 — an
//! in-process S3 server, one that is down, and one that fails half-way through an upload.

use std::sync::{Arc, Mutex};

use ocop_trace::media::samples::{phone_jpeg_with_gps, photo_jpeg, png_bomb};
use ocop_trace::settings::BlobStoreSettings;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_field_error, assert_problem};

async fn new_product(app: &TestApp) -> (String, String) {
    let org = app.create_organization("HTX Mật ong Cư M'gar").await;
    let product = app.create_product(&app.admin, &org, None).await;
    (org, product)
}

#[tokio::test]
async fn a_phone_photo_is_cleaned_thumbnailed_and_served_publicly_and_immutably() {
    let app = TestApp::spawn().await;
    let (_, product) = new_product(&app).await;
    let photo = phone_jpeg_with_gps(640, 320);
    let (s, file) = app
        .upload(
            &app.admin,
            &format!("/api/v1/products/{product}/images"),
            "IMG_0042.jpg",
            "image/jpeg",
            photo.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{file}");
    assert_eq!(file["kind"], "product_image");
    assert_eq!(file["content_type"], "image/jpeg");
    assert_eq!(file["original_name"], "IMG_0042.jpg");
    // EXIF orientation 6 applied: the stored image is portrait.
    assert_eq!(
        (file["width"].as_i64(), file["height"].as_i64()),
        (Some(320), Some(640))
    );

    let public = file["public_url"].as_str().unwrap();
    let res = app.client.get(app.url(public)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let served = res.bytes().await.unwrap();
    assert!(
        !served.windows(4).any(|w| w == b"Exif"),
        "EXIF and GPS are gone"
    );
    assert_ne!(&served[..], &photo[..]);
    assert_eq!(
        format!("/media/{}", hex_sha256(&served)),
        public,
        "the public name is the served bytes' hash"
    );
    let thumb = app
        .client
        .get(app.url(file["thumbnail_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (240, 480));

    // Listed on the product, downloadable with a token, stored once per content.
    let (s, list) = app
        .get(&app.admin, &format!("/api/v1/products/{product}/images"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (s, ct, body) = app
        .download(&app.admin, file["url"].as_str().unwrap())
        .await;
    assert_eq!((s, ct.as_str()), (StatusCode::OK, "image/jpeg"));
    assert_eq!(body, served.to_vec());
    let (s, again) = app
        .upload(
            &app.admin,
            &format!("/api/v1/products/{product}/images"),
            "copy.jpg",
            "image/jpeg",
            photo,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(again["sha256"], file["sha256"]);
    assert_eq!(
        app.stored_objects().await.len(),
        2,
        "one image and one thumbnail, stored once"
    );

    // Unknown or malformed media names are 404s.
    for path in ["/media/0000", &format!("/media/{}", "0".repeat(64))] {
        let (s, _) = app.text(path).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn bad_uploads_get_precise_errors_and_leave_nothing_behind() {
    let app = TestApp::spawn().await;
    let (_, product) = new_product(&app).await;
    let path = format!("/api/v1/products/{product}/images");
    let mut corrupt = photo_jpeg(64, 64);
    corrupt.truncate(corrupt.len() / 2);

    let (s, b) = app
        .upload(&app.admin, &path, "empty.jpg", "image/jpeg", vec![])
        .await;
    assert_field_error(s, &b, "file", "empty_file");
    let (s, b) = app
        .upload(&app.admin, &path, "broken.jpg", "image/jpeg", corrupt)
        .await;
    assert_field_error(s, &b, "file", "corrupt_image");
    let (s, b) = app
        .upload(
            &app.admin,
            &path,
            "bomb.png",
            "image/png",
            png_bomb(8_000, 8_000),
        )
        .await;
    assert_field_error(s, &b, "file", "too_many_pixels");
    let (s, b) = app
        .upload(
            &app.admin,
            &path,
            "anim.gif",
            "image/gif",
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(),
        )
        .await;
    assert_problem(
        s,
        &b,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_file_type",
    );
    let (s, b) = app
        .upload(
            &app.admin,
            &path,
            "photo.png",
            "image/png",
            photo_jpeg(16, 16),
        )
        .await;
    assert_problem(
        s,
        &b,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "content_type_mismatch",
    );
    assert!(b["detail"].as_str().unwrap().contains("image/jpeg"), "{b}");
    let (s, b) = app
        .upload(
            &app.admin,
            &path,
            "cert.pdf",
            "application/pdf",
            b"%PDF-1.7\n".to_vec(),
        )
        .await;
    assert_problem(
        s,
        &b,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_file_type",
    );
    let (s, b) = app
        .post_raw(&app.admin, &path, "image/jpeg", photo_jpeg(16, 16))
        .await;
    assert_problem(
        s,
        &b,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let form = reqwest::multipart::Form::new().text("note", "no file here");
    let res = app
        .client
        .post(app.url(&path))
        .bearer_auth(&app.admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["code"], "missing_file");

    // A server with a 1 KB limit refuses a larger file with 413.
    let small = app
        .second_server_with(|s| s.upload_limits.max_bytes = 1024)
        .await;
    let part = reqwest::multipart::Part::bytes(photo_jpeg(256, 256))
        .file_name("big.jpg")
        .mime_str("image/jpeg")
        .unwrap();
    let res = app
        .client
        .post(format!("{small}{path}"))
        .bearer_auth(&app.admin)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let b: Value = res.json().await.unwrap();
    assert_eq!(b["code"], "payload_too_large");

    let (_, list) = app.get(&app.admin, &path).await;
    assert_eq!(list, json!([]), "no row for any refused upload");
    assert!(
        app.stored_objects().await.is_empty(),
        "no object for any refused upload"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_follow_the_organizations_access_rules() {
    let app = TestApp::spawn().await;
    let (org, product) = new_product(&app).await;
    let other = app.create_organization("HTX khác").await;
    let outsider = app.token_for(&other, "owner").await;
    let member = app.token_for(&org, "member").await;
    let inspector = app.token_for(&org, "inspector").await;
    let path = format!("/api/v1/products/{product}/images");

    let (s, b) = app
        .upload(&outsider, &path, "x.jpg", "image/jpeg", photo_jpeg(32, 32))
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = app
        .upload(&member, &path, "x.jpg", "image/jpeg", photo_jpeg(32, 32))
        .await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
    let (s, file) = app
        .upload(&app.admin, &path, "x.jpg", "image/jpeg", photo_jpeg(32, 32))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = file["id"].as_str().unwrap();

    let (s, _) = app.get(&outsider, &format!("/api/v1/files/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = app
        .download(&outsider, &format!("/api/v1/files/{id}/content"))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get(&inspector, &format!("/api/v1/files/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = app.delete(&inspector, &format!("/api/v1/files/{id}")).await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");

    // A certificate scan is private: no public link, and /media does not serve it.
    let cert = app
        .create_certification(&app.admin, &product, 4, "province", "2025-06-01")
        .await;
    let (s, scan) = app
        .upload(
            &app.admin,
            &format!(
                "/api/v1/certifications/{}/scans",
                cert["id"].as_str().unwrap()
            ),
            "quyet-dinh.pdf",
            "application/pdf",
            b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{scan}");
    assert_eq!(scan["public_url"], Value::Null);
    let (s, _) = app
        .text(&format!("/media/{}", scan["sha256"].as_str().unwrap()))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, _) = app.delete(&app.admin, &format!("/api/v1/files/{id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, list) = app.get(&app.admin, &path).await;
    assert_eq!(list, json!([]));
    // Removed, it is gone from the API like a deleted resource (its record stays in the
    // ledger); removing it again finds nothing.
    for p in [
        format!("/api/v1/files/{id}"),
        format!("/api/v1/files/{id}/content"),
    ] {
        let (s, _, _) = app.download(&app.admin, &p).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
    }
    let (s, b) = app.delete(&app.admin, &format!("/api/v1/files/{id}")).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, _) = app.text(file["public_url"].as_str().unwrap()).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a removed image is no longer public"
    );

    // Files are records like any other: the ledger covers them, and a swapped hash shows.
    let (code, out) = crate::ledger::verify(&app);
    assert_eq!(code, 0, "{out}");
    app.sql(
        &format!(
            "UPDATE blobs SET sha256 = '{}' WHERE kind = 'certificate_scan'",
            "ab".repeat(32)
        ),
        vec![],
    )
    .await;
    let (code, out) = crate::ledger::verify(&app);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("blobs row") && out.contains("field `sha256`"),
        "{out}"
    );
}

#[tokio::test]
async fn a_diary_event_commits_to_its_photos() {
    let app = TestApp::spawn().await;
    let (_, product) = new_product(&app).await;
    let batch = app.create_batch(&app.admin, &product, "MO2026").await;
    let (s, photo) = app
        .upload(
            &app.admin,
            &format!("/api/v1/batches/{batch}/photos"),
            "to-ong.jpg",
            "image/jpeg",
            photo_jpeg(800, 600),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{photo}");
    let sha = photo["sha256"].as_str().unwrap();

    let events = format!("/api/v1/batches/{batch}/events");
    let (s, b) = app
        .post(&app.admin, &events, json!({"kind": "harvesting", "occurred_at": "2026-03-01T08:00:00Z", "details": {"photos": ["0".repeat(64)]}}))
        .await;
    assert_field_error(s, &b, "details.photos[0]", "unknown_photo");
    let (s, b) = app
        .post(&app.admin, &events, json!({"kind": "harvesting", "occurred_at": "2026-03-01T08:00:00Z", "details": {"photos": ["not-a-hash"]}}))
        .await;
    assert_field_error(s, &b, "details.photos[0]", "invalid_photo");
    let (s, event) = app
        .post(&app.admin, &events, json!({"kind": "harvesting", "occurred_at": "2026-03-01T08:00:00Z", "details": {"description": "Quay mật", "photos": [sha]}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{event}");
    assert_eq!(event["details"]["photos"], json!([sha]));

    // Part of the ledger: the photo cannot be removed.
    let (s, b) = app
        .delete(
            &app.admin,
            &format!("/api/v1/files/{}", photo["id"].as_str().unwrap()),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "not_removable");
    let (s, history) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}/history"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(history["intact"], true, "{history}");
}

fn hex_sha256(data: &[u8]) -> String {
    use sha2::Digest;
    data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(data))
}

fn s3_settings(endpoint: String) -> BlobStoreSettings {
    BlobStoreSettings::S3(crate::storage::settings(
        endpoint,
        "ocop-blobs",
        "testak",
        "testsk",
    ))
}

#[tokio::test]
async fn with_s3_uploads_go_to_the_bucket_and_downloads_come_from_it() {
    let bucket_dir = tempfile::tempdir().unwrap();
    let endpoint = crate::storage::start_s3(bucket_dir.path(), "ocop-blobs").await;
    let app = TestApp::spawn_with(|s| s.blob_store = s3_settings(endpoint)).await;
    let (_, product) = new_product(&app).await;
    let (s, file) = app
        .upload(
            &app.admin,
            &format!("/api/v1/products/{product}/images"),
            "a.jpg",
            "image/jpeg",
            photo_jpeg(300, 200),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{file}");
    let sha = file["sha256"].as_str().unwrap();
    assert!(
        bucket_dir
            .path()
            .join("ocop-blobs/blobs")
            .join(sha)
            .exists(),
        "the object is in the bucket"
    );
    assert!(
        !app.data_dir.path().join("blobs").exists(),
        "nothing on the local disk"
    );
    // The public image is proxied (same origin for the scan page) ...
    let (s, _) = app.text(file["public_url"].as_str().unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    // ... and an authenticated download is a redirect to a presigned link that works.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(file["url"].as_str().unwrap()))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let link = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(link.contains("X-Amz-Signature"), "{link}");
    let bytes = reqwest::get(&link).await.unwrap().bytes().await.unwrap();
    assert_eq!(hex_sha256(&bytes), sha);
}

/// Requests a fake S3 server saw: method and path.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// An S3 endpoint that answers HEAD with 404, accepts the first `ok_puts` PUTs and answers
/// every later one with `status`, and accepts DELETEs; it records every request.
async fn flaky_s3(ok_puts: usize, status: u16) -> (String, Seen) {
    use axum::http::{Method, StatusCode as S};
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |method: Method, uri: axum::http::Uri| {
        let seen = record.clone();
        async move {
            let puts = {
                let mut seen = seen.lock().unwrap();
                seen.push((method.to_string(), uri.path().to_owned()));
                seen.iter().filter(|(m, _)| m == "PUT").count()
            };
            match method {
                Method::HEAD => (S::NOT_FOUND, [("etag", "")], String::new()),
                Method::DELETE => (S::NO_CONTENT, [("etag", "")], String::new()),
                Method::PUT if puts <= ok_puts => (S::OK, [("etag", "\"abc\"")], String::new()),
                _ => (
                    S::from_u16(status).unwrap(),
                    [("etag", "")],
                    "<?xml version=\"1.0\"?><Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>".to_owned(),
                ),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

async fn assert_upload_unavailable(app: &TestApp, product: &str) {
    let path = format!("/api/v1/products/{product}/images");
    let (s, b) = app
        .upload(
            &app.admin,
            &path,
            "a.jpg",
            "image/jpeg",
            photo_jpeg(600, 600),
        )
        .await;
    assert_problem(s, &b, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    let (_, list) = app.get(&app.admin, &path).await;
    assert_eq!(list, json!([]), "no row for a failed upload");
}

#[tokio::test]
async fn an_unreachable_or_failing_s3_is_a_503_and_nothing_is_recorded() {
    // Nothing listens.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let app = TestApp::spawn_with(|s| s.blob_store = s3_settings(dead)).await;
    let (_, product) = new_product(&app).await;
    assert_upload_unavailable(&app, &product).await;
    let (s, _) = app.text("/readyz").await;
    assert_eq!(
        s,
        StatusCode::SERVICE_UNAVAILABLE,
        "not ready without its blob store"
    );

    // Every write answered with 503 (after the SDK's retries).
    let (endpoint, _) = flaky_s3(0, 503).await;
    let app = TestApp::spawn_with(|s| s.blob_store = s3_settings(endpoint)).await;
    let (_, product) = new_product(&app).await;
    assert_upload_unavailable(&app, &product).await;

    // The image is stored, then the thumbnail fails with 500: the image is removed again.
    let (endpoint, seen) = flaky_s3(1, 500).await;
    let app = TestApp::spawn_with(|s| s.blob_store = s3_settings(endpoint)).await;
    let (_, product) = new_product(&app).await;
    assert_upload_unavailable(&app, &product).await;
    let seen = seen.lock().unwrap().clone();
    // One HEAD per object before its PUT (the store's own check, not a second one).
    let heads_before_put = seen
        .iter()
        .take_while(|(m, _)| m != "PUT")
        .filter(|(m, _)| m == "HEAD")
        .count();
    assert_eq!(heads_before_put, 1, "{seen:?}");
    let first_put = seen
        .iter()
        .find(|(m, _)| m == "PUT")
        .map(|(_, p)| p.clone())
        .unwrap();
    assert!(
        seen.contains(&("DELETE".to_owned(), first_put.clone())),
        "the stored image is deleted again: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scan_page_shows_the_product_photo_and_the_diary_photos() {
    let app = TestApp::spawn().await;
    let (batch, stamps) = crate::scan::world(&app, 2).await;
    let path = crate::scan::path_of(&stamps[0]);
    // Seen once before the photos exist: the page must not stay stale.
    let (s, _) = app.text(&path).await;
    assert_eq!(s, StatusCode::OK);

    let (_, b) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}"))
        .await;
    let product = b["product_id"].as_str().unwrap().to_owned();
    let (s, image) = app
        .upload(
            &app.admin,
            &format!("/api/v1/products/{product}/images"),
            "goi-ca-phe.jpg",
            "image/jpeg",
            photo_jpeg(1200, 900),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{image}");
    let (s, photo) = app
        .upload(
            &app.admin,
            &format!("/api/v1/batches/{batch}/photos"),
            "phoi.jpg",
            "image/jpeg",
            photo_jpeg(400, 300),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{photo}");
    let (s, e) = app
        .post(&app.admin, &format!("/api/v1/batches/{batch}/events"), json!({"kind": "processing", "occurred_at": "2026-03-05T07:00:00Z", "details": {"description": "Phơi cà phê", "photos": [photo["sha256"]]}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");

    let (s, html) = app.text(&path).await;
    assert_eq!(s, StatusCode::OK);
    let thumb = image["thumbnail_url"].as_str().unwrap();
    assert!(
        html.contains(&format!(r#"<img src="{thumb}" width="480" height="360""#)),
        "{html}"
    );
    assert!(html.contains(&format!(
        r#"href="{}""#,
        image["public_url"].as_str().unwrap()
    )));
    assert!(
        html.contains(photo["thumbnail_url"].as_str().unwrap()),
        "{html}"
    );
    let (s, _) = app.text(thumb).await;
    assert_eq!(s, StatusCode::OK);

    let res = app
        .client
        .get(app.url(&path))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["product"]["images"][0]["thumbnail_url"],
        format!("http://trace.test{thumb}")
    );
}

/// Runs `ocop-trace storage check` with `args`; returns (exit code, stdout).
async fn storage_check(app: &TestApp, args: &[&str]) -> (i32, String) {
    let mut cmd = crate::cli::ocop_trace(app);
    cmd.args(["storage", "check"]).args(args);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_check_finds_missing_and_corrupt_files_and_orphans() {
    let app = TestApp::spawn().await;
    let (_, product) = new_product(&app).await;
    let path = format!("/api/v1/products/{product}/images");
    let mut files = Vec::new();
    for side in [300, 400] {
        let (s, f) = app
            .upload(
                &app.admin,
                &path,
                "a.jpg",
                "image/jpeg",
                photo_jpeg(side, side),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        files.push(f);
    }
    let (code, out) = storage_check(&app, &[]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("ok: 4 files"), "{out}");

    // An object nobody names, and a file whose object is gone.
    let orphan = app
        .store
        .put(bytes::Bytes::from_static(b"left by a crash"), "image/jpeg")
        .await
        .unwrap()
        .key;
    let lost = ocop_trace::storage::BlobKey::parse(files[0]["sha256"].as_str().unwrap()).unwrap();
    app.store.delete(&lost).await.unwrap();
    // On the local store, a file whose bytes changed on disk.
    let thumb = files[1]["thumbnail_url"]
        .as_str()
        .unwrap()
        .trim_start_matches("/media/")
        .to_owned();
    let on_disk = app
        .data_dir
        .path()
        .join("blobs")
        .join(&thumb[..2])
        .join(&thumb[2..4])
        .join(&thumb);
    let corrupted = on_disk.exists();
    if corrupted {
        std::fs::write(&on_disk, b"bit rot").unwrap();
    }

    let (code, out) = storage_check(&app, &[]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("MISSING: {lost}")), "{out}");
    assert!(out.contains(&format!("orphan: {orphan}")), "{out}");
    if corrupted {
        assert!(out.contains(&format!("CORRUPT: {thumb}")), "{out}");
    }
    let (_, out) = storage_check(&app, &["--remove-orphans"]).await;
    assert!(out.contains("(1 removed)"), "{out}");
    assert!(!app.stored_objects().await.contains(&orphan));
}
