//! Scratch PINs on the scan page, and the per-client rate limits of the public routes.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::scan::path_of;

/// A run of `count` stamps with PINs; returns the stamps with their PINs (from the one print
/// file that shows them).
async fn pinned(app: &TestApp, count: u64) -> Vec<(Value, String)> {
    let org = app.create_organization("HTX Mật ong").await;
    let product = app
        .create_product(&app.admin, &org, Some("8934588012228"))
        .await;
    let batch = app.create_batch(&app.admin, &product, "MO2026A").await;
    let (s, run) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/stamp-runs"),
            json!({"count": count, "with_pin": true}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{run}");
    let run = run["id"].as_str().unwrap();
    let (s, _, csv) = app
        .download(
            &app.admin,
            &format!("/api/v1/stamp-runs/{run}/stamps.csv?pins=true"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    let stamps = crate::stamps::all_stamps(app, run).await;
    stamps
        .into_iter()
        .map(|s| {
            let serial = s["serial"].as_str().unwrap().to_owned();
            let pin = csv
                .lines()
                .find(|l| l.trim_start_matches('\u{feff}').starts_with(&serial))
                .unwrap()
                .rsplit(',')
                .next()
                .unwrap()
                .to_owned();
            (s, pin)
        })
        .collect()
}

async fn post_pin(base: &str, path: &str, pin: &str) -> (StatusCode, String) {
    let res = reqwest::Client::new()
        .post(format!("{base}{path}?lang=vi"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .body(format!("pin={}", pin.replace(' ', "+")))
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn page(base: &str, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let res = reqwest::Client::new()
        .get(format!("{base}{path}?lang=vi"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    (
        res.status(),
        res.headers().clone(),
        res.text().await.unwrap(),
    )
}

#[tokio::test]
async fn a_pin_confirms_once_and_warns_the_second_time() {
    let app = TestApp::spawn().await;
    let stamps = pinned(&app, 2).await;
    let base = app.url("");
    let (stamp, pin) = &stamps[0];
    let path = path_of(stamp);

    let (s, _, body) = page(&base, &path).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("Xác nhận sản phẩm bằng mã PIN") && body.contains("<form method=\"post\""),
        "{body}"
    );

    let (s, body) = post_pin(&base, &path, "00000000").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Mã PIN không đúng."), "{body}");
    let grouped = format!("{} {}", &pin[..4], &pin[4..]);
    let (_, body) = post_pin(&base, &path, &grouped).await;
    assert!(
        body.contains("Mã PIN đúng. Sản phẩm được xác nhận lần đầu."),
        "{body}"
    );
    let (_, body) = post_pin(&base, &path, pin).await;
    assert!(body.contains("ĐÃ được xác nhận trước đó"), "{body}");
    assert!(body.contains("Đã xác nhận mã PIN lúc"));
    // Another stamp's PIN does not open this one.
    let (_, body) = post_pin(&base, &path_of(&stamps[1].0), pin).await;
    assert!(body.contains("Mã PIN không đúng.") || pin == &stamps[1].1);

    let res = reqwest::Client::new()
        .get(app.url(&path))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let j: Value = res.json().await.unwrap();
    assert!(j["claimed_at"].is_string(), "{j}");
}

/// The PIN form before and after a claim (with the claim's time), in gzip from the frame's
/// layouts (web/scan_layout.rs): the same page as plain, decoded by GNU gzip.
#[tokio::test]
async fn the_pin_form_in_gzip_is_the_plain_form() {
    use crate::scan::{as_stamp, get_raw, gunzip_outside, gzip_whole, header, minute};
    let app = TestApp::spawn().await;
    let stamps = pinned(&app, 2).await;
    let since = minute();
    let ((a, pin_a), (b, pin_b)) = (&stamps[0], &stamps[1]);
    for claimed in [false, true] {
        let (_, _, plain) = get_raw(&app, &path_of(a), None).await;
        let (_, h, packed) = get_raw(&app, &path_of(b), Some("gzip")).await;
        assert_eq!(header(&h, "content-encoding"), "gzip");
        let plain = String::from_utf8(plain).unwrap();
        assert!(plain.contains("<form method=\"post\""), "{plain}");
        assert_eq!(plain.contains("Đã xác nhận mã PIN lúc"), claimed, "{plain}");
        assert_eq!(plain.contains("Quét lần đầu lúc"), claimed, "{plain}");
        let masked = minute() != since;
        assert_eq!(
            as_stamp(&gunzip_outside(&packed), a, b, masked),
            as_stamp(&plain, a, a, masked)
        );
        let whole = gzip_whole(&plain);
        // The form compressed with the page (compressed apart and stored, it made the page
        // 27–31 % larger): within an eighth of the page compressed whole on this small page
        // (five values stored after the claim; 4–8 % on bench/scan_bytes.sh's page).
        assert!(
            packed.len() * 8 <= whole * 9,
            "{} against {whole}",
            packed.len()
        );
        if !claimed {
            // First scans a day back, so that their time differs from the claim's: each must
            // be written in its own place.
            app.state.scans.flush().await;
            let day_ago = chrono::Utc::now() - chrono::Duration::days(1);
            for stamp in [a, b] {
                let serial = stamp["serial"].as_str().unwrap();
                app.sql(
                    "UPDATE stamp_scans SET first_scanned_at = $1 WHERE serial = $2",
                    vec![day_ago.into(), serial.into()],
                )
                .await;
                app.state.scans.forget(serial);
            }
        }
        for (stamp, pin) in [(a, pin_a), (b, pin_b)] {
            let (s, body) = post_pin(&app.url(""), &path_of(stamp), pin).await;
            assert_eq!(s, StatusCode::OK);
            assert!(body.contains("Mã PIN đúng") || claimed, "{body}");
        }
    }
}

#[tokio::test]
async fn wrong_pins_are_limited_per_stamp_and_a_stamp_without_pin_has_no_form() {
    let app = TestApp::spawn().await;
    let stamps = pinned(&app, 1).await;
    let base = app.url("");
    let path = path_of(&stamps[0].0);
    for _ in 0..5 {
        let (s, body) = post_pin(&base, &path, "99999999").await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("Mã PIN không đúng.") || stamps[0].1 == "99999999");
    }
    let (s, body) = post_pin(&base, &path, &stamps[0].1).await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right PIN waits: {body}"
    );
    assert!(body.contains("Quá nhiều yêu cầu"), "{body}");

    let other = TestApp::spawn().await;
    let base = other.url("");
    let (_, stamps) = crate::scan::world(&other, 1).await;
    let path = path_of(&stamps[0]);
    let (_, _, body) = page(&base, &path).await;
    assert!(!body.contains("<form"), "no PIN, no form");
    let (s, _) = post_pin(&base, &path, "12345678").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn scan_requests_are_limited_per_client_with_a_friendly_page() {
    let app = TestApp::spawn().await;
    let (_, stamps) = crate::scan::world(&app, 1).await;
    let limited = app.second_server_with(|s| s.scan_rate_per_minute = 2).await;
    let path = path_of(&stamps[0]);
    for _ in 0..2 {
        let (s, _, _) = page(&limited, &path).await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, h, body) = page(&limited, &path).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(h.get("retry-after").unwrap(), "60");
    assert!(body.contains("Vui lòng thử lại sau ít phút"), "{body}");
    let res = reqwest::Client::new()
        .get(format!("{limited}{path}"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "rate_limited");
}
