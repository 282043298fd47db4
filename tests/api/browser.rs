//! The scan page in real headless Chromium (Debian's `chromium`, installed by `.ci/run`):
//! rendering at a phone's 360×740 viewport, the verification panel turning green for a
//! genuine stamp and red for a tampered one, the consistency check between two visits, and
//! the copy warning. Screenshots go to `target/screenshots/` (kept as CI artifacts).
//!
//! `#[ignore]`d: plain `cargo test` must pass on a machine without Chromium; `.ci/run` runs
//! them with `--ignored`, where a missing browser fails them.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::scan::{path_of, world};

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Chromium with the flags this machine needs, a given profile directory (for
/// localStorage between visits) and a phone-sized window.
fn chromium(profile: &Path) -> Command {
    let mut c = Command::new("chromium");
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--window-size=360,740",
        "--virtual-time-budget=15000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Runs Chromium off the test's runtime, which must keep serving the page meanwhile.
async fn run(mut cmd: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        cmd.output()
            .expect("chromium is installed (apt install chromium)")
    })
    .await
    .unwrap()
}

/// The page's DOM after its scripts ran.
async fn dom(profile: &Path, url: &str) -> String {
    let mut cmd = chromium(profile);
    cmd.arg("--dump-dom").arg(url);
    let out = run(cmd).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn screenshot(profile: &Path, url: &str, name: &str) {
    let file = screenshots().join(name);
    let mut cmd = chromium(profile);
    cmd.arg(format!("--screenshot={}", file.display())).arg(url);
    let out = run(cmd).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::metadata(&file).unwrap().len() > 5_000,
        "{name} is not empty"
    );
}

fn state(dom: &str) -> &str {
    let at = dom.find("id=\"verify\"").expect("the verification panel");
    let rest = &dom[at..];
    let s = rest.find("data-state=\"").unwrap() + 12;
    &rest[s..s + rest[s..].find('"').unwrap()]
}

async fn signed(app: &TestApp) {
    let (_, head) = app
        .get(&app.admin, "/api/v1/log/proof/inclusion?index=0")
        .await;
    crate::ledger::checkpoint_covering(app, head["size"].as_u64().unwrap()).await;
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run with --ignored"]
async fn a_genuine_stamp_verifies_green_in_both_languages() {
    let app = TestApp::spawn().await;
    let (batch, stamps) = world(&app, 2).await;
    let (_, b) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}"))
        .await;
    let (s, image) = app
        .upload(
            &app.admin,
            &format!(
                "/api/v1/products/{}/images",
                b["product_id"].as_str().unwrap()
            ),
            "goi-ca-phe.jpg",
            "image/jpeg",
            ocop_trace::media::samples::photo_jpeg(1200, 800),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{image}");
    signed(&app).await;
    // Chromium asks for English (Accept-Language: en-US), so Vietnamese is chosen explicitly.
    let url = app.url(&format!("{}?lang=vi", path_of(&stamps[0])));
    let profile = tempfile::tempdir().unwrap();

    let page = dom(profile.path(), &url).await;
    assert_eq!(state(&page), "ok", "{page}");
    assert!(page.contains("Dữ liệu nguyên vẹn"), "{page}");
    assert!(page.contains("Cà phê Robusta rang xay Ea Tul"));
    assert!(
        page.contains(image["thumbnail_url"].as_str().unwrap()),
        "{page}"
    );
    screenshot(profile.path(), &url, "scan-vi-genuine.png").await;

    // A later visit from the same browser: the log grew, and the page checks that its
    // earlier checkpoint is a prefix of the new one.
    let (s, _) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/events"),
            json!({"kind": "packing", "occurred_at": "2026-03-05T07:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    signed(&app).await;
    let en = url.replace("?lang=vi", "?lang=en");
    let page = dom(profile.path(), &en).await;
    assert_eq!(state(&page), "ok", "{page}");
    assert!(page.contains("Record intact"));
    screenshot(profile.path(), &en, "scan-en-genuine.png").await;
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run with --ignored"]
async fn a_tampered_record_turns_the_panel_red() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 3).await;
    signed(&app).await;
    // The run's root in the database no longer matches its ledger entry.
    app.sql("UPDATE stamp_runs SET root = last_hash", vec![])
        .await;
    let url = app.url(&format!("{}?lang=vi", path_of(&stamps[1])));
    let profile = tempfile::tempdir().unwrap();
    let page = dom(profile.path(), &url).await;
    assert_eq!(state(&page), "fail", "{page}");
    assert!(page.contains("Không kiểm tra được"));
    screenshot(profile.path(), &url, "scan-vi-tampered.png").await;
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run with --ignored"]
async fn repeated_scans_show_the_copy_warning_in_the_browser() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 1).await;
    signed(&app).await;
    let url = app.url(&format!("{}?lang=vi", path_of(&stamps[0])));
    let profile = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        dom(profile.path(), &url).await;
    }
    let page = dom(profile.path(), &url).await;
    assert!(page.contains("id=\"copy-warning\""), "{page}");
    screenshot(profile.path(), &url, "scan-vi-copy-warning.png").await;
}

#[tokio::test]
#[ignore = "needs chromium, pdftoppm and zbarimg; run by .ci/run with --ignored"]
async fn a_printed_stamp_decoded_from_its_label_opens_a_verified_page() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 3).await;
    signed(&app).await;
    // The run's label sheet, printed (rasterised at 300 dpi) and read back with ZBar.
    let run = {
        let (_, s) = app
            .get(
                &app.admin,
                &format!(
                    "/api/v1/stamps/{}/proof",
                    stamps[0]["serial"].as_str().unwrap()
                ),
            )
            .await;
        s["run"]["id"].as_str().unwrap().to_owned()
    };
    let (s, _, pdf) = app
        .download(&app.admin, &format!("/api/v1/stamp-runs/{run}/labels.pdf"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("labels.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let sheet = crate::print::sheet(&app, "a4-65-38x21").await;
    let decoded = tokio::task::spawn_blocking(move || crate::print::decode_pdf(&file, &sheet))
        .await
        .unwrap();
    assert_eq!(decoded.len(), 3);
    // What a phone camera reads is the URI; the browser opens it (on this test server).
    let uri = &decoded[0];
    let path = uri
        .strip_prefix("HTTP://TRACE.TEST")
        .expect("the stamp's own host");
    let profile = tempfile::tempdir().unwrap();
    for (lang, ok_text) in [("vi", "Dữ liệu nguyên vẹn"), ("en", "Record intact")] {
        let page = dom(profile.path(), &app.url(&format!("{path}?lang={lang}"))).await;
        assert_eq!(state(&page), "ok", "{page}");
        assert!(page.contains(ok_text) && page.contains("Cà phê Robusta rang xay Ea Tul"));
    }
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run with --ignored"]
async fn the_product_page_a_listing_links_to_reads_well_on_a_phone() {
    let app = TestApp::spawn().await;
    let (batch, _) = world(&app, 1).await;
    let (_, b) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}"))
        .await;
    let product = b["product_id"].as_str().unwrap().to_owned();
    let (s, _) = app
        .upload(
            &app.admin,
            &format!("/api/v1/products/{product}/images"),
            "goi.jpg",
            "image/jpeg",
            ocop_trace::media::samples::photo_jpeg(1200, 800),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, l) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/listings"),
            json!({"marketplace": "postmart", "price_vnd": 95000, "stock": 3}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{l}");
    let (s, _) = app
        .patch(
            &app.admin,
            &format!("/api/v1/listings/{}", l["id"].as_str().unwrap()),
            json!({"live_url": "https://postmart.vn/p/ca-phe-robusta-ea-tul-5521.html"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let profile = tempfile::tempdir().unwrap();
    for (lang, buy, note) in [
        (
            "vi",
            "Mua trên Postmart",
            "Mỗi sản phẩm có tem truy xuất riêng",
        ),
        ("en", "Buy on Postmart", "Every item carries its own stamp"),
    ] {
        let url = app.url(&format!("/p/{product}?lang={lang}"));
        let page = dom(profile.path(), &url).await;
        assert!(page.contains("Cà phê Robusta rang xay Ea Tul"), "{page}");
        assert!(page.contains(buy) && page.contains(note), "{page}");
        screenshot(profile.path(), &url, &format!("product-{lang}.png")).await;
    }
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; run by .ci/run with --ignored"]
async fn a_producer_signs_in_and_registers_a_farm_in_the_console() {
    use crate::webdriver::Driver;
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Cà phê Ea Tul").await;
    crate::console::member(&app, &org, "0912345678", "manager").await;
    let shots = screenshots();
    let d = Driver::start(360, 740).await;

    d.go(&app.url("/console")).await;
    assert!(
        d.url().await.ends_with("/console/sign-in"),
        "{}",
        d.url().await
    );
    d.screenshot(&shots.join("console-sign-in-360.png")).await;
    d.fill("#login", "0912 345 678").await;
    d.fill("#password", "mật khẩu an toàn").await;
    d.click("button[type=submit]").await;
    let page = d.wait_for("Lô hàng đang sản xuất").await;
    assert!(page.contains("HTX Cà phê Ea Tul"));
    assert!(d.url().await.ends_with("/console"));
    d.screenshot(&shots.join("console-dashboard-360.png")).await;
    d.resize(1280, 800).await;
    d.screenshot(&shots.join("console-dashboard-1280.png"))
        .await;
    d.resize(360, 740).await;

    // A farm with the name forgotten and half the coordinates: told in place, nothing lost.
    d.go(&app.url("/console/farms")).await;
    d.fill("#address", "Thôn 3, xã Ea Tul, Cư M'gar").await;
    d.fill("#latitude", "12.79").await;
    d.click("#new-farm button").await;
    let page = d.wait_for("Nhập tên, từ 1 đến 200 ký tự.").await;
    assert!(page.contains("Nhập cả vĩ độ và kinh độ"));
    assert!(
        page.contains("Thôn 3, xã Ea Tul, Cư M"),
        "the address typed is kept"
    );
    d.screenshot(&shots.join("console-farm-errors-360.png"))
        .await;
    d.fill("#name", "Vườn ông Ba").await;
    d.fill("#commune_code", "24370").await;
    d.fill("#longitude", "108.12").await;
    d.click("#new-farm button").await;
    let page = d.wait_for("Đã lưu trang trại.").await;
    assert!(page.contains("Vườn ông Ba"));
    assert!(d.url().await.ends_with("/console/farms?saved=1"));
    d.screenshot(&shots.join("console-farms-360.png")).await;

    // A growing-area code is explained as it is typed (the page's one script asks the server).
    d.go(&app.url("/console/growing-areas")).await;
    d.fill("#code", "VN-66-650-24370-94-21").await;
    d.wait_for("xã 24370, vùng số 94, cấp năm 2021").await;
    d.fill("#crop", "cà phê").await;
    d.screenshot(&shots.join("console-growing-area-360.png"))
        .await;
    d.click("#new-area button").await;
    let page = d.wait_for("Đã lưu mã số vùng trồng.").await;
    assert!(page.contains("VN-66-650-24370-94-21"));

    // A product, then its OCOP certificate (the date typed into the browser's date field).
    d.go(&app.url("/console/products")).await;
    d.fill("#name", "Cà phê Robusta rang xay").await;
    d.fill("#unit", "gói").await;
    d.fill("#gtin", "8934588012228").await;
    d.click("#new-product button").await;
    d.wait_for("Đã lưu sản phẩm.").await;
    d.fill("#decision_number", "1234/QĐ-UBND").await;
    d.fill("#issuing_body", "UBND tỉnh Đắk Lắk").await;
    d.fill("#decision_date", "15062025").await;
    d.click("#new-certification button").await;
    let page = d.wait_for("Đã lưu chứng nhận OCOP.").await;
    assert!(page.contains("★★★"), "{page}");
    d.screenshot(&shots.join("console-products-360.png")).await;

    d.go(&app.url("/console/farms?lang=en")).await;
    d.wait_for("Add a farm").await;
    d.resize(1280, 800).await;
    d.screenshot(&shots.join("console-farms-en-1280.png")).await;
    let (_, farms) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}/farms"))
        .await;
    assert_eq!(farms["items"][0]["name"], "Vườn ông Ba");
}
