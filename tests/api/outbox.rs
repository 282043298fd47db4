//! Pushing listings to a (fake) Lazada through the outbox: the fake checks every signature
//! and scripts failures — 500, 429 with Retry-After, a lost response — and a crash of our
//! process between sending and recording; the item is created exactly once and no job is lost.
//!
//! The app's own worker is off in these tests ([`connect_api`]): each test runs the outbox by
//! hand ([`settled`]), moving the outbox's clock to a retry's time instead of sleeping, so
//! what happens between two attempts is a step the test controls. One test keeps the worker
//! on, to show that it pushes by itself.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ocop_trace::marketplace::api::{ApiConfig, lazada};
use ocop_trace::media::samples::photo_jpeg;
use reqwest::StatusCode;
use serde_json::{Value, json};

use ocop_trace::services::outbox::{self, MAX_ATTEMPTS};

use crate::helpers::{TestApp, assert_problem};

const KEY: &str = "123456";
const SECRET: &str = "helloworld";

/// What the fake Lazada does with each `/product/create` in turn (then: succeed).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Step {
    Fail500,
    Limit429,
    /// Creates the item, then answers too late for the client.
    LoseResponse,
}

#[derive(Default)]
pub(crate) struct Fake {
    script: Vec<Step>,
    creates: usize,
    /// Seller SKU → item id.
    items: BTreeMap<String, u64>,
    /// Item ids of every product/update, with the price sent.
    updates: Vec<(String, i64)>,
    bad_signatures: usize,
}

pub(crate) type Shared = Arc<Mutex<Fake>>;

pub(crate) async fn fake_lazada(script: Vec<Step>) -> (String, Shared) {
    use axum::extract::{Form, Query, State};
    use axum::http::Uri;
    let state: Shared = Arc::new(Mutex::new(Fake {
        script: script.into_iter().rev().collect(),
        ..Default::default()
    }));
    fn signed(state: &Shared, path: &str, params: &BTreeMap<String, String>) -> bool {
        let mut p = params.clone();
        let Some(sign) = p.remove("sign") else {
            return false;
        };
        let ok = p.get("app_key").map(String::as_str) == Some(KEY)
            && p.get("sign_method").map(String::as_str) == Some("sha256")
            && p.contains_key("timestamp")
            && lazada::sign(SECRET, path, &p) == sign;
        if !ok {
            state.lock().unwrap().bad_signatures += 1;
        }
        ok
    }
    let bad = || {
        axum::Json(json!({"code": "IncompleteSignature", "message": "The request signature does not conform to lazada standards"}))
            .into_response()
    };
    use axum::response::IntoResponse;
    let app = axum::Router::new()
        .route(
            "/image/migrate",
            axum::routing::post(move |State(s): State<Shared>, uri: Uri, Form(p): Form<BTreeMap<String, String>>| async move {
                if !signed(&s, uri.path(), &p) {
                    return bad();
                }
                axum::Json(json!({"code": "0", "data": {"image": {"url": "https://vn-live.slatic.net/p/1.jpg"}}})).into_response()
            }),
        )
        .route(
            "/product/create",
            axum::routing::post(move |State(s): State<Shared>, uri: Uri, Form(p): Form<BTreeMap<String, String>>| async move {
                if !signed(&s, uri.path(), &p) {
                    return bad();
                }
                let payload: Value = serde_json::from_str(&p["payload"]).unwrap();
                let sku = payload["Request"]["Product"]["Skus"]["Sku"][0]["SellerSku"].as_str().unwrap().to_owned();
                let step = {
                    let mut f = s.lock().unwrap();
                    f.creates += 1;
                    f.script.pop()
                };
                match step {
                    Some(Step::Fail500) => return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
                    Some(Step::Limit429) => {
                        return (axum::http::StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "slow down").into_response()
                    }
                    _ => {}
                }
                let id = {
                    let mut f = s.lock().unwrap();
                    let n = 9000 + f.items.len() as u64;
                    *f.items.entry(sku).or_insert(n)
                };
                if matches!(step, Some(Step::LoseResponse)) {
                    tokio::time::sleep(Duration::from_secs(4)).await;
                }
                axum::Json(json!({"code": "0", "data": {"item_id": id}})).into_response()
            }),
        )
        .route(
            "/product/update",
            axum::routing::post(
                move |State(s): State<Shared>,
                      uri: Uri,
                      Form(p): Form<BTreeMap<String, String>>| async move {
                    if !signed(&s, uri.path(), &p) {
                        return bad();
                    }
                    let payload: Value = serde_json::from_str(&p["payload"]).unwrap();
                    let product = &payload["Request"]["Product"];
                    s.lock().unwrap().updates.push((
                        product["ItemId"].as_str().unwrap().to_owned(),
                        product["Skus"]["Sku"][0]["price"].as_i64().unwrap(),
                    ));
                    axum::Json(json!({"code": "0", "data": {}})).into_response()
                },
            ),
        )
        .route(
            "/products/get",
            axum::routing::get(move |State(s): State<Shared>, uri: Uri, Query(p): Query<BTreeMap<String, String>>| async move {
                if !signed(&s, uri.path(), &p) {
                    return bad();
                }
                let skus: Vec<String> = serde_json::from_str(&p["sku_seller_list"]).unwrap();
                let f = s.lock().unwrap();
                let products: Vec<Value> = skus
                    .iter()
                    .filter_map(|k| f.items.get(k))
                    .map(|id| json!({"item_id": id}))
                    .collect();
                axum::Json(json!({"code": "0", "data": {"products": products}})).into_response()
            }),
        )
        .with_state(state.clone());
    (serve(app).await, state)
}

/// Points the settings' client for `marketplace` at a fake server, with these credentials,
/// and turns the app's push worker off: the test runs the outbox itself.
pub(crate) fn connect_api(
    s: &mut ocop_trace::settings::Settings,
    marketplace: &'static str,
    endpoint: &str,
    key: &str,
    secret: &str,
) {
    let api = ApiConfig {
        base_url: url::Url::parse(endpoint).unwrap(),
        key: key.into(),
        secret: secret.into(),
        public_base: s.public_base_url.clone(),
    };
    s.marketplace_apis.insert(marketplace, api);
    s.outbox_worker = false;
}

/// Serves a fake marketplace on an ephemeral port; returns its base URL.
pub(crate) async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

pub(crate) async fn app_with_lazada(endpoint: &str, secret: &str) -> TestApp {
    let (endpoint, secret) = (endpoint.to_owned(), secret.to_owned());
    TestApp::spawn_with(move |s| {
        connect_api(s, "lazada", &endpoint, KEY, &secret);
    })
    .await
}

/// Connects the organization's shop on `marketplace` through the API.
pub(crate) async fn connect_shop(app: &TestApp, org: &str, marketplace: &str, body: Value) {
    let res = app
        .client
        .put(app.url(&format!(
            "/api/v1/organizations/{org}/marketplace-accounts/{marketplace}"
        )))
        .bearer_auth(&app.admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

/// A new organization's product with one photo, listed as `listing` says (`marketplace`,
/// price, stock, package); returns the organization and the ready listing's ids.
pub(crate) async fn listed(
    app: &TestApp,
    organization: &str,
    product: Value,
    listing: Value,
) -> (String, String) {
    let org = app.create_organization(organization).await;
    let (s, p) = app
        .post(
            &app.admin,
            &format!("/api/v1/organizations/{org}/products"),
            product,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let product = p["id"].as_str().unwrap();
    let (s, _) = app
        .upload(
            &app.admin,
            &format!("/api/v1/products/{product}/images"),
            "a.jpg",
            "image/jpeg",
            photo_jpeg(800, 800),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, l) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/listings"),
            listing,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    assert_eq!(l["status"], "ready", "{l}");
    (org, l["id"].as_str().unwrap().to_owned())
}

/// A ready Lazada listing with the shop connected; returns the listing id.
pub(crate) async fn ready_listing(app: &TestApp) -> String {
    let (org, listing) = listed(
        app,
        "HTX Mật ong Cư M'gar",
        json!({"name": "Mật ong hoa cà phê", "unit": "hũ", "ocop_group": "food"}),
        json!({"marketplace": "lazada", "price_vnd": 180000, "stock": 40, "package": {"length_cm": 10, "width_cm": 10, "height_cm": 12, "weight_g": 750}}),
    )
    .await;
    // Pushing before the shop is connected says what to do.
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/listings/{listing}/pushes"),
            json!({}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "no_marketplace_account");
    connect_shop(
        app,
        &org,
        "lazada",
        json!({"shop_id": "100200", "access_token": "test"}),
    )
    .await;
    listing
}

/// The listing's pushes, newest first.
pub(crate) async fn pushes(app: &TestApp, listing: &str) -> Vec<Value> {
    let (s, pushes) = app
        .get(&app.admin, &format!("/api/v1/listings/{listing}/pushes"))
        .await;
    assert_eq!(s, StatusCode::OK, "{pushes}");
    serde_json::from_value(pushes).unwrap()
}

/// Runs the outbox as its worker would: every due job; then, while the listing's newest push
/// is waiting for a retry, the outbox's clock moves to the retry's time and it runs again.
/// Returns the push once it is `done` or `failed`.
pub(crate) async fn settled(app: &TestApp, listing: &str) -> Value {
    let outbox = &app.state.outbox;
    for _ in 0..=MAX_ATTEMPTS {
        outbox::drain(outbox).await.unwrap();
        let newest = pushes(app, listing).await.remove(0);
        if matches!(newest["status"].as_str(), Some("done" | "failed")) {
            return newest;
        }
        assert_eq!(newest["status"], "pending", "{newest}");
        outbox.clock.advance_to(next_attempt(app).await);
    }
    panic!("the push did not settle in {MAX_ATTEMPTS} attempts");
}

/// When the earliest pending job is due.
async fn next_attempt(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    use entity::outbox_job;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    outbox_job::Entity::find()
        .filter(outbox_job::Column::Status.eq(outbox_job::JobStatus::Pending))
        .order_by_asc(outbox_job::Column::NextAttemptAt)
        .one(app.db.read())
        .await
        .unwrap()
        .expect("a pending job")
        .next_attempt_at
}

#[tokio::test]
async fn a_push_survives_500_429_and_a_lost_response_and_creates_the_item_once() {
    let (endpoint, fake) =
        fake_lazada(vec![Step::Fail500, Step::Limit429, Step::LoseResponse]).await;
    let app = app_with_lazada(&endpoint, SECRET).await;
    let listing = ready_listing(&app).await;
    let (s, job) = app
        .post(
            &app.admin,
            &format!("/api/v1/listings/{listing}/pushes"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{job}");
    let done = settled(&app, &listing).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["external_id"], "9000");
    let outcomes: Vec<&str> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["retry", "retry", "unknown", "ok"], "{done}");
    assert_eq!(done["history"][0]["http_status"], 500);
    assert_eq!(done["history"][1]["http_status"], 429);
    assert_eq!(
        done["history"][3]["detail"], "found the item an interrupted attempt had created",
        "the lost response is reconciled, not sent again"
    );
    {
        let f = fake.lock().unwrap();
        assert_eq!((f.creates, f.items.len(), f.bad_signatures), (3, 1, 0));
    }
    let (_, l) = app
        .get(&app.admin, &format!("/api/v1/listings/{listing}"))
        .await;
    assert_eq!(l["status"], "live", "{l}");

    // The same version again: the same push, nothing sent.
    let (s, again) = app
        .post(
            &app.admin,
            &format!("/api/v1/listings/{listing}/pushes"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(again["id"], job["id"]);
    let push = settled(&app, &listing).await;
    assert_eq!(push["status"], "done", "{push}");
    // Nothing else is due: a second job for the same version would be sent now.
    outbox::drain(&app.state.outbox).await.unwrap();
    assert_eq!(fake.lock().unwrap().creates, 3);

    // A new price: the item is updated by itself, not created again.
    let (s, _) = app
        .patch(
            &app.admin,
            &format!("/api/v1/listings/{listing}"),
            json!({"price_vnd": 175000}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let update = settled(&app, &listing).await;
    assert_eq!(update["status"], "done", "{update}");
    assert_ne!(update["id"], job["id"], "a new version is a new push");
    let f = fake.lock().unwrap();
    assert_eq!(f.updates, [("9000".to_owned(), 175000)]);
    assert_eq!((f.creates, f.items.len()), (3, 1));
}

#[tokio::test]
async fn a_crash_between_send_and_commit_neither_loses_the_job_nor_duplicates_the_item() {
    let (endpoint, fake) = fake_lazada(vec![]).await;
    let app = app_with_lazada(&endpoint, SECRET).await;
    let listing = ready_listing(&app).await;
    // What a worker leaves when its process dies after the request: the job claimed under a
    // lease, an attempt with no outcome, and the item created at Lazada. Done here in the
    // test's own outbox, before the app's worker can claim the job.
    let state = ocop_trace::startup::prepare({
        let mut s = app.node_settings();
        connect_api(&mut s, "lazada", &endpoint, KEY, SECRET);
        s
    })
    .await
    .unwrap();
    let job = outbox::enqueue(
        &state.outbox,
        &state.settings.public_base_url,
        &ocop_trace::auth::Principal::operator(),
        uuid::Uuid::parse_str(&listing).unwrap(),
    )
    .await
    .unwrap();
    let claimed = outbox::claim(&state.outbox)
        .await
        .unwrap()
        .expect("a due job");
    assert_eq!(claimed.id, job.id);
    let (_attempt, result) = outbox::send(&state.outbox, &claimed).await.unwrap();
    assert!(result.is_ok());
    assert_eq!(fake.lock().unwrap().items.len(), 1);
    // ... the process dies here. While its lease lasts, the job is nobody else's:
    outbox::drain(&app.state.outbox).await.unwrap();
    assert_eq!(pushes(&app, &listing).await[0]["status"], "running");
    // Then the lease runs out.
    app.state.outbox.clock.advance(outbox::LEASE);
    let done = settled(&app, &listing).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["history"].as_array().unwrap().len(), 2, "{done}");
    assert_eq!(
        done["history"][0]["outcome"],
        Value::Null,
        "the crashed attempt stays on record"
    );
    let f = fake.lock().unwrap();
    assert_eq!((f.creates, f.items.len()), (1, 1), "created once");
}

#[tokio::test]
async fn a_refused_push_fails_at_once_and_can_be_retried() {
    let (endpoint, fake) = fake_lazada(vec![]).await;
    // A wrong app secret: Lazada refuses the signature.
    let app = app_with_lazada(&endpoint, "wrong-secret").await;
    let listing = ready_listing(&app).await;
    let (s, job) = app
        .post(
            &app.admin,
            &format!("/api/v1/listings/{listing}/pushes"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let failed = settled(&app, &listing).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["attempts"], 1, "a refusal is not retried");
    assert!(
        failed["last_error"]
            .as_str()
            .unwrap()
            .contains("IncompleteSignature"),
        "{failed}"
    );
    assert!(fake.lock().unwrap().bad_signatures >= 1);
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/pushes/{}/retry", job["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{b}");
    assert_eq!(b["status"], "pending");
    // Postmart has no API.
    let (_, l) = app
        .get(&app.admin, &format!("/api/v1/listings/{listing}"))
        .await;
    let product = l["product_id"].as_str().unwrap();
    let (_, pm) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/listings"),
            json!({"marketplace": "postmart", "price_vnd": 1000, "stock": 1}),
        )
        .await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/listings/{}/pushes", pm["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "no_seller_api");
}

/// A fake Shopee: checks every signature, takes images as multipart, refuses the first
/// access token once (it expired), renews it with the refresh token.
#[derive(Default)]
struct FakeShopee {
    tokens_seen: Vec<String>,
    images: usize,
    items: usize,
    /// (call, item id) of every update.
    updates: Vec<(String, i64)>,
    bad_signatures: usize,
}

async fn fake_shopee(
    partner_id: &'static str,
    key: &'static str,
) -> (String, Arc<Mutex<FakeShopee>>) {
    use axum::extract::{Query, State};
    use axum::http::Uri;
    use axum::response::IntoResponse;
    use ocop_trace::marketplace::api::shopee;
    type S = Arc<Mutex<FakeShopee>>;
    let state: S = Arc::default();
    fn check(
        s: &S,
        uri: &Uri,
        q: &BTreeMap<String, String>,
        shop_level: bool,
        partner_id: &str,
        key: &str,
    ) -> bool {
        let ts: i64 = q.get("timestamp").and_then(|t| t.parse().ok()).unwrap_or(0);
        let shop = shop_level.then(|| (q["access_token"].as_str(), q["shop_id"].as_str()));
        let base = shopee::base_string(partner_id, uri.path(), ts, shop);
        let ok = q.get("partner_id").map(String::as_str) == Some(partner_id)
            && q.get("sign") == Some(&shopee::sign(key, &base));
        if !ok {
            s.lock().unwrap().bad_signatures += 1;
        }
        ok
    }
    let bad =
        || axum::Json(json!({"error": "error_sign", "message": "Wrong sign."})).into_response();
    let app = axum::Router::new()
        .route(
            "/api/v2/media_space/upload_image",
            axum::routing::post(move |State(s): State<S>, uri: Uri, Query(q): Query<BTreeMap<String, String>>, mut form: axum::extract::Multipart| async move {
                if !check(&s, &uri, &q, false, partner_id, key) {
                    return bad();
                }
                let field = form.next_field().await.unwrap().unwrap();
                assert_eq!(field.name(), Some("image"));
                assert!(image::load_from_memory(&field.bytes().await.unwrap()).is_ok());
                s.lock().unwrap().images += 1;
                axum::Json(json!({"error": "", "response": {"image_info": {"image_id": "sg-11134201-7rbk0"}}})).into_response()
            }),
        )
        .route(
            "/api/v2/auth/access_token/get",
            axum::routing::post(move |State(s): State<S>, uri: Uri, Query(q): Query<BTreeMap<String, String>>, axum::Json(b): axum::Json<Value>| async move {
                if !check(&s, &uri, &q, false, partner_id, key) {
                    return bad();
                }
                assert_eq!(b["refresh_token"], "refresh-1");
                axum::Json(json!({"error": "", "access_token": "token-2", "refresh_token": "refresh-2", "expire_in": 14400})).into_response()
            }),
        )
        .route(
            "/api/v2/product/add_item",
            axum::routing::post(move |State(s): State<S>, uri: Uri, Query(q): Query<BTreeMap<String, String>>, axum::Json(b): axum::Json<Value>| async move {
                if !check(&s, &uri, &q, true, partner_id, key) {
                    return bad();
                }
                let mut f = s.lock().unwrap();
                f.tokens_seen.push(q["access_token"].clone());
                if q["access_token"] == "token-1" {
                    return axum::Json(json!({"error": "error_auth", "message": "Invalid access_token."})).into_response();
                }
                assert_eq!(b["image"]["image_id_list"][0], "sg-11134201-7rbk0");
                assert!(b["item_sku"].as_str().unwrap().starts_with("OCOP-"));
                f.items += 1;
                axum::Json(json!({"error": "", "response": {"item_id": 800000 + f.items}})).into_response()
            }),
        )
        .route(
            "/api/v2/product/{call}",
            axum::routing::post(move |State(s): State<S>, uri: Uri, axum::extract::Path(call): axum::extract::Path<String>, Query(q): Query<BTreeMap<String, String>>, axum::Json(b): axum::Json<Value>| async move {
                if !check(&s, &uri, &q, true, partner_id, key) {
                    return bad();
                }
                let mut f = s.lock().unwrap();
                f.tokens_seen.push(q["access_token"].clone());
                f.updates.push((call, b["item_id"].as_i64().unwrap()));
                axum::Json(json!({"error": "", "response": {}})).into_response()
            }),
        )
        .with_state(state.clone());
    (serve(app).await, state)
}

#[tokio::test]
async fn shopee_pushes_are_signed_upload_images_and_renew_an_expired_token() {
    let (endpoint, fake) = fake_shopee("2001887", "shopee-partner-key").await;
    let app = TestApp::spawn_with(move |s| {
        connect_api(s, "shopee", &endpoint, "2001887", "shopee-partner-key");
    })
    .await;
    let (org, listing) = listed(
        &app,
        "HTX Trà Tân Cương",
        json!({"name": "Trà xanh Tân Cương", "unit": "gói", "ocop_group": "beverage"}),
        json!({"marketplace": "shopee", "price_vnd": 120000, "stock": 30, "package": {"length_cm": 15, "width_cm": 10, "height_cm": 5, "weight_g": 250}}),
    )
    .await;
    connect_shop(
        &app,
        &org,
        "shopee",
        json!({"shop_id": "1814063", "access_token": "token-1", "refresh_token": "refresh-1"}),
    )
    .await;
    let (s, _) = app
        .post(
            &app.admin,
            &format!("/api/v1/listings/{listing}/pushes"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let done = settled(&app, &listing).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["external_id"], "800001");

    // A new version (the price changed) is queued by itself and updates the item — with the
    // renewed token, which the outbox kept.
    let first = done["id"].clone();
    let (s, _) = app
        .patch(
            &app.admin,
            &format!("/api/v1/listings/{listing}"),
            json!({"price_vnd": 125000}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let done = settled(&app, &listing).await;
    assert_eq!(
        pushes(&app, &listing).await.len(),
        2,
        "the change queued an update"
    );
    assert_ne!(done["id"], first, "a new version is a new push");
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["history"][0]["detail"], "updated");
    assert_eq!(done["external_id"], "800001");
    // The shop's tokens are sealed in the database: neither the first nor the renewed one
    // appears in it.
    {
        use sea_orm::EntityTrait;
        let row = entity::marketplace_account::Entity::find()
            .one(app.db.read())
            .await
            .unwrap()
            .unwrap();
        assert!(row.access_token.starts_with("v1:"), "{}", row.access_token);
        for token in ["token-1", "token-2", "refresh-1", "refresh-2"] {
            assert!(!row.access_token.contains(token));
            assert!(
                !row.refresh_token
                    .clone()
                    .unwrap_or_default()
                    .contains(token)
            );
        }
    }
    let f = fake.lock().unwrap();
    assert_eq!(
        f.tokens_seen,
        ["token-1", "token-2", "token-2", "token-2", "token-2"]
    );
    let calls: Vec<&str> = f.updates.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(calls, ["update_item", "update_price", "update_stock"]);
    assert!(f.updates.iter().all(|(_, id)| *id == 800001));
    assert_eq!(
        (f.items, f.bad_signatures),
        (1, 0),
        "one item, updated, never re-created"
    );
}

/// A marketplace token reached `outbox_jobs.last_error`, `outbox_attempts.detail` and the
/// pushes an inspector reads, quoted in the request URL of the HTTP client's error. For each
/// marketplace client: a marketplace that echoes the whole request in its refusal, and one
/// that cannot be reached at all; neither the shop's tokens nor the app's secret are kept.
#[tokio::test]
async fn no_marketplace_error_keeps_a_token_or_a_secret() {
    use axum::response::IntoResponse;
    // Echoes the request's URI and body back in a 400.
    let echo = serve(axum::Router::new().fallback(
        // Bytes, not String: Shopee's first call uploads an image as multipart.
        |uri: axum::http::Uri, body: bytes::Bytes| async move {
            let body = String::from_utf8_lossy(&body[..body.len().min(2000)]).into_owned();
            (
                axum::http::StatusCode::BAD_REQUEST,
                format!("bad request {uri} {body}"),
            )
                .into_response()
        },
    ))
    .await;
    // Nothing listens here once the listener is dropped.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    const TOKEN: &str = "shop-token-SECRET-1";
    const REFRESH: &str = "shop-refresh-SECRET-2";
    const APP_SECRET: &str = "app-secret-SECRET-3";
    for (marketplace, endpoint) in [
        ("lazada", &echo),
        ("shopee", &echo),
        ("tiki", &echo),
        ("lazada", &closed),
        ("shopee", &closed),
        ("tiki", &closed),
    ] {
        let target = endpoint.clone();
        let app = TestApp::spawn_with(move |s| {
            connect_api(s, marketplace, &target, "2001887", APP_SECRET);
        })
        .await;
        let (org, listing) = listed(
            &app,
            "HTX Trà Tân Cương",
            json!({"name": "Trà xanh Tân Cương", "unit": "gói", "ocop_group": "beverage"}),
            json!({"marketplace": marketplace, "price_vnd": 120000, "stock": 30, "package": {"length_cm": 15, "width_cm": 10, "height_cm": 5, "weight_g": 250}}),
        )
        .await;
        connect_shop(
            &app,
            &org,
            marketplace,
            json!({"shop_id": "1814063", "access_token": TOKEN, "refresh_token": REFRESH}),
        )
        .await;
        let (s, _) = app
            .post(
                &app.admin,
                &format!("/api/v1/listings/{listing}/pushes"),
                json!({}),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED);
        outbox::drain(&app.state.outbox).await.unwrap();
        let seen = pushes(&app, &listing).await;
        assert!(
            seen[0]["last_error"].is_string(),
            "{marketplace} at {endpoint}: no error recorded"
        );
        let shown = Value::from(seen).to_string();
        let stored = stored_errors(&app).await;
        for secret in [TOKEN, REFRESH, APP_SECRET] {
            assert!(
                !shown.contains(secret),
                "{marketplace}: {secret} in {shown}"
            );
            assert!(
                !stored.contains(secret),
                "{marketplace}: {secret} in {stored}"
            );
        }
        if *endpoint == echo {
            // The echoed request reached the stored error, so the checks above saw it.
            assert!(shown.contains("bad request /"), "{marketplace}: {shown}");
        }
    }
}

/// Every error text the outbox keeps, as one string.
async fn stored_errors(app: &TestApp) -> String {
    use sea_orm::ConnectionTrait;
    let conn = app.db.read();
    let backend = conn.get_database_backend();
    let mut all = String::new();
    for q in [
        "SELECT last_error AS t FROM outbox_jobs",
        "SELECT detail AS t FROM outbox_attempts",
    ] {
        for row in conn
            .query_all_raw(sea_orm::Statement::from_string(backend, q))
            .await
            .unwrap()
        {
            all.push_str(
                &row.try_get::<Option<String>>("", "t")
                    .unwrap()
                    .unwrap_or_default(),
            );
            all.push('\n');
        }
    }
    all
}

/// With the worker on, as in production, a push goes out by itself: nothing but the app runs
/// the outbox. The one test here that waits: for a background task, woken by the push.
#[tokio::test]
async fn the_apps_own_worker_sends_a_push_by_itself() {
    let (endpoint, fake) = fake_lazada(vec![]).await;
    let app = TestApp::spawn_with(move |s| {
        connect_api(s, "lazada", &endpoint, KEY, SECRET);
        s.outbox_worker = true;
    })
    .await;
    let listing = ready_listing(&app).await;
    let (s, _) = app
        .post(
            &app.admin,
            &format!("/api/v1/listings/{listing}/pushes"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let mut newest = Value::Null;
    for _ in 0..200 {
        newest = pushes(&app, &listing).await.remove(0);
        if newest["status"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(newest["status"], "done", "{newest}");
    assert_eq!(fake.lock().unwrap().items.len(), 1);
}
