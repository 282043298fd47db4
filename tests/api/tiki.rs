//! Pushing listings to a (fake) Tiki: a push is a product request that Tiki reviews. The fake
//! checks the Bearer token and renews it only for the app's client id and secret; it walks
//! each request through the review states the test scripts. A rejected request is answered
//! with a new one, an update waits for the review, and an approved product's price and stock
//! change without a new request.
//!
//! The tests run the outbox by hand (the app's worker is off): [`review_turn`] moves the
//! outbox's clock on by the review interval, asks Tiki how its reviews stand and runs what is
//! due, as the worker would every interval.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use ocop_trace::services::outbox;

use crate::outbox::{connect_api, connect_shop, listed, pushes, serve, settled};

const CLIENT_ID: &str = "7590139168389961";
const CLIENT_SECRET: &str = "tiki-client-secret";
const REJECTION: &str = "Image does not match product name";

#[derive(Default)]
struct FakeTiki {
    /// The review states each request walks through, one per tracking call (the last one
    /// stays), by request number.
    plans: Vec<Vec<&'static str>>,
    /// Bodies of the product requests, in order (track id `trk-<n>`, from 1).
    requests: Vec<Value>,
    /// Tracking calls so far, by request number.
    polls: BTreeMap<String, usize>,
    updates: Vec<Value>,
    tokens_seen: Vec<String>,
    renewals: usize,
    /// Take the first request, then answer too late for the client.
    lose_first_answer: bool,
}

type Shared = Arc<Mutex<FakeTiki>>;

impl FakeTiki {
    /// Request `n`'s state at this poll of it, and the reason when it is rejected.
    fn poll(&mut self, n: usize) -> (&'static str, Option<&'static str>) {
        let poll = {
            let p = self.polls.entry(n.to_string()).or_default();
            *p += 1;
            *p
        };
        let plan = &self.plans[n - 1];
        let state = plan[(poll - 1).min(plan.len() - 1)];
        (state, (state == "rejected").then_some(REJECTION))
    }
}

async fn fake_tiki(plans: Vec<Vec<&'static str>>, lose_first_answer: bool) -> (String, Shared) {
    use axum::extract::{Form, Path, State};
    use axum::http::HeaderMap;
    use axum::response::{IntoResponse, Response};
    let state: Shared = Arc::new(Mutex::new(FakeTiki {
        plans,
        lose_first_answer,
        ..Default::default()
    }));
    /// The valid token is `tiki-2`, which only a renewal hands out.
    fn refused(s: &Shared, headers: &HeaderMap) -> Option<Response> {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default()
            .to_owned();
        let ok = token == "tiki-2";
        s.lock().unwrap().tokens_seen.push(token);
        (!ok).then(|| {
            (
                axum::http::StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": "invalid_token"})),
            )
                .into_response()
        })
    }
    let app = axum::Router::new()
        .route(
            "/sc/oauth2/token",
            axum::routing::post(
                |State(s): State<Shared>,
                 headers: HeaderMap,
                 Form(f): Form<BTreeMap<String, String>>| async move {
                    let basic = data_encoding::BASE64
                        .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}").as_bytes());
                    let ok = headers.get("authorization").and_then(|v| v.to_str().ok())
                        == Some(format!("Basic {basic}").as_str())
                        && f.get("grant_type").map(String::as_str) == Some("refresh_token")
                        && f.get("refresh_token").map(String::as_str) == Some("refresh-1");
                    if !ok {
                        return (
                            axum::http::StatusCode::UNAUTHORIZED,
                            axum::Json(json!({"error": "invalid_client"})),
                        )
                            .into_response();
                    }
                    s.lock().unwrap().renewals += 1;
                    axum::Json(json!({"access_token": "tiki-2", "refresh_token": "refresh-2", "expires_in": 14400, "token_type": "bearer"})).into_response()
                },
            ),
        )
        .route(
            "/integration/v2.1/requests",
            axum::routing::post(
                |State(s): State<Shared>, headers: HeaderMap, axum::Json(b): axum::Json<Value>| async move {
                    if let Some(r) = refused(&s, &headers) {
                        return r;
                    }
                    // What Tiki needs to take the request.
                    assert!(b["category_id"].is_i64(), "{b}");
                    assert!(b["image"].as_str().unwrap().contains("/media/"), "{b}");
                    assert!(b["variants"][0]["sku"].as_str().unwrap().starts_with("OCOP-"));
                    assert!(b["description"].as_str().unwrap().starts_with("<p>"));
                    let (n, lose) = {
                        let mut f = s.lock().unwrap();
                        f.requests.push(b);
                        (f.requests.len(), std::mem::take(&mut f.lose_first_answer))
                    };
                    if lose {
                        tokio::time::sleep(Duration::from_secs(4)).await;
                    }
                    axum::Json(json!({"track_id": format!("trk-{n}"), "state": "queuing"})).into_response()
                },
            ),
        )
        .route(
            "/integration/v2/tracking/{track_id}",
            axum::routing::get(
                |State(s): State<Shared>, headers: HeaderMap, Path(track_id): Path<String>| async move {
                    if let Some(r) = refused(&s, &headers) {
                        return r;
                    }
                    let n: usize = track_id.trim_start_matches("trk-").parse().unwrap();
                    let (state, reason) = s.lock().unwrap().poll(n);
                    axum::Json(json!({"track_id": track_id, "state": state, "reason": reason})).into_response()
                },
            ),
        )
        .route(
            "/integration/v2/requests/findBy",
            axum::routing::get(
                |State(s): State<Shared>,
                 headers: HeaderMap,
                 axum::extract::Query(q): axum::extract::Query<BTreeMap<String, String>>| async move {
                    if let Some(r) = refused(&s, &headers) {
                        return r;
                    }
                    let f = s.lock().unwrap();
                    // Requests by id, as Tiki lists them (no track id).
                    let data: Vec<Value> = f
                        .requests
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| b["variants"][0]["sku"] == q["original_sku"].as_str())
                        .map(|(i, _)| json!({"request_id": format!("{}", 1115 + i + 1), "state": "queuing", "kind": "create_product"}))
                        .collect();
                    axum::Json(json!({"data": data, "paging": {"total": data.len()}})).into_response()
                },
            ),
        )
        .route(
            "/integration/v2/requests/{request_id}",
            axum::routing::get(
                |State(s): State<Shared>, headers: HeaderMap, Path(id): Path<usize>| async move {
                    if let Some(r) = refused(&s, &headers) {
                        return r;
                    }
                    let (state, reason) = s.lock().unwrap().poll(id - 1115);
                    axum::Json(json!({"data": [{"request_id": id.to_string(), "state": state, "reasons": reason.map(|r| vec![r])}]})).into_response()
                },
            ),
        )
        .route(
            "/integration/v2/products/updateSku",
            axum::routing::put(
                |State(s): State<Shared>, headers: HeaderMap, axum::Json(b): axum::Json<Value>| async move {
                    if let Some(r) = refused(&s, &headers) {
                        return r;
                    }
                    s.lock().unwrap().updates.push(b);
                    axum::Json(json!({"state": "approved"})).into_response()
                },
            ),
        )
        .with_state(state.clone());
    (serve(app).await, state)
}

/// An app pushing to the fake Tiki at `endpoint`, with a ready Tiki listing whose shop is
/// connected with an expired token (the first call is refused, the token renewed once).
async fn app_with_a_tiki_listing(endpoint: &str) -> (TestApp, String) {
    let endpoint = endpoint.to_owned();
    let app = TestApp::spawn_with(move |s| {
        connect_api(s, "tiki", &endpoint, CLIENT_ID, CLIENT_SECRET);
    })
    .await;
    let (org, listing) = listed(
        &app,
        "HTX Nước mắm Phú Quốc",
        json!({"name": "Nước mắm cá cơm 40 độ đạm", "unit": "chai", "ocop_group": "food"}),
        json!({"marketplace": "tiki", "price_vnd": 150000, "stock": 20, "package": {"length_cm": 8, "width_cm": 8, "height_cm": 30, "weight_g": 900}}),
    )
    .await;
    connect_shop(
        &app,
        &org,
        "tiki",
        json!({"shop_id": "1034", "access_token": "tiki-1", "refresh_token": "refresh-1"}),
    )
    .await;
    (app, listing)
}

/// Settles the listing's newest push, which must be its `n`th.
async fn nth_push(app: &TestApp, listing: &str, n: usize) -> Value {
    let push = settled(app, listing).await;
    assert_eq!(pushes(app, listing).await.len(), n, "{push}");
    push
}

/// What the worker does each review interval: asks how pending reviews stand, then runs the
/// jobs that are due (those a decision released among them).
async fn review_turn(app: &TestApp) {
    let o = &app.state.outbox;
    o.clock.advance(o.review_every);
    outbox::poll_reviews(o).await.unwrap();
    outbox::drain(o).await.unwrap();
}

/// Review turns until the listing's status is `want`; returns it and every status seen.
async fn listing_until(app: &TestApp, listing: &str, want: &str) -> (Value, Vec<String>) {
    let mut seen = Vec::new();
    for _ in 0..20 {
        let (_, l) = app
            .get(&app.admin, &format!("/api/v1/listings/{listing}"))
            .await;
        let status = l["status"].as_str().unwrap().to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == want {
            return (l, seen);
        }
        review_turn(app).await;
    }
    panic!("the listing never became {want}: {seen:?}");
}

#[tokio::test]
async fn a_tiki_push_is_a_reviewed_request_answered_again_after_a_rejection_and_updated_once_approved()
 {
    let pending = "awaiting_approve";
    let (endpoint, fake) = fake_tiki(
        vec![
            vec![
                "processing",
                "bot_awaiting_approve",
                pending,
                pending,
                pending,
                "rejected",
            ],
            vec![pending, pending, pending, pending, "approved"],
        ],
        false,
    )
    .await;
    let (app, listing) = app_with_a_tiki_listing(&endpoint).await;
    let (s, _) = app
        .post(
            &app.admin,
            &format!("/api/v1/listings/{listing}/pushes"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let first = nth_push(&app, &listing, 1).await;
    assert_eq!(first["status"], "done", "{first}");
    assert_eq!(first["external_id"], "trk-1");
    assert_eq!(
        first["history"][0]["detail"],
        "created; the marketplace's review: queuing"
    );

    // Tiki reviews it, then rejects it; the listing shows the review and Tiki's reason.
    let (l, seen) = listing_until(&app, &listing, "rejected").await;
    assert!(seen.contains(&"in_review".to_owned()), "{seen:?}");
    assert_eq!(l["review"]["state"], "rejected");
    assert_eq!(l["review"]["detail"], REJECTION);

    // The cooperative changes the listing: a rejected request cannot be amended, so the new
    // version is a new request.
    let (s, _) = app
        .patch(
            &app.admin,
            &format!("/api/v1/listings/{listing}"),
            json!({"price_vnd": 155000}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let second = nth_push(&app, &listing, 2).await;
    assert_eq!(second["status"], "done", "{second}");
    assert_eq!(second["external_id"], "trk-2");
    assert_eq!(
        second["history"][0]["detail"],
        "updated; the marketplace's review: queuing"
    );

    // A change while Tiki is still reviewing waits for the decision (no attempt is spent),
    // then goes out as a price and stock update of the approved product.
    let (s, _) = app
        .patch(
            &app.admin,
            &format!("/api/v1/listings/{listing}"),
            json!({"stock": 25}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    outbox::drain(&app.state.outbox).await.unwrap();
    let waiting = pushes(&app, &listing).await.remove(0);
    assert_eq!(waiting["status"], "pending", "{waiting}");
    assert_eq!(
        waiting["attempts"], 0,
        "waiting spends no attempt: {waiting}"
    );
    assert!(
        waiting["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("waiting for the marketplace's review")),
        "{waiting}"
    );
    let (l, _) = listing_until(&app, &listing, "live").await;
    let newest = pushes(&app, &listing).await.remove(0);
    assert_eq!(newest["status"], "done", "{newest}");
    assert_eq!(newest["attempts"], 1, "{newest}");
    assert_eq!(
        newest["history"][0]["detail"],
        "updated; the marketplace's review: approved"
    );
    assert_eq!(l["review"]["state"], "approved");
    assert_eq!(l["review"]["detail"], Value::Null);

    let f = fake.lock().unwrap();
    assert_eq!(
        f.requests.len(),
        2,
        "one request per rejection, none for the update"
    );
    assert_eq!(f.requests[0]["variants"][0]["price"], 150000);
    assert_eq!(f.requests[1]["variants"][0]["price"], 155000);
    assert_eq!(
        f.requests[1]["variants"][0]["warehouse_quantities"],
        json!([{"warehouse_id": 1034, "qty_available": 20}])
    );
    assert_eq!(f.updates.len(), 1, "{:?}", f.updates);
    assert_eq!(
        f.updates[0]["original_sku"],
        f.requests[0]["variants"][0]["sku"]
    );
    assert_eq!(f.updates[0]["price"], 155000);
    assert_eq!(
        f.updates[0]["warehouse_quantities"],
        json!([{"warehouse_id": 1034, "qty_available": 25}])
    );
    assert_eq!(f.renewals, 1, "the token was renewed once and kept");
    assert_eq!(f.tokens_seen[0], "tiki-1");
    assert!(
        f.tokens_seen[1..].iter().all(|t| t == "tiki-2"),
        "{:?}",
        f.tokens_seen
    );
}

#[tokio::test]
async fn a_lost_answer_from_tiki_is_reconciled_by_sku_not_sent_again() {
    let (endpoint, fake) = fake_tiki(vec![vec!["processing", "approved"]], true).await;
    let (app, listing) = app_with_a_tiki_listing(&endpoint).await;
    let (s, _) = app
        .post(
            &app.admin,
            &format!("/api/v1/listings/{listing}/pushes"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let done = nth_push(&app, &listing, 1).await;
    assert_eq!(done["status"], "done", "{done}");
    let outcomes: Vec<&str> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["unknown", "ok"], "{done}");
    assert_eq!(
        done["history"][1]["detail"],
        "found the item an interrupted attempt had created; the marketplace's review: processing"
    );
    // Found by SKU, the request is named by its id and followed through Tiki's requests API.
    assert_eq!(done["external_id"], "request:1116");
    let (l, _) = listing_until(&app, &listing, "live").await;
    assert_eq!(l["review"]["state"], "approved");
    assert_eq!(fake.lock().unwrap().requests.len(), 1, "sent once");
}
