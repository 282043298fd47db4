//! Pushing a batch's EPCIS events to the traceability portal (issue 19) through the outbox: a
//! fake portal checks every document against GS1's EPCIS 2.0 schema and our token, and
//! scripts a 503, an answer that comes too late and a refusal; every event arrives, none is
//! recorded twice, and a second push sends only what changed.
//!
//! The app's worker is off: each test runs the outbox by hand, moving its clock to the next
//! attempt's time instead of sleeping.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use ocop_trace::services::outbox::{self, MAX_ATTEMPTS};

use crate::epcis::{document, events, lot};
use crate::helpers::{TestApp, assert_problem};
use crate::outbox::serve;

const TOKEN: &str = "portal-token-3f9a1c";

/// What the fake portal does with each capture in turn (then: accept).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Step {
    Unavailable,
    /// Takes the events, then answers after the client has given up.
    AnswerLate,
    /// Refuses the document, quoting our token back.
    Refuse,
}

#[derive(Default)]
pub(crate) struct Portal {
    script: Vec<Step>,
    /// Event IDs of each document taken, in order.
    pub(crate) taken: Vec<Vec<String>>,
    requests: usize,
}

type Shared = Arc<Mutex<Portal>>;

pub(crate) async fn fake_portal(script: Vec<Step>) -> (String, Shared) {
    use axum::http::{HeaderMap, StatusCode as S};
    use axum::response::IntoResponse;
    let state: Shared = Arc::new(Mutex::new(Portal {
        script: script.into_iter().rev().collect(),
        ..Default::default()
    }));
    let capture = |axum::extract::State(s): axum::extract::State<Shared>,
                   headers: HeaderMap,
                   body: axum::body::Bytes| async move {
        let step = {
            let mut p = s.lock().unwrap();
            p.requests += 1;
            p.script.pop()
        };
        if headers["authorization"] != format!("Bearer {TOKEN}").as_str() {
            return (S::UNAUTHORIZED, "who are you").into_response();
        }
        assert_eq!(headers["content-type"], "application/ld+json");
        assert_eq!(headers["gs1-epcis-version"], "2.0.0");
        assert!(headers.contains_key("idempotency-key"));
        let doc: Value = serde_json::from_slice(&body).unwrap();
        // What the portal checks first: the standard's own schema.
        let problems = ocop_trace::epcis::capture::check_schema(&doc).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let ids: Vec<String> = doc["epcisBody"]["eventList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["eventID"].as_str().unwrap().to_owned())
            .collect();
        match step {
            Some(Step::Unavailable) => {
                return (
                    S::SERVICE_UNAVAILABLE,
                    [("retry-after", "30")],
                    "maintenance",
                )
                    .into_response();
            }
            Some(Step::Refuse) => {
                return (S::BAD_REQUEST, format!("{{\"title\":\"sender not registered\",\"detail\":\"token {TOKEN} is not known\"}}")).into_response();
            }
            _ => {}
        }
        let n = {
            let mut p = s.lock().unwrap();
            p.taken.push(ids);
            p.taken.len()
        };
        if matches!(step, Some(Step::AnswerLate)) {
            tokio::time::sleep(Duration::from_secs(4)).await;
        }
        (S::ACCEPTED, [("location", format!("/capture/{n}"))]).into_response()
    };
    let app = axum::Router::new()
        .route("/capture", axum::routing::post(capture))
        .with_state(state.clone());
    (serve(app).await, state)
}

pub(crate) async fn app_with_portal(base: &str) -> TestApp {
    let url = format!("{base}/capture");
    TestApp::spawn_with(move |s| {
        s.portal = Some(outbox::PortalConfig {
            capture_url: url::Url::parse(&url).unwrap(),
            token: Some(TOKEN.into()),
        });
        s.outbox_worker = false;
        s.marketplace_timeout = Duration::from_secs(1);
    })
    .await
}

async fn pushes(app: &TestApp, batch: &str) -> Vec<Value> {
    let (s, list) = app
        .get(
            &app.admin,
            &format!("/api/v1/batches/{batch}/portal-pushes"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

/// Runs the outbox until the batch's newest push is done or failed, moving the clock to each
/// retry's time.
async fn settled(app: &TestApp, batch: &str) -> Value {
    let outbox = &app.state.outbox;
    for _ in 0..=MAX_ATTEMPTS {
        outbox::drain(outbox).await.unwrap();
        let newest = pushes(app, batch).await.remove(0);
        if matches!(newest["status"].as_str(), Some("done" | "failed")) {
            return newest;
        }
        assert_eq!(newest["status"], "pending", "{newest}");
        let next: chrono::DateTime<chrono::Utc> =
            serde_json::from_value(newest["next_attempt_at"].clone()).unwrap();
        outbox.clock.advance_to(next);
    }
    panic!("the push did not settle in {MAX_ATTEMPTS} attempts");
}

async fn push(app: &TestApp, batch: &str) -> Value {
    let (s, p) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/portal-pushes"),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{p}");
    p
}

async fn event_ids(app: &TestApp, batch: &str) -> BTreeSet<String> {
    let (s, doc) = document(
        app,
        Some(&app.admin),
        &format!("/epcis/documents/batches/{batch}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    events(&doc)
        .iter()
        .map(|e| e["eventID"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batchs_events_reach_the_portal_through_an_outage_and_a_lost_answer_and_only_changes_go_again()
 {
    let (base, portal) = fake_portal(vec![Step::Unavailable, Step::AnswerLate]).await;
    let app = app_with_portal(&base).await;
    let lot = lot(&app).await;
    let first = push(&app, &lot.batch).await;
    assert_eq!(first["status"], "pending");
    // Pushing again while the push waits gives the same push.
    assert_eq!(push(&app, &lot.batch).await["id"], first["id"]);

    let done = settled(&app, &lot.batch).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["id"], first["id"]);
    let history = done["history"].as_array().unwrap();
    let outcomes: Vec<&str> = history
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["retry", "unknown", "ok"], "{done}");
    assert_eq!(history[0]["http_status"], 503);
    assert!(
        history[2]["detail"]
            .as_str()
            .unwrap()
            .contains("/capture/2"),
        "{done}"
    );
    // The 503's Retry-After (30 s) set the second attempt's time.
    let (a0, a1): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) = (
        serde_json::from_value(history[0]["started_at"].clone()).unwrap(),
        serde_json::from_value(history[1]["started_at"].clone()).unwrap(),
    );
    assert!(a1 - a0 >= chrono::TimeDelta::seconds(30));

    // The portal has every event of the batch: the late answer's document was sent again
    // whole (the portal deduplicates by event ID), and we count each event once.
    let ours = event_ids(&app, &lot.batch).await;
    let taken = portal.lock().unwrap().taken.clone();
    assert_eq!(taken.len(), 2);
    assert_eq!(taken[0], taken[1]);
    assert_eq!(taken[1].iter().cloned().collect::<BTreeSet<_>>(), ours);
    assert_eq!(done["events_sent"], ours.len());

    // A correction of the spraying: the correcting entry and the spraying, now declared in
    // error, go; nothing else.
    let (s, e) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{}/events", lot.batch),
            json!({"kind": "spraying", "occurred_at": "2026-02-10T06:30:00+07:00", "corrects": lot.spraying,
                "details": {"inputs": [{"product": "Anvil 5SC", "dose": 1.0, "dose_unit": "ml/l", "phi_days": 7}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let second = push(&app, &lot.batch).await;
    assert_ne!(second["id"], first["id"]);
    let done = settled(&app, &lot.batch).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["events_sent"], 2);
    let last = portal.lock().unwrap().taken.last().unwrap().clone();
    assert_eq!(last.len(), 2);
    let now = event_ids(&app, &lot.batch).await;
    assert_eq!(now.len(), ours.len() + 1);
    assert!(last.iter().all(|id| now.contains(id)));
    assert_eq!(last.iter().filter(|id| !ours.contains(*id)).count(), 1);

    // Nothing new: the push is done without a request.
    let before = portal.lock().unwrap().requests;
    push(&app, &lot.batch).await;
    let done = settled(&app, &lot.batch).await;
    assert_eq!(done["events_sent"], 0);
    assert!(
        done["history"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("nothing to send")
    );
    assert_eq!(portal.lock().unwrap().requests, before);
    assert_eq!(pushes(&app, &lot.batch).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_fails_the_push_with_the_portals_words_but_never_our_token() {
    let (base, portal) = fake_portal(vec![Step::Refuse]).await;
    let app = app_with_portal(&base).await;
    let lot = lot(&app).await;
    push(&app, &lot.batch).await;
    let failed = settled(&app, &lot.batch).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["attempts"], 1);
    let error = failed["last_error"].as_str().unwrap();
    assert!(
        error.contains("HTTP 400") && error.contains("sender not registered"),
        "{error}"
    );
    assert!(!error.contains(TOKEN), "{error}");
    assert!(error.contains("[redacted]"), "{error}");
    assert!(portal.lock().unwrap().taken.is_empty());

    // Pushed again (the operator fixed the registration): a new push, and it goes through.
    let again = push(&app, &lot.batch).await;
    assert_ne!(again["id"], failed["id"]);
    assert_eq!(settled(&app, &lot.batch).await["status"], "done");
    assert_eq!(portal.lock().unwrap().taken.len(), 1);

    // Who may: an inspector reads the pushes but may not push; other organizations see no batch.
    let inspector = app.token_for(&lot.org, "inspector").await;
    let (s, _) = app
        .get(
            &inspector,
            &format!("/api/v1/batches/{}/portal-pushes", lot.batch),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = app
        .post(
            &inspector,
            &format!("/api/v1/batches/{}/portal-pushes", lot.batch),
            json!({}),
        )
        .await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
    let other = app.create_organization("HTX khác").await;
    let stranger = app.token_for(&other, "owner").await;
    let (s, b) = app
        .get(
            &stranger,
            &format!("/api/v1/batches/{}/portal-pushes", lot.batch),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_portal_configured_a_push_says_so() {
    let app = TestApp::spawn().await;
    let lot = lot(&app).await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{}/portal-pushes", lot.batch),
            json!({}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "portal_not_configured");
    assert!(pushes(&app, &lot.batch).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_pushes_a_lot_to_the_portal_and_shows_where_it_stands() {
    use crate::console::{Browser, csrf, member, texts};
    let (base, portal) = fake_portal(vec![Step::Unavailable]).await;
    let app = app_with_portal(&base).await;
    let lot = lot(&app).await;
    let page = format!("/console/batches/{}", lot.batch);

    let manager = member(&app, &lot.org, "0933333333", "manager").await;
    let mut b = Browser::new(&app);
    b.sign_in(&manager, "mật khẩu an toàn").await;
    let p = b.get(&page).await;
    assert_eq!(p.status, StatusCode::OK);
    let share = texts(&p.body, "#share").join(" ");
    assert!(
        share.contains("Cổng truy xuất nguồn gốc") && share.contains("chưa được gửi lên cổng"),
        "{share}"
    );
    let token = csrf(&p.body);
    let p = b
        .post(
            &format!("{page}/portal-push"),
            &[("csrf", &token)],
            Default::default(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = b.get(p.location.as_deref().unwrap()).await;
    assert!(
        p.body.contains("Đã xếp lô vào hàng gửi lên cổng"),
        "{}",
        p.body
    );
    assert!(texts(&p.body, "#share").join(" ").contains("Đang chờ gửi"));

    // The portal is down: the page says so, in the portal's words.
    outbox::drain(&app.state.outbox).await.unwrap();
    let share = texts(&b.get(&page).await.body, "#share").join(" ");
    assert!(
        share.contains("Đang chờ gửi")
            && share.contains("HTTP 503")
            && share.contains("maintenance"),
        "{share}"
    );
    let done = settled(&app, &lot.batch).await;
    let share = texts(&b.get(&format!("{page}?lang=en")).await.body, "#share").join(" ");
    assert!(
        share.contains(&format!(
            "{} events accepted by the portal",
            done["events_sent"]
        )),
        "{share}"
    );
    assert!(
        !share.contains("HTTP 503"),
        "the error is gone once done: {share}"
    );
    assert_eq!(portal.lock().unwrap().taken.len(), 1);

    // An inspector sees the status but has no button.
    let inspector = member(&app, &lot.org, "0933333334", "inspector").await;
    let mut i = Browser::new(&app);
    i.sign_in(&inspector, "mật khẩu an toàn").await;
    let p = i.get(&page).await;
    assert!(texts(&p.body, "#share").join(" ").contains("Đã gửi"));
    assert!(!p.body.contains("/portal-push"));
}
