//! The resolver and scan page over HTTP: status codes, content types, languages, redirects,
//! copy-detection thresholds and security headers.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};
use crate::stamps::all_stamps;

/// A stamp of a product with a GTIN, a 4-star certificate in force and an expired 3-star
/// one, a batch grown on a farm's growing area, and a diary with a spraying; returns
/// (batch id, the stamps).
pub async fn world(app: &TestApp, count: u64) -> (String, Vec<Value>) {
    let org = app.create_organization("HTX Cà phê Ea Tul").await;
    let farm = app.create_farm(&app.admin, &org).await;
    let area = app
        .create_growing_area(&app.admin, &farm, "VN-66-650-24370-94-21")
        .await;
    let (s, product) = app
        .post(
            &app.admin,
            &format!("/api/v1/organizations/{org}/products"),
            json!({"name": "Cà phê Robusta rang xay Ea Tul", "name_en": "Ea Tul ground Robusta coffee", "unit": "gói", "gtin": "8934588012228"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{product}");
    let product = product["id"].as_str().unwrap().to_owned();
    app.create_certification(&app.admin, &product, 3, "province", "2021-01-10")
        .await;
    app.create_certification(&app.admin, &product, 4, "province", "2025-06-01")
        .await;
    let (s, batch) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/batches"),
            json!({"lot_code": "CF2026A", "quantity": 500.0, "unit": "kg", "harvested_on": "2026-03-01", "growing_area_id": area}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{batch}");
    let batch = batch["id"].as_str().unwrap().to_owned();
    let (s, e) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/events"),
            json!({"kind": "spraying", "occurred_at": "2026-02-01T07:00:00Z", "details": {"description": "Phun thuốc trừ nấm", "inputs": [{"product": "Ridomil Gold 68WG", "active_ingredient": "Metalaxyl-M", "dose": 2.5, "dose_unit": "g/l", "phi_days": 7}]}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let stamps = all_stamps(app, &crate::stamps::run_of(app, &batch, count).await).await;
    (batch, stamps)
}

/// The stamp URI's path (the test server's base is http://trace.test).
pub fn path_of(stamp: &Value) -> String {
    stamp["uri"]
        .as_str()
        .unwrap()
        .strip_prefix("http://TRACE.TEST")
        .unwrap()
        .to_owned()
}

/// A client that does not follow redirects: resolver tests read the redirect itself.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GET without following redirects: (status, headers, body).
pub async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    let mut req = client().get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let (status, h) = (res.status(), res.headers().clone());
    (status, h, res.text().await.unwrap())
}

pub const BROWSER: (&str, &str) = (
    "accept",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
);

/// A header's value, or `""`.
pub fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .map_or("", |v: &HeaderValue| v.to_str().unwrap())
}

#[tokio::test]
async fn the_icon_is_served_where_browsers_and_installed_apps_ask_for_it() {
    let app = TestApp::spawn().await;
    for (path, kind, magic) in [
        ("/favicon.ico", "image/x-icon", &[0u8, 0, 1, 0][..]),
        ("/static/icon-192.png", "image/png", &b"\x89PNG"[..]),
        ("/static/icon-512.png", "image/png", &b"\x89PNG"[..]),
        ("/static/icon.svg", "image/svg+xml", &b"<svg"[..]),
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["content-type"], kind, "{path}");
        let body = res.bytes().await.unwrap();
        assert!(body.starts_with(magic), "{path}");
    }
}

#[tokio::test]
async fn a_browser_gets_the_page_in_vietnamese_and_english_with_strict_headers() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 2).await;
    let path = path_of(&stamps[0]);

    let (s, h, body) = get(&app, &path, &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(header(&h, "content-type"), "text/html; charset=utf-8");
    for needle in [
        "<html lang=\"vi\">",
        "<meta name=\"description\" content=\"Truy xuất nguồn gốc sản phẩm OCOP: Cà phê Robusta rang xay Ea Tul — HTX Cà phê Ea Tul\">",
        "<link rel=\"icon\" href=\"/static/icon.svg\"",
        "Cà phê Robusta rang xay Ea Tul",
        "Tem truy xuất hợp lệ",
        "★★★★ <span>Sản phẩm OCOP</span>",
        "OCOP cấp tỉnh — Quyết định 1234/QĐ-UBND",
        "HTX Cà phê Ea Tul",
        "VN-66-650-24370-94-21 — mã trong nước: Xã Ea Tân, Huyện Krông Năng, Tỉnh Đắk Lắk (theo danh mục hành chính trước 1/7/2025), vùng số 94, cấp năm 2021",
        "Phun thuốc",
        "Ridomil Gold 68WG (Metalaxyl-M) 2,5 g/l — thời gian cách ly 7 ngày",
        "CF2026A",
        "Đây là lần quét đầu tiên.",
        "openstreetmap.org/?mlat=12.79&#38;mlon=108.12",
        "data-key=\"trace.test+",
    ] {
        assert!(body.contains(needle), "missing {needle:?} in\n{body}");
    }
    assert!(
        body.contains("aria-label=\"4 ★\"") && !body.contains("aria-label=\"3 ★\""),
        "the expired certificate is not shown as current"
    );
    assert!(
        body.contains("hết hiệu lực 10/01/2024"),
        "but it is listed as expired"
    );
    assert!(
        !body.contains("<script>") && !body.contains(" style=\""),
        "no inline script or style"
    );
    let csp = header(&h, "content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(header(&h, "x-content-type-options"), "nosniff");
    assert!(header(&h, "referrer-policy").contains("strict-origin"));
    assert_eq!(header(&h, "cache-control"), "no-store");

    let (s, _, body) = get(&app, &format!("{path}?lang=en"), &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK);
    for needle in [
        "<html lang=\"en\">",
        "Valid traceability stamp",
        "Ea Tul ground Robusta coffee",
        "OCOP, provincial rating — ",
        "domestic code: Ea Tan Commune, Krong Nang District, Dak Lak Province (as listed before 1 July 2025)",
        "pre-harvest interval 7 days",
        "First scanned",
    ] {
        assert!(body.contains(needle), "missing {needle:?}");
    }
    let (_, _, body) = get(
        &app,
        &path,
        &[BROWSER, ("accept-language", "en-GB,en;q=0.9")],
    )
    .await;
    assert!(body.contains("<html lang=\"en\">"));

    let (s, h, css) = get(&app, "/static/scan.css?v=1", &[]).await;
    assert_eq!(
        (s, header(&h, "content-type")),
        (StatusCode::OK, "text/css; charset=utf-8")
    );
    assert!(header(&h, "cache-control").contains("immutable") && css.contains(".warn"));
}

#[tokio::test]
async fn json_and_linkset_forms_carry_the_facts_and_cors() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 1).await;
    let path = path_of(&stamps[0]);
    get(&app, &path, &[BROWSER]).await; // one recorded scan

    let (s, h, body) = get(&app, &path, &[("accept", "application/json")]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(header(&h, "access-control-allow-origin"), "*");
    assert!(header(&h, "vary").contains("Accept"));
    let j: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(j["status"], "genuine");
    assert_eq!(j["uri"], stamps[0]["uri"]);
    assert_eq!(j["product"]["gtin"], "08934588012228");
    assert_eq!(
        (j["ocop"]["stars"].as_i64(), j["ocop"]["in_force"].as_bool()),
        (Some(4), Some(true))
    );
    assert_eq!(j["certificates"].as_array().unwrap().len(), 2);
    assert_eq!(
        j["growing_area"]["parsed_code"]["format"], "domestic",
        "{j}"
    );
    assert_eq!(
        j["growing_area"]["parsed_code"]["province_code"], "66",
        "{j}"
    );
    assert_eq!(j["events"][0]["details"]["inputs"][0]["phi_days"], 7);
    assert_eq!(j["scan_count"], 1, "JSON requests are not counted as scans");
    assert!(j["first_scanned_at"].is_string());

    for (p, headers) in [
        (format!("{path}?linkType=linkset"), vec![]),
        (path.clone(), vec![("accept", "application/linkset+json")]),
    ] {
        let (s, h, body) = get(&app, &p, &headers).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(header(&h, "content-type"), "application/linkset+json");
        let l: Value = serde_json::from_str(&body).unwrap();
        let set = &l["linkset"][0];
        assert_eq!(set["anchor"], format!("http://trace.test{path}"));
        assert!(
            set["https://gs1.org/voc/defaultLink"][0]["href"]
                .as_str()
                .unwrap()
                .ends_with(&path)
        );
        assert!(
            set["https://gs1.org/voc/certificationInfo"][0]["href"]
                .as_str()
                .unwrap()
                .ends_with("/proof")
        );
    }

    let res = client()
        .request(reqwest::Method::OPTIONS, app.url(&path))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(header(res.headers(), "access-control-allow-methods").contains("GET"));
    let res = client().head(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (_, _, body) = get(&app, &path, &[("accept", "application/json")]).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["scan_count"],
        1,
        "HEAD is not a scan"
    );

    let (s, _, body) = get(&app, "/.well-known/gs1resolver", &[]).await;
    assert_eq!(s, StatusCode::OK);
    let d: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(d["resolverRoot"], "http://trace.test");
}

#[tokio::test]
async fn malformed_unknown_mismatched_void_and_recalled_get_their_status_in_both_forms() {
    let app = TestApp::spawn().await;
    let (batch, stamps) = world(&app, 3).await;
    let serial = stamps[0]["serial"].as_str().unwrap();
    let unknown = "0000000000000000";
    for (path, status, page_text, code) in [
        (
            "/01/08934588012229/10/CF2026A/21/0123456789ABCDEF".to_owned(),
            StatusCode::BAD_REQUEST,
            "Mã không hợp lệ",
            "invalid_digital_link",
        ),
        (
            "/01/08934588012228/21/ABC".to_owned(),
            StatusCode::BAD_REQUEST,
            "Mã không hợp lệ",
            "invalid_digital_link",
        ),
        (
            "/01/08934588012228/99/X".to_owned(),
            StatusCode::BAD_REQUEST,
            "Mã không hợp lệ",
            "invalid_digital_link",
        ),
        (
            format!("/01/08934588012228/10/CF2026A/21/{serial}/foo"),
            StatusCode::BAD_REQUEST,
            "Mã không hợp lệ",
            "invalid_digital_link",
        ),
        (
            format!("/01/08934588012228/10/CF2026A/21/{unknown}"),
            StatusCode::NOT_FOUND,
            "Không tìm thấy tem",
            "not_found",
        ),
        (
            format!("/S/{unknown}"),
            StatusCode::NOT_FOUND,
            "Không tìm thấy tem",
            "not_found",
        ),
        (
            format!("/01/08934588012235/10/CF2026A/21/{serial}"),
            StatusCode::NOT_FOUND,
            "Không tìm thấy tem",
            "not_found",
        ),
        (
            format!("/01/08934588012228/10/OTHERLOT/21/{serial}"),
            StatusCode::NOT_FOUND,
            "Không tìm thấy tem",
            "not_found",
        ),
    ] {
        let (s, h, body) = get(&app, &path, &[BROWSER]).await;
        assert_eq!(s, status, "{path}: {body}");
        assert!(body.contains(page_text), "{path}: {body}");
        assert!(
            header(&h, "content-type").starts_with("text/html"),
            "{path}"
        );
        let (s, _, body) = get(&app, &path, &[("accept", "application/json")]).await;
        assert_eq!(s, status, "{path}");
        let p: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(p["code"], code, "{path}: {p}");
    }

    // A voided stamp: 410 with a page explaining it, in both languages and forms.
    void_lost(&app, &batch, &stamps[1]).await;
    let void_path = path_of(&stamps[1]);
    let (s, _, body) = get(&app, &void_path, &[BROWSER]).await;
    assert_eq!(s, StatusCode::GONE);
    assert!(
        body.contains("Tem đã bị hủy") && body.contains("in lỗi, thất lạc"),
        "{body}"
    );
    let (s, _, body) = get(&app, &format!("{void_path}?lang=en"), &[BROWSER]).await;
    assert_eq!(s, StatusCode::GONE);
    assert!(body.contains("This stamp was voided"));
    let (s, _, body) = get(&app, &void_path, &[("accept", "application/json")]).await;
    assert_eq!(s, StatusCode::GONE);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["status"],
        "void"
    );

    // A recalled batch: every stamp of it is gone.
    let (s, e) = app
        .post(&app.admin, &format!("/api/v1/batches/{batch}/events"), json!({"kind": "recall", "occurred_at": "2026-04-02T08:00:00Z", "details": {"reason": "nhiễm nấm mốc"}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let (s, _, body) = get(&app, &path_of(&stamps[2]), &[BROWSER]).await;
    assert_eq!(s, StatusCode::GONE);
    assert!(body.contains("Lô hàng đã bị thu hồi"), "{body}");
}

#[tokio::test]
async fn other_spellings_redirect_to_the_canonical_uri_keeping_the_query() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 1).await;
    let path = path_of(&stamps[0]);
    let serial = stamps[0]["serial"].as_str().unwrap();
    // A trailing slash is tolerated: the same page.
    let (s, _, _) = get(&app, &format!("{path}/"), &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK);
    for variant in [
        // A serial typed in lower case (Crockford base32 is case-insensitive).
        format!("/01/08934588012228/10/CF2026A/21/{}", serial.to_lowercase()),
        format!("/S/{serial}"),
        format!("/01/08934588012228/21/{serial}"),
    ] {
        let (s, h, _) = get(&app, &format!("{variant}?lang=en"), &[BROWSER]).await;
        assert_eq!(s, StatusCode::TEMPORARY_REDIRECT, "{variant}");
        assert_eq!(
            header(&h, "location"),
            format!("{path}?lang=en"),
            "{variant}"
        );
    }
    let (s, _, _) = get(&app, &path, &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK);
}

/// A stamp scanned before and not seen lately: the row its request reads holds its counters
/// and latest times, so the scan is counted from memory, not after the writer's commit. Shown
/// by keeping the writer out (another connection holds the write lock on the counters) while
/// the page is served: waiting for a commit, the page would get no counters at all.
#[tokio::test]
async fn a_stamp_scanned_before_is_counted_without_waiting_for_the_writer() {
    use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 1).await;
    let path = path_of(&stamps[0]);
    let serial = stamps[0]["serial"].as_str().unwrap();
    let (_, _, first) = get(&app, &path, &[BROWSER]).await;
    assert!(first.contains("Đây là lần quét đầu tiên."));
    app.state.scans.flush().await;
    // Not seen lately: its view of the counters is stale (its resolution stays cached).
    app.state.scans.forget(serial);

    let other = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let txn = other.begin().await.unwrap();
    let lock = match other.get_database_backend() {
        sea_orm::DbBackend::Postgres => "LOCK TABLE stamp_scans IN EXCLUSIVE MODE",
        _ => "UPDATE stamp_scans SET scan_count = scan_count WHERE serial = ''",
    };
    txn.execute_unprepared(lock).await.unwrap();
    let (status, _, second) = get(&app, &path, &[BROWSER]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        second.contains("Quét lần đầu lúc") && second.contains("<strong>2</strong>"),
        "counted from the row it read: {second}"
    );
    txn.rollback().await.unwrap();
    app.state.scans.flush().await;
    let counted = entity::stamp_scan::Entity::find_by_id(serial.to_owned())
        .one(app.db.read())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(counted.scan_count, 2, "and committed once the lock is gone");
}

#[tokio::test]
async fn repeated_scans_raise_the_copy_warning_at_the_thresholds() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 2).await;
    let path = path_of(&stamps[0]);
    let warning = "Cảnh báo: tem có thể bị sao chép";
    let (_, _, first) = get(&app, &path, &[BROWSER]).await;
    assert!(first.contains("Đây là lần quét đầu tiên.") && !first.contains(warning));
    let (_, _, second) = get(&app, &path, &[BROWSER]).await;
    assert!(
        second.contains("Quét lần đầu lúc") && second.contains("<strong>2</strong>"),
        "{second}"
    );
    assert!(!second.contains(warning));
    let (_, _, third) = get(&app, &path, &[BROWSER]).await;
    assert!(third.contains(warning), "3 scans in 24 h: {third}");
    // Another stamp is unaffected.
    let (_, _, other) = get(&app, &path_of(&stamps[1]), &[BROWSER]).await;
    assert!(!other.contains(warning));

    // Scans three days old count towards the 7-day threshold only: eight that another node's
    // writer added to the stamp's counters and latest times.
    let serial = stamps[1]["serial"].as_str().unwrap();
    app.state.scans.flush().await;
    let older = ocop_trace::services::scan_rows::recent::encode(
        &[chrono::Utc::now() - chrono::Duration::days(3); 8],
    );
    app.sql(
        "UPDATE stamp_scans SET scan_count = scan_count + 8, recent = recent || $1 WHERE serial = $2",
        vec![older.into(), serial.into()],
    )
    .await;
    // Counters written behind this node's writer's back (as another node's are) reach a page
    // once its in-memory view is older than `FRESH` (or another node's notice drops it):
    // aged here at once, after the scan above was committed (otherwise its commit, landing
    // after `forget`, refills the view).
    app.state.scans.forget(serial);
    let (_, _, page) = get(&app, &path_of(&stamps[1]), &[BROWSER]).await;
    assert!(page.contains(warning), "1 + 1 + 8 = 10 scans in 7 days");
}

#[tokio::test]
async fn scans_per_day_are_counted_on_vietnam_days_by_the_scan_writer() {
    use chrono::{Duration, NaiveTime, Utc};
    use ocop_trace::domain::local_time::{VIETNAM, day_of};
    use ocop_trace::services::scan_stats::{DAYS, per_day};
    use ocop_trace::services::scans::ScanJob;
    let app = TestApp::spawn().await;
    let (batch, stamps) = world(&app, 2).await;
    let (s, b) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, other) = app
        .post(
            &app.admin,
            &format!(
                "/api/v1/products/{}/batches",
                b["product_id"].as_str().unwrap()
            ),
            json!({"lot_code": "CF2026B", "quantity": 100.0, "unit": "kg"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    let other_batch = other["id"].as_str().unwrap().to_owned();
    let others = all_stamps(&app, &crate::stamps::run_of(&app, &other_batch, 1).await).await;
    let today = day_of(Utc::now());
    let first = today - Duration::days(i64::from(DAYS) - 1);
    let midnight = |d: chrono::NaiveDate| {
        d.and_time(NaiveTime::MIN)
            .and_local_timezone(VIETNAM)
            .unwrap()
            .with_timezone(&Utc)
    };
    let times = [
        midnight(first) - Duration::seconds(1), // before the chart
        midnight(first),                        // its first day
        midnight(first + Duration::days(1)) - Duration::microseconds(1), // still the first
        midnight(first + Duration::days(1)),    // the second
        midnight(today) + Duration::hours(12),  // today
        midnight(today) + Duration::hours(13),
    ];
    let scan = |serial: &serde_json::Value, at| ScanJob {
        id: uuid::Uuid::now_v7(),
        serial: serial["serial"].as_str().unwrap().to_owned(),
        at,
        client_hash: [0; 32],
        language: "vi",
    };
    // Scans stored by the writer, as pages store them, some in one group and some alone.
    let mut pending = Vec::new();
    for (i, t) in times.iter().enumerate() {
        pending.push(app.state.scans.record(scan(&stamps[i % 2], *t), None));
    }
    // Another batch's scan on the same day counts for that batch only.
    pending.push(app.state.scans.record(scan(&others[0], times[4]), None));
    for stored in futures_util::future::join_all(pending).await {
        stored.unwrap();
    }
    app.state.scans.flush().await;
    let who = ocop_trace::auth::Principal::system("test");
    let days = per_day(&app.db, &who, batch.parse().unwrap(), today)
        .await
        .unwrap();
    assert_eq!(days.len(), DAYS as usize);
    assert_eq!(days[0], (first, 2));
    assert_eq!(days[1], (first + Duration::days(1), 1));
    assert_eq!(days[DAYS as usize - 1], (today, 2));
    assert_eq!(days.iter().map(|d| d.1).sum::<u64>(), 5);
    let other = per_day(&app.db, &who, other_batch.parse().unwrap(), today)
        .await
        .unwrap();
    assert_eq!(other.iter().map(|d| d.1).sum::<u64>(), 1);
    assert_eq!(other[DAYS as usize - 1], (today, 1));
}

#[tokio::test]
async fn concurrent_scans_are_all_counted_and_all_stored() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 2).await;
    // Stamp 0's first scan seeds its view; stamp 1 is never scanned before its 40 arrive
    // together (the first of them is answered from its row, the others from its view).
    get(&app, &path_of(&stamps[0]), &[BROWSER]).await;
    let mut pages = tokio::task::JoinSet::new();
    for _ in 0..40 {
        for stamp in &stamps {
            let (client, url) = (app.client.clone(), app.url(&path_of(stamp)));
            pages.spawn(async move {
                client
                    .get(url)
                    .header(BROWSER.0, BROWSER.1)
                    .send()
                    .await
                    .unwrap()
                    .status()
            });
        }
    }
    while let Some(status) = pages.join_next().await {
        assert_eq!(status.unwrap(), StatusCode::OK);
    }
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    for (stamp, scans) in stamps.iter().zip([41u64, 40]) {
        let path = path_of(stamp);
        let serial = stamp["serial"].as_str().unwrap();
        // The JSON form counts every scan at once, whether or not it is committed yet.
        let (_, _, body) = get(&app, &path, &[("accept", "application/json")]).await;
        let json: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["scan_count"], scans, "{json}");
        // And every one is stored, and counted once.
        app.state.scans.flush().await;
        let stored = entity::scan::Entity::find()
            .filter(entity::scan::Column::Serial.eq(serial))
            .count(app.db.read())
            .await
            .unwrap();
        assert_eq!(stored, scans);
        let row = entity::stamp_scan::Entity::find_by_id(serial.to_owned())
            .one(app.db.read())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.scan_count, scans as i64);
    }
}

/// Checks a proof bundle the way the page does, with the crate's own primitives.
fn check_bundle(b: &Value, serial: &str) -> Result<(), String> {
    use ocop_trace::ledger::{Hash, chain, merkle, note, parse_hex};
    let h = |v: &Value| parse_hex(v.as_str().unwrap()).ok_or("hex");
    let serial = ocop_trace::stamps::Serial::parse(serial).unwrap();
    let batch = uuid::Uuid::parse_str(b["batch_id"].as_str().unwrap()).unwrap();
    let index = b["index_in_batch"].as_u64().unwrap();
    let stamp = ocop_trace::stamps::chain::link(&h(&b["prev_hash"])?, &serial, batch, index);
    if stamp != h(&b["hash"])? {
        return Err("stamp hash".into());
    }
    let path = |v: &Value| -> Vec<Hash> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| parse_hex(x.as_str().unwrap()).unwrap())
            .collect()
    };
    let run = &b["run"];
    let run_root = h(&run["root"])?;
    if !merkle::verify_inclusion(
        &path(&run["path"]),
        run["leaf_index"].as_u64().unwrap(),
        run["count"].as_u64().unwrap(),
        chain::leaf(&stamp.0),
        run_root,
    ) {
        return Err("run path".into());
    }
    let payload = b["entry"]["payload"].as_str().unwrap();
    let p: Value = serde_json::from_str(payload).unwrap();
    if p["root"] != run["root"] {
        return Err("entry root".into());
    }
    let (size, root) = note::verify_checkpoint(
        b["checkpoint"].as_str().unwrap().as_bytes(),
        b["log_key"].as_str().unwrap(),
    )
    .map_err(|e| e.to_string())?;
    // The leaf hashes the public form, which names the payload by its SHA-256.
    let form = b["entry"]["public_form"].as_str().ok_or("no public form")?;
    let f: Value = serde_json::from_str(form).unwrap();
    if f["kind"] != "stamp_runs.created"
        || f["payload_sha256"]
            != ocop_trace::ledger::hex(&ocop_trace::ledger::public_form::payload_sha256(
                payload.as_bytes(),
            ))
    {
        return Err("entry form".into());
    }
    if size != b["entry"]["tree_size"].as_u64().unwrap()
        || !merkle::verify_inclusion(
            &path(&b["entry"]["path"]),
            b["entry"]["index"].as_u64().unwrap(),
            size,
            chain::leaf(form.as_bytes()),
            root,
        )
    {
        return Err("entry path".into());
    }
    Ok(())
}

#[tokio::test]
async fn the_proof_bundle_checks_out_offline_and_exposes_a_tampered_stamp() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 7).await;
    let (_, head) = app
        .get(&app.admin, "/api/v1/log/proof/inclusion?index=0")
        .await;
    crate::ledger::checkpoint_covering(&app, head["size"].as_u64().unwrap()).await;
    for s in &stamps {
        let serial = s["serial"].as_str().unwrap();
        let (status, h, body) = get(&app, &format!("/api/v1/stamps/{serial}/proof"), &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(header(&h, "access-control-allow-origin"), "*");
        let b: Value = serde_json::from_str(&body).unwrap();
        check_bundle(&b, serial).unwrap();
        // The bundle proves this serial and no other.
        assert!(
            check_bundle(
                &b,
                stamps[(s["index_in_batch"].as_u64().unwrap() as usize + 1) % 7]["serial"]
                    .as_str()
                    .unwrap()
            )
            .is_err()
        );
    }
    let (s, _, _) = get(&app, "/api/v1/stamps/0000000000000000/proof", &[]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A stamp row changed behind the ledger's back no longer proves.
    let serial = stamps[3]["serial"].as_str().unwrap();
    app.sql(
        "UPDATE stamps SET hash = prev_hash WHERE serial = $1",
        vec![serial.into()],
    )
    .await;
    let (_, _, body) = get(&app, &format!("/api/v1/stamps/{serial}/proof"), &[]).await;
    let b: Value = serde_json::from_str(&body).unwrap();
    assert!(check_bundle(&b, serial).is_err());
}

/// A proof used to rebuild its run's whole tree (a 1,000,000-stamp run: seconds of CPU and
/// hundreds of MB per request for rotating serials). Now it reads the stamp's block of 256
/// and the run's stored block roots; a run without them (issued before they were kept) or with
/// damaged ones gets them built once, and its proofs still check out. Public, so limited per
/// client like the scan page.
#[tokio::test]
async fn proofs_read_one_block_of_the_run_and_are_limited_per_client() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 700).await;
    let (_, head) = app
        .get(&app.admin, "/api/v1/log/proof/inclusion?index=0")
        .await;
    crate::ledger::checkpoint_covering(&app, head["size"].as_u64().unwrap()).await;
    let check_all = || async {
        for i in [0usize, 1, 255, 256, 511, 512, 698, 699] {
            let serial = stamps[i]["serial"].as_str().unwrap();
            let (status, _, body) = get(&app, &format!("/api/v1/stamps/{serial}/proof"), &[]).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let b: Value = serde_json::from_str(&body).unwrap();
            check_bundle(&b, serial).unwrap_or_else(|e| panic!("stamp {i}: {e}"));
        }
    };
    check_all().await;
    let stored = || async {
        let row = app
            .db
            .read()
            .query_one_raw(sea_orm::Statement::from_string(
                app.db.read().get_database_backend(),
                "SELECT block_roots FROM stamp_runs",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<Option<Vec<u8>>>("", "block_roots").unwrap()
    };
    let issued = stored().await.expect("kept at issuance");
    assert_eq!(issued.len(), 3 * 32, "three blocks of 256 for 700 stamps");
    // A run from before: built on its first proof, kept, and the same.
    app.sql("UPDATE stamp_runs SET block_roots = NULL", vec![])
        .await;
    check_all().await;
    assert_eq!(stored().await.as_ref(), Some(&issued));
    // Damaged: never trusted, rebuilt from the stamps.
    app.sql(
        "UPDATE stamp_runs SET block_roots = $1",
        vec![vec![7u8; 96].into()],
    )
    .await;
    check_all().await;
    assert_eq!(stored().await.as_ref(), Some(&issued));

    // Per client, like the scan page.
    let limited = app.second_server_with(|s| s.scan_rate_per_minute = 2).await;
    let serial = stamps[0]["serial"].as_str().unwrap();
    let proof = format!("{limited}/api/v1/stamps/{serial}/proof");
    for _ in 0..2 {
        assert_eq!(reqwest::get(&proof).await.unwrap().status(), StatusCode::OK);
    }
    let res = reqwest::get(&proof).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "60");
}

/// Voids `stamp` of the batch's first run as lost, through the API.
pub async fn void_lost(app: &TestApp, batch: &str, stamp: &Value) {
    let (_, runs) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}/stamp-runs"))
        .await;
    let run = runs["items"][0]["id"].as_str().unwrap();
    let (s, v) = app
        .post(
            &app.admin,
            &format!("/api/v1/stamp-runs/{run}/voids"),
            json!({"reason": "lost", "serials": [stamp["serial"]]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// Stamps of one batch share what the batch shows (read once per ledger size): a stamp never
/// scanned before shows a diary entry recorded after another stamp's scan, and a void stays
/// the voided stamp's own.
#[tokio::test]
async fn stamps_of_a_batch_share_its_page_but_not_their_standing() {
    let app = TestApp::spawn().await;
    let (batch, stamps) = world(&app, 3).await;
    let paths: Vec<String> = stamps.iter().map(path_of).collect();
    let (s, _, body) = get(&app, &paths[0], &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!body.contains("Thu hoạch đợt hai"));
    let (s, e) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/events"),
            json!({"kind": "harvesting", "occurred_at": "2026-03-02T07:00:00Z", "details": {"description": "Thu hoạch đợt hai"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    for p in &paths[..2] {
        let (s, _, body) = get(&app, p, &[BROWSER]).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("Thu hoạch đợt hai"), "{p}: {body}");
    }
    void_lost(&app, &batch, &stamps[2]).await;
    let (s, _, _) = get(&app, &paths[2], &[BROWSER]).await;
    assert_eq!(s, StatusCode::GONE);
    let (s, _, body) = get(&app, &paths[1], &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Thu hoạch đợt hai"));
}

#[tokio::test]
async fn a_page_seen_before_shows_a_void_or_recall_at_once() {
    let app = TestApp::spawn().await;
    let (batch, stamps) = world(&app, 2).await;
    let (first, second) = (path_of(&stamps[0]), path_of(&stamps[1]));
    for p in [&first, &second] {
        let (s, _, _) = get(&app, p, &[BROWSER]).await;
        assert_eq!(s, StatusCode::OK);
    }
    void_lost(&app, &batch, &stamps[0]).await;
    let (s, _, body) = get(&app, &first, &[BROWSER]).await;
    assert_eq!(
        s,
        StatusCode::GONE,
        "the cached page is not served after a void"
    );
    assert!(body.contains("Tem đã bị hủy"));
    let (s, _, body) = get(&app, &second, &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("<strong>2</strong>"),
        "counters are never cached: {body}"
    );
    let (s, _) = app
        .post(&app.admin, &format!("/api/v1/batches/{batch}/events"), json!({"kind": "recall", "occurred_at": "2026-04-02T08:00:00Z", "details": {"reason": "nhiễm nấm mốc"}}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, _) = get(&app, &second, &[BROWSER]).await;
    assert_eq!(s, StatusCode::GONE, "nor after a recall");
    let (s, _, body) = get(&app, &second, &[("accept", "application/json")]).await;
    assert_eq!(s, StatusCode::GONE);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["scan_count"],
        3
    );
}

#[tokio::test]
async fn the_newest_migrations_roll_back_and_forward_keeping_every_scan() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = TestApp::spawn().await;
    let (batch, stamps) = world(&app, 2).await;
    for stamp in &stamps {
        for _ in 0..3 {
            get(&app, &path_of(stamp), &[BROWSER]).await;
        }
    }
    let stored = || async {
        entity::scan::Entity::find()
            .count(app.db.read())
            .await
            .unwrap()
    };
    app.state.scans.flush().await;
    assert_eq!(stored().await, 6);
    let conn = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let charted = || async {
        let who = ocop_trace::auth::Principal::system("test");
        let today = ocop_trace::domain::local_time::day_of(chrono::Utc::now());
        ocop_trace::services::scan_stats::per_day(&app.db, &who, batch.parse().unwrap(), today)
            .await
            .unwrap()
            .iter()
            .map(|d| d.1)
            .sum::<u64>()
    };
    assert_eq!(charted().await, 6, "counted per day by the writer");
    // Every migration from 28 on undone (28 drops the day counts; 29 keeps its column; later
    // ones drop their own tables), then redone: the scans are kept and the day counts filled
    // again from them.
    let since_28 = u32::try_from(Migrator::migrations().len() - 27).unwrap();
    Migrator::down(&conn, Some(since_28)).await.unwrap();
    assert!(
        !migration::SchemaManager::new(&conn)
            .has_table("scan_days")
            .await
            .unwrap(),
        "migration 28 undone"
    );
    assert_eq!(stored().await, 6, "rows kept");
    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(stored().await, 6, "rows kept");
    assert_eq!(charted().await, 6, "day counts filled from the scans");
    assert!(
        Migrator::get_pending_migrations(&conn)
            .await
            .unwrap()
            .is_empty()
    );
    // And the page still records and counts scans.
    let (status, _, page) = get(&app, &path_of(&stamps[0]), &[BROWSER]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Cảnh báo: tem có thể bị sao chép"),
        "4 scans in 24 h"
    );
    app.state.scans.flush().await;
    assert_eq!(charted().await, 7);
}

/// GS1-Conformant Resolver: `linkType` picks a link — a 307 to it, or the form it names — an
/// unknown type is 404, and every answer about the item says where its linkset is.
#[tokio::test]
async fn link_types_redirect_to_their_link_and_unknown_ones_are_404() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 1).await;
    let path = path_of(&stamps[0]);
    let serial = stamps[0]["serial"].as_str().unwrap();
    let linkset = format!(
        "<http://trace.test{path}?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\""
    );
    for (query, location) in [
        (
            "linkType=gs1:pip&lang=en",
            format!("http://trace.test{path}?lang=en"),
        ),
        (
            "linkType=https://gs1.org/voc/pip",
            format!("http://trace.test{path}?lang=vi"),
        ),
        (
            "linkType=gs1:certificationInfo",
            format!("http://trace.test/api/v1/stamps/{serial}/proof"),
        ),
    ] {
        let (s, h, _) = get(&app, &format!("{path}?{query}"), &[BROWSER]).await;
        assert_eq!(s, StatusCode::TEMPORARY_REDIRECT, "{query}");
        assert_eq!(header(&h, "location"), location, "{query}");
        assert_eq!(header(&h, "link"), linkset, "{query}");
    }
    // The traceability link is the item's history as JSON, even from a browser.
    let (s, h, body) = get(
        &app,
        &format!("{path}?linkType=gs1:traceability"),
        &[BROWSER],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(header(&h, "content-type").starts_with("application/json"));
    let j: Value = serde_json::from_str(&body).unwrap();
    assert!(j["events"].is_array(), "{j}");
    // `all` is the linkset.
    let (s, h, _) = get(&app, &format!("{path}?linkType=all"), &[BROWSER]).await;
    assert_eq!(
        (s, header(&h, "content-type")),
        (StatusCode::OK, "application/linkset+json")
    );
    // An unknown link type: 404 in the form asked for, never the counterfeit warning.
    let (s, h, body) = get(&app, &format!("{path}?linkType=gs1:nosuchlt"), &[BROWSER]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(body.contains("Không có liên kết loại này"), "{body}");
    assert!(!body.contains("không chính hãng"), "{body}");
    assert_eq!(header(&h, "link"), linkset);
    let (s, _, body) = get(
        &app,
        &format!("{path}?linkType=gs1:nosuchlt"),
        &[("accept", "application/json")],
    )
    .await;
    assert_problem(
        s,
        &serde_json::from_str(&body).unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // The HTML page, its HEAD and its error pages answer cross-origin reads too.
    for (method, p) in [
        (reqwest::Method::GET, path.clone()),
        (reqwest::Method::HEAD, path.clone()),
        (reqwest::Method::GET, "/S/0000000000000000".to_owned()),
    ] {
        let res = client()
            .request(method.clone(), app.url(&p))
            .header(BROWSER.0, BROWSER.1)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap()),
            Some("*"),
            "{method} {p}"
        );
    }
    // The page itself carries the Link header too, and none of the above counted as a scan
    // but the browser's GET of the page just made (a HEAD is not one).
    let (s, h, _) = get(&app, &path, &[("accept", "application/json")]).await;
    assert_eq!((s, header(&h, "link")), (StatusCode::OK, linkset.as_str()));
    let (_, _, body) = get(&app, &path, &[("accept", "application/json")]).await;
    let j: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(j["scan_count"], 1, "{j}");
}

/// Waits until `node` has heard `n` notifications of other nodes' scans.
async fn heard(node: &ocop_trace::state::AppState, n: u64) {
    for _ in 0..500 {
        if node.scans.heard() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("heard {} notifications, not {n}", node.scans.heard());
}

#[tokio::test]
async fn copy_warnings_hold_across_nodes() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 1).await;
    let path = path_of(&stamps[0]);
    let (b, b_state) = app.second_node_with(|_| {}).await;
    let warning = "Cảnh báo: tem có thể bị sao chép";
    let on_b = |path: String| {
        let url = format!("{b}{path}");
        async move {
            let r = client()
                .get(url)
                .header(BROWSER.0, BROWSER.1)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.text().await.unwrap()
        }
    };
    // Scans of one stamp on two nodes, each a commit apart (shoppers seconds apart).
    let (_, _, first) = get(&app, &path, &[BROWSER]).await;
    assert!(first.contains("Đây là lần quét đầu tiên."), "{first}");
    app.state.scans.flush().await;
    let a_heard = app.state.scans.heard();
    let second = on_b(path.clone()).await;
    assert!(second.contains("<strong>2</strong>"), "{second}");
    assert!(!second.contains(warning));
    if app.db.read().get_database_backend() != sea_orm::DbBackend::Postgres {
        // A SQLite database serves one node, so nodes do not tell each other of scans (the
        // counts above come from the database both read); the rest needs PostgreSQL, which
        // `.ci/run` runs this suite on.
        return;
    }
    // Node A heard of B's scan and dropped its view: its third scan counts B's.
    heard(&app.state, a_heard + 1).await;
    let b_heard = b_state.scans.heard();
    let (_, _, third) = get(&app, &path, &[BROWSER]).await;
    assert!(third.contains("<strong>3</strong>"), "{third}");
    assert!(
        third.contains(warning),
        "3 scans in 24 h on two nodes: {third}"
    );
    // And B heard of A's: its page counts all four.
    heard(&b_state, b_heard + 1).await;
    let fourth = on_b(path.clone()).await;
    assert!(fourth.contains("<strong>4</strong>"), "{fourth}");
    assert!(fourth.contains(warning));
}

#[tokio::test]
async fn scans_older_than_the_retention_are_deleted_and_their_counts_kept() {
    use chrono::{Duration, Utc};
    use ocop_trace::services::scan_retention::sweep_by;
    use ocop_trace::services::scans::ScanJob;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 3).await;
    let now = Utc::now();
    let scan = |stamp: &Value, days_ago: i64| ScanJob {
        id: uuid::Uuid::now_v7(),
        serial: stamp["serial"].as_str().unwrap().to_owned(),
        at: now - Duration::days(days_ago),
        client_hash: [0; 32],
        language: "vi",
    };
    let jobs = [
        scan(&stamps[0], 500),
        scan(&stamps[0], 450),
        scan(&stamps[0], 1),
        scan(&stamps[1], 2),
        scan(&stamps[2], 401),
    ];
    for job in jobs {
        app.state.scans.record(job, None).await.unwrap();
    }
    app.state.scans.flush().await;
    let rows = || async {
        entity::scan::Entity::find()
            .count(app.db.read())
            .await
            .unwrap()
    };
    let counted = || async {
        let days = entity::scan_day::Entity::find()
            .all(app.db.read())
            .await
            .unwrap();
        days.iter().map(|d| d.scans).sum::<i64>()
    };
    assert_eq!((rows().await, counted().await), (5, 5));
    // Two rows a transaction: the sweep takes two slices and an empty one.
    let told = std::sync::Mutex::new(Vec::new());
    assert_eq!(
        sweep_by(&app.db, now - Duration::days(400), 2, &|n| told
            .lock()
            .unwrap()
            .push(n))
        .await
        .unwrap(),
        3
    );
    assert_eq!(*told.lock().unwrap(), [2, 3]);
    assert_eq!(rows().await, 2, "the scans of the last 400 days stay");
    assert_eq!(counted().await, 5, "the days' counts stay");
    let counters = || async {
        entity::stamp_scan::Entity::find_by_id(stamps[0]["serial"].as_str().unwrap())
            .one(app.db.read())
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(counters().await.scan_count, 3, "the stamp's count stays");
    assert_eq!(
        sweep_by(&app.db, now - Duration::days(400), 2, &|_| {})
            .await
            .unwrap(),
        0
    );
    // And the stamp's page still counts on from its kept count.
    let (status, _, _) = get(&app, &path_of(&stamps[0]), &[BROWSER]).await;
    assert_eq!(status, StatusCode::OK);
    app.state.scans.flush().await;
    assert_eq!(counters().await.scan_count, 4);
}

/// The plan PostgreSQL keeps for the stamp reader's lookup (sqlx prepares it once a
/// connection; after five runs a generic plan is kept), as `EXPLAIN EXECUTE` of it in one
/// transaction on each pool.
async fn kept_lookup_plan(conn: &sea_orm::DatabaseConnection) -> String {
    use sea_orm::{Statement, TransactionTrait};
    let txn = conn.begin().await.unwrap();
    for sql in [
        "SET LOCAL plan_cache_mode = force_generic_plan",
        "PREPARE lookup(text, text) AS SELECT * FROM stamps s LEFT JOIN stamp_scans c \
         ON c.serial = s.serial WHERE s.serial IN ($1, $2)",
    ] {
        txn.execute_unprepared(sql).await.unwrap();
    }
    let rows = txn
        .query_all_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "EXPLAIN EXECUTE lookup('A', 'B')",
        ))
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    rows.iter()
        .map(|r| r.try_get::<String>("", "QUERY PLAN").unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_stamp_lookups_keep_plans_that_walk_the_indexes_on_postgresql() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 1).await;
    let (status, _, _) = get(&app, &path_of(&stamps[0]), &[BROWSER]).await;
    assert_eq!(status, StatusCode::OK, "the lookup pool answers");
    if app.db.read().get_database_backend() != sea_orm::DbBackend::Postgres {
        // On SQLite the lookups use the read pool and SQLite has no kept generic plans; the
        // rest needs PostgreSQL, which `.ci/run` runs this suite on.
        return;
    }
    // On small tables, as every database starts, the plan kept on the ordinary pool scans them
    // whole, and would go on doing so as they grow (bench/pg_stamp_read_plans.sql).
    let ordinary = kept_lookup_plan(app.db.read()).await;
    assert!(ordinary.contains("Seq Scan"), "{ordinary}");
    // The lookups' pool may only walk the primary keys' indexes.
    let lookups = kept_lookup_plan(app.db.lookups()).await;
    assert!(!lookups.contains("Seq Scan"), "{lookups}");
    assert!(lookups.contains("stamps_pkey"), "{lookups}");
    assert!(lookups.contains("stamp_scans_pkey"), "{lookups}");
}

/// `verify` reports scan counters filed under another batch than their stamp's and, on
/// PostgreSQL, where no foreign key refuses one (migration 38), a scan of no stamp.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_reports_scan_rows_that_match_no_stamp() {
    let app = TestApp::spawn().await;
    let (batch, stamps) = world(&app, 1).await;
    let (s, _, _) = get(&app, &path_of(&stamps[0]), &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK);
    app.state.scans.flush().await;
    crate::ledger::checkpoint_covering(&app, 1).await;
    let (code, out) = crate::ledger::verify(&app);
    assert_eq!(code, 0, "{out}");

    let product = crate::scan_cache::product_of(&app, &batch).await;
    let other = app.create_batch(&app.admin, &product, "CF2026B").await;
    let postgres = app.db.read().get_database_backend() == sea_orm::DbBackend::Postgres;
    let set_batch = if postgres {
        "UPDATE stamp_scans SET batch_id = $1"
    } else {
        "UPDATE stamp_scans SET batch_id = ?"
    };
    let uuid = |id: &str| uuid::Uuid::parse_str(id).unwrap().into();
    app.sql(set_batch, vec![uuid(&other)]).await;
    let (code, out) = crate::ledger::verify(&app);
    assert_eq!(code, 1, "{out}");
    let serial = stamps[0]["serial"].as_str().unwrap();
    assert!(
        out.contains(&format!("stamp_scans row {serial}: field `batch_id`")),
        "{out}"
    );
    app.sql(set_batch, vec![uuid(&batch)]).await;
    assert_eq!(crate::ledger::verify(&app).0, 0);

    if postgres {
        app.sql(
            "INSERT INTO scans (scanned_at, id, serial, client_hash, language) \
             VALUES (now(), gen_random_uuid(), 'ZZZZZZZZZZZZZZZZ', '\\x00', 'vi')",
            vec![],
        )
        .await;
        let (code, out) = crate::ledger::verify(&app);
        assert_eq!(code, 1, "{out}");
        assert!(
            out.contains("scans row ZZZZZZZZZZZZZZZZ: field `serial`"),
            "{out}"
        );
    }
}

/// GET with a client that hands back the body as sent: (status, headers, bytes).
pub async fn get_raw(
    app: &TestApp,
    path: &str,
    encoding: Option<&str>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    get_raw_at(&app.address, path, encoding).await
}

/// [`get_raw`] from the node at `base`.
pub async fn get_raw_at(
    base: &str,
    path: &str,
    encoding: Option<&str>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_gzip()
        .build()
        .unwrap();
    let mut req = client
        .get(format!("{base}{path}"))
        .header(BROWSER.0, BROWSER.1);
    if let Some(e) = encoding {
        req = req.header("accept-encoding", e);
    }
    let res = req.send().await.unwrap();
    let (status, h) = (res.status(), res.headers().clone());
    (status, h, res.bytes().await.unwrap().to_vec())
}

/// `bytes` decoded by the system's GNU gzip, which checks the CRC and the length.
pub fn gunzip_outside(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("gzip")
        .args(["-d", "-c"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("gzip is installed");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "gzip refused the page: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The page `plain` compressed whole by flate2 (the compression middleware's way), in bytes.
pub fn gzip_whole(plain: &str) -> usize {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(plain.as_bytes()).unwrap();
    e.finish().unwrap().len()
}

/// The current minute: two stamps scanned in the same one show the same times.
pub fn minute() -> i64 {
    chrono::Utc::now().timestamp() / 60
}

/// `page` with `b`'s serial written as `a`'s, and, if `masked`, times (`hh:mm, dd/mm/yyyy`)
/// written as `…`: for stamps scanned a moment apart across a minute's end (see [`minute`]),
/// whose pages may differ by those.
pub fn as_stamp(page: &str, a: &Value, b: &Value, masked: bool) -> String {
    let page = page
        .replace(b["serial"].as_str().unwrap(), a["serial"].as_str().unwrap())
        .replace(
            &crate::scan_cache::grouped(b),
            &crate::scan_cache::grouped(a),
        );
    if !masked {
        return page;
    }
    let shape = b"00:00, 00/00/0000";
    let is_time = |at: &[u8]| {
        at.len() >= shape.len()
            && shape.iter().zip(at).all(|(s, c)| {
                if *s == b'0' {
                    c.is_ascii_digit()
                } else {
                    s == c
                }
            })
    };
    let mut out = String::with_capacity(page.len());
    let mut rest = page.as_str();
    while let Some(c) = rest.chars().next() {
        if is_time(rest.as_bytes()) {
            out.push('…');
            rest = &rest[shape.len()..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

#[tokio::test]
async fn a_phone_asking_for_gzip_gets_the_same_page_compressed_from_pieces_made_once() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 5).await;
    let since = minute();
    let phone = "gzip, deflate, br, zstd";
    let warning = "Cảnh báo: tem có thể bị sao chép";
    // Two stamps of one lot scanned alike, one plain, one in gzip: the first scan, a second
    // (its first time and count written in), a third (the copy warning). The pages differ
    // only by the serial.
    for scan in 1..=3 {
        let (s, h, plain) = get_raw(&app, &path_of(&stamps[0]), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(header(&h, "content-encoding"), "");
        let plain = String::from_utf8(plain).unwrap();
        let (s, h, packed) = get_raw(&app, &path_of(&stamps[1]), Some(phone)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(header(&h, "content-encoding"), "gzip");
        assert_eq!(header(&h, "content-type"), "text/html; charset=utf-8");
        assert!(header(&h, "vary").contains("Accept-Encoding"), "{h:?}");
        assert_eq!(header(&h, "cache-control"), "no-store");
        // Made from the frame's layout, not by the compression middleware: the serial's
        // place is a stored block, so its text is in the bytes as it is.
        let serial = crate::scan_cache::grouped(&stamps[1]);
        assert!(
            packed.windows(serial.len()).any(|w| w == serial.as_bytes()),
            "no stored serial in the gzip bytes"
        );
        let unpacked = gunzip_outside(&packed);
        let masked = minute() != since;
        assert_eq!(
            as_stamp(&unpacked, &stamps[0], &stamps[1], masked),
            as_stamp(&plain, &stamps[0], &stamps[0], masked),
            "scan {scan}: the gzip page is the plain page"
        );
        assert_eq!(plain.contains(warning), scan == 3, "{plain}");
        assert_eq!(plain.contains("<strong>2</strong>"), scan == 2, "{plain}");
        // The page's fixed text compressed as one, the values stored: within a tenth of the
        // page compressed whole.
        let whole = gzip_whole(&plain);
        assert!(
            packed.len() * 10 <= whole * 11,
            "scan {scan}: {} bytes against {whole} compressed whole, of {}",
            packed.len(),
            plain.len()
        );
    }
    // A first scan in English, from the other language's frame.
    let en = |i: usize| format!("{}?lang=en", path_of(&stamps[i]));
    let (_, _, plain) = get_raw(&app, &en(3), None).await;
    let (_, h, packed) = get_raw(&app, &en(4), Some(phone)).await;
    assert_eq!(header(&h, "content-encoding"), "gzip");
    let plain = String::from_utf8(plain).unwrap();
    assert!(plain.contains("This is the first scan."), "{plain}");
    assert_eq!(
        as_stamp(&gunzip_outside(&packed), &stamps[3], &stamps[4], false),
        plain
    );

    // gzip refused, or not named: the page as it is.
    for refused in ["gzip;q=0", "identity", "br;q=1, gzip;q=0, *;q=0.5"] {
        let (s, h, body) = get_raw(&app, &path_of(&stamps[2]), Some(refused)).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(header(&h, "content-encoding"), "", "{refused}");
        assert!(
            String::from_utf8(body)
                .unwrap()
                .starts_with("<!doctype html>"),
            "{refused}"
        );
    }
}
