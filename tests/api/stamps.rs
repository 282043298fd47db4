//! Stamp runs through the API: issuance, URIs, QR codes, the batch chain and `verify`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_field_error, assert_problem};
use crate::ledger::{checkpoint_covering, verify};

/// An organization with a GTIN product and an open batch; returns (org, batch).
pub async fn batch(app: &TestApp) -> (String, String) {
    let org = app.create_organization("HTX Mật ong").await;
    let product = app
        .create_product(&app.admin, &org, Some("8934588012228"))
        .await;
    (org, app.create_batch(&app.admin, &product, "MO2026A").await)
}

/// Issues a run of `count` stamps for `batch`; its id.
pub async fn run_of(app: &TestApp, batch: &str, count: u64) -> String {
    let (s, run) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/stamp-runs"),
            json!({"count": count}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{run}");
    run["id"].as_str().unwrap().to_owned()
}

pub async fn all_stamps(app: &TestApp, run: &str) -> Vec<Value> {
    let mut out = vec![];
    let mut path = format!("/api/v1/stamp-runs/{run}/stamps?limit=40");
    loop {
        let (s, page) = app.get(&app.admin, &path).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_i64() {
            Some(c) => path = format!("/api/v1/stamp-runs/{run}/stamps?limit=40&cursor={c}"),
            None => return out,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_issues_unique_chained_stamps_whose_uris_are_gs1_digital_links() {
    let app = TestApp::spawn().await;
    let (_, batch) = batch(&app).await;
    let events = format!("/api/v1/batches/{batch}/events");
    app.post(
        &app.admin,
        &events,
        json!({"kind": "harvesting", "occurred_at": "2026-04-02T06:30:00Z"}),
    )
    .await;

    let (s, run) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/stamp-runs"),
            json!({"count": 100}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{run}");
    assert_eq!(
        (run["count"].as_i64(), run["first_index"].as_i64()),
        (Some(100), Some(0))
    );
    let (_, hist) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}/history"))
        .await;
    assert_eq!(
        run["prev_head"], hist["events"][0]["hash"],
        "the run extends the diary's head"
    );

    let stamps = all_stamps(&app, run["id"].as_str().unwrap()).await;
    assert_eq!(stamps.len(), 100);
    let serials: std::collections::HashSet<&str> = stamps
        .iter()
        .map(|s| s["serial"].as_str().unwrap())
        .collect();
    assert_eq!(serials.len(), 100);
    let first = &stamps[0];
    assert_eq!(
        first["uri"],
        format!(
            "http://TRACE.TEST/01/08934588012228/10/MO2026A/21/{}",
            first["serial"].as_str().unwrap()
        )
    );
    assert_eq!(stamps[99]["hash"], run["last_hash"]);

    // The diary continues after the run, from the run's last stamp.
    let (_, ev) = app
        .post(
            &app.admin,
            &events,
            json!({"kind": "packing", "occurred_at": "2026-04-03T06:30:00Z"}),
        )
        .await;
    assert_eq!(ev["prev_hash"], run["last_hash"]);
    let (s, run2) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/stamp-runs"),
            json!({"count": 7}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        (run2["first_index"].as_i64(), run2["prev_head"].as_str()),
        (Some(100), ev["hash"].as_str())
    );
    let (_, hist) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}/history"))
        .await;
    assert_eq!(hist["intact"], true, "{hist}");
    assert_eq!(hist["head"], run2["last_hash"]);

    let (_, head) = app
        .get(&app.admin, "/api/v1/log/proof/inclusion?index=0")
        .await;
    checkpoint_covering(&app, head["size"].as_u64().unwrap()).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 batch chains"), "{out}");
}

#[tokio::test]
async fn the_qr_code_of_a_stamp_decodes_to_its_uri() {
    let app = TestApp::spawn().await;
    let (_, batch) = batch(&app).await;
    let (_, run) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/stamp-runs"),
            json!({"count": 3}),
        )
        .await;
    let stamp = all_stamps(&app, run["id"].as_str().unwrap())
        .await
        .remove(1);
    let serial = stamp["serial"].as_str().unwrap();

    let res = app
        .client
        .get(app.url(&format!("/api/v1/stamps/{serial}/qr.png?module_px=4&ecc=Q")))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    let png = res.bytes().await.unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(png.to_vec()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let row = info.line_size;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(
        info.width as usize,
        info.height as usize,
        |x, y| {
            if buf[y * row + x / 8] & (0x80 >> (x % 8)) == 0 {
                0
            } else {
                255
            }
        },
    );
    let grids = img.detect_grids();
    assert_eq!(grids[0].decode().unwrap().1, stamp["uri"].as_str().unwrap());

    let res = app
        .client
        .get(app.url(&format!("/api/v1/stamps/{}/qr.svg", serial.to_lowercase())))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "typed serials are normalised");
    assert!(res.text().await.unwrap().starts_with("<svg"));

    let (s, b) = app
        .get(
            &app.admin,
            &format!("/api/v1/stamps/{serial}/qr.png?module_px=0"),
        )
        .await;
    assert_field_error(s, &b, "module_px", "module_px_range");
    let (s, b) = app
        .get(&app.admin, &format!("/api/v1/stamps/{serial}/qr.png?ecc=H"))
        .await;
    assert_field_error(s, &b, "ecc", "invalid");
    let (s, b) = app
        .get(&app.admin, "/api/v1/stamps/0000000000000000/qr.svg")
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn bad_runs_are_refused_precisely_and_write_nothing() {
    let app = TestApp::spawn().await;
    let (org, batch) = batch(&app).await;
    let runs = format!("/api/v1/batches/{batch}/stamp-runs");
    let (_, before) = app
        .get(&app.admin, "/api/v1/log/proof/inclusion?index=0")
        .await;

    let (s, b) = app.post(&app.admin, &runs, json!({"count": 0})).await;
    assert_field_error(s, &b, "count", "count_range");
    let (s, b) = app
        .post(&app.admin, &runs, json!({"count": 1_000_001}))
        .await;
    assert_field_error(s, &b, "count", "count_range");
    let (s, b) = app.post(&app.admin, &runs, json!({"count": -5})).await;
    assert_field_error(s, &b, "count", "invalid_value");
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{}/stamp-runs", uuid::Uuid::now_v7()),
            json!({"count": 5}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let other = app.create_organization("HTX khác").await;
    let stranger = app.token_for(&other, "owner").await;
    let (s, b) = app.post(&stranger, &runs, json!({"count": 5})).await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let inspector = app.token_for(&org, "inspector").await;
    let (s, b) = app.post(&inspector, &runs, json!({"count": 5})).await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");

    app.post(&app.admin, &format!("/api/v1/batches/{batch}/events"), json!({"kind": "recall", "occurred_at": "2026-04-02T06:30:00Z", "details": {"reason": "mốc"}})).await;
    let (_, mid) = app
        .get(&app.admin, "/api/v1/log/proof/inclusion?index=0")
        .await;
    let (s, b) = app.post(&app.admin, &runs, json!({"count": 5})).await;
    assert_problem(s, &b, StatusCode::CONFLICT, "batch_recalled");
    let (_, after) = app
        .get(&app.admin, "/api/v1/log/proof/inclusion?index=0")
        .await;
    assert_eq!(after["size"], mid["size"], "a refused run appends nothing");
    assert_eq!(
        mid["size"].as_u64().unwrap(),
        before["size"].as_u64().unwrap() + 3,
        "only the other organization, the recall and the batch update"
    );
    let (_, list) = app.get(&app.admin, &runs).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_catches_a_changed_or_missing_stamp() {
    for (statement, expect) in [
        (
            "UPDATE stamps SET serial = '0000000000000000' WHERE index_in_batch = 5",
            "field `hash`",
        ),
        (
            "DELETE FROM stamps WHERE index_in_batch = 9",
            "stamp_runs row",
        ),
        ("UPDATE stamp_runs SET root = last_hash", "stamp_runs row"),
    ] {
        let app = TestApp::spawn().await;
        let (_, batch) = batch(&app).await;
        app.post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/stamp-runs"),
            json!({"count": 10}),
        )
        .await;
        let (_, head) = app
            .get(&app.admin, "/api/v1/log/proof/inclusion?index=0")
            .await;
        checkpoint_covering(&app, head["size"].as_u64().unwrap()).await;
        app.sql(statement, vec![]).await;
        let (code, out) = verify(&app);
        assert_eq!(code, 1, "{statement}: {out}");
        assert!(out.contains(expect), "{statement}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issue_command_issues_a_run_by_lot_code_and_refuses_bad_input() {
    let app = TestApp::spawn().await;
    let (_, batch) = batch(&app).await;
    let out = crate::cli::ocop_trace(&app)
        .args(["issue", "--batch", "MO2026A", "--count", "2500"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let (s, r) = app
        .get(&app.admin, &format!("/api/v1/stamp-runs/{run}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["count"].as_i64(), r["batch_id"].as_str()),
        (Some(2500), Some(batch.as_str()))
    );

    let out = crate::cli::ocop_trace(&app)
        .args(["issue", "--batch", "NOPE", "--count", "5"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("batch not found"));
    let out = crate::cli::ocop_trace(&app)
        .args(["issue", "--batch", &batch, "--count", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 to 1000000"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// In 2 of 20 kills a 1,000,000-stamp run was committed but the client never learned its id,
/// so its retry issued a second run. With an `Idempotency-Key` the retry gets the first run.
#[tokio::test]
async fn a_stamp_run_sent_again_with_its_idempotency_key_is_issued_once() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let product = app.create_product(&app.admin, &org, None).await;
    let batch = app.create_batch(&app.admin, &product, "LO-1").await;
    let owner = app.token_for(&org, "owner").await;
    let path = app.url(&format!("/api/v1/batches/{batch}/stamp-runs"));
    let send = |token: String, key: &'static str, count: u64| {
        let (client, path) = (app.client.clone(), path.clone());
        async move {
            let res = client
                .post(path)
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(&json!({"count": count}))
                .send()
                .await
                .unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        }
    };
    let (s, first) = send(owner.clone(), "7c0d3c9e-run-1", 50).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    // The retry, and a retry by another client of the same organization: the same run.
    let (s, again) = send(owner.clone(), "7c0d3c9e-run-1", 50).await;
    assert_eq!((s, &again["id"]), (StatusCode::CREATED, &first["id"]));
    let other = app.token_for(&org, "manager").await;
    let (s, again) = send(other, "7c0d3c9e-run-1", 50).await;
    assert_eq!((s, &again["id"]), (StatusCode::CREATED, &first["id"]));
    // Concurrent retries issue nothing more either.
    let handles: Vec<_> = (0..4)
        .map(|_| tokio::spawn(send(owner.clone(), "7c0d3c9e-run-1", 50)))
        .collect();
    let mut many = Vec::new();
    for h in handles {
        many.push(h.await.unwrap());
    }
    assert!(
        many.iter()
            .all(|(s, r)| *s == StatusCode::CREATED && r["id"] == first["id"])
    );
    // The same key for another request is refused; a new key issues a new run.
    let (s, b) = send(owner.clone(), "7c0d3c9e-run-1", 60).await;
    assert_field_error(s, &b, "Idempotency-Key", "idempotency_key_reused");
    let (s, b) = send(owner.clone(), "", 60).await;
    assert_field_error(s, &b, "Idempotency-Key", "idempotency_key_format");
    let (s, second) = send(owner.clone(), "7c0d3c9e-run-2", 60).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_ne!(second["id"], first["id"]);
    let (_, runs) = app
        .get(&owner, &format!("/api/v1/batches/{batch}/stamp-runs"))
        .await;
    assert_eq!(runs["items"].as_array().unwrap().len(), 2, "{runs}");
}

/// Of 987 random single-field changes, `verify` missed those in columns it never compared
/// with what the ledger commits to. Each is now caught: the PIN hashes (the run's entry
/// commits to their root), the stamps' run and organization, the batch's count of stamps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_finds_a_changed_pin_hash_and_every_derived_stamp_column() {
    let cases: [(&str, &str); 5] = [
        (
            "UPDATE stamps SET pin_hash = hash WHERE index_in_batch = 3",
            "pin_hash",
        ),
        (
            "UPDATE stamps SET pin_hash = NULL WHERE index_in_batch = 4",
            "pin_hash",
        ),
        (
            "UPDATE stamps SET organization_id = (SELECT id FROM organizations ORDER BY id DESC LIMIT 1) WHERE index_in_batch = 5",
            "organization_id",
        ),
        (
            "UPDATE stamps SET run_id = (SELECT id FROM stamp_runs ORDER BY id DESC LIMIT 1) WHERE index_in_batch = 6",
            "run_id",
        ),
        (
            "UPDATE batches SET stamps_issued = stamps_issued + 1",
            "stamps_issued",
        ),
    ];
    for (statement, field) in cases {
        let app = TestApp::spawn().await;
        let (_, batch) = batch(&app).await;
        let (s, run) = app
            .post(
                &app.admin,
                &format!("/api/v1/batches/{batch}/stamp-runs"),
                json!({"count": 10, "with_pin": true}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{run}");
        // Another organization and another run to point at.
        let other_org = app.create_organization("HTX Khác").await;
        let other_product = app.create_product(&app.admin, &other_org, None).await;
        let other = app.create_batch(&app.admin, &other_product, "KHAC-1").await;
        let (s, _) = app
            .post(
                &app.admin,
                &format!("/api/v1/batches/{other}/stamp-runs"),
                json!({"count": 2}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED);
        let (_, head) = app
            .get(&app.admin, "/api/v1/log/proof/inclusion?index=0")
            .await;
        checkpoint_covering(&app, head["size"].as_u64().unwrap()).await;
        let (code, out) = verify(&app);
        assert_eq!(code, 0, "before {statement}: {out}");
        app.sql(statement, vec![]).await;
        let (code, out) = verify(&app);
        assert_eq!(code, 1, "after {statement}: {out}");
        assert!(out.contains(&format!("`{field}`")), "{statement}: {out}");
    }
}
