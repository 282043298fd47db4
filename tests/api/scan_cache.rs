//! The resolver's cache: a write drops only the pages that show it, on this node and on
//! another node of the same database (services/resolve_cache.rs).

use crate::helpers::TestApp;
use crate::scan::{BROWSER, get, path_of, void_lost, world};
use crate::stamps::{all_stamps, run_of};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A counter's value in the server's metrics.
fn counter(app: &TestApp, name: &str) -> u64 {
    let text = app.state.metrics.render().unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("ocop_{name}_total ")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// A second batch of the world's product, with `count` stamps.
async fn second_batch(app: &TestApp, first: &str, count: u64) -> (String, Vec<Value>) {
    let product = product_of(app, first).await;
    let batch = app.create_batch(&app.admin, &product, "CF2026B").await;
    let run = run_of(app, &batch, count).await;
    (batch, all_stamps(app, &run).await)
}

async fn diary(app: &TestApp, batch: &str, text: &str) {
    let (s, e) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/events"),
            json!({"kind": "harvesting", "occurred_at": "2026-03-02T07:00:00Z", "details": {"description": text}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
}

/// The page of `stamp`, which must be served.
async fn page(app: &TestApp, stamp: &Value) -> String {
    let (s, _, body) = get(app, &path_of(stamp), &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn a_write_drops_only_the_lots_whose_pages_show_it() {
    let app = TestApp::spawn().await;
    let (a, a_stamps) = world(&app, 4).await;
    let (b, b_stamps) = second_batch(&app, &a, 2).await;
    page(&app, &a_stamps[0]).await;
    page(&app, &b_stamps[0]).await;
    assert_eq!(counter(&app, "resolver_lots_read"), 2);

    // A diary entry in B: A's lot stays, B's is read again and shows it.
    diary(&app, &b, "Thu hoạch lô B").await;
    let body = page(&app, &a_stamps[1]).await;
    assert!(!body.contains("Thu hoạch lô B"));
    assert_eq!(counter(&app, "resolver_lots_read"), 2, "A's lot was kept");
    assert_eq!(counter(&app, "resolver_lots_dropped"), 1);
    assert!(page(&app, &b_stamps[1]).await.contains("Thu hoạch lô B"));
    assert_eq!(counter(&app, "resolver_lots_read"), 3);

    // A new stamp run shows on no page: nothing is dropped.
    run_of(&app, &b, 1).await;
    page(&app, &a_stamps[1]).await;
    assert_eq!(counter(&app, "resolver_lots_dropped"), 1);

    // A certificate of their product shows on both.
    app.create_certification(
        &app.admin,
        &product_of(&app, &a).await,
        5,
        "central",
        "2026-01-05",
    )
    .await;
    for stamp in [&a_stamps[2], &b_stamps[0]] {
        assert!(page(&app, stamp).await.contains("★★★★★"));
    }
    assert_eq!(counter(&app, "resolver_lots_dropped"), 3);
    assert_eq!(counter(&app, "resolver_lots_read"), 5);
}

/// The product of `batch`.
pub async fn product_of(app: &TestApp, batch: &str) -> String {
    let (_, b) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}"))
        .await;
    b["product_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_change_made_on_one_node_shows_on_the_pages_another_node_has_cached() {
    let app = TestApp::spawn().await;
    let (a, stamps) = world(&app, 3).await;
    let other = app.second_server().await;
    let on_other = |stamp: &Value| {
        let url = format!("{other}{}", path_of(stamp));
        async move {
            let res = crate::scan::client()
                .get(url)
                .header(BROWSER.0, BROWSER.1)
                .send()
                .await
                .unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    // The other node caches the lot, then this node writes to it.
    let (s, body) = on_other(&stamps[0]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!body.contains("Đóng gói xong"));
    // (A stamp scanned there in the last second may be answered from memory for up to a
    // second, as documented in services/scans.rs: the checks use stamps it has not scanned.)
    diary(&app, &a, "Đóng gói xong").await;
    let (s, body) = on_other(&stamps[1]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Đóng gói xong"), "{body}");
    // A recall made here answers 410 there, for a stamp of a lot it has cached.
    let (s, _) = app
        .post(&app.admin, &format!("/api/v1/batches/{a}/events"), json!({"kind": "recall", "occurred_at": "2026-04-02T08:00:00Z", "details": {"reason": "nhiễm nấm mốc"}}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = on_other(&stamps[2]).await;
    assert_eq!(s, StatusCode::GONE);
}

/// The serial as the page prints it, in groups of four.
pub fn grouped(stamp: &Value) -> String {
    let serial = stamp["serial"].as_str().unwrap();
    let chars: Vec<char> = serial.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn stamps_sharing_a_frame_each_show_their_own_serial_even_when_the_diary_holds_its_stand_in()
{
    let app = TestApp::spawn().await;
    let (batch, stamps) = world(&app, 2).await;
    let check = |body: &str, own: &Value, other: &Value| {
        let proof = format!(
            "data-proof=\"/api/v1/stamps/{}/proof\"",
            own["serial"].as_str().unwrap()
        );
        assert!(body.contains(&proof), "{body}");
        assert!(body.contains(&grouped(own)), "{body}");
        assert!(!body.contains(other["serial"].as_str().unwrap()));
        assert!(!body.contains(&grouped(other)));
    };
    for (own, other) in [(&stamps[0], &stamps[1]), (&stamps[1], &stamps[0])] {
        check(&page(&app, own).await, own, other);
    }
    // A diary entry that holds the frame's own stand-ins is printed as written.
    let odd = "Ghi chú \u{E000}s\u{E000} và \u{E000}p\u{E000}";
    diary(&app, &batch, odd).await;
    for (own, other) in [(&stamps[0], &stamps[1]), (&stamps[1], &stamps[0])] {
        let body = page(&app, own).await;
        check(&body, own, other);
        assert!(body.contains(odd), "{body}");
    }
}

#[tokio::test]
async fn a_small_cache_stays_within_its_bytes_and_every_page_is_still_right() {
    // 64 KB in all: half for lots and stamps, half for frames; a frame is about 5 KB.
    let app = TestApp::spawn_with(|s| s.scan_cache_bytes = 64 << 10).await;
    let (_, stamps) = world(&app, 40).await;
    for round in 0..2 {
        for (i, stamp) in stamps.iter().enumerate() {
            let body = page(&app, stamp).await;
            assert!(body.contains(&grouped(stamp)), "round {round}, stamp {i}");
            assert!(body.contains("Phun thuốc trừ nấm"));
        }
    }
    let (resolved, frames) = (
        app.state.resolve_cache.bytes(),
        app.state.scan_frames.bytes(),
    );
    assert!(resolved <= 32 << 10, "{resolved}");
    assert!(frames <= 32 << 10, "{frames}");
    assert!(resolved > 0 && frames > 0);
}

#[tokio::test]
async fn stamps_of_a_cold_lot_scanned_together_read_it_once() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 24).await;
    let pages = stamps.iter().map(|s| page(&app, s));
    for body in futures_util::future::join_all(pages).await {
        assert!(body.contains("Phun thuốc trừ nấm"));
    }
    assert_eq!(counter(&app, "resolver_lots_read"), 1);
    assert_eq!(counter(&app, "resolver_stamps_read"), 24);
    // The scan writer's own figures: every scan committed, in timed transactions.
    app.state.scans.flush().await;
    assert_eq!(counter(&app, "scans_committed"), 24);
    let text = app.state.metrics.render().unwrap();
    let commits: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("ocop_scan_commit_duration_seconds_count "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no commit durations in {text}"));
    assert!((1..=24).contains(&commits), "{commits}");
    assert!(text.contains("ocop_scan_queue_full_total "), "{text}");
}

/// A stamp's page on the node at `base`: (status, body).
async fn page_on(base: &str, stamp: &Value) -> (StatusCode, String) {
    let res = crate::scan::client()
        .get(format!("{base}{}", path_of(stamp)))
        .header(BROWSER.0, BROWSER.1)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The lot's own page (`/01/{gtin}/10/{lot}`, kept whole per lot and language) on the node at
/// `base`, as it is and as a phone asks for it: (status, page). The gzip form must decode, by
/// GNU gzip, to the page as it is.
async fn lot_page_on(base: &str, stamp: &Value) -> (StatusCode, String) {
    use crate::scan::{get_raw_at, gunzip_outside, header};
    let path = path_of(stamp);
    let lot = &path[..path.find("/21/").unwrap()];
    let (status, h, plain) = get_raw_at(base, lot, None).await;
    assert_eq!(header(&h, "content-encoding"), "");
    let plain = String::from_utf8(plain).unwrap();
    let (packed_status, h, packed) = get_raw_at(base, lot, Some("gzip, deflate, br, zstd")).await;
    assert_eq!(packed_status, status);
    assert_eq!(header(&h, "content-encoding"), "gzip");
    assert_eq!(
        header(&h, "vary"),
        "Accept, Accept-Language, Accept-Encoding"
    );
    assert_eq!(
        gunzip_outside(&packed),
        plain,
        "the lot's page in gzip is the page as it is"
    );
    (status, plain)
}

/// Every change a scan page shows reaches the pages of a lot cached before it, on the node
/// that made it and on another node of the same database: a diary entry, a photo, a listing
/// going live, a certificate running out at midnight, a void and a recall. Each look is at a
/// stamp neither node has scanned (a stamp scanned on a node in the last second may be
/// answered from its memory for up to a second; services/scans.rs), except the void's, which
/// is of a page both nodes served before; and at the lot's own page, plain and in gzip.
#[tokio::test]
async fn every_change_a_page_shows_reaches_lots_cached_on_this_node_and_another() {
    let app = TestApp::spawn().await;
    let (batch, stamps) = world(&app, 20).await;
    let product = product_of(&app, &batch).await;
    let (other, other_state) = app.second_node_with(|_| {}).await;
    let nodes = [app.address.clone(), other];
    let mut fresh = stamps[1..].iter();
    // Both nodes show each of `wanted` (and none of `gone`) on a stamp not scanned before.
    let mut check = async |what: &str, wanted: &[&str], gone: &[&str]| {
        for node in &nodes {
            let (s, body) = page_on(node, fresh.next().unwrap()).await;
            assert_eq!(s, StatusCode::OK, "{what} on {node}: {body}");
            for w in wanted {
                assert!(body.contains(w), "{what} on {node}: no {w:?} in {body}");
            }
            for g in gone {
                assert!(!body.contains(g), "{what} on {node}: still {g:?} in {body}");
            }
            let (s, lot) = lot_page_on(node, &stamps[0]).await;
            assert_eq!(s, StatusCode::OK, "{what}, the lot's page on {node}: {lot}");
            for w in wanted {
                assert!(
                    lot.contains(w),
                    "{what}, the lot's page on {node}: no {w:?} in {lot}"
                );
            }
            for g in gone {
                assert!(
                    !lot.contains(g),
                    "{what}, the lot's page on {node}: still {g:?} in {lot}"
                );
            }
        }
    };
    // A five-star certificate whose last day is today in Vietnam.
    let today = ocop_trace::domain::local_time::day_of(chrono::Utc::now());
    let decided = today
        .checked_sub_months(chrono::Months::new(
            ocop_trace::domain::ocop::VALIDITY_MONTHS,
        ))
        .unwrap();
    app.create_certification(&app.admin, &product, 5, "central", &decided.to_string())
        .await;
    // Both nodes cache the lot and the page of the stamp voided later.
    check(
        "before",
        &["aria-label=\"5 ★\""],
        &["class=\"photo\"", "id=\"buy\"", "Đóng gói xong"],
    )
    .await;
    for node in &nodes {
        assert_eq!(page_on(node, &stamps[0]).await.0, StatusCode::OK);
    }

    diary(&app, &batch, "Đóng gói xong").await;
    check("a diary entry", &["Đóng gói xong"], &[]).await;

    let (s, _) = app
        .upload(
            &app.admin,
            &format!("/api/v1/products/{product}/images"),
            "a.jpg",
            "image/jpeg",
            ocop_trace::media::samples::photo_jpeg(800, 600),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    check("a photo", &["class=\"photo\""], &[]).await;

    let listing = crate::listings::voso_listing(&app, &product).await;
    check("a listing not live yet", &[], &["id=\"buy\""]).await;
    let live = "https://voso.vn/ca-phe-robusta-ea-tul-5521";
    crate::listings::went_live(&app, &listing, live).await;
    check("a listing gone live", &[live], &[]).await;

    // Midnight in Vietnam: the certificate has run out, with no write to say so.
    let day = std::time::Duration::from_secs(24 * 3600);
    app.state.resolve_cache.clock().advance(day);
    other_state.resolve_cache.clock().advance(day);
    check(
        "the next day",
        &["aria-label=\"4 ★\"", "Đóng gói xong", "class=\"photo\""],
        &["aria-label=\"5 ★\""],
    )
    .await;

    void_lost(&app, &batch, &stamps[0]).await;
    assert_eq!(
        page_on(&nodes[0], &stamps[0]).await.0,
        StatusCode::GONE,
        "at once here"
    );
    // On the other node within the second its memory may answer from (services/scans.rs);
    // the deadline is generous for a loaded machine.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (s, body) = page_on(&nodes[1], &stamps[0]).await;
        if s == StatusCode::GONE {
            assert!(body.contains("Tem đã bị hủy"), "{body}");
            break;
        }
        assert_eq!(s, StatusCode::OK, "{body}");
        assert!(
            std::time::Instant::now() < deadline,
            "the void never reached the other node"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    check("a void of another stamp", &["Đóng gói xong"], &[]).await;

    let (s, _) = app
        .post(&app.admin, &format!("/api/v1/batches/{batch}/events"), json!({"kind": "recall", "occurred_at": "2026-04-02T08:00:00Z", "details": {"reason": "nhiễm nấm mốc"}}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    for node in &nodes {
        let (s, body) = page_on(node, fresh.next().unwrap()).await;
        assert_eq!(s, StatusCode::GONE, "a recall on {node}: {body}");
        let (s, lot) = lot_page_on(node, &stamps[0]).await;
        assert_eq!(
            s,
            StatusCode::GONE,
            "a recall, the lot's page on {node}: {lot}"
        );
        assert!(lot.contains("Lô hàng đã bị thu hồi"), "{lot}");
    }
}
