//! Witnesses (C2SP tlog-witness) cosigning the log's checkpoints: three `ocop-trace witness`
//! services on ephemeral ports, the log submitting to them in the background; one down; a
//! split view refused and kept as evidence.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ocop_trace::ledger::cosignature::CosignatureVerifier;
use ocop_trace::settings::WitnessEndpoint;
use ocop_trace::witness::{Witness, origin_hash};
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::ledger::checkpoint_covering;

/// A witness following the log whose verifier key is `log_vkey`, served on an ephemeral port.
struct RunningWitness {
    url: String,
    vkey: String,
    dir: tempfile::TempDir,
}

async fn start_witness(name: &str, log_vkey: &str) -> RunningWitness {
    let dir = tempfile::tempdir().unwrap();
    let witness = Arc::new(Witness::open(name, dir.path(), &[log_vkey.to_owned()]).unwrap());
    let vkey = witness.verifier_key();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, ocop_trace::witness::http::router(witness))
            .await
            .unwrap();
    });
    RunningWitness { url, vkey, dir }
}

fn endpoint(url: &str, vkey: &str) -> WitnessEndpoint {
    WitnessEndpoint {
        url: url.parse().unwrap(),
        key: vkey.to_owned(),
        verifier: CosignatureVerifier::parse(vkey).unwrap(),
    }
}

/// A log key written where the app will find it, so witnesses can be configured first.
fn log_key_in(dir: &Path) -> (std::path::PathBuf, String) {
    let path = dir.join("log-signing.key");
    let key = ocop_trace::log_key::create(&path, "trace.test").unwrap();
    (path, key.verifier_key().to_owned())
}

/// The cosignature lines on `/checkpoint` once it covers `size` entries and carries `count`
/// of them (the log submits every 500 ms).
async fn cosigned(app: &TestApp, size: u64, count: usize) -> String {
    checkpoint_covering(app, size).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, note) = app.text("/checkpoint").await;
        let lines = note.lines().filter(|l| l.starts_with('\u{2014}')).count();
        let signed: u64 = note.lines().nth(1).unwrap().parse().unwrap();
        if signed >= size && lines > count {
            return note;
        }
        assert!(
            Instant::now() < deadline,
            "no {count} cosignatures on a checkpoint of {size}: {note}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Checks every cosignature line of `note` against the witnesses' keys; returns how many
/// verified.
fn verified_cosignatures(note: &str, witnesses: &[&RunningWitness]) -> usize {
    let (body, sigs) = note.split_once("\n\n").unwrap();
    let body = format!("{body}\n");
    sigs.lines()
        .filter_map(|l| signed_note::Signature::from_bytes(l.as_bytes()).ok())
        .filter(|sig| {
            witnesses.iter().any(|w| {
                let v = CosignatureVerifier::parse(&w.vkey).unwrap();
                signed_note::Verifier::name(&v) == sig.name()
                    && v.check(body.as_bytes(), sig.signature()).is_some()
            })
        })
        .count()
}

#[tokio::test]
async fn three_witnesses_cosign_each_new_checkpoint_and_one_down_costs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, log_vkey) = log_key_in(dir.path());
    let w1 = start_witness("witness.sonnptnt.test/w1", &log_vkey).await;
    let w2 = start_witness("witness.vinastas.test/w2", &log_vkey).await;
    // A witness that is down: nothing listens there.
    let down = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/", l.local_addr().unwrap())
    };
    let w3_key = ocop_trace::ledger::cosignature::WitnessKey::new("witness.down.test/w3", &[3; 32])
        .unwrap()
        .verifier_key();
    let app = TestApp::spawn_with(|s| {
        s.log_key_file = key_file.clone();
        s.witnesses = vec![
            endpoint(&w1.url, &w1.vkey),
            endpoint(&w2.url, &w2.vkey),
            endpoint(&down, &w3_key),
        ];
        s.witness_quorum = 2;
    })
    .await;
    app.create_organization("HTX Mật ong Bắc Kạn").await;
    let note = cosigned(&app, 1, 2).await;
    assert_eq!(verified_cosignatures(&note, &[&w1, &w2]), 2, "{note}");
    // The log's own signature still verifies with its key alone.
    let (_, key) = app.text("/.well-known/ocop-trace/log-key").await;
    ocop_trace::ledger::note::verify_checkpoint(note.as_bytes(), key.trim()).unwrap();

    // The log grows; each witness now checks a consistency proof from what it holds.
    for i in 0..20 {
        app.create_organization(&format!("HTX {i}")).await;
    }
    let note = cosigned(&app, 21, 2).await;
    assert!(note.starts_with("trace.test\n21\n"), "{note}");
    assert_eq!(verified_cosignatures(&note, &[&w1, &w2]), 2, "{note}");

    // What each witness serves to monitors: the checkpoint it holds, with its cosignature.
    let held = reqwest::get(format!(
        "{}{}/checkpoint",
        w1.url,
        origin_hash("trace.test")
    ))
    .await
    .unwrap();
    assert_eq!(held.status(), StatusCode::OK);
    let held = held.text().await.unwrap();
    assert!(held.starts_with("trace.test\n21\n"), "{held}");
    assert_eq!(verified_cosignatures(&held, &[&w1]), 1);
    assert!(w1.dir.path().join("witness-state.json").exists());
}

/// Posts an add-checkpoint request to a witness: (status, content type, body).
async fn add(witness: &RunningWitness, body: String) -> (StatusCode, String, String) {
    let res = reqwest::Client::new()
        .post(format!("{}add-checkpoint", witness.url))
        .body(body)
        .send()
        .await
        .unwrap();
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    (res.status(), content_type, res.text().await.unwrap())
}

#[tokio::test]
async fn a_witness_refuses_a_split_view_and_keeps_the_evidence() {
    // Two servers with the same log key and different histories: a log showing two views.
    let dir = tempfile::tempdir().unwrap();
    let (key_file, log_vkey) = log_key_in(dir.path());
    let a = TestApp::spawn_with(|s| s.log_key_file = key_file.clone()).await;
    let b = TestApp::spawn_with(|s| s.log_key_file = key_file.clone()).await;
    a.create_organization("HTX Chè Thái Nguyên").await;
    b.create_organization("HTX Chè Shan Tuyết").await;
    let view_a = checkpoint_covering(&a, 1).await;
    let view_b = checkpoint_covering(&b, 1).await;
    assert!(view_a.starts_with("trace.test\n1\n") && view_b.starts_with("trace.test\n1\n"));
    assert_ne!(view_a, view_b);

    let w = start_witness("witness.test/w1", &log_vkey).await;
    let (s, _, line) = add(&w, format!("old 0\n\n{view_a}")).await;
    assert_eq!(s, StatusCode::OK, "{line}");
    assert!(line.starts_with("\u{2014} witness.test/w1 "), "{line}");

    // The same size with another root: refused, and both signed checkpoints kept.
    let (s, content_type, body) = add(&w, format!("old 1\n\n{view_b}")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(content_type, "application/problem+json");
    let evidence: Vec<_> = std::fs::read_dir(w.dir.path().join("evidence"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(evidence.len(), 1);
    assert!(
        evidence[0].contains(view_a.trim_end()) && evidence[0].contains(view_b.trim_end()),
        "{}",
        evidence[0]
    );
    // Still holding the first view.
    let held = reqwest::get(format!("{}{}/checkpoint", w.url, origin_hash("trace.test")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(held.starts_with(view_a.trim_end()), "{held}");

    // The protocol's other refusals.
    let (s, content_type, body) = add(&w, format!("old 0\n\n{view_b}")).await;
    assert_eq!(
        (s, content_type.as_str(), body.as_str()),
        (StatusCode::CONFLICT, "text/x.tlog.size", "1\n")
    );
    let forged = view_a.replacen("\n1\n", "\n2\n", 1);
    let (s, _, _) = add(&w, format!("old 1\n\n{forged}")).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a changed checkpoint's signature fails"
    );
    let unknown = ocop_trace::ledger::note::LogKey::generate("other.test")
        .unwrap()
        .0
        .sign_checkpoint(0, tlog_tiles::EMPTY_HASH)
        .unwrap();
    let (s, _, _) = add(&w, format!("old 0\n\n{unknown}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a log it does not follow");
    for bad in ["", "old 1", "old x\n\nnote", "old 0\nnot-a-hash\n\nnote"] {
        let (s, _, body) = add(&w, bad.to_owned()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad:?}: {body}");
    }
}

/// A log with witnesses `up` (running) and `down` (configured, unreachable) and a quorum;
/// returns the app and the running witnesses.
async fn witnessed_app(
    up: &[&str],
    down: usize,
    quorum: usize,
) -> (TestApp, Vec<RunningWitness>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (key_file, log_vkey) = log_key_in(dir.path());
    let mut running = Vec::new();
    for name in up {
        running.push(start_witness(name, &log_vkey).await);
    }
    let mut endpoints: Vec<WitnessEndpoint> =
        running.iter().map(|w| endpoint(&w.url, &w.vkey)).collect();
    for i in 0..down {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let key = ocop_trace::ledger::cosignature::WitnessKey::new(
            &format!("witness.down.test/{i}"),
            &[i as u8; 32],
        )
        .unwrap()
        .verifier_key();
        endpoints.push(endpoint(
            &format!("http://{}/", l.local_addr().unwrap()),
            &key,
        ));
    }
    let app = TestApp::spawn_with(move |s| {
        s.log_key_file = key_file;
        s.witnesses = endpoints;
        s.witness_quorum = quorum;
    })
    .await;
    (app, running, dir)
}

async fn log_size(app: &TestApp) -> u64 {
    let (_, head) = app
        .get(&app.admin, "/api/v1/log/proof/inclusion?index=0")
        .await;
    head["size"].as_u64().unwrap()
}

/// The stamp's proof names the witness policy and carries a checkpoint they cosigned.
#[tokio::test]
async fn a_stamp_proof_carries_the_checkpoint_the_quorum_cosigned() {
    let (app, witnesses, _key) =
        witnessed_app(&["witness.a.test/w", "witness.b.test/w"], 1, 2).await;
    let (_, stamps) = crate::scan::world(&app, 1).await;
    let size = log_size(&app).await;
    cosigned(&app, size, 2).await;
    let serial = stamps[0]["serial"].as_str().unwrap();
    let (s, proof) = app
        .get(&app.admin, &format!("/api/v1/stamps/{serial}/proof"))
        .await;
    assert_eq!(s, StatusCode::OK, "{proof}");
    assert_eq!(proof["witnesses"]["quorum"], 2);
    assert_eq!(proof["witnesses"]["keys"].as_array().unwrap().len(), 3);
    let note = proof["checkpoint"].as_str().unwrap();
    let refs: Vec<&RunningWitness> = witnesses.iter().collect();
    assert_eq!(verified_cosignatures(note, &refs), 2, "{note}");
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run with --ignored"]
async fn the_scan_page_is_green_only_with_the_quorum_and_red_on_a_bad_cosignature() {
    use crate::browser::{dom, screenshot, state};
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};

    let (app, _w, _key) = witnessed_app(
        &["witness.sonnptnt.test/w1", "witness.vinastas.test/w2"],
        1,
        2,
    )
    .await;
    let (_, stamps) = crate::scan::world(&app, 2).await;
    cosigned(&app, log_size(&app).await, 2).await;
    let url = app.url(&format!("{}?lang=vi", crate::scan::path_of(&stamps[0])));
    let profile = tempfile::tempdir().unwrap();
    let page = dom(profile.path(), &url).await;
    assert_eq!(state(&page), "ok", "{page}");
    assert!(
        page.contains(
            "Đã được 2 bên độc lập xác nhận: witness.sonnptnt.test/w1, witness.vinastas.test/w2."
        ),
        "{page}"
    );
    screenshot(profile.path(), &url, "scan-vi-witnessed.png").await;
    let en = url.replace("?lang=vi", "?lang=en");
    let page = dom(profile.path(), &en).await;
    assert!(
        page.contains("Confirmed by 2 independent witnesses"),
        "{page}"
    );

    // A cosignature by a listed witness that does not verify: red, in a fresh browser too.
    let rows = entity::checkpoint_cosignature::Entity::find()
        .all(app.db.read())
        .await
        .unwrap();
    for row in rows {
        let (head, b64) = row.line.trim_end().rsplit_once(' ').unwrap();
        let mut sig = data_encoding::BASE64.decode(b64.as_bytes()).unwrap();
        let last = sig.len() - 1;
        sig[last] ^= 1;
        entity::checkpoint_cosignature::ActiveModel {
            size: Set(row.size),
            witness: Set(row.witness.clone()),
            line: Set(format!("{head} {}\n", data_encoding::BASE64.encode(&sig))),
            ..Default::default()
        }
        .update(app.db.read())
        .await
        .unwrap();
    }
    let fresh = tempfile::tempdir().unwrap();
    let page = dom(fresh.path(), &url).await;
    assert_eq!(state(&page), "fail", "{page}");
    screenshot(fresh.path(), &url, "scan-vi-bad-cosignature.png").await;
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run with --ignored"]
async fn below_the_quorum_the_scan_page_is_amber_not_green() {
    use crate::browser::{dom, screenshot, state};
    // 2 of 2 required, one of them down.
    let (app, _w, _key) = witnessed_app(&["witness.sonnptnt.test/w1"], 1, 2).await;
    let (_, stamps) = crate::scan::world(&app, 1).await;
    cosigned(&app, log_size(&app).await, 1).await;
    let url = app.url(&format!("{}?lang=vi", crate::scan::path_of(&stamps[0])));
    let profile = tempfile::tempdir().unwrap();
    let page = dom(profile.path(), &url).await;
    assert_eq!(state(&page), "unconfirmed", "{page}");
    assert!(page.contains("mới có 1/2 bên độc lập xác nhận"), "{page}");
    screenshot(profile.path(), &url, "scan-vi-unconfirmed.png").await;
}
