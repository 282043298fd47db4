//! The tamper-evident ledger through the real stack.

use std::time::{Duration, Instant};

use ocop_trace::ledger::{self, merkle, note};
use ocop_trace::services::ledger as store;
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::cli::ocop_trace;
use crate::helpers::{TestApp, assert_field_error, assert_problem};

/// Registers a small world and returns (organization, farm, batch) ids.
async fn world(app: &TestApp) -> (String, String, String) {
    let org = app.create_organization("HTX Mật ong").await;
    let farm = app.create_farm(&app.admin, &org).await;
    app.create_growing_area(&app.admin, &farm, "VN-66-650-24370-94-21")
        .await;
    let product = app
        .create_product(&app.admin, &org, Some("8934588012228"))
        .await;
    app.create_certification(&app.admin, &product, 4, "province", "2025-06-15")
        .await;
    let batch = app.create_batch(&app.admin, &product, "MO2026A").await;
    for kind in ["planting", "harvesting", "packing"] {
        let (s, b) = app
            .post(
                &app.admin,
                &format!("/api/v1/batches/{batch}/events"),
                json!({"kind": kind, "occurred_at": "2026-04-02T06:30:00Z"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    (org, farm, batch)
}

/// Polls until the signer has covered `size` entries (the signer runs every 250 ms).
/// Signs a checkpoint of the log as it is now (what the background signer does every 250 ms)
/// and returns the one the API serves, which must cover `size` entries.
pub async fn checkpoint_covering(app: &TestApp, size: u64) -> String {
    ocop_trace::services::checkpoints::sign_latest(&app.state.db, &app.state.log_key)
        .await
        .unwrap();
    let (s, text) = app.text("/api/v1/log/checkpoint").await;
    assert_eq!(s, StatusCode::OK, "{text}");
    let signed = text.lines().nth(1).and_then(|l| l.parse::<u64>().ok());
    assert!(
        signed >= Some(size),
        "no checkpoint covering {size} entries: {text}"
    );
    text
}

fn hashes(v: &Value) -> Vec<ledger::Hash> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| ledger::parse_hex(h.as_str().unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn every_write_is_an_entry_provable_against_a_signed_checkpoint() {
    let app = TestApp::spawn().await;
    world(&app).await;
    // 1 organization + farm + growing area + product + certification + batch + 3 events.
    let size = 9;
    let (s, key) = app.text("/.well-known/ocop-trace/log-key").await;
    assert_eq!(s, StatusCode::OK);
    let key = key.trim();
    assert!(key.starts_with("trace.test+"), "{key}");

    let note_text = checkpoint_covering(&app, size).await;
    let (signed_size, root) = note::verify_checkpoint(note_text.as_bytes(), key).unwrap();
    assert_eq!(signed_size, size);

    for index in 0..size {
        let (s, p) = app
            .get(
                &app.admin,
                &format!("/api/v1/log/proof/inclusion?index={index}&size={size}"),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        let leaf = ledger::parse_hex(p["leaf_hash"].as_str().unwrap()).unwrap();
        let proof = hashes(&p["proof"]);
        assert!(proof.len() <= 4, "⌈log2 9⌉ hashes at most");
        assert!(
            merkle::verify_inclusion(&proof, index, size, leaf, root),
            "entry {index}"
        );
        // The leaf is the hash of the entry's public form, which names its kind and the
        // SHA-256 of its canonical payload.
        let (_, e) = app
            .get(&app.admin, &format!("/api/v1/log/entries/{index}"))
            .await;
        let form = e["public_form"].as_str().unwrap();
        assert_eq!(ledger::chain::leaf(form.as_bytes()), leaf);
        assert_eq!(
            form,
            String::from_utf8(ledger::public_form::public_form(
                e["kind"].as_str().unwrap(),
                e["payload"].as_str().unwrap().as_bytes()
            ))
            .unwrap()
        );
    }
    let (_, c) = app
        .get(
            &app.admin,
            &format!("/api/v1/log/proof/consistency?first=3&second={size}"),
        )
        .await;
    let first_root = ledger::parse_hex(c["first_root"].as_str().unwrap()).unwrap();
    assert!(merkle::verify_consistency(
        &hashes(&c["proof"]),
        3,
        first_root,
        size,
        root
    ));

    let (_, e) = app.get(&app.admin, "/api/v1/log/entries/1").await;
    assert_eq!(e["kind"], "farms.created");
    let payload: Value = serde_json::from_str(e["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["name"], "Vườn ông Ba");
}

#[tokio::test]
async fn proof_requests_outside_the_log_are_client_errors() {
    let app = TestApp::spawn().await;
    world(&app).await;
    for (path, field, code) in [
        ("inclusion?index=9&size=9", "index", "outside_the_log"),
        ("inclusion?index=0&size=10", "size", "outside_the_log"),
        ("consistency?first=0&second=5", "first", "outside_the_log"),
        ("consistency?first=6&second=5", "first", "outside_the_log"),
        ("consistency?first=1&second=10", "second", "outside_the_log"),
        ("inclusion?index=-1", "index", "invalid"),
        ("inclusion?index=99999999999999999999", "index", "invalid"),
    ] {
        let (s, b) = app
            .get(&app.admin, &format!("/api/v1/log/proof/{path}"))
            .await;
        assert_field_error(s, &b, field, code);
    }
    let (s, b) = app.get(&app.admin, "/api/v1/log/entries/500").await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn ledger_entries_of_another_organization_are_hidden() {
    let app = TestApp::spawn().await;
    world(&app).await;
    let other = app.create_organization("HTX khác").await;
    let owner = app.token_for(&other, "owner").await;
    let (s, b) = app.get(&owner, "/api/v1/log/entries/1").await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, _) = app.get(&owner, "/api/v1/log/entries/9").await;
    assert_eq!(s, StatusCode::OK, "its own organization's entry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_diary_is_a_hash_chain_rooted_in_the_batch_entry() {
    let app = TestApp::spawn().await;
    let (_, _, batch) = world(&app).await;
    let (_, batch_entry) = app.get(&app.admin, "/api/v1/log/entries/5").await;
    assert_eq!(batch_entry["kind"], "batches.created");
    let (_, events) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}/events"))
        .await;
    let events = events["items"].as_array().unwrap();
    assert_eq!(events[0]["prev_hash"], batch_entry["leaf_hash"]);
    assert_eq!(events[1]["prev_hash"], events[0]["hash"]);
    assert_eq!(events[2]["prev_hash"], events[1]["hash"]);
    // hash = SHA-256(prev_hash ‖ leaf of the event's entry)
    let (_, e6) = app.get(&app.admin, "/api/v1/log/entries/6").await;
    let link = ledger::chain::link(
        &ledger::parse_hex(events[0]["prev_hash"].as_str().unwrap()).unwrap(),
        &ledger::parse_hex(e6["leaf_hash"].as_str().unwrap()).unwrap(),
    );
    assert_eq!(events[0]["hash"], ledger::hex(&link));

    let (s, h) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}/history"))
        .await;
    assert_eq!(s, StatusCode::OK, "{h}");
    assert_eq!(h["intact"], true);
    assert_eq!(h["head"], events[2]["hash"]);
    assert_eq!(h["genesis"], batch_entry["leaf_hash"]);
}

/// Runs `ocop-trace verify` and returns (exit code, stdout).
pub fn verify(app: &TestApp) -> (i32, String) {
    let out = ocop_trace(app).arg("verify").output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        // The divergence is on stdout; an error that stopped the checks is on stderr.
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_passes_on_an_untouched_database() {
    let app = TestApp::spawn().await;
    world(&app).await;
    checkpoint_covering(&app, 9).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("ok: 9 entries"), "{out}");
}

/// Applies one tampering to a fresh world and returns what `verify` says.
async fn tampered(statement: &str, values: Vec<sea_orm::Value>) -> (TestApp, String) {
    let app = TestApp::spawn().await;
    world(&app).await;
    checkpoint_covering(&app, 9).await;
    app.sql(statement, values).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 1, "verify must fail after: {statement}\n{out}");
    (app, out)
}

#[tokio::test]
async fn verify_names_a_changed_record_field() {
    let (_, out) = tampered("UPDATE farms SET name = 'Vườn bà Tư'", vec![]).await;
    assert!(
        out.contains("farms row")
            && out.contains("field `name` expected \"Vườn ông Ba\" but found \"Vườn bà Tư\""),
        "{out}"
    );
    let (_, out) = tampered("UPDATE ocop_certifications SET stars = 5", vec![]).await;
    assert!(
        out.contains("ocop_certifications row")
            && out.contains("field `stars` expected 4 but found 5"),
        "{out}"
    );
}

#[tokio::test]
async fn verify_catches_a_changed_payload_byte_and_a_changed_hash() {
    let (_, out) = tampered("UPDATE ledger_entries SET payload = REPLACE(payload, 'Vườn ông Ba', 'Vườn ông Bá') WHERE idx = 1", vec![]).await;
    assert!(
        out.contains("ledger_entries row 1: field `leaf_hash`"),
        "{out}"
    );
    let (_, out) = tampered(
        "UPDATE ledger_entries SET chain_hash = leaf_hash WHERE idx = 4",
        vec![],
    )
    .await;
    assert!(
        out.contains("ledger_entries row 4: field `chain_hash`"),
        "{out}"
    );
    let (_, out) = tampered(
        "UPDATE ledger_entries SET stored_hashes = leaf_hash WHERE idx = 7",
        vec![],
    )
    .await;
    assert!(
        out.contains("ledger_entries row 7: field `stored_hashes`"),
        "{out}"
    );
    let (_, out) = tampered(
        "UPDATE batch_events SET hash = prev_hash WHERE kind = 'packing'",
        vec![],
    )
    .await;
    assert!(
        out.contains("batch_events row") && out.contains("field `hash`"),
        "{out}"
    );
    let (_, out) = tampered(
        "UPDATE checkpoints SET note = REPLACE(note, 'trace.test', 'trace.tesu')",
        vec![],
    )
    .await;
    assert!(
        out.contains("checkpoints row") && out.contains("field `note`"),
        "{out}"
    );
}

#[tokio::test]
async fn verify_names_a_doctored_log_head() {
    let (_, out) = tampered("UPDATE ledger_head SET size = size + 1", vec![]).await;
    assert!(
        out.contains("ledger_head row 1: field `size` expected 9 but found 10"),
        "{out}"
    );
    let (_, out) = tampered("UPDATE ledger_head SET frontier = chain_hash", vec![]).await;
    assert!(out.contains("ledger_head row 1: field `frontier`"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_catches_deleted_and_reordered_entries() {
    let (_, out) = tampered("DELETE FROM ledger_entries WHERE idx = 3", vec![]).await;
    assert!(out.contains("ledger_entries row 3: field `idx`"), "{out}");
    let app = TestApp::spawn().await;
    world(&app).await;
    checkpoint_covering(&app, 9).await;
    app.sql("UPDATE ledger_entries SET idx = -1 WHERE idx = 2", vec![])
        .await;
    app.sql("UPDATE ledger_entries SET idx = 2 WHERE idx = 3", vec![])
        .await;
    app.sql("UPDATE ledger_entries SET idx = 3 WHERE idx = -1", vec![])
        .await;
    let (code, out) = verify(&app);
    assert_eq!(code, 1);
    assert!(
        out.contains("ledger_entries row 2: field `chain_hash`"),
        "{out}"
    );
    let (_, out) = tampered("DELETE FROM batch_events WHERE kind = 'harvesting'", vec![]).await;
    assert!(
        out.contains("batch_events row") && out.contains("no row (deleted)"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_that_fails_after_appending_leaves_no_entry_and_no_gap() {
    let app = TestApp::spawn().await;
    world(&app).await;
    let before = store::head(app.db.read(), false).await.unwrap().size;
    {
        let txn = app.db.write_txn().await.unwrap();
        let org = entity::organization::Entity::find()
            .one(&txn)
            .await
            .unwrap()
            .unwrap();
        store::append(&txn, "updated", &org).await.unwrap();
        // Dropped without commit: the process died mid-write.
    }
    assert_eq!(
        store::head(app.db.read(), false).await.unwrap().size,
        before
    );
    let org = app.create_organization("Sau sự cố").await;
    assert!(!org.is_empty());
    let head = store::head(app.db.read(), false).await.unwrap();
    assert_eq!(head.size, before + 1);
    checkpoint_covering(&app, head.size).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_on_two_servers_append_strictly_in_sequence() {
    let app = TestApp::spawn().await;
    let (org, _, _) = world(&app).await;
    let second = app.second_server().await;
    let product = app.create_product(&app.admin, &org, None).await;
    let mut batches = vec![];
    for i in 0..4 {
        batches.push(
            app.create_batch(&app.admin, &product, &format!("C{i}"))
                .await,
        );
    }
    let mut tasks = vec![];
    for round in 0..10 {
        for (i, batch) in batches.iter().enumerate() {
            let base = if (round + i) % 2 == 0 {
                app.address.clone()
            } else {
                second.clone()
            };
            let client = app.client.clone();
            let token = app.admin.clone();
            let url = format!("{base}/api/v1/batches/{batch}/events");
            tasks.push(tokio::spawn(async move {
                let res = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"kind": "note", "occurred_at": "2026-01-01T00:00:00Z"}))
                    .send()
                    .await
                    .unwrap();
                res.status()
            }));
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::CREATED);
    }
    let head = store::head(app.db.read(), false).await.unwrap();
    assert_eq!(head.size, 9 + 1 + 4 + 40);
    checkpoint_covering(&app, head.size).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "{out}");
    for batch in &batches {
        let (_, h) = app
            .get(&app.admin, &format!("/api/v1/batches/{batch}/history"))
            .await;
        assert_eq!(
            (h["intact"].as_bool(), h["events"].as_array().map(Vec::len)),
            (Some(true), Some(10))
        );
    }
}

#[tokio::test]
async fn an_entry_proof_bundle_verifies_offline_with_only_the_published_key() {
    let app = TestApp::spawn().await;
    world(&app).await;
    checkpoint_covering(&app, 9).await;
    let (_, key) = app.text("/.well-known/ocop-trace/log-key").await;
    let res = app
        .client
        .get(app.url("/api/v1/log/entries/6/proof"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(
        text.starts_with("c2sp.org/tlog-proof@v1\nindex 6\n"),
        "{text}"
    );
    let (_, e) = app.get(&app.admin, "/api/v1/log/entries/6").await;
    let leaf = ledger::chain::leaf(e["public_form"].as_str().unwrap().as_bytes());
    let verified = ledger::bundle::verify(&text, leaf, key.trim()).unwrap();
    assert_eq!((verified.index, verified.size), (6, 9));
    // Another entry does not verify with this proof.
    let (_, other) = app.get(&app.admin, "/api/v1/log/entries/7").await;
    let wrong = ledger::chain::leaf(other["public_form"].as_str().unwrap().as_bytes());
    assert!(ledger::bundle::verify(&text, wrong, key.trim()).is_err());

    let res = app
        .client
        .get(app.url("/api/v1/log/entries/6/proof"))
        .bearer_auth(&app.admin)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let j: Value = res.json().await.unwrap();
    assert_eq!(j["tlog_proof"], text);
    assert_eq!(j["size"], 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grouped_appends_keep_rejections_and_recalls_in_order() {
    let app = TestApp::spawn().await;
    let (org, _, _) = world(&app).await;
    let product = app.create_product(&app.admin, &org, None).await;
    let sealed = app.create_batch(&app.admin, &product, "SEALED").await;
    app.patch(
        &app.admin,
        &format!("/api/v1/batches/{sealed}"),
        json!({"status": "sealed"}),
    )
    .await;
    let open = app.create_batch(&app.admin, &product, "OPEN").await;
    // Fired together, so the writer commits them in groups: spraying on the sealed batch is
    // rejected, shipping is accepted until the recall lands, and the open batch is unaffected.
    let mut tasks = vec![];
    let mut fire = |batch: &str, body: Value| {
        let (client, token, url) = (
            app.client.clone(),
            app.admin.clone(),
            app.url(&format!("/api/v1/batches/{batch}/events")),
        );
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    };
    for i in 0..30 {
        match i % 3 {
            0 => fire(
                &sealed,
                json!({"kind": "spraying", "occurred_at": "2026-01-01T00:00:00Z"}),
            ),
            1 => fire(
                &open,
                json!({"kind": "spraying", "occurred_at": "2026-01-01T00:00:00Z", "details": {"inputs": [{"product": "X", "phi_days": 3}]}}),
            ),
            _ => fire(
                &sealed,
                json!({"kind": "shipping", "occurred_at": "2026-01-01T00:00:00Z"}),
            ),
        }
        if i == 15 {
            fire(
                &sealed,
                json!({"kind": "recall", "occurred_at": "2026-01-02T00:00:00Z", "details": {"reason": "kiểm tra"}}),
            );
        }
    }
    let mut statuses = vec![];
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!(created + conflicts, 31, "{statuses:?}");
    assert!(
        conflicts >= 10,
        "every spraying on the sealed batch is rejected: {statuses:?}"
    );

    let (_, b) = app
        .get(&app.admin, &format!("/api/v1/batches/{sealed}"))
        .await;
    assert_eq!(b["status"], "recalled");
    let (_, h) = app
        .get(&app.admin, &format!("/api/v1/batches/{sealed}/history"))
        .await;
    assert_eq!(h["intact"], true);
    let kinds: Vec<&str> = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.last(),
        Some(&"recall"),
        "nothing was accepted after the recall: {kinds:?}"
    );
    assert!(kinds.iter().all(|k| *k == "shipping" || *k == "recall"));
    let (_, h) = app
        .get(&app.admin, &format!("/api/v1/batches/{open}/history"))
        .await;
    assert_eq!(
        (h["intact"].as_bool(), h["events"].as_array().map(Vec::len)),
        (Some(true), Some(10))
    );

    let head = store::head(app.db.read(), false).await.unwrap();
    checkpoint_covering(&app, head.size).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "{out}");
}

/// The background signer is the behaviour under test here, so this test waits for it — the one
/// wait on a checkpoint that stays (every other test signs with `checkpoint_covering`).
#[tokio::test]
async fn the_background_signer_signs_a_new_head_by_itself() {
    let app = TestApp::spawn().await;
    app.create_organization("HTX").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, text) = app.text("/api/v1/log/checkpoint").await;
        if text.lines().nth(1) == Some("1") {
            break;
        }
        assert!(Instant::now() < deadline, "no checkpoint signed: {text}");
        tokio::time::sleep(ocop_trace::services::checkpoints::SIGN_INTERVAL).await;
    }
}
