//! `TestApp`: a running server, an admin token and request helpers.

use std::time::Duration;

use ocop_trace::db::Db;
use ocop_trace::services::accounts::{self, TokenGrant};
use ocop_trace::settings::{BlobStoreSettings, Settings, SettingsArgs};
use ocop_trace::startup;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub admin: String,
    pub db: Db,
    pub database_url: String,
    pub data_dir: tempfile::TempDir,
    /// The blob store the server uses.
    pub store: std::sync::Arc<dyn ocop_trace::storage::BlobStore>,
    /// The server's state, to drive its background writers step by step (flush the scan
    /// writer, sign a checkpoint now) instead of waiting for them.
    pub state: ocop_trace::state::AppState,
    blob_store: BlobStoreSettings,
    _pg: Option<PgDatabase>,
}

/// A PostgreSQL database created for one test and dropped when the test ends.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime; use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(db) = Database::connect(&url).await {
                    let _ = db
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                }
            });
        })
        .join();
    }
}

async fn database_for_test(dir: &std::path::Path) -> (String, Option<PgDatabase>) {
    match std::env::var("TEST_DATABASE_URL") {
        // No skipping: if PostgreSQL was asked for and is unreachable, the test fails here.
        Ok(admin_url) => {
            let name = format!("ocop_test_{}", uuid::Uuid::now_v7().simple());
            let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!("TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}")
            });
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            admin.close().await.unwrap();
            let mut url = url::Url::parse(&admin_url).unwrap();
            url.set_path(&name);
            (url.to_string(), Some(PgDatabase { admin_url, name }))
        }
        Err(_) => (
            format!("sqlite://{}?mode=rwc", dir.join("test.db").display()),
            None,
        ),
    }
}

/// The local directory, or — when `TEST_BLOB_STORE=s3` — the external S3 server named by
/// `TEST_S3_*` (Garage in CI), under a prefix of this test's own. No skipping: asked for and
/// not configured, the test fails.
fn blob_store_for_test(data_dir: &std::path::Path) -> BlobStoreSettings {
    match std::env::var("TEST_BLOB_STORE").as_deref() {
        Ok("s3") => {
            let var = |k: &str| {
                std::env::var(k).unwrap_or_else(|_| panic!("TEST_BLOB_STORE=s3 needs {k}"))
            };
            BlobStoreSettings::S3(ocop_trace::storage::s3::S3Settings {
                endpoint: Some(var("TEST_S3_ENDPOINT")),
                region: "us-east-1".into(),
                bucket: var("TEST_S3_BUCKET"),
                access_key_id: var("TEST_S3_ACCESS_KEY_ID"),
                secret_access_key: var("TEST_S3_SECRET_ACCESS_KEY").into(),
                path_style: true,
                prefix: format!("test-{}/", uuid::Uuid::now_v7().simple()),
                presign: true,
            })
        }
        Ok("fs") | Err(_) => BlobStoreSettings::Fs(data_dir.join("blobs")),
        Ok(other) => panic!("TEST_BLOB_STORE must be fs or s3, not {other}"),
    }
}

/// The service's settings for a test: its defaults, but for what a test needs different.
pub fn settings(data_dir: &std::path::Path, database_url: &str) -> Settings {
    let mut s = Settings::from_args(SettingsArgs {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: Some(data_dir.to_path_buf()),
        database_url: Some(database_url.into()),
        db_max_connections: Some(5),
        public_base_url: Some(url::Url::parse("http://trace.test").unwrap()),
        // Load from one address: no per-client limit.
        scan_rate_per_minute: Some(0),
        outbox_retry_base_ms: Some(50),
        marketplace_timeout_secs: Some(2),
        // The production default of 300 s stays: a worker that woke every 100 ms would race
        // the tests that drive the outbox by hand (the Tiki tests ask for quick polls).
        ..Default::default()
    })
    .unwrap();
    s.blob_store = blob_store_for_test(data_dir);
    s
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Like [`spawn`](Self::spawn), with changed settings.
    pub async fn spawn_with(change: impl FnOnce(&mut Settings)) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let (database_url, pg) = database_for_test(data_dir.path()).await;
        let mut s = settings(data_dir.path(), &database_url);
        change(&mut s);
        let state = startup::prepare(s).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let admin = accounts::bootstrap_token(&state.db, "test admin".into(), TokenGrant::Admin)
            .await
            .unwrap()
            .secret;
        let db = state.db.clone();
        let store = state.blobs.store.clone();
        let blob_store = state.settings.blob_store.clone();
        let kept = state.clone();
        tokio::spawn(startup::serve(state, listener, std::future::pending()));
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            address,
            client,
            admin,
            db,
            database_url,
            data_dir,
            store,
            state: kept,
            blob_store,
            _pg: pg,
        }
    }

    /// A second server process-equivalent on the same database and log key: its own pools,
    /// its own checkpoint signer.
    pub async fn second_server(&self) -> String {
        self.second_server_with(|_| {}).await
    }

    /// Like [`second_server`](Self::second_server), with changed settings.
    pub async fn second_server_with(&self, change: impl FnOnce(&mut Settings)) -> String {
        self.second_node_with(change).await.0
    }

    /// A second node's address and state (its scan writer, its caches).
    pub async fn second_node_with(
        &self,
        change: impl FnOnce(&mut Settings),
    ) -> (String, ocop_trace::state::AppState) {
        let mut s = self.node_settings();
        // Each node journals its own scans.
        s.scan_journal_dir = self
            .data_dir
            .path()
            .join(format!("scan-journal-{}", uuid::Uuid::now_v7().simple()));
        change(&mut s);
        let state = startup::prepare(s).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(startup::serve(
            state.clone(),
            listener,
            std::future::pending(),
        ));
        (address, state)
    }

    /// The environment that points a command-line run at the server's blob store.
    pub fn blob_env(&self) -> Vec<(&'static str, String)> {
        match &self.blob_store {
            BlobStoreSettings::Fs(_) => vec![("OCOP_BLOB_STORE", "fs".into())],
            BlobStoreSettings::S3(s3) => vec![
                ("OCOP_BLOB_STORE", "s3".into()),
                ("OCOP_S3_ENDPOINT", s3.endpoint.clone().unwrap_or_default()),
                ("OCOP_S3_BUCKET", s3.bucket.clone()),
                ("OCOP_S3_ACCESS_KEY_ID", s3.access_key_id.clone()),
                (
                    "OCOP_S3_SECRET_ACCESS_KEY",
                    s3.secret_access_key.expose().clone(),
                ),
                ("OCOP_S3_PREFIX", s3.prefix.clone()),
            ],
        }
    }

    /// Settings for another node of this app: the same database, data directory and store.
    pub fn node_settings(&self) -> Settings {
        let mut s = settings(self.data_dir.path(), &self.database_url);
        s.blob_store = self.blob_store.clone();
        s
    }

    /// Waits until the work responses have left running is finished (a print file being
    /// kept after its last byte, a cut-off stream noticing its client is gone).
    pub async fn settle_background(&self) {
        self.state.background.idle().await;
    }

    /// Every object in the server's blob store.
    pub async fn stored_objects(&self) -> Vec<ocop_trace::storage::BlobKey> {
        self.store.list().await.unwrap()
    }

    /// Runs raw SQL against the test database (for tampering).
    pub async fn sql(&self, statement: &str, values: Vec<sea_orm::Value>) {
        let backend = self.db.read().get_database_backend();
        self.db
            .read()
            .execute_raw(sea_orm::Statement::from_sql_and_values(
                backend, statement, values,
            ))
            .await
            .unwrap();
    }

    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let res = self.client.get(self.url(path)).send().await.unwrap();
        (res.status(), res.text().await.unwrap())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    async fn send(&self, req: reqwest::RequestBuilder, token: Option<&str>) -> (StatusCode, Value) {
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body)
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.send(self.client.get(self.url(path)), Some(token))
            .await
    }

    /// A download: status, content type and body bytes; problem+json bodies as text.
    pub async fn download(&self, token: &str, path: &str) -> (StatusCode, String, Vec<u8>) {
        let res = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let content_type = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, content_type, res.bytes().await.unwrap().to_vec())
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.client.post(self.url(path)).json(&body), Some(token))
            .await
    }

    pub async fn post_anonymous(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.client.post(self.url(path)).json(&body), None)
            .await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.client.patch(self.url(path)).json(&body), Some(token))
            .await
    }

    pub async fn delete(&self, token: &str, path: &str) -> (StatusCode, Value) {
        self.send(self.client.delete(self.url(path)), Some(token))
            .await
    }

    pub async fn post_raw(
        &self,
        token: &str,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let req = self
            .client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body);
        self.send(req, Some(token)).await
    }

    /// Uploads `bytes` as the multipart part `file`.
    pub async fn upload(
        &self,
        token: &str,
        path: &str,
        file_name: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> (StatusCode, Value) {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str(content_type)
            .unwrap();
        let form = reqwest::multipart::Form::new().part("file", part);
        self.send(
            self.client.post(self.url(path)).multipart(form),
            Some(token),
        )
        .await
    }

    // ---- fixtures: each asserts its own success so a failing arrangement is obvious -------

    pub async fn create_organization(&self, name: &str) -> String {
        let (s, b) = self
            .post(&self.admin, "/api/v1/organizations", json!({"kind": "cooperative", "name": name, "address": "Cư M'gar, Đắk Lắk", "province_code": "66"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b["id"].as_str().unwrap().to_owned()
    }

    /// A token of `role` in organization `org`, created through the API by the admin.
    pub async fn token_for(&self, org: &str, role: &str) -> String {
        let (s, b) = self
            .post(
                &self.admin,
                &format!("/api/v1/organizations/{org}/tokens"),
                json!({"name": format!("{role} token"), "role": role}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b["token"].as_str().unwrap().to_owned()
    }

    pub async fn create_farm(&self, token: &str, org: &str) -> String {
        let (s, b) = self
            .post(token, &format!("/api/v1/organizations/{org}/farms"), json!({"name": "Vườn ông Ba", "address": "Ea Tul", "commune_code": "24277", "latitude": 12.79, "longitude": 108.12}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b["id"].as_str().unwrap().to_owned()
    }

    pub async fn create_growing_area(&self, token: &str, farm: &str, code: &str) -> String {
        let (s, b) = self
            .post(
                token,
                &format!("/api/v1/farms/{farm}/growing-areas"),
                json!({"code": code, "scope": "domestic", "crop": "cà phê", "area_ha": 2.5}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b["id"].as_str().unwrap().to_owned()
    }

    pub async fn create_product(&self, token: &str, org: &str, gtin: Option<&str>) -> String {
        let (s, b) = self
            .post(token, &format!("/api/v1/organizations/{org}/products"), json!({"name": "Mật ong hoa cà phê", "unit": "hũ", "gtin": gtin, "net_weight_g": 500.0}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b["id"].as_str().unwrap().to_owned()
    }

    pub async fn create_batch(&self, token: &str, product: &str, lot: &str) -> String {
        let (s, b) = self
            .post(token, &format!("/api/v1/products/{product}/batches"), json!({"lot_code": lot, "quantity": 120.0, "unit": "kg", "harvested_on": "2026-03-01"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b["id"].as_str().unwrap().to_owned()
    }

    pub async fn create_certification(
        &self,
        token: &str,
        product: &str,
        stars: i64,
        level: &str,
        date: &str,
    ) -> Value {
        let (s, b) = self
            .post(token, &format!("/api/v1/products/{product}/ocop-certifications"), json!({"stars": stars, "decision_number": "1234/QĐ-UBND", "decision_date": date, "issuing_body": "UBND tỉnh Đắk Lắk", "level": level}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b
    }
}

/// Asserts a problem+json body with this code, and returns it.
#[track_caller]
pub fn assert_problem(status: StatusCode, body: &Value, expected_status: StatusCode, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], expected_status.as_u16(), "{body}");
}

/// Asserts a 422 naming `field` with `code`.
#[track_caller]
pub fn assert_field_error(status: StatusCode, body: &Value, field: &str, code: &str) {
    assert_problem(
        status,
        body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let errors = body["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["field"] == field && e["code"] == code),
        "expected {field}/{code} in {body}"
    );
}
