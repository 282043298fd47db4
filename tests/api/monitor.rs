//! `ocop-trace monitor`, the binary, following a log over HTTP: new entries only on the next
//! run; a split view, a changed entry and a missing quorum reported with their proof.

use std::process::Output;

use crate::helpers::TestApp;
use crate::ledger::checkpoint_covering;

async fn monitor(app: &TestApp, state: &std::path::Path, extra: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ocop-trace"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .arg("monitor")
        .arg(&app.address)
        .arg("--state")
        .arg(state)
        .args(extra);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitor_verifies_every_entry_then_only_new_ones() {
    let app = TestApp::spawn().await;
    for i in 0..300 {
        app.create_organization(&format!("HTX {i}")).await;
    }
    checkpoint_covering(&app, 300).await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let out = monitor(&app, &state, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        stdout(&out).starts_with("OK: 300 entries verified (300 new)"),
        "{out:?}"
    );

    for i in 0..7 {
        app.create_organization(&format!("HTX mới {i}")).await;
    }
    checkpoint_covering(&app, 307).await;
    let out = monitor(&app, &state, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        stdout(&out).starts_with("OK: 307 entries verified (7 new)"),
        "{out:?}"
    );
    let seen: serde_json::Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(seen["size"], 307);
    assert_eq!(seen["origin"], "trace.test");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_view_is_reported_with_both_signed_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("log-signing.key");
    ocop_trace::log_key::create(&key_file, "trace.test").unwrap();
    let a = TestApp::spawn_with(|s| s.log_key_file = key_file.clone()).await;
    let b = TestApp::spawn_with(|s| s.log_key_file = key_file.clone()).await;
    a.create_organization("HTX Một").await;
    b.create_organization("HTX Khác").await;
    let view_a = checkpoint_covering(&a, 1).await;
    let view_b = checkpoint_covering(&b, 1).await;
    let state = dir.path().join("state.json");
    assert_eq!(monitor(&a, &state, &[]).await.status.code(), Some(0));
    // The same log key shows this monitor another tree of the same size.
    let out = monitor(&b, &state, &[]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.starts_with("FAILED: two different trees of 1 entries"),
        "{text}"
    );
    assert!(
        text.contains(view_a.trim_end()) && text.contains(view_b.trim_end()),
        "{text}"
    );

    // A tree that grew from the other history does not extend the one seen.
    b.create_organization("HTX Khác 2").await;
    checkpoint_covering(&b, 2).await;
    let out = monitor(&b, &state, &[]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stdout(&out).contains("does not extend the one of 1 seen before"),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_entry_is_named_and_a_missing_quorum_is_an_error() {
    let app = TestApp::spawn().await;
    for name in ["HTX A", "HTX B", "HTX C"] {
        app.create_organization(name).await;
    }
    checkpoint_covering(&app, 3).await;
    let dir = tempfile::tempdir().unwrap();
    // The operator rewrites entry 1's payload in the database: its public form changes, the
    // tree's stored hashes do not.
    app.sql(
        "UPDATE ledger_entries SET payload = replace(payload, 'HTX B', 'HTX X') WHERE idx = 1",
        vec![],
    )
    .await;
    let out = monitor(&app, &dir.path().join("fresh.json"), &[]).await;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stdout(&out).starts_with("FAILED: entry 1 served in its bundle hashes to"),
        "{out:?}"
    );

    let witness = ocop_trace::ledger::cosignature::WitnessKey::new("w.test/1", &[1; 32])
        .unwrap()
        .verifier_key();
    let out = monitor(
        &app,
        &dir.path().join("quorum.json"),
        &["--witness-key", &witness, "--quorum", "1"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("0 valid cosignature(s)"),
        "{out:?}"
    );
}
