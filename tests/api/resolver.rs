//! GS1-Conformant Resolver criteria the resolver meets beyond a stamp's own page, one test per
//! group, named in docs/RESOLVER.md's conformance table: less specific URIs (a lot, a
//! product), compressed URIs, the consumer product variant (22), the query string passed on,
//! trailing slashes, the linkset's anchors and JSON-LD context, and the description file.
//! The linkset and the description file are also validated against GS1's JSON schemas by
//! `tests/contract/check.sh`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};
use crate::scan::{BROWSER, get, header, path_of, world};

const JSON: (&str, &str) = ("accept", "application/json");
const LINKSET: (&str, &str) = ("accept", "application/linkset+json");
const LOT: &str = "/01/08934588012228/10/CF2026A";
const PRODUCT: &str = "/01/08934588012228";

fn anchors(linkset: &Value) -> Vec<&str> {
    linkset["linkset"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["anchor"].as_str().unwrap())
        .collect()
}

async fn product_of(app: &TestApp, batch: &str) -> String {
    let (s, b) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}"))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b["product_id"].as_str().unwrap().to_owned()
}

/// Less specific URIs: `/01/{gtin}/10/{lot}` is the lot's page (what a recall notice links
/// to), JSON and linkset; `/01/{gtin}` sends a browser to the product's page (its default
/// link); neither counts as a scan; an unknown GTIN or lot is 404.
#[tokio::test]
async fn lot_and_product_uris_resolve_to_their_pages() {
    let app = TestApp::spawn().await;
    let (batch, stamps) = world(&app, 1).await;
    let product = product_of(&app, &batch).await;

    let (s, h, page) = get(&app, LOT, &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(header(&h, "content-type").starts_with("text/html"));
    for text in [
        "Thông tin lô hàng",
        "Cà phê Robusta rang xay Ea Tul",
        "CF2026A",
        "Ridomil Gold 68WG",
        "HTX Cà phê Ea Tul",
    ] {
        assert!(page.contains(text), "{text}: {page}");
    }
    assert!(
        !page.contains("id=\"verify\"") && !page.contains("Số tem"),
        "a lot has no stamp's proof or serial"
    );
    let (_, _, page) = get(&app, &format!("{LOT}?lang=en"), &[BROWSER]).await;
    assert!(page.contains("Lot information"), "{page}");
    assert_eq!(
        header(&h, "link"),
        format!(
            "<http://trace.test{LOT}?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\""
        )
    );

    let (s, _, body) = get(&app, LOT, &[JSON]).await;
    assert_eq!(s, StatusCode::OK);
    let j: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(j["uri"], format!("http://trace.test{LOT}"));
    assert_eq!(j["status"], "genuine");
    assert_eq!(j["batch"]["lot_code"], "CF2026A");
    assert_eq!(j["events"][0]["kind"], "spraying");
    assert!(j.get("serial").is_none(), "{j}");

    let (s, h, body) = get(&app, LOT, &[LINKSET]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(header(&h, "content-type"), "application/linkset+json");
    let l: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        anchors(&l),
        [
            format!("http://trace.test{LOT}"),
            format!("http://trace.test{PRODUCT}")
        ]
    );
    assert_eq!(
        l["linkset"][1]["https://gs1.org/voc/defaultLink"][0]["href"],
        format!("http://trace.test/p/{product}")
    );

    // The product: its default link is its page, a 307 that passes the query on.
    let (s, h, _) = get(
        &app,
        &format!("{PRODUCT}?utm_source=qr&lang=en"),
        &[BROWSER],
    )
    .await;
    assert_eq!(s, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        header(&h, "location"),
        format!("http://trace.test/p/{product}?utm_source=qr&lang=en")
    );
    let (s, _, body) = get(&app, PRODUCT, &[LINKSET]).await;
    assert_eq!(s, StatusCode::OK);
    let l: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(anchors(&l), [format!("http://trace.test{PRODUCT}")]);
    assert_eq!(
        l["linkset"][0]["itemDescription"],
        "Cà phê Robusta rang xay Ea Tul"
    );
    // A product has no diary of its own.
    let (s, _, _) = get(
        &app,
        &format!("{PRODUCT}?linkType=gs1:traceability"),
        &[JSON],
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    for missing in [
        "/01/08934588012228/10/NOLOT",
        "/01/08934588012235",
        "/01/08934588012235/10/CF2026A",
    ] {
        let (s, _, body) = get(&app, missing, &[JSON]).await;
        assert_problem(
            s,
            &serde_json::from_str(&body).unwrap(),
            StatusCode::NOT_FOUND,
            "not_found",
        );
        let (s, _, page) = get(&app, missing, &[BROWSER]).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(page.contains("Không tìm thấy"), "{page}");
    }

    // None of that was a scan of the stamp.
    let (_, _, body) = get(&app, &path_of(&stamps[0]), &[JSON]).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["scan_count"],
        0
    );

    // A recalled lot's page says so, with 410 like its stamps.
    let (s, e) = app
        .post(&app.admin, &format!("/api/v1/batches/{batch}/events"), json!({"kind": "recall", "occurred_at": "2026-04-02T08:00:00Z", "details": {"reason": "nhiễm nấm mốc"}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let (s, _, page) = get(&app, LOT, &[BROWSER]).await;
    assert_eq!(s, StatusCode::GONE);
    assert!(page.contains("Lô hàng đã bị thu hồi"), "{page}");
    let (s, _, body) = get(&app, LOT, &[JSON]).await;
    assert_eq!(s, StatusCode::GONE);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["status"],
        "recalled"
    );
}

/// Compressed Digital Link URIs (made by GS1's compression prototype, Python port) are sent
/// to their uncompressed URI, which the `Link` header names with `rel="owl:sameAs"`; one that
/// does not decompress is 400; any other single path segment stays a plain 404.
#[tokio::test]
async fn compressed_uris_redirect_to_the_uncompressed_one() {
    let app = TestApp::spawn().await;
    world(&app, 1).await;
    for (compressed, uncompressed) in [
        ("/ARBAfeOtiCCPnkBNQ", LOT.to_owned()),
        ("/ARBAfeOtiA", PRODUCT.to_owned()),
        (
            "/ARBAfeOtiCCPnkBNRExK6g",
            "/01/08934588012228/22/V1/10/CF2026A".to_owned(),
        ),
    ] {
        let (s, h, _) = get(&app, &format!("{compressed}?lang=en"), &[BROWSER]).await;
        assert_eq!(s, StatusCode::TEMPORARY_REDIRECT, "{compressed}");
        let target = format!("http://trace.test{uncompressed}");
        assert_eq!(header(&h, "location"), format!("{target}?lang=en"));
        assert_eq!(
            header(&h, "link"),
            format!("<{target}>; rel=\"owl:sameAs\"")
        );
        assert_eq!(header(&h, "access-control-allow-origin"), "*");
    }
    // The lot with a variant is served (22 is kept, never dropped).
    let (s, _, page) = get(&app, "/01/08934588012228/22/V1/10/CF2026A", &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK, "{page}");

    // An SSCC (00) is a valid compressed URI, but not this resolver's; noise is 400 too.
    for bad in ["/ABPWuaxtVIQA", "/AAAAAAAAAAAAAA"] {
        let (s, _, body) = get(&app, bad, &[JSON]).await;
        let p: Value = serde_json::from_str(&body).unwrap();
        assert_problem(s, &p, StatusCode::BAD_REQUEST, "invalid_digital_link");
    }
    let (s, _, body) = get(&app, "/robots.txt", &[JSON]).await;
    assert_problem(
        s,
        &serde_json::from_str(&body).unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

/// AI 22 (consumer product variant) is kept: the stamp is served under the URI with it, the
/// scan counts, and the linkset's anchors carry it; `/foo` after a valid URI is 400; a
/// trailing slash gets the same answer; a 307 passes the query string on.
#[tokio::test]
async fn variants_are_kept_and_queries_passed_on() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 1).await;
    let path = path_of(&stamps[0]);
    let serial = stamps[0]["serial"].as_str().unwrap();
    let with_variant = format!("/01/08934588012228/22/V1/10/CF2026A/21/{serial}");

    let (s, _, page) = get(&app, &with_variant, &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert!(page.contains("Cà phê Robusta rang xay Ea Tul"));
    let (_, _, body) = get(&app, &path, &[JSON]).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["scan_count"],
        1
    );
    let (s, h, body) = get(&app, &with_variant, &[LINKSET]).await;
    assert_eq!(s, StatusCode::OK);
    let l: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        anchors(&l),
        [
            format!("http://trace.test{with_variant}"),
            "http://trace.test/01/08934588012228/22/V1/10/CF2026A".to_owned(),
            "http://trace.test/01/08934588012228/22/V1".to_owned(),
        ]
    );
    assert!(
        header(&h, "link")
            .contains("<https://ref.gs1.org/standards/resolver/linkset-context>; rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\""),
        "{h:?}"
    );
    // The lower-case serial is another spelling: sent to the canonical one, 22 kept.
    let lower = format!(
        "/01/08934588012228/22/V1/10/CF2026A/21/{}",
        serial.to_lowercase()
    );
    let (s, h, _) = get(&app, &lower, &[BROWSER]).await;
    assert_eq!(
        (s, header(&h, "location")),
        (StatusCode::TEMPORARY_REDIRECT, with_variant.as_str())
    );

    let (s, _, _) = get(&app, &format!("{path}/foo"), &[BROWSER]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    for p in [path.clone(), LOT.to_owned(), PRODUCT.to_owned()] {
        let (a, ha, _) = get(&app, &p, &[JSON]).await;
        let (b, hb, _) = get(&app, &format!("{p}/"), &[JSON]).await;
        assert_eq!(
            (a, header(&ha, "location")),
            (b, header(&hb, "location")),
            "{p}"
        );
    }
    let (s, h, _) = get(
        &app,
        &format!("{path}?linkType=gs1:pip&foo=bar"),
        &[BROWSER],
    )
    .await;
    assert_eq!(s, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        header(&h, "location"),
        format!("http://trace.test{path}?foo=bar&lang=vi")
    );
}

/// The linkset in GS1's shape: an item description and a single default link of `href` and
/// `title` only per anchor; and the description file with only the schema's fields.
#[tokio::test]
async fn linkset_and_description_file_follow_gs1s_schemas() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 1).await;
    let path = path_of(&stamps[0]);
    let (_, _, body) = get(&app, &format!("{path}?linkType=linkset"), &[]).await;
    let l: Value = serde_json::from_str(&body).unwrap();
    for set in l["linkset"].as_array().unwrap() {
        assert!(set["itemDescription"].is_string(), "{set}");
        let default = set["https://gs1.org/voc/defaultLink"].as_array().unwrap();
        assert_eq!(default.len(), 1, "{set}");
        let keys: Vec<&String> = default[0].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["href", "title"], "{set}");
        for (key, _) in set.as_object().unwrap() {
            assert!(
                key == "anchor"
                    || key == "itemDescription"
                    || key.starts_with("https://gs1.org/voc/"),
                "{key}"
            );
        }
    }
    assert_eq!(
        l["linkset"][0]["itemDescription"],
        format!(
            "Cà phê Robusta rang xay Ea Tul · CF2026A · {}",
            stamps[0]["serial"].as_str().unwrap()
        )
    );

    let (s, h, body) = get(&app, "/.well-known/gs1resolver", &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(header(&h, "access-control-allow-origin"), "*");
    let d: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        d,
        json!({
            "name": "ocop-trace",
            "resolverRoot": "http://trace.test",
            "supportedPrimaryKeys": ["01"],
            "supportedLinkType": [{"namespace": "https://gs1.org/voc/", "prefix": "gs1:"}],
            "linkTypeDefaultCanBeLinkset": false,
            "jsonLdContextLocation": "https://ref.gs1.org/standards/resolver/linkset-context"
        })
    );
}

/// A product's configured default link (its marketplace listing) is where a genuine scan of
/// its stamps, its lots and its GTIN goes — a 307 that passes the query on, the scan counted
/// — and what the linkset names as default; a scan that looks copied, a voided stamp and a
/// recalled lot get this service's page instead. Only an https page elsewhere is accepted,
/// and `""` removes it.
#[tokio::test]
async fn a_configured_default_link_takes_genuine_scans_there_but_never_hides_a_warning() {
    let app = TestApp::spawn().await;
    let (batch, stamps) = world(&app, 2).await;
    let product = product_of(&app, &batch).await;
    let listing = "https://postmart.vn/p/ca-phe-robusta-ea-tul-5521.html?ref=ocop";
    for bad in [
        "http://postmart.vn/p/1.html",
        "https://trace.test/p/1",
        "postmart.vn",
        "https://user:pw@postmart.vn/",
    ] {
        let (s, body) = app
            .patch(
                &app.admin,
                &format!("/api/v1/products/{product}"),
                json!({"default_link": bad}),
            )
            .await;
        assert_problem(
            s,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert_eq!(body["errors"][0]["field"], "default_link", "{bad}: {body}");
    }
    let (s, body) = app
        .patch(
            &app.admin,
            &format!("/api/v1/products/{product}"),
            json!({"default_link": listing}),
        )
        .await;
    assert_eq!(
        (s, body["default_link"].as_str()),
        (StatusCode::OK, Some(listing)),
        "{body}"
    );

    let path = path_of(&stamps[0]);
    let (s, h, _) = get(&app, &format!("{path}?utm_source=tem"), &[BROWSER]).await;
    assert_eq!(s, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(header(&h, "location"), format!("{listing}&utm_source=tem"));
    let (_, _, body) = get(&app, &path, &[JSON]).await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["scan_count"],
        1,
        "counted"
    );
    let (s, h, _) = get(&app, LOT, &[BROWSER]).await;
    assert_eq!(
        (s, header(&h, "location")),
        (StatusCode::TEMPORARY_REDIRECT, listing)
    );
    let (s, h, _) = get(&app, PRODUCT, &[BROWSER]).await;
    assert_eq!(
        (s, header(&h, "location")),
        (StatusCode::TEMPORARY_REDIRECT, listing)
    );
    let (_, _, body) = get(&app, &path, &[LINKSET]).await;
    let l: Value = serde_json::from_str(&body).unwrap();
    for set in l["linkset"].as_array().unwrap() {
        assert_eq!(
            set["https://gs1.org/voc/defaultLink"][0]["href"], listing,
            "{set}"
        );
    }

    // The third scan in a day looks copied: the warning is shown, not the listing.
    get(&app, &path, &[BROWSER]).await;
    let (s, _, page) = get(&app, &path, &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("Cảnh báo: tem có thể bị sao chép"), "{page}");

    // A recall: the stamps and the lot show it.
    let (s, e) = app
        .post(&app.admin, &format!("/api/v1/batches/{batch}/events"), json!({"kind": "recall", "occurred_at": "2026-04-02T08:00:00Z", "details": {"reason": "nhiễm nấm mốc"}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let (s, _, page) = get(&app, &path_of(&stamps[1]), &[BROWSER]).await;
    assert_eq!(s, StatusCode::GONE);
    assert!(page.contains("Lô hàng đã bị thu hồi"));
    let (s, _, _) = get(&app, LOT, &[BROWSER]).await;
    assert_eq!(s, StatusCode::GONE);

    // Removed: the product's own page is its default again.
    let (s, body) = app
        .patch(
            &app.admin,
            &format!("/api/v1/products/{product}"),
            json!({"default_link": ""}),
        )
        .await;
    assert_eq!(
        (s, &body["default_link"]),
        (StatusCode::OK, &Value::Null),
        "{body}"
    );
    let (_, h, _) = get(&app, PRODUCT, &[BROWSER]).await;
    assert_eq!(
        header(&h, "location"),
        format!("http://trace.test/p/{product}?lang=vi")
    );
}
