//! Voiding stamps: ledger records, statuses, precise refusals, and `verify` on statuses.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_field_error, assert_problem};
use crate::ledger::{checkpoint_covering, verify};
use crate::stamps::{all_stamps, batch, run_of};

fn statuses(stamps: &[Value]) -> Vec<&str> {
    stamps
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect()
}

async fn log_size(app: &TestApp) -> u64 {
    let (_, head) = app
        .get(&app.admin, "/api/v1/log/proof/inclusion?index=0")
        .await;
    head["size"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voids_are_ledger_records_that_mark_stamps_void_once() {
    let app = TestApp::spawn().await;
    let (_, batch) = batch(&app).await;
    let run = run_of(&app, &batch, 10).await;
    let voids = format!("/api/v1/stamp-runs/{run}/voids");
    let stamps = all_stamps(&app, &run).await;
    let serial = |i: usize| stamps[i]["serial"].as_str().unwrap().to_owned();
    let size_before = log_size(&app).await;

    // Two misprinted stamps, one named in lower case with a hyphen as a person might type it.
    let typed = format!("{}-{}", &serial(3)[..8], &serial(3)[8..]).to_lowercase();
    let (s, v) = app
        .post(
            &app.admin,
            &voids,
            json!({"reason": "misprint", "note": "Kẹt giấy ở máy in", "serials": [serial(2), typed]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["count"], 2);
    let mut expected = vec![serial(2), serial(3)];
    expected.sort();
    assert_eq!(v["serials"], json!(expected));
    assert_eq!(log_size(&app).await, size_before + 1, "one ledger entry");
    let now = all_stamps(&app, &run).await;
    assert_eq!(
        statuses(&now),
        [
            "active", "active", "void", "void", "active", "active", "active", "active", "active",
            "active"
        ]
    );

    // Voiding them again changes nothing.
    let (s, body) = app
        .post(
            &app.admin,
            &voids,
            json!({"reason": "misprint", "serials": [serial(2)]}),
        )
        .await;
    assert_problem(s, &body, StatusCode::CONFLICT, "already_void");

    // The rest of the run, in a recall: the record counts only what it voided.
    let (s, v) = app
        .post(&app.admin, &voids, json!({"reason": "recall"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["count"].as_i64(), v["serials"].is_null()),
        (Some(8), true)
    );
    assert!(
        statuses(&all_stamps(&app, &run).await)
            .iter()
            .all(|s| *s == "void")
    );
    let (s, body) = app
        .post(&app.admin, &voids, json!({"reason": "recall"}))
        .await;
    assert_problem(s, &body, StatusCode::CONFLICT, "already_void");

    let (s, list) = app.get(&app.admin, &voids).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["note"], "Kẹt giấy ở máy in");

    checkpoint_covering(&app, log_size(&app).await).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "{out}");
}

#[tokio::test]
async fn bad_voids_are_refused_precisely_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (org, batch) = batch(&app).await;
    let run = run_of(&app, &batch, 3).await;
    let other_run = run_of(&app, &batch, 1).await;
    let voids = format!("/api/v1/stamp-runs/{run}/voids");
    let foreign = all_stamps(&app, &other_run).await[0]["serial"]
        .as_str()
        .unwrap()
        .to_owned();
    let stranger_org = app.create_organization("HTX Khác").await;
    let stranger = app.token_for(&stranger_org, "owner").await;
    let inspector = app.token_for(&org, "inspector").await;
    let size = log_size(&app).await;

    let (s, b) = app
        .post(
            &app.admin,
            &voids,
            json!({"reason": "because", "serials": ["NOT A SERIAL"]}),
        )
        .await;
    assert_field_error(s, &b, "reason", "unknown_value");
    assert_field_error(s, &b, "serials[0]", "serial_length");
    let (s, b) = app
        .post(&app.admin, &voids, json!({"reason": "lost", "serials": []}))
        .await;
    assert_field_error(s, &b, "serials", "empty");
    let (s, b) = app
        .post(
            &app.admin,
            &voids,
            json!({"reason": "lost", "serials": [foreign]}),
        )
        .await;
    assert_field_error(s, &b, "serials", "not_in_run");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&foreign),
        "{b}"
    );
    let many: Vec<String> = (0..10_001).map(|i| format!("{i:016}")).collect();
    let (s, b) = app
        .post(
            &app.admin,
            &voids,
            json!({"reason": "lost", "serials": many}),
        )
        .await;
    assert_field_error(s, &b, "serials", "too_many");
    let (s, b) = app
        .post(
            &app.admin,
            "/api/v1/stamp-runs/0190f5c2-0000-7000-8000-000000000000/voids",
            json!({"reason": "lost"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");

    // Another organization's owner does not see the run; an inspector may not void.
    let (s, b) = app.post(&stranger, &voids, json!({"reason": "lost"})).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = app
        .post(&inspector, &voids, json!({"reason": "lost"}))
        .await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");

    assert_eq!(log_size(&app).await, size, "nothing was recorded");
    assert!(
        statuses(&all_stamps(&app, &run).await)
            .iter()
            .all(|s| *s == "active")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_catches_a_status_changed_behind_the_ledgers_back() {
    for (statement, expect) in [
        ("UPDATE stamps SET status = 'active'", "field `status`"),
        (
            "UPDATE stamps SET status = 'void' WHERE index_in_batch = 0",
            "field `status`",
        ),
    ] {
        let app = TestApp::spawn().await;
        let (_, batch) = batch(&app).await;
        let run = run_of(&app, &batch, 4).await;
        let last = all_stamps(&app, &run).await[3]["serial"]
            .as_str()
            .unwrap()
            .to_owned();
        let (s, v) = app
            .post(
                &app.admin,
                &format!("/api/v1/stamp-runs/{run}/voids"),
                json!({"reason": "damaged", "serials": [last]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        checkpoint_covering(&app, log_size(&app).await).await;
        app.sql(statement, vec![]).await;
        let (code, out) = verify(&app);
        assert_eq!(code, 1, "{statement}: {out}");
        assert!(out.contains(expect), "{statement}: {out}");
    }
}
