//! The `ocop-trace` command, run as a separate process against the test's database.

use std::process::Command;

use reqwest::StatusCode;

use crate::helpers::TestApp;

/// The command, to run beside the test's server. A test that runs it must use the
/// multi-threaded runtime (`#[tokio::test(flavor = "multi_thread")]`): `output()` blocks its
/// thread, and on a one-thread runtime the server stops with it — if one of its tasks holds
/// SQLite's write lock at that moment, it keeps it until the command ends, and the command's
/// own writes fail after their busy timeout ("database is locked", 2 runs in 10).
pub fn ocop_trace(app: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ocop-trace"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &app.database_url)
        .env("OCOP_DATA_DIR", app.data_dir.path())
        .env("OCOP_PUBLIC_BASE_URL", "http://trace.test")
        .envs(app.blob_env())
        .current_dir(app.data_dir.path());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keygen_writes_a_private_key_prints_its_verifier_and_never_overwrites_silently() {
    let app = TestApp::spawn().await;
    let path = app.data_dir.path().join("keys/new.key");
    let run = |args: &[&str]| {
        ocop_trace(&app)
            .env("OCOP_LOG_KEY_FILE", &path)
            .env("OCOP_PUBLIC_BASE_URL", "https://trace.example.vn")
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["keygen"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let vkey = String::from_utf8(out.stdout).unwrap();
    assert!(vkey.starts_with("trace.example.vn+"), "{vkey}");
    assert_eq!(vkey.lines().count(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let secret = std::fs::read_to_string(&path).unwrap();
    assert!(secret.starts_with("PRIVATE+KEY+trace.example.vn+"));

    let again = run(&["keygen"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        secret,
        "the key is untouched"
    );

    let rotated = run(&["keygen", "--force"]);
    assert!(rotated.status.success());
    assert_ne!(String::from_utf8(rotated.stdout).unwrap(), vkey);
    let kept = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("replaced-")
        })
        .count();
    assert_eq!(kept, 1, "the old key is kept beside the new one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_with_a_different_verifier_key_rejects_the_checkpoints() {
    let app = TestApp::spawn().await;
    app.create_organization("HTX").await;
    crate::ledger::checkpoint_covering(&app, 1).await;
    let (other, _) = ocop_trace::ledger::note::LogKey::generate("trace.test").unwrap();
    let out = ocop_trace(&app)
        .args(["verify", "--verifier-key", other.verifier_key()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("checkpoints row") && stdout.contains("field `note`"),
        "{stdout}"
    );
    let (_, key) = app.text("/.well-known/ocop-trace/log-key").await;
    let out = ocop_trace(&app)
        .args(["verify", "--verifier-key", key.trim()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onboard_registers_an_organization_whose_owner_joins_by_the_printed_link() {
    let app = TestApp::spawn().await;
    let out = ocop_trace(&app)
        .args([
            "onboard",
            "--name",
            "HTX Chè Tân Cương",
            "--address",
            "Tân Cương, Thái Nguyên",
            "--province",
            "19",
            "--owner-login",
            "0988888881",
            "--owner-name",
            "Chị Hoa",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let link = String::from_utf8(out.stdout).unwrap().trim_end().to_owned();
    let path = link
        .strip_prefix("http://trace.test")
        .unwrap_or_else(|| panic!("a console link: {link}"));
    assert!(path.starts_with("/console/invitations/ocop_"), "{path}");

    // The owner chooses a password and signs in; nothing else was needed.
    let mut b = crate::console::Browser::new(&app);
    let p = b.get(path).await;
    assert!(p.body.contains("HTX Chè Tân Cương"), "{}", p.body);
    let p = b
        .post(
            path,
            &[("password", "chè Tân Cương móc câu")],
            Default::default(),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(
        b.sign_in("0988888881", "chè Tân Cương móc câu")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let p = b.get("/console/members").await;
    assert!(
        p.body.contains("Chị Hoa") && p.body.contains("Mời thành viên"),
        "an owner"
    );

    // Mistakes are said plainly, with a failing exit.
    let out = ocop_trace(&app)
        .args([
            "invite",
            "--organization",
            &uuid::Uuid::nil().to_string(),
            "--login",
            "không phải số",
            "--name",
            "X",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("login"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_reports_every_bad_cell_by_line_and_writes_all_rows_or_none() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Cà phê Ea Tul").await;
    let dir = app.data_dir.path();
    let farms = || async {
        let (_, list) = app
            .get(&app.admin, &format!("/api/v1/organizations/{org}/farms"))
            .await;
        let mut names: Vec<String> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let run = |args: &[&str]| {
        let out = ocop_trace(&app).arg("import").args(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };

    // A bad latitude on line 3: reported with its column, and nothing is written.
    let bad = dir.join("farms-bad.csv");
    std::fs::write(
        &bad,
        "Tên trang trại;Địa chỉ;Vĩ độ;Kinh độ\nVườn ông Ba;Ea Tul;12,79;108,12\nVườn bà Tư;Ea Tul;mười hai;108,1\n",
    )
    .unwrap();
    let bad = bad.to_str().unwrap();
    let (ok, _, err) = run(&["--organization", &org, "--kind", "farms", bad]);
    assert!(!ok);
    assert!(
        err.contains(r#"Dòng 3 · Vĩ độ = "mười hai": Nhập một số, ví dụ 12.79."#),
        "{err}"
    );
    assert_eq!(err.matches("Dòng ").count(), 1, "line 2 is good: {err}");
    assert!(err.contains("Chưa ghi gì"), "{err}");
    assert!(farms().await.is_empty());

    // Good rows: `--check` writes nothing, then the import writes both.
    let good = dir.join("farms.csv");
    std::fs::write(
        &good,
        "Tên trang trại,Địa chỉ,Vĩ độ,Kinh độ\nVườn ông Ba,Ea Tul,12.79,108.12\nVườn bà Tư,Ea Tul,12.8,108.1\n",
    )
    .unwrap();
    let good = good.to_str().unwrap();
    let (ok, out, err) = run(&["--organization", &org, "--kind", "farms", "--check", good]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "2 dòng, tất cả đều hợp lệ.");
    assert!(farms().await.is_empty());
    let (ok, out, err) = run(&["--organization", &org, "--kind", "farms", good]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "Đã nhập: 2 dòng");
    assert_eq!(farms().await, ["Vườn bà Tư", "Vườn ông Ba"]);

    // Growing areas in English, onto a farm named in the file; the same code again is refused.
    let areas = dir.join("areas.csv");
    std::fs::write(
        &areas,
        "Farm,Growing-area code,Crop\nvườn ông ba,VN-66-650-24370-01-21,cà phê\n",
    )
    .unwrap();
    let areas = areas.to_str().unwrap();
    let args = [
        "--organization",
        &org,
        "--kind",
        "growing-areas",
        "--lang",
        "en",
        areas,
    ];
    let (ok, out, err) = run(&args);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "Imported: 1 rows");
    let (ok, _, err) = run(&args);
    assert!(!ok);
    assert!(
        err.contains("Line 2 · Growing-area code = \"VN-66-650-24370-01-21\": This code is already registered."),
        "{err}"
    );

    // Missing columns, an unknown organization, a file that is not a spreadsheet.
    let (ok, _, err) = run(&["--organization", &org, "--kind", "farms", areas]);
    assert!(!ok);
    assert!(
        err.contains("Tệp thiếu cột: Tên trang trại, Địa chỉ"),
        "{err}"
    );
    let nobody = uuid::Uuid::now_v7().to_string();
    let (ok, _, err) = run(&["--organization", &nobody, "--kind", "farms", good]);
    assert!(!ok);
    assert!(err.contains("--organization"), "{err}");
    let binary = dir.join("photo.jpg");
    std::fs::write(&binary, [0xff, 0xd8, 0xff, 0x00, 0x81]).unwrap();
    let (ok, _, err) = run(&[
        "--organization",
        &org,
        "--kind",
        "farms",
        binary.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("Không đọc được tệp"), "{err}");
    // A file bigger than an upload may be is not read at all.
    let out = ocop_trace(&app)
        .env("OCOP_UPLOAD_MAX_BYTES", "20")
        .args(["import", "--organization", &org, "--kind", "farms", good])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("more than an upload may be (20"), "{err}");
    assert_eq!(farms().await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_prune_deletes_old_scans_now_and_refuses_less_than_the_copy_window() {
    use chrono::{Duration, Utc};
    use ocop_trace::services::scans::ScanJob;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = TestApp::spawn().await;
    let (_, stamps) = crate::scan::world(&app, 1).await;
    for days_ago in [500, 1] {
        let job = ScanJob {
            id: uuid::Uuid::now_v7(),
            serial: stamps[0]["serial"].as_str().unwrap().to_owned(),
            at: Utc::now() - Duration::days(days_ago),
            client_hash: [0; 32],
            language: "vi",
        };
        app.state.scans.record(job, None).await.unwrap();
    }
    app.state.scans.flush().await;
    let out = ocop_trace(&app)
        .args(["scans", "prune", "--keep-days", "3"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("8.."), "{stderr}");
    let out = ocop_trace(&app)
        .args(["scans", "prune", "--keep-days", "400"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "deleted 1 scans older than 400 days\n"
    );
    let rows = entity::scan::Entity::find()
        .count(app.db.read())
        .await
        .unwrap();
    assert_eq!(rows, 1);
}
