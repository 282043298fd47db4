//! The `ocop-trace` command, run as a separate process against the test's database.

use std::process::Command;

use reqwest::StatusCode;

use crate::helpers::TestApp;

pub fn ocop_trace(app: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ocop-trace"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.database_url)
        .env("OCOP_DATA_DIR", app.data_dir.path())
        .current_dir(app.data_dir.path());
    cmd
}

#[tokio::test]
async fn token_create_prints_only_a_working_token_on_stdout() {
    let app = TestApp::spawn().await;
    let out = ocop_trace(&app)
        .args(["token", "create", "--admin", "--name", "ops"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.trim_end();
    assert_eq!(stdout.lines().count(), 1, "only the token: {stdout:?}");
    let (s, me) = app.get(token, "/api/v1/me").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (me["admin"].as_bool(), me["token_name"].as_str()),
        (Some(true), Some("ops"))
    );

    let org = app.create_organization("HTX").await;
    let out = ocop_trace(&app)
        .args([
            "token",
            "create",
            "--organization",
            &org,
            "--role",
            "manager",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim_end().to_owned();
    let (_, me) = app.get(&token, "/api/v1/me").await;
    assert_eq!(
        (me["role"].as_str(), me["organization_id"].as_str()),
        (Some("manager"), Some(org.as_str()))
    );
}

#[tokio::test]
async fn token_create_refuses_bad_arguments_clearly() {
    let app = TestApp::spawn().await;
    let out = ocop_trace(&app)
        .args([
            "token",
            "create",
            "--organization",
            &uuid::Uuid::now_v7().to_string(),
            "--role",
            "manager",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("organization not found"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = ocop_trace(&app)
        .args(["token", "create", "--organization", "x", "--role", "boss"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let out = ocop_trace(&app).args(["token", "create"]).output().unwrap();
    assert!(!out.status.success());
}

#[tokio::test]
async fn a_settings_file_is_read_and_a_typo_in_it_is_an_error() {
    let app = TestApp::spawn().await;
    std::fs::write(
        app.data_dir.path().join("ocop-trace.toml"),
        "log_format = \"json\"\n",
    )
    .unwrap();
    let out = ocop_trace(&app).args(["migrate"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("\"level\":\"INFO\""),
        "JSON logs from the file setting"
    );

    std::fs::write(
        app.data_dir.path().join("ocop-trace.toml"),
        "lisen = \"0.0.0.0:1\"\n",
    )
    .unwrap();
    let out = ocop_trace(&app).args(["migrate"]).output().unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown field"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
