//! The hostile-file corpus (`tests/hostile/`, made by its `make.py`) sent through every path
//! that reads an uploaded file: the console's import, the `ocop-trace import` command and the
//! image uploads of the API. Each file must be refused with its reason, and the server must
//! stay up. (`.ci/run` sends the same files to a release server and watches its memory.)

use reqwest::StatusCode;

use crate::cli::ocop_trace;
use crate::console_import::{signed_in, upload};
use crate::helpers::{TestApp, assert_field_error};

pub fn corpus(name: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    std::fs::read(dir.join(name)).unwrap()
}

#[tokio::test]
async fn hostile_workbooks_get_a_precise_message_and_the_server_stays_up() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Chè Shan Tuyết").await;
    let (mut b, token) = signed_in(&app, &org, "0944444461").await;
    let cases = [
        ("xlsx-shared-strings-bomb.xlsx", "Tệp giải nén ra quá lớn"),
        ("xlsx-million-rows.xlsx", "Tệp giải nén ra quá lớn"),
        ("xlsx-5000-rows.xlsx", "Tệp có quá nhiều dòng"),
        ("xlsx-truncated.xlsx", "Không đọc được tệp"),
        ("mislabelled-png.xlsx", "Không đọc được tệp"),
    ];
    for (name, message) in cases {
        let page = upload(&mut b, &token, "farms", name, corpus(name)).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(page.body.contains(message), "{name}: {}", page.body);
    }
    // The 2 KB sheet that declares A1:XFD1048576 (which aborted the server) is read as what
    // it holds: one farm row, on the line the spreadsheet shows.
    let page = upload(
        &mut b,
        &token,
        "farms",
        "bomb.xlsx",
        corpus("xlsx-dimension-bomb.xlsx"),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<th>1048576</th>"), "{}", page.body);
    assert!(page.body.contains("Vườn xa"));
    // Still serving.
    let (s, _) = app.get(&app.admin, "/api/v1/me").await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_command_refuses_hostile_workbooks_without_dying() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Chè Shan Tuyết").await;
    for (name, message) in [
        ("xlsx-shared-strings-bomb.xlsx", "Tệp giải nén ra quá lớn"),
        ("xlsx-million-rows.xlsx", "Tệp giải nén ra quá lớn"),
        ("xlsx-5000-rows.xlsx", "Tệp có quá nhiều dòng"),
    ] {
        let path = app.data_dir.path().join(name);
        std::fs::write(&path, corpus(name)).unwrap();
        let out = ocop_trace(&app)
            .args(["import", "--organization", &org, "--kind", "farms"])
            .arg(&path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        // Exit code 1 with a message, not a signal (an abort or the OOM killer).
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(message), "{name}: {err}");
    }
}

#[tokio::test]
async fn hostile_images_are_refused_with_the_limit_they_break() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Mật ong").await;
    let product = app.create_product(&app.admin, &org, None).await;
    let path = format!("/api/v1/products/{product}/images");
    let send = |name: &'static str, content_type: &'static str| {
        let (app, path) = (&app, &path);
        async move {
            app.upload(&app.admin, path, name, content_type, corpus(name))
                .await
        }
    };
    let (s, b) = send("png-iccp-bomb.png", "image/png").await;
    assert_field_error(s, &b, "file", "inflates_too_far");
    assert!(b.to_string().contains("4194304"), "{b}");
    let (s, b) = send("png-huge-dimensions.png", "image/png").await;
    assert_field_error(s, &b, "file", "too_many_pixels");
    let (s, b) = send("png-truncated.png", "image/png").await;
    assert_field_error(s, &b, "file", "corrupt_image");
    let (s, b) = send("mislabelled-text.jpg", "image/jpeg").await;
    assert_field_error(s, &b, "file", "corrupt_image");
    let (s, _) = send("mislabelled-xlsx.png", "image/png").await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A text chunk is never unpacked: the picture itself is fine and is kept without it.
    let (s, b) = send("png-ztxt-bomb.png", "image/png").await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
}
