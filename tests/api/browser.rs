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
pub(crate) async fn dom(profile: &Path, url: &str) -> String {
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

pub(crate) async fn screenshot(profile: &Path, url: &str, name: &str) {
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

pub(crate) fn state(dom: &str) -> &str {
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
        .strip_prefix("http://TRACE.TEST")
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
    d.fill("#commune_code", "24277").await;
    d.fill("#longitude", "108.12").await;
    d.click("#new-farm button").await;
    let page = d.wait_for("Đã lưu trang trại.").await;
    assert!(page.contains("Vườn ông Ba"));
    assert!(d.url().await.ends_with("/console/farms?saved=1"));
    d.screenshot(&shots.join("console-farms-360.png")).await;

    // A growing-area code is explained as it is typed (the page's one script asks the server).
    d.go(&app.url("/console/growing-areas")).await;
    d.fill("#code", "VN-66-650-24370-94-21").await;
    d.wait_for("Tỉnh Đắk Lắk (theo danh mục hành chính trước 1/7/2025), vùng số 94, cấp năm 2021")
        .await;
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

#[tokio::test]
#[ignore = "needs chromium and chromedriver; run by .ci/run with --ignored"]
async fn a_producer_opens_a_batch_keeps_its_diary_issues_stamps_and_imports_a_sheet() {
    use crate::webdriver::Driver;
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Gạo Tám Xoan Hải Hậu").await;
    let farm = app.create_farm(&app.admin, &org).await;
    app.create_growing_area(&app.admin, &farm, "VN-66-650-24370-01-21")
        .await;
    app.create_product(&app.admin, &org, Some("8934588012228"))
        .await;
    crate::console::member(&app, &org, "0912345679", "manager").await;
    let shots = screenshots();
    let files = tempfile::tempdir().unwrap();
    let d = Driver::start(360, 740).await;
    d.sign_in(&app.url("/console/sign-in"), "0912345679").await;

    // Open a batch.
    d.go(&app.url("/console/batches")).await;
    d.fill("#lot_code", "TAM-2026-11").await;
    d.fill("#quantity", "1200,5").await;
    d.fill("#unit", "kg").await;
    d.screenshot(&shots.join("console-batches-360.png")).await;
    d.click("#new-batch button").await;
    d.wait_for("Đã mở lô hàng").await;

    // A diary entry from the phone: the kind tapped, an input named, a photo taken.
    let photo = files.path().join("ruong.jpg");
    std::fs::write(&photo, ocop_trace::media::samples::photo_jpeg(1200, 900)).unwrap();
    d.click("input[value=spraying] + span").await;
    d.fill("#in0_product", "Anvil 5SC").await;
    d.fill("#in0_phi_days", "7").await;
    d.fill("#description", "Phun phòng rầy nâu").await;
    d.attach("#photo", &photo).await;
    d.screenshot(&shots.join("console-diary-form-360.png"))
        .await;
    d.click("#add-event button[type=submit]").await;
    let page = d.wait_for("Đã ghi vào nhật ký").await;
    assert!(page.contains("Phun thuốc") && page.contains("Anvil 5SC"));
    assert!(page.contains("Chưa được thu hoạch trước"), "{page}");
    assert!(page.contains("<img src=\"/media/"), "the photo is shown");
    d.go(&(d.url().await.split('?').next().unwrap().to_owned() + "#diary"))
        .await;
    d.screenshot(&shots.join("console-batch-diary-360.png"))
        .await;

    // 100 stamps, and their label sheets downloaded with the session.
    d.click("#stamps form[action$='/stamps'] button").await;
    let page = d.wait_for("Đã phát hành tem").await;
    assert!(page.contains("100 tem (#0–#99)"), "{page}");
    d.screenshot(&shots.join("console-stamps-360.png")).await;
    let at = page.find("/console/stamp-runs/").unwrap();
    let pdf_path = page[at..].split('"').next().unwrap().to_owned();
    let session = d.cookie("ocop_session").await;
    let res = app
        .client
        .get(app.url(&pdf_path))
        .header("cookie", format!("ocop_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let pdf_file = files.path().join("labels.pdf");
    std::fs::write(&pdf_file, &pdf).unwrap();
    let info = Command::new("pdfinfo")
        .arg(&pdf_file)
        .output()
        .expect("pdfinfo (poppler-utils) is installed");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 2")),
        "100 labels on 65-label sheets: {info}"
    );
    let batch_url = d.url().await.split('?').next().unwrap().to_owned();
    d.resize(1280, 800).await;
    d.go(&batch_url).await;
    d.wait_for("Lượt quét mỗi ngày").await;
    d.screenshot(&shots.join("console-batch-1280.png")).await;
    d.resize(360, 740).await;

    // A spreadsheet with one bad row: flagged, nothing written.
    let sheet = files.path().join("trang-trai.csv");
    std::fs::write(
        &sheet,
        "Tên trang trại,Địa chỉ,Mã xã,Vĩ độ,Kinh độ\n\
         Ruộng bà Năm,Hải Hậu,,20.1,106.3\n\
         ,Hải Hậu,ABC,,\n\
         Ruộng ông Sáu,Hải Hậu,,,\n",
    )
    .unwrap();
    d.go(&app.url("/console/import")).await;
    d.click("input[name=kind][value=farms]").await;
    d.attach("#file", &sheet).await;
    d.click("#upload button").await;
    let page = d.wait_for("1 dòng có lỗi, trên tổng số 3").await;
    assert!(page.contains("Ô này không được để trống"));
    assert!(!page.contains("/console/import/confirm"));
    d.screenshot(&shots.join("console-import-errors-360.png"))
        .await;
    d.resize(1280, 800).await;
    d.screenshot(&shots.join("console-import-errors-1280.png"))
        .await;
    let (_, farms) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}/farms"))
        .await;
    assert_eq!(
        farms["items"].as_array().unwrap().len(),
        1,
        "nothing imported"
    );

    // Every page at both sizes, in Vietnamese and once in English.
    for (path, name) in [
        ("/console", "dashboard"),
        ("/console/farms", "farms"),
        ("/console/growing-areas", "growing-areas"),
        ("/console/products", "products"),
        ("/console/batches", "batches"),
        (batch_url.trim_start_matches(&app.url("")), "batch"),
        ("/console/import", "import"),
        ("/console/listings", "listings"),
        ("/console/members", "members"),
        ("/console/organization", "organization"),
        ("/console/account", "account"),
    ] {
        for (w, h) in [(360, 740), (1280, 800)] {
            d.resize(w, h).await;
            d.go(&app.url(path)).await;
            d.wait_for("</main>").await;
            d.screenshot(&shots.join(format!("console-page-{name}-{w}.png")))
                .await;
        }
    }
    d.go(&format!("{batch_url}?lang=en")).await;
    d.wait_for("Production diary").await;
    d.screenshot(&shots.join("console-batch-en-1280.png")).await;
}

/// The console's one-time PIN button in a real browser (which asks for gzip, brotli and
/// zstd): the whole PDF arrives, and only then are the PINs closed.
#[tokio::test]
#[ignore = "needs chromium and chromedriver; run by .ci/run with --ignored"]
async fn the_pin_sheet_button_delivers_the_whole_file_in_a_browser_then_closes() {
    use crate::webdriver::Driver;
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Mật ong Mộc Châu").await;
    let product = app
        .create_product(&app.admin, &org, Some("8934588012228"))
        .await;
    let batch = app.create_batch(&app.admin, &product, "MO2026P").await;
    let (s, run) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/stamp-runs"),
            serde_json::json!({"count": 300, "with_pin": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{run}");
    crate::console::member(&app, &org, "0912345680", "manager").await;
    let d = Driver::start(360, 740).await;
    d.sign_in(&app.url("/console/sign-in"), "0912345680").await;
    let page_url = app.url(&format!("/console/batches/{batch}"));
    d.go(&page_url).await;
    d.wait_for("In kèm mã PIN").await;
    // The button's form, posted by the page itself: the browser's own headers and cookies.
    let fetch = r#"
        const done = arguments[arguments.length - 1];
        const form = document.querySelector('form[method=post][action$="/labels.pdf"]');
        fetch(form.action, {method: 'POST', body: new URLSearchParams(new FormData(form))})
          .then(async r => {
            const bytes = new Uint8Array(await r.arrayBuffer());
            const tail = String.fromCharCode(...bytes.slice(-6));
            done([r.status, r.headers.get('content-type'), bytes.length, tail]);
          })
          .catch(e => done(['error', String(e)]));
    "#;
    let got = d.execute_async(fetch).await;
    assert_eq!(got[0], 200, "{got}");
    assert_eq!(got[1], "application/pdf");
    assert!(got[2].as_u64().unwrap() > 10_000, "{got}");
    assert_eq!(got[3], "%%EOF\n", "the whole file: {got}");
    // Delivered whole, so the page no longer offers the button, and the API refuses.
    d.go(&page_url).await;
    let page = d.wait_for("Mã PIN đã được in lúc").await;
    assert!(!page.contains("In kèm mã PIN"), "{page}");
    let run = run["id"].as_str().unwrap();
    let (_, view) = app
        .get(&app.admin, &format!("/api/v1/stamp-runs/{run}"))
        .await;
    assert!(view["pins_delivered_at"].is_string(), "{view}");
    assert_eq!(view["pins_attempts"], 1);
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; run by .ci/run with --ignored"]
async fn a_manager_enters_a_trace_code_and_sends_the_lot_to_the_portal_from_a_phone() {
    use crate::webdriver::Driver;
    let (base, portal) = crate::portal::fake_portal(Vec::new()).await;
    let app = crate::portal::app_with_portal(&base).await;
    let lot = crate::epcis::lot(&app).await;
    crate::console::member(&app, &lot.org, "0912345680", "manager").await;
    let shots = screenshots();
    let d = Driver::start(360, 740).await;
    d.sign_in(&app.url("/console/sign-in"), "0912345680").await;

    // The premises' GLN, mistyped: named at its field, what was typed kept.
    let page_url = app.url(&format!("/console/batches/{}", lot.batch));
    d.go(&format!("{page_url}#trace")).await;
    d.wait_for("Mã truy vết địa điểm (cơ sở sản xuất)").await;
    d.fill("#trace-organization", "8934588000011").await;
    d.click("form.trace:has(#trace-organization) button").await;
    let page = d.wait_for("Mã chưa đúng định dạng").await;
    assert!(page.contains("value=\"8934588000011\""), "{page}");
    d.screenshot(&shots.join("console-trace-code-error-360.png"))
        .await;
    d.fill("#trace-organization", "8934588000010").await;
    d.click("form.trace:has(#trace-organization) button").await;
    let page = d.wait_for("Đã lưu mã truy vết.").await;
    assert!(page.contains("(414)8934588000010"), "{page}");

    // Sent to the portal: queued, then (the worker run here) accepted.
    d.click("form[action$='/portal-push'] button").await;
    d.wait_for("Đã xếp lô vào hàng gửi lên cổng").await;
    ocop_trace::services::outbox::drain(&app.state.outbox)
        .await
        .unwrap();
    d.go(&format!("{page_url}#trace")).await;
    let page = d.wait_for("sự kiện đã được cổng nhận").await;
    assert!(page.contains("Đã gửi"), "{page}");
    d.screenshot(&shots.join("console-share-360.png")).await;
    assert_eq!(
        portal.lock().unwrap_or_else(|e| e.into_inner()).taken.len(),
        1
    );
}

/// How many times `text` stands in the batch's diary, as the API lists it.
async fn diary_mentions(app: &TestApp, batch: &str, text: &str) -> usize {
    let (_, events) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}/events"))
        .await;
    events.to_string().matches(text).count()
}

/// Taps the offline queue's "Send now" if the page shows it.
const SEND_NOW: &str = "var b = document.querySelector('#pending button'); if (b) { b.click(); } \
                        arguments[arguments.length - 1](true);";

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run with --ignored"]
async fn diary_entries_made_with_no_signal_are_kept_on_the_phone_and_sent_once_when_it_returns() {
    use crate::webdriver::{Driver, Link};
    let app = TestApp::spawn().await;
    let lot = crate::epcis::lot(&app).await;
    crate::console::member(&app, &lot.org, "0912345681", "manager").await;
    let link = Link::to(app.address.trim_start_matches("http://").to_owned()).await;
    let shots = screenshots();
    let photo = std::env::temp_dir().join(format!("ruong-{}.jpg", lot.batch));
    std::fs::write(&photo, ocop_trace::media::samples::photo_jpeg(640, 480)).unwrap();

    let d = Driver::start(360, 740).await;
    d.sign_in(&link.url("/console/sign-in"), "0912345681").await;
    // The batch page opened once with signal: the app's worker installs and keeps it.
    // The language is remembered (a cookie); each is asked for by name, and each is kept.
    let page = link.url(&format!("/console/batches/{}?lang=vi", lot.batch));
    let page_en = link.url(&format!("/console/batches/{}?lang=en", lot.batch));
    d.go(&page).await;
    d.wait_for("Ghi nhật ký").await;
    let ready = d
        .execute_async(
            "var done = arguments[arguments.length - 1]; \
             navigator.serviceWorker.ready.then(function () { done(true); }, function (e) { done(String(e)); });",
        )
        .await;
    assert_eq!(ready, true, "{ready}");
    d.go(&page_en).await;
    d.wait_for("Add to the diary").await;
    d.go(&page).await;
    d.wait_for("Ghi nhật ký").await;

    // No signal: two entries, one with a photo, kept on the phone.
    link.cut();
    for (description, with_photo) in [("Tưới rãnh đợt 1", true), ("Tưới rãnh đợt 2", false)]
    {
        d.click("label.chip:has(input[value=irrigating])").await;
        d.fill("#description", description).await;
        if with_photo {
            d.attach("#photo", &photo).await;
        }
        d.click("#add-event button[type=submit]").await;
        d.wait_for(description).await;
    }
    let shown = d.wait_for("Chưa gửi (2)").await;
    assert!(shown.contains("có ảnh"), "{shown}");
    // Opened again with no signal: the page is the kept copy, the entries still waiting.
    d.go(&page).await;
    d.wait_for("Chưa gửi (2)").await;
    // How long the kept page took to open (a figure for bench/RESULTS.md, not a check).
    let opened = d
        .execute_async(
            "var n = performance.getEntriesByType('navigation')[0];              arguments[arguments.length - 1]([n.domContentLoadedEventEnd, n.loadEventEnd]);",
        )
        .await;
    eprintln!(
        "offline: the batch page opened from the phone's copy, DOMContentLoaded and load at {opened} ms"
    );
    d.execute_async("document.getElementById('pending').scrollIntoView(); arguments[arguments.length - 1](true);")
        .await;
    d.screenshot(&shots.join("console-offline-pending-360.png"))
        .await;
    d.go(&page_en).await;
    d.wait_for("Not sent yet (2)").await;
    d.execute_async("document.getElementById('pending').scrollIntoView(); arguments[arguments.length - 1](true);")
        .await;
    d.screenshot(&shots.join("console-offline-pending-en-360.png"))
        .await;

    // Signal again: sent, each once, with the phone's time and the photo.
    d.go(&page).await;
    d.wait_for("Chưa gửi (2)").await;
    link.restore();
    // "Send now", tapped by script: the page may be sending on its own already and reload.
    d.execute_async(SEND_NOW).await;
    d.wait_for("Đã ghi vào nhật ký.").await;
    // A send the link dropped mid-way leaves its entry waiting; the next page load sends it.
    let mut events = serde_json::Value::Null;
    for _ in 0..100 {
        (_, events) = app
            .get(&app.admin, &format!("/api/v1/batches/{}/events", lot.batch))
            .await;
        let text = events.to_string();
        if text.contains("Tưới rãnh đợt 1") && text.contains("Tưới rãnh đợt 2") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for description in ["Tưới rãnh đợt 1", "Tưới rãnh đợt 2"] {
        let found: Vec<_> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["details"]["description"] == description)
            .collect();
        assert_eq!(found.len(), 1, "{description}: {events}");
        if description.ends_with('1') {
            assert_eq!(found[0]["details"]["photos"].as_array().unwrap().len(), 1);
        }
    }
    d.go(&page).await;
    let page_now = d.wait_for("Chưa gửi (0)").await;
    assert!(page_now.contains("Tưới rãnh đợt 2"), "{page_now}");

    // The signal goes as the answer comes back: the entry was written, the phone never heard
    // so and keeps it; sent again, it is answered from the first write and recorded once.
    link.lose_answers();
    d.click("label.chip:has(input[value=harvesting])").await;
    d.fill("#description", "Gặt khi mất sóng giữa chừng").await;
    d.attach("#photo", &photo).await;
    d.click("#add-event button[type=submit]").await;
    d.wait_for("Chưa gửi (1)").await;
    assert_eq!(
        diary_mentions(&app, &lot.batch, "Gặt khi mất sóng giữa chừng").await,
        1,
        "written before its answer was lost"
    );
    link.restore();
    d.execute_async(SEND_NOW).await;
    d.wait_for("Đã ghi vào nhật ký.").await;
    d.go(&page).await;
    d.wait_for("Chưa gửi (0)").await;
    assert_eq!(
        diary_mentions(&app, &lot.batch, "Gặt khi mất sóng giữa chừng").await,
        1,
        "recorded once"
    );
    let (_, photos) = app
        .get(&app.admin, &format!("/api/v1/batches/{}/photos", lot.batch))
        .await;
    assert_eq!(photos.as_array().unwrap().len(), 1, "one photo: {photos}");

    // Sealed while an entry waited: the server's refusal is shown, the entry kept.
    d.go(&page).await;
    d.wait_for("Ghi nhật ký").await;
    link.cut();
    d.click("label.chip:has(input[value=spraying])").await;
    d.fill("#description", "Phun sau khi đóng lô").await;
    d.click("#add-event button[type=submit]").await;
    d.wait_for("Chưa gửi (1)").await;
    let (s, sealed) = app
        .patch(
            &app.admin,
            &format!("/api/v1/batches/{}", lot.batch),
            serde_json::json!({"status": "sealed"}),
        )
        .await;
    assert!(s.is_success(), "{sealed}");
    link.restore();
    // "Send now", tapped by script: the page may be sending on its own already and reload.
    d.execute_async(SEND_NOW).await;
    let shown = d.wait_for("Máy chủ không nhận").await;
    assert!(
        shown.contains("Lô ở trạng thái này không nhận công việc này"),
        "{shown}"
    );
    d.execute_async("document.getElementById('pending').scrollIntoView(); arguments[arguments.length - 1](true);")
        .await;
    d.screenshot(&shots.join("console-offline-refused-360.png"))
        .await;
    let (_, events) = app
        .get(&app.admin, &format!("/api/v1/batches/{}/events", lot.batch))
        .await;
    assert!(!events.to_string().contains("Phun sau khi đóng lô"));
    let _ = std::fs::remove_file(&photo);
}

#[tokio::test]
#[ignore = "needs chromium; run by .ci/run with --ignored"]
async fn chromium_reads_the_scan_page_sent_in_gzip_made_from_pieces() {
    use crate::webdriver::Driver;
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 2).await;
    let d = Driver::start(360, 740).await;
    let serial = stamps[1]["serial"].as_str().unwrap();
    // Each kind of scan the page has a layout for: first, second (time and count), third
    // (the copy warning). The browser's own navigation, with its own Accept-Encoding; beside
    // it the other stamp of the lot, scanned alike and read as it is by a client of our own.
    for scan in 1..=3 {
        d.go(&app.url(&path_of(&stamps[1]))).await;
        d.wait_for(&serial[..4]).await;
        let got = d
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 const n = performance.getEntriesByType('navigation')[0]; \
                 done([n.encodedBodySize, n.decodedBodySize, \
                       document.querySelector('.serial code').textContent, \
                       document.getElementById('scans').textContent.trim(), \
                       !!document.getElementById('copy-warning')]);",
            )
            .await;
        let (encoded, decoded) = (got[0].as_u64().unwrap(), got[1].as_u64().unwrap());
        assert!(
            encoded > 0 && encoded * 3 < decoded * 2,
            "scan {scan}: the page came compressed: {got}"
        );
        let (_, _, plain) =
            crate::scan::get(&app, &path_of(&stamps[0]), &[crate::scan::BROWSER]).await;
        // Same length: the same page but for the serial (and a time of the same shape).
        assert_eq!(
            decoded,
            plain.len() as u64,
            "scan {scan}: {got} against {}",
            plain.len()
        );
        assert_eq!(
            got[2],
            crate::scan_cache::grouped(&stamps[1]),
            "the serial's place: {got}"
        );
        let lines = got[3].as_str().unwrap();
        match scan {
            1 => assert!(lines.contains("lần quét đầu tiên"), "{got}"),
            _ => assert!(lines.contains(&scan.to_string()), "the count: {got}"),
        }
        assert_eq!(
            got[4],
            serde_json::json!(scan == 3),
            "the copy warning: {got}"
        );
    }
    // The lot's own page, kept whole with its gzip made once (web/scan_frame.rs): the browser
    // gets it compressed and decodes it to the page as it is.
    let path = path_of(&stamps[0]);
    let lot = &path[..path.find("/21/").unwrap()];
    d.go(&app.url(lot)).await;
    d.wait_for("CF2026A").await;
    let got = d
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             const n = performance.getEntriesByType('navigation')[0]; \
             done([n.encodedBodySize, n.decodedBodySize]);",
        )
        .await;
    let (encoded, decoded) = (got[0].as_u64().unwrap(), got[1].as_u64().unwrap());
    assert!(
        encoded > 0 && encoded * 3 < decoded * 2,
        "the lot's page came compressed: {got}"
    );
    let (_, _, plain) = crate::scan::get_raw(&app, lot, None).await;
    assert_eq!(decoded, plain.len() as u64, "the lot's page whole: {got}");
}
