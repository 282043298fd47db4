//! Every kind of bad input gets a precise 4xx naming the field, never a 500.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_field_error, assert_problem};

#[tokio::test]
async fn malformed_json_wrong_content_type_and_huge_bodies_are_rejected_precisely() {
    let app = TestApp::spawn().await;
    let (s, b) = app
        .post_raw(
            &app.admin,
            "/api/v1/organizations",
            "application/json",
            "{\"kind\": ",
        )
        .await;
    assert_problem(s, &b, StatusCode::BAD_REQUEST, "malformed_json");
    assert!(b["detail"].as_str().unwrap().contains("line 1"), "{b}");

    let (s, b) = app
        .post_raw(&app.admin, "/api/v1/organizations", "text/plain", "{}")
        .await;
    assert_problem(
        s,
        &b,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );

    let big = format!("{{\"name\": \"{}\"}}", "a".repeat(300 * 1024));
    let (s, b) = app
        .post_raw(&app.admin, "/api/v1/organizations", "application/json", big)
        .await;
    assert_problem(s, &b, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn unknown_missing_and_mistyped_fields_are_named() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let farms = format!("/api/v1/organizations/{org}/farms");

    let (s, b) = app
        .post(
            &app.admin,
            &farms,
            json!({"name": "a", "address": "b", "lat": 12.0}),
        )
        .await;
    assert_field_error(s, &b, "lat", "unknown_field");
    let (s, b) = app.post(&app.admin, &farms, json!({"address": "b"})).await;
    assert_field_error(s, &b, "name", "missing_field");
    let (s, b) = app
        .post(
            &app.admin,
            &farms,
            json!({"name": "a", "address": "b", "latitude": "12.7", "longitude": 108.0}),
        )
        .await;
    assert_field_error(s, &b, "latitude", "invalid_type");
    let (s, b) = app
        .post(
            &app.admin,
            "/api/v1/organizations",
            json!({"kind": "hợp tác xã", "name": "a", "address": "b"}),
        )
        .await;
    assert_field_error(s, &b, "kind", "unknown_value");
}

#[tokio::test]
async fn coordinates_out_of_range_swapped_or_half_given_are_rejected() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let farms = format!("/api/v1/organizations/{org}/farms");
    let farm = |lat: serde_json::Value, lon: serde_json::Value| json!({"name": "a", "address": "b", "latitude": lat, "longitude": lon});

    let (s, b) = app
        .post(&app.admin, &farms, farm(json!(95.0), json!(108.0)))
        .await;
    assert_field_error(s, &b, "latitude", "latitude_range");
    let (s, b) = app
        .post(&app.admin, &farms, farm(json!(12.7), json!(181.0)))
        .await;
    assert_field_error(s, &b, "longitude", "longitude_range");
    let (s, b) = app
        .post(&app.admin, &farms, farm(json!(48.85), json!(2.35)))
        .await;
    assert_field_error(s, &b, "latitude", "coordinates_outside_vietnam");
    let (s, b) = app
        .post(&app.admin, &farms, farm(json!(12.7), json!(null)))
        .await;
    assert_field_error(s, &b, "longitude", "coordinates_incomplete");
}

#[tokio::test]
async fn identifiers_with_bad_check_digits_or_characters_are_rejected_with_their_rule() {
    let app = TestApp::spawn().await;
    let (s, b) = app.post(&app.admin, "/api/v1/organizations", json!({"kind": "cooperative", "name": "a", "address": "b", "tax_code": "0300588568", "province_code": "6", "commune_code": "2437X"})).await;
    assert_field_error(s, &b, "tax_code", "tax_code_check_digit");
    assert_field_error(s, &b, "province_code", "province_code_format");
    assert_field_error(s, &b, "commune_code", "commune_code_format");
    let (s, b) = app
        .post(
            &app.admin,
            "/api/v1/organizations",
            json!({"kind": "enterprise", "name": "a", "address": "b", "tax_code": "079203001234"}),
        )
        .await;
    assert_field_error(s, &b, "tax_code", "tax_code_personal_id_not_allowed");

    let org = app.create_organization("HTX").await;
    let products = format!("/api/v1/organizations/{org}/products");
    let (s, b) = app
        .post(
            &app.admin,
            &products,
            json!({"name": "Mật ong", "unit": "hũ", "gtin": "8934588012229"}),
        )
        .await;
    assert_field_error(s, &b, "gtin", "gtin_check_digit");
    let (s, b) = app
        .post(
            &app.admin,
            &products,
            json!({"name": "Mật ong", "unit": "hũ", "gtin": "89345"}),
        )
        .await;
    assert_field_error(s, &b, "gtin", "gtin_length");

    let farm = app.create_farm(&app.admin, &org).await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/farms/{farm}/growing-areas"),
            json!({"code": "vn-66-650", "scope": "domestic", "crop": "lúa"}),
        )
        .await;
    assert_field_error(s, &b, "code", "growing_area_code_character");
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/farms/{farm}/growing-areas"),
            json!({"code": "VN-DNOOR0039", "scope": "export", "crop": "sầu riêng"}),
        )
        .await;
    assert_field_error(s, &b, "target_market", "market_required");
    let (s, b) = app.post(&app.admin, &format!("/api/v1/farms/{farm}/growing-areas"), json!({"code": "X1", "scope": "domestic", "crop": "lúa", "area_ha": 0,
        "boundary": {"type": "Polygon", "coordinates": [[[108.1, 12.7], [108.2, 12.7], [108.2, 12.8]]]}})).await;
    assert_field_error(s, &b, "area_ha", "area_ha_range");
    assert_field_error(s, &b, "boundary", "boundary_ring");

    let product = app.create_product(&app.admin, &org, None).await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/batches"),
            json!({"lot_code": "LÔ 1", "quantity": -3, "unit": "kg"}),
        )
        .await;
    assert_field_error(s, &b, "lot_code", "lot_code_character");
    assert_field_error(s, &b, "quantity", "quantity_range");
    let (s, b) = app.post(&app.admin, &format!("/api/v1/products/{product}/batches"), json!({"lot_code": "L1", "quantity": 1, "unit": "kg", "harvested_on": "2026-05-01", "expires_on": "2026-04-01"})).await;
    assert_field_error(s, &b, "expires_on", "date_order");
}

#[tokio::test]
async fn ocop_stars_scores_levels_and_dates_must_agree() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let product = app.create_product(&app.admin, &org, None).await;
    let certs = format!("/api/v1/products/{product}/ocop-certifications");
    let cert = |stars: i64, score: i64, level: &str, date: &str| json!({"stars": stars, "score": score, "decision_number": "12/QĐ", "decision_date": date, "issuing_body": "UBND tỉnh", "level": level});
    let (s, b) = app
        .post(&app.admin, &certs, cert(6, 95, "central", "2025-01-01"))
        .await;
    assert_field_error(s, &b, "stars", "ocop_stars_range");
    let (s, b) = app
        .post(&app.admin, &certs, cert(4, 92, "province", "2025-01-01"))
        .await;
    assert_field_error(s, &b, "score", "ocop_score_band");
    let (s, b) = app
        .post(&app.admin, &certs, cert(5, 95, "province", "2025-01-01"))
        .await;
    assert_field_error(s, &b, "level", "ocop_level_mismatch");
    let (s, b) = app
        .post(&app.admin, &certs, cert(4, 75, "province", "2099-01-01"))
        .await;
    assert_field_error(s, &b, "decision_date", "date_in_future");
    let (s, b) = app
        .post(&app.admin, &certs, cert(4, 75, "province", "2017-01-01"))
        .await;
    assert_field_error(s, &b, "decision_date", "date_before_ocop");
    let (s, b) = app.post(&app.admin, &certs, json!({"stars": 4, "decision_number": "1", "decision_date": "2025-02-30", "issuing_body": "x", "level": "province"})).await;
    assert_field_error(s, &b, "decision_date", "invalid_value");
    let huge = r#"{"stars": 99999999999999999999, "decision_number": "1", "decision_date": "2025-02-03", "issuing_body": "x", "level": "province"}"#;
    let (s, b) = app
        .post_raw(&app.admin, &certs, "application/json", huge)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["errors"][0]["field"], "stars");
}

#[tokio::test]
async fn diary_details_are_checked_field_by_field() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let product = app.create_product(&app.admin, &org, None).await;
    let batch = app.create_batch(&app.admin, &product, "L1").await;
    let events = format!("/api/v1/batches/{batch}/events");
    let (s, b) = app.post(&app.admin, &events, json!({"kind": "spraying", "occurred_at": "2026-05-01T07:00:00Z", "details": {"inputs": [{"product": "X", "phi_days": 400}]}})).await;
    assert_field_error(s, &b, "details.inputs[0].phi_days", "phi_days_range");
    let (s, b) = app.post(&app.admin, &events, json!({"kind": "spraying", "occurred_at": "2026-05-01T07:00:00Z", "details": {"inputs": [{"product": "X", "dosage": 1}]}})).await;
    assert_field_error(s, &b, "details.inputs[0].dosage", "unknown_field");
    let (s, b) = app
        .post(
            &app.admin,
            &events,
            json!({"kind": "note", "occurred_at": "2999-01-01T00:00:00Z"}),
        )
        .await;
    assert_field_error(s, &b, "occurred_at", "date_in_future");
    let (s, b) = app
        .post(
            &app.admin,
            &events,
            json!({"kind": "note", "occurred_at": "yesterday"}),
        )
        .await;
    assert_field_error(s, &b, "occurred_at", "invalid_value");
    let (s, b) = app.post(&app.admin, &events, json!({"kind": "harvesting", "occurred_at": "2026-05-01T07:00:00Z", "details": {"inputs": [{"product": "X"}]}})).await;
    assert_field_error(s, &b, "details.inputs", "inputs_not_allowed");
}

#[tokio::test]
async fn bad_query_parameters_and_ids_are_client_errors() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let product = app.create_product(&app.admin, &org, None).await;
    let (s, b) = app
        .get(
            &app.admin,
            &format!("/api/v1/products/{product}/batches?status=lost"),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (s, b) = app
        .get(
            &app.admin,
            &format!("/api/v1/organizations/{org}/farms?limit=0"),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (s, b) = app
        .get(
            &app.admin,
            &format!("/api/v1/organizations/{org}/farms?limit=ten"),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (s, b) = app
        .get(
            &app.admin,
            &format!("/api/v1/organizations/{org}/farms?cursor=abc"),
        )
        .await;
    assert_problem(s, &b, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let (s, b) = app.get(&app.admin, "/api/v1/farms/not-a-uuid").await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = app
        .get(
            &app.admin,
            &format!("/api/v1/farms/{}", uuid::Uuid::now_v7()),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn implausible_dates_and_oversized_lists_are_rejected() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let product = app.create_product(&app.admin, &org, None).await;
    let batch = app.create_batch(&app.admin, &product, "L1").await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/events"),
            json!({"kind": "note", "occurred_at": "0202-05-01T07:00:00Z"}),
        )
        .await;
    assert_field_error(s, &b, "occurred_at", "date_too_early");
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/batches"),
            json!({"lot_code": "L2", "quantity": 1, "unit": "kg", "harvested_on": "0205-01-01"}),
        )
        .await;
    assert_field_error(s, &b, "harvested_on", "date_too_early");
    let inputs: Vec<_> = (0..51)
        .map(|i| json!({"product": format!("P{i}")}))
        .collect();
    let (s, b) = app.post(&app.admin, &format!("/api/v1/batches/{batch}/events"), json!({"kind": "spraying", "occurred_at": "2026-05-01T07:00:00Z", "details": {"inputs": inputs}})).await;
    assert_field_error(s, &b, "details.inputs", "too_many_inputs");
    let (s, b) = app.post(&app.admin, &format!("/api/v1/batches/{batch}/events"), json!({"kind": "spraying", "occurred_at": "2026-05-01T07:00:00Z", "details": {"inputs": [{"product": "x".repeat(201)}]}})).await;
    assert_field_error(s, &b, "details.inputs[0].product", "text_too_long");
}

/// `{"name":"a","address":"b"} xx` was accepted (201), and names with a right-to-left
/// override or zero-width characters reached the public scan page.
#[tokio::test]
async fn trailing_data_and_invisible_characters_are_refused_and_vietnamese_is_kept_in_nfc() {
    let app = TestApp::spawn().await;
    for body in [
        r#"{"kind":"cooperative","name":"a","address":"b"} xx"#,
        r#"{"kind":"cooperative","name":"a","address":"b"}{"name":"c"}"#,
    ] {
        let (s, b) = app
            .post_raw(
                &app.admin,
                "/api/v1/organizations",
                "application/json",
                body,
            )
            .await;
        assert_problem(s, &b, StatusCode::BAD_REQUEST, "malformed_json");
    }
    // Whitespace after the value is fine.
    let (s, b) = app
        .post_raw(
            &app.admin,
            "/api/v1/organizations",
            "application/json",
            "{\"kind\":\"cooperative\",\"name\":\"HTX A\",\"address\":\"b\"} \r\n",
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    for (field, name) in [
        ("name", "HTX \u{202E}gnoM uahC"),
        ("name", "HTX Mật\u{200B}ong"),
        ("address", "Thôn \u{2066}3\u{2069}"),
    ] {
        let mut body = json!({"kind": "cooperative", "name": "HTX B", "address": "Ea Tul"});
        body[field] = json!(name);
        let (s, b) = app.post(&app.admin, "/api/v1/organizations", body).await;
        assert_field_error(s, &b, field, "text_invisible_character");
    }
    let org = app.create_organization("HTX Mật ong").await;
    let (s, p) = app
        .post(
            &app.admin,
            &format!("/api/v1/organizations/{org}/products"),
            json!({"name": "Ma\u{0323}\u{0302}t ong hoa nha\u{0303}n", "unit": "hũ"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    assert_eq!(p["name"], "Mật ong hoa nhãn");
}
