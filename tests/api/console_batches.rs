//! The console's batch pages through real HTTP: opening a batch, the diary with inputs, their
//! pre-harvest intervals and a photo, sealing, issuing stamps and downloading their print
//! files, the scans-per-day chart; and that another organization sees none of it.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::console::{Browser, attr, csrf, member, texts};
use crate::helpers::TestApp;
use ocop_trace::media::samples::photo_jpeg;

/// A signed-in owner of a new organization with a farm, a growing area and a product.
struct World {
    org: String,
    product: String,
    area: String,
    login: String,
}

async fn world(app: &TestApp, name: &str, phone: &str, code: &str) -> World {
    let org = app.create_organization(name).await;
    let farm = app.create_farm(&app.admin, &org).await;
    let area = app.create_growing_area(&app.admin, &farm, code).await;
    let product = app.create_product(&app.admin, &org, None).await;
    let login = member(app, &org, phone, "owner").await;
    World {
        org,
        product,
        area,
        login,
    }
}

/// A `datetime-local` value `days` ago, in Vietnam time.
fn days_ago(days: i64) -> String {
    let t = chrono::Utc::now() - chrono::Duration::days(days);
    t.with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Seals the batch whose page is `page` through its form.
async fn seal(b: &mut Browser<'_>, page: &str, token: &str) {
    let p = b
        .post(
            &format!("{page}/seal"),
            &[("csrf", token)],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
}

/// The owner of `w` signed in, on the batch list: the browser and the forms' token.
async fn signed_in<'a>(app: &'a TestApp, w: &World) -> (Browser<'a>, String) {
    let mut b = Browser::new(app);
    b.sign_in(&w.login, "mật khẩu an toàn").await;
    let p = b.get("/console/batches").await;
    assert_eq!(p.status, StatusCode::OK);
    let token = csrf(&p.body);
    (b, token)
}

/// Opens lot GAO-2026-11 through the console's form: the batch page's path and the batch's id.
async fn open_batch(b: &mut Browser<'_>, w: &World, token: &str) -> (String, String) {
    let p = b
        .post(
            "/console/batches",
            &[
                ("csrf", token),
                ("product_id", &w.product),
                ("lot_code", "GAO-2026-11"),
                ("growing_area_id", &w.area),
                ("quantity", "1200,5"),
                ("unit", "kg"),
                ("produced_on", &chrono::Utc::now().date_naive().to_string()),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let at = p.location.unwrap();
    let page = at
        .strip_suffix("?saved=batch")
        .unwrap_or_else(|| panic!("{at}"))
        .to_owned();
    let id = page.rsplit('/').next().unwrap().to_owned();
    (page, id)
}

/// A new organization's owner signed in, with lot GAO-2026-11 opened: the app's browser, the
/// forms' token, the batch page's path and the batch's id.
macro_rules! opened {
    ($app:ident, $b:ident, $token:ident, $page:ident, $id:pat) => {
        let $app = TestApp::spawn().await;
        let w = world(
            &$app,
            "HTX Gạo Tám Xoan",
            "0911111111",
            "VN-66-650-24370-01-21",
        )
        .await;
        let (mut $b, $token) = signed_in(&$app, &w).await;
        let ($page, $id) = open_batch(&mut $b, &w, &$token).await;
    };
}

#[tokio::test]
async fn a_batch_is_opened_in_the_console_with_mistakes_named_in_place() {
    let app = TestApp::spawn().await;
    let w = world(
        &app,
        "HTX Gạo Tám Xoan",
        "0911111111",
        "VN-66-650-24370-01-21",
    )
    .await;
    let (mut b, token) = signed_in(&app, &w).await;
    let p = b.get("/console/batches").await;
    assert!(p.body.contains("Mở lô hàng mới") && p.body.contains("Chưa có lô hàng nào"));
    assert!(
        p.body
            .contains("VN-66-650-24370-01-21 · cà phê · Vườn ông Ba")
    );

    // Mistakes are named in place and what was typed stays.
    let p = b
        .post(
            "/console/batches",
            &[
                ("csrf", &token),
                ("product_id", &w.product),
                ("lot_code", "LÔ 1"),
                ("quantity", "nhiều"),
                ("unit", "kg"),
                ("expires_on", "31/12/2026"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Nhập số lượng lớn hơn 0"), "{}", p.body);
    assert!(p.body.contains("Nhập ngày hợp lệ"));
    assert!(p.body.contains(r#"value="nhiều""#) && p.body.contains(r#"value="LÔ 1""#));
    let p = b
        .post(
            "/console/batches",
            &[
                ("csrf", &token),
                ("product_id", &w.product),
                ("lot_code", "LÔ 1"),
                ("quantity", "1200,5"),
                ("unit", "kg"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);

    let (page, id) = open_batch(&mut b, &w, &token).await;
    let (s, batch) = app.get(&app.admin, &format!("/api/v1/batches/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(batch["quantity"], 1200.5);
    assert_eq!(batch["growing_area_id"], w.area.as_str());

    let p = b.get(&format!("{page}?saved=batch")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Lô GAO-2026-11 · Mật ong hoa cà phê"));
    assert!(p.body.contains("Đã mở lô hàng") && p.body.contains("Đang sản xuất"));
    assert!(p.body.contains("Chuỗi nhật ký nguyên vẹn"));
    assert!(p.body.contains("Nhật ký chưa có mục nào"));
}

#[tokio::test]
async fn the_diary_keeps_inputs_their_pre_harvest_interval_and_a_photo_across_mistakes() {
    opened!(app, b, token, page, id);
    let events = format!("{page}/events");

    // Spraying three days ago, with a pre-harvest interval of 7 days and a photo.
    let sprayed = days_ago(3);
    let p = b
        .post_multipart(
            &events,
            &[
                ("csrf", &token),
                ("kind", "spraying"),
                ("occurred_at", &sprayed),
                ("description", "Phun phòng rầy nâu"),
                ("in0_product", "Anvil 5SC"),
                ("in0_active_ingredient", "Hexaconazole"),
                ("in0_dose", "1,5"),
                ("in0_dose_unit", "ml/l"),
                ("in0_phi_days", "7"),
            ],
            Some(("photo", photo_jpeg(800, 600))),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = b.get(p.location.as_deref().unwrap()).await;
    assert!(p.body.contains("Đã ghi vào nhật ký"));
    let diary = texts(&p.body, "#diary").concat();
    assert!(diary.contains("Phun thuốc") && diary.contains("Phun phòng rầy nâu"));
    assert!(
        diary.contains("Anvil 5SC (Hexaconazole) 1,5 ml/l"),
        "{diary}"
    );
    let photos = attr(&p.body, "#diary img", "src");
    assert!(
        photos.len() == 1 && photos[0].starts_with("/media/"),
        "{photos:?}"
    );
    assert!(p.body.contains("Chưa được thu hoạch trước"));
    // The input is offered again with what was recorded.
    assert!(p.body.contains(
        r#"<option value="Anvil 5SC" data-ai="Hexaconazole" data-unit="ml/l" data-phi="7">"#
    ));

    // A harvest now is inside the interval: recorded, and flagged.
    let p = b
        .post_multipart(
            &events,
            &[
                ("csrf", &token),
                ("kind", "harvesting"),
                ("occurred_at", ""),
            ],
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = b.get(&page).await;
    let diary = texts(&p.body, "#diary").concat();
    assert!(
        diary.contains("Thu hoạch khi chưa hết thời gian cách ly của Anvil 5SC"),
        "{diary}"
    );
    // Newest first.
    assert!(diary.find("Thu hoạch").unwrap() < diary.find("Phun thuốc").unwrap());
    // The shopper's page of a stamp of the lot says it too, in both languages.
    let run = crate::stamps::run_of(&app, &id, 1).await;
    let stamp = crate::scan::path_of(&crate::stamps::all_stamps(&app, &run).await[0]);
    for (lang, words) in [
        (
            "vi",
            "Lưu ý: thu hoạch khi chưa hết thời gian cách ly của Anvil 5SC",
        ),
        (
            "en",
            "Note: harvested before the pre-harvest interval had passed for Anvil 5SC",
        ),
    ] {
        let shopper = app
            .client
            .get(app.url(&format!("{stamp}?lang={lang}")))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(shopper.status(), StatusCode::OK);
        let html = shopper.text().await.unwrap();
        let diary = texts(&html, "#diary").concat();
        assert!(diary.contains(words), "{diary}");
    }

    // A form with mistakes keeps its photo: uploaded once, carried to the next try.
    let p = b
        .post_multipart(
            &events,
            &[
                ("csrf", &token),
                ("occurred_at", "hôm qua"),
                ("in0_product", "Phân NPK 16-16-8"),
                ("in0_dose", "một ít"),
            ],
            Some(("photo", photo_jpeg(640, 480))),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Chọn công việc"), "{}", p.body);
    assert!(p.body.contains("Nhập thời gian hợp lệ"));
    assert!(p.body.contains("Liều lượng là một số lớn hơn 0"));
    assert!(p.body.contains(r#"value="Phân NPK 16-16-8""#));
    assert!(p.body.contains("Ảnh đã tải lên được giữ lại"));
    let kept = attr(&p.body, r#"input[name="photo_sha256"]"#, "value").concat();
    assert_eq!(kept.len(), 64, "{kept}");
    let p = b
        .post_multipart(
            &events,
            &[
                ("csrf", &token),
                ("kind", "note"),
                ("description", "Ảnh ruộng trước thu hoạch"),
                ("photo_sha256", &kept),
            ],
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let (_, listed) = app
        .get(&app.admin, &format!("/api/v1/batches/{id}/events"))
        .await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["details"]["inputs"][0]["phi_days"], 7);
    assert_eq!(items[0]["details"]["inputs"][0]["dose"], 1.5);
    assert_eq!(items[0]["details"]["photos"].as_array().unwrap().len(), 1);
    assert_eq!(items[2]["details"]["photos"][0], kept.as_str());
    // The time typed in Vietnam is the time stored.
    let stored: chrono::DateTime<chrono::Utc> =
        items[0]["occurred_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        stored
            .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap())
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        sprayed
    );

    // Without the form's token nothing is written.
    let p = b
        .post_multipart(
            &events,
            &[("kind", "note"), ("description", "giả mạo")],
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let (_, listed) = app
        .get(&app.admin, &format!("/api/v1/batches/{id}/events"))
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn stamps_are_issued_printed_and_their_scans_charted() {
    opened!(app, b, token, page, _);
    // 100 stamps, the PDF and the printers' CSV.
    let stamps = format!("{page}/stamps");
    let p = b
        .post(
            &stamps,
            &[("csrf", &token), ("count", "0")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Số tem từ 1 đến 1.000.000"));
    assert!(p.body.contains(r#"value="0""#));
    let p = b
        .post(
            &stamps,
            &[("csrf", &token), ("count", "100")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = b.get(p.location.as_deref().unwrap()).await;
    assert!(p.body.contains("Đã phát hành tem"));
    assert!(
        p.body.contains("Đợt 1</strong> · 100 tem (#0–#99)"),
        "{}",
        p.body
    );
    // Each label stock named short enough for a phone's choice list, in the page's language.
    assert!(
        p.body
            .contains(r#"<option value="a4-40-52x29">A4 · 40 nhãn 52,5 × 29,7 mm</option>"#),
        "{}",
        p.body
    );
    let pdfs = attr(
        &p.body,
        r#"form[method="get"][action$="/labels.pdf"]"#,
        "action",
    );
    let run = pdfs
        .first()
        .and_then(|h| h.strip_prefix("/console/stamp-runs/"))
        .and_then(|h| h.strip_suffix("/labels.pdf"))
        .unwrap_or_else(|| panic!("a PDF link: {pdfs:?}"))
        .to_owned();
    let pdf = b
        .get(&format!(
            "/console/stamp-runs/{run}/labels.pdf?template=a4-40-52x29"
        ))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF-"));
    let csv = b
        .get(&format!("/console/stamp-runs/{run}/stamps.csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 101, "a header and 100 stamps");

    // A scan shows on the chart.
    let uri = lines[1]
        .split(',')
        .find(|c| c.to_ascii_lowercase().starts_with("http"))
        .unwrap()
        .trim_matches('"');
    let path = format!("/{}", uri.splitn(4, '/').nth(3).unwrap());
    let (s, _) = app.text(&path).await;
    assert_eq!(s, StatusCode::OK);
    // The scan was answered from the journal; the chart reads what the writer has committed.
    app.state.scans.flush().await;
    let p = b.get(&page).await;
    let chart = texts(&p.body, "#scan-chart").concat();
    assert!(chart.contains("Tổng: 1"), "{chart}");
    assert_eq!(texts(&p.body, "#scan-chart rect").len(), 30);

    // The lot's records for officials and partners are a tap away.
    let links = attr(&p.body, "#share a", "href");
    assert_eq!(links.len(), 2, "{links:?}");
    assert!(links[0].ends_with("/traceability.xlsx"), "{links:?}");
    let sheet = b.get(&links[0]).await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert!(sheet.body.starts_with("PK"), "an .xlsx is a zip");
    let epcis = b.get(&links[1]).await;
    assert_eq!(epcis.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&epcis.body).unwrap();
    assert_eq!(doc["type"], "EPCISDocument");
    assert!(
        doc["epcisBody"]["eventList"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["bizStep"] == "commissioning"),
        "the organization's own download has its stamp runs"
    );
}

#[tokio::test]
async fn a_sealed_batch_takes_no_spraying_and_its_page_reads_in_english() {
    opened!(_app, b, token, page, _);
    let events = format!("{page}/events");
    let p = b
        .post(
            &format!("{page}/stamps"),
            &[("csrf", &token), ("count", "100")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);

    // Sealed: the page says so, and spraying is no longer taken.
    seal(&mut b, &page, &token).await;
    let p = b.get(&page).await;
    assert!(p.body.contains("Đã đóng lô"));
    let p = b
        .post_multipart(&events, &[("csrf", &token), ("kind", "spraying")], None)
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body
            .contains("Lô ở trạng thái này không nhận công việc này"),
        "{}",
        p.body
    );

    // In English too.
    let p = b.get(&format!("{page}?lang=en")).await;
    assert!(p.body.contains("Production diary") && p.body.contains("Sealed"));
    assert!(p.body.contains("Run 1</strong> · 100 stamps"));
}

#[tokio::test]
async fn another_organization_sees_and_changes_nothing_of_a_batch() {
    let app = TestApp::spawn().await;
    let a = world(&app, "HTX A", "0922222221", "VN-66-650-24370-01-21").await;
    let bw = world(&app, "HTX B", "0922222222", "VN-66-650-24370-02-21").await;
    let batch = app.create_batch(&app.admin, &a.product, "A-1").await;
    let (s, run) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/stamp-runs"),
            serde_json::json!({"count": 3}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{run}");
    let run = run["id"].as_str().unwrap();

    let mut other = Browser::new(&app);
    other.sign_in(&bw.login, "mật khẩu an toàn").await;
    let p = other.get("/console/batches").await;
    assert!(!p.body.contains("A-1"));
    let token = csrf(&p.body);
    // A page a person can read, not a machine's problem document.
    let p = other.get(&format!("/console/batches/{batch}")).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(
        p.body.contains("Không tìm thấy trang hoặc bản ghi này"),
        "{}",
        p.body
    );
    assert!(p.body.contains("This page or record was not found"));
    let p = other
        .post_multipart(
            &format!("/console/batches/{batch}/events"),
            &[("csrf", &token), ("kind", "note"), ("description", "x")],
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = other
        .post(
            &format!("/console/batches/{batch}/stamps"),
            &[("csrf", &token), ("count", "5")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    for path in [
        format!("/console/stamp-runs/{run}/labels.pdf"),
        format!("/console/stamp-runs/{run}/stamps.csv"),
        format!("/console/batches/{batch}/traceability.xlsx"),
        format!("/console/batches/{batch}/epcis.jsonld"),
    ] {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // A product of another organization cannot get a batch either.
    let p = other
        .post(
            "/console/batches",
            &[
                ("csrf", &token),
                ("product_id", &a.product),
                ("lot_code", "X-1"),
                ("quantity", "5"),
                ("unit", "kg"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, events) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}/events"))
        .await;
    assert!(events["items"].as_array().unwrap().is_empty());
    let (_, runs) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}/stamp-runs"))
        .await;
    assert_eq!(runs["items"].as_array().unwrap().len(), 1);

    // An inspector reads the batch but cannot write its diary.
    let inspector = member(&app, &a.org, "0922222223", "inspector").await;
    let mut i = Browser::new(&app);
    i.sign_in(&inspector, "mật khẩu an toàn").await;
    let p = i.get(&format!("/console/batches/{batch}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        !p.body.contains(r#"id="add-event""#),
        "no diary form for a reader"
    );
    let token = csrf(&p.body);
    let p = i
        .post_multipart(
            &format!("/console/batches/{batch}/events"),
            &[("csrf", &token), ("kind", "note"), ("description", "x")],
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body.contains("Vai trò của bạn không được phép"),
        "{}",
        p.body
    );
}

#[tokio::test]
async fn an_entry_sent_again_from_the_phone_is_recorded_once_and_a_refusal_is_said_in_json() {
    opened!(app, b, token, page, id);
    let events = format!("{page}/events");
    // The form is shown with a key of its own, new at each showing.
    let p = b.get(&page).await;
    let key = attr(&p.body, "input[name=idempotency_key]", "value")[0].clone();
    assert_eq!(key.len(), 36, "{key}");
    let again = b.get(&page).await;
    assert_ne!(
        attr(&again.body, "input[name=idempotency_key]", "value")[0],
        key
    );

    // An entry kept offline, sent three times (a network cut after the server wrote it): the
    // time is the phone's, one entry, one photo.
    let when = days_ago(1);
    let entry = [
        ("csrf", token.as_str()),
        ("idempotency_key", key.as_str()),
        ("answer", "json"),
        ("kind", "irrigating"),
        ("occurred_at", when.as_str()),
        ("description", "Tưới rãnh lúc sáng sớm"),
    ];
    for _ in 0..3 {
        let p = b
            .post_multipart(&events, &entry, Some(("photo", photo_jpeg(640, 480))))
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        let answer: serde_json::Value = serde_json::from_str(&p.body).unwrap();
        assert_eq!(answer["saved"], true);
        assert_eq!(
            answer["location"],
            format!("/console/batches/{id}?saved=event#diary")
        );
    }
    let (_, listed) = app
        .get(&app.admin, &format!("/api/v1/batches/{id}/events"))
        .await;
    let watered: Vec<_> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "irrigating")
        .collect();
    assert_eq!(watered.len(), 1, "{listed}");
    let at = chrono::DateTime::parse_from_rfc3339(watered[0]["occurred_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap());
    assert_eq!(at.format("%Y-%m-%dT%H:%M").to_string(), when);
    let (_, photos) = app
        .get(&app.admin, &format!("/api/v1/batches/{id}/photos"))
        .await;
    assert_eq!(photos.as_array().unwrap().len(), 1, "{photos}");

    // Another entry typed on the same form (the back button brings its key back) is a new
    // entry, recorded once however often it is sent.
    let mut other = entry;
    other[5] = ("description", "Một việc khác");
    for _ in 0..2 {
        let p = b.post_multipart(&events, &other, None).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    }
    let (_, listed) = app
        .get(&app.admin, &format!("/api/v1/batches/{id}/events"))
        .await;
    assert_eq!(
        listed.to_string().matches("Một việc khác").count(),
        1,
        "{listed}"
    );

    // Sealed while an entry waited on the phone: refused in JSON, with the reason in words.
    seal(&mut b, &page, &token).await;
    let waiting = [
        ("csrf", token.as_str()),
        ("idempotency_key", "4b0e6f0e-6a38-4c1c-9d1e-2f7c9a0b1c2d"),
        ("answer", "json"),
        ("kind", "spraying"),
        ("occurred_at", when.as_str()),
    ];
    let p = b.post_multipart(&events, &waiting, None).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let answer: serde_json::Value = serde_json::from_str(&p.body).unwrap();
    assert_eq!(answer["saved"], false);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("Lô ở trạng thái này không nhận công việc này"),
        "{answer}"
    );
}

#[tokio::test]
async fn the_console_installs_as_an_app_that_works_offline() {
    let app = TestApp::spawn().await;
    let get = |path: &'static str| {
        let url = app.url(path);
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    let m = get("/console/manifest.webmanifest").await;
    assert_eq!(m.status(), StatusCode::OK);
    assert_eq!(m.headers()["content-type"], "application/manifest+json");
    let m: serde_json::Value = m.json().await.unwrap();
    assert_eq!(m["scope"], "/console/");
    let sw = get("/console/sw.js").await;
    assert_eq!(sw.status(), StatusCode::OK);
    assert_eq!(sw.headers()["cache-control"], "no-cache");
    assert!(
        sw.text()
            .await
            .unwrap()
            .contains("addEventListener(\"fetch\"")
    );
    let offline = get("/console/offline").await;
    assert_eq!(offline.status(), StatusCode::OK);
    let text = offline.text().await.unwrap();
    assert!(text.contains("Không có mạng") && text.contains("No network"));
}
