//! The registry flow through HTTP: organization → farm → growing area → product →
//! OCOP certification → batch → diary events.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_field_error, assert_problem};

#[tokio::test]
async fn a_cooperative_registers_its_whole_chain_with_an_organization_token() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Mật ong Cư M'gar").await;
    let owner = app.token_for(&org, "owner").await;

    let farm = app.create_farm(&owner, &org).await;
    let (s, area) = app
        .post(&owner, &format!("/api/v1/farms/{farm}/growing-areas"), json!({
            "code": "VN-66-650-24370-94-21", "scope": "domestic", "crop": "cà phê", "variety": "TR4", "area_ha": 3.2,
            "issued_on": "2021-05-10",
            "boundary": {"type": "Polygon", "coordinates": [[[108.1, 12.7], [108.2, 12.7], [108.2, 12.8], [108.1, 12.7]]]},
            "certificates": [{"scheme": "vietgap", "number": "VG-2024-001", "valid_until": "2027-01-01"}]
        }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{area}");
    assert_eq!(
        area["parsed_code"],
        json!({"format": "domestic", "province_code": "66", "district_code": "650", "commune_code": "24370", "sequence": "94", "issued_year": 2021})
    );
    assert_eq!(area["status"], "active");
    assert_eq!(area["certificates"][0]["scheme"], "vietgap");

    let (s, product) = app
        .post(&owner, &format!("/api/v1/organizations/{org}/products"), json!({"name": "Mật ong hoa cà phê", "name_en": "Coffee blossom honey", "gtin": "8934588012228", "unit": "hũ", "net_weight_g": 500.0, "ocop_group": "food"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{product}");
    assert_eq!(product["gtin"], "08934588012228", "stored as GTIN-14");
    let product_id = product["id"].as_str().unwrap();

    let cert = app
        .create_certification(&owner, product_id, 4, "province", "2025-06-15")
        .await;
    assert_eq!(cert["valid_until"], "2028-06-15");
    assert_eq!(cert["status"], "valid");
    let (_, shown) = app
        .get(&owner, &format!("/api/v1/products/{product_id}"))
        .await;
    assert_eq!(shown["ocop"]["stars"], 4);

    let (s, batch) = app
        .post(&owner, &format!("/api/v1/products/{product_id}/batches"), json!({"lot_code": "MO2026A", "growing_area_id": area["id"], "quantity": 800, "unit": "kg", "harvested_on": "2026-04-02", "expires_on": "2028-04-02"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{batch}");
    assert_eq!(batch["status"], "open");
    let batch_id = batch["id"].as_str().unwrap();

    let (s, ev) = app
        .post(&owner, &format!("/api/v1/batches/{batch_id}/events"), json!({"kind": "harvesting", "occurred_at": "2026-04-02T06:30:00+07:00", "details": {"quantity": 800, "unit": "kg"}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{ev}");
    assert_eq!(
        ev["occurred_at"], "2026-04-01T23:30:00Z",
        "times are returned in UTC, RFC 3339"
    );
    assert_eq!(ev["actor"], "owner token");
    assert_eq!(ev["warnings"], json!([]));

    let (s, list) = app
        .get(&owner, &format!("/api/v1/batches/{batch_id}/events"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["next_cursor"], json!(null));
}

#[tokio::test]
async fn an_expired_certification_is_reported_as_expired_and_never_as_current() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Chè Tân Cương").await;
    let product = app.create_product(&app.admin, &org, None).await;

    let cert = app
        .create_certification(&app.admin, &product, 4, "province", "2020-01-10")
        .await;
    assert_eq!(cert["valid_until"], "2023-01-10");
    assert_eq!(cert["status"], "expired");

    let (_, p) = app
        .get(&app.admin, &format!("/api/v1/products/{product}"))
        .await;
    assert_eq!(p["ocop"], json!(null), "expired stars are not current: {p}");
    let (_, list) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}/products"))
        .await;
    assert_eq!(list["items"][0]["ocop"], json!(null));
    let (_, certs) = app
        .get(
            &app.admin,
            &format!("/api/v1/products/{product}/ocop-certifications"),
        )
        .await;
    assert_eq!(certs["items"][0]["status"], "expired");
}

#[tokio::test]
async fn diary_events_are_append_only_and_a_correction_references_the_original() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let product = app.create_product(&app.admin, &org, None).await;
    let batch = app.create_batch(&app.admin, &product, "L1").await;
    let (_, first) = app
        .post(&app.admin, &format!("/api/v1/batches/{batch}/events"), json!({"kind": "fertilizing", "occurred_at": "2026-03-01T08:00:00Z", "details": {"inputs": [{"product": "NPK 16-16-8", "dose": 200, "dose_unit": "kg/ha"}]}}))
        .await;
    let first_id = first["id"].as_str().unwrap();

    let (s, fix) = app
        .post(&app.admin, &format!("/api/v1/batches/{batch}/events"), json!({"kind": "fertilizing", "occurred_at": "2026-03-01T08:00:00Z", "corrects": first_id, "details": {"reason": "liều đúng là 150 kg/ha", "inputs": [{"product": "NPK 16-16-8", "dose": 150, "dose_unit": "kg/ha"}]}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{fix}");
    assert_eq!(fix["corrects"], first_id);

    // The original is untouched, and there is no route that edits or deletes an event.
    let (_, original) = app
        .get(&app.admin, &format!("/api/v1/events/{first_id}"))
        .await;
    assert_eq!(original["details"]["inputs"][0]["dose"], 200.0);
    let (s, b) = app
        .patch(
            &app.admin,
            &format!("/api/v1/events/{first_id}"),
            json!({"kind": "note"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let (s, b) = app
        .delete(&app.admin, &format!("/api/v1/events/{first_id}"))
        .await;
    assert_problem(s, &b, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");

    // A correction must reference an event of the same batch.
    let other = app.create_batch(&app.admin, &product, "L2").await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{other}/events"),
            json!({"kind": "note", "occurred_at": "2026-03-02T08:00:00Z", "corrects": first_id}),
        )
        .await;
    assert_field_error(s, &b, "corrects", "not_found");
}

#[tokio::test]
async fn a_sealed_batch_accepts_shipping_but_not_spraying_and_a_recall_closes_it() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let product = app.create_product(&app.admin, &org, None).await;
    let batch = app.create_batch(&app.admin, &product, "L1").await;
    let events = format!("/api/v1/batches/{batch}/events");

    let (s, b) = app
        .patch(
            &app.admin,
            &format!("/api/v1/batches/{batch}"),
            json!({"status": "sealed"}),
        )
        .await;
    assert_eq!((s, b["status"].as_str()), (StatusCode::OK, Some("sealed")));
    let (s, b) = app
        .post(
            &app.admin,
            &events,
            json!({"kind": "spraying", "occurred_at": "2026-04-01T08:00:00Z"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "batch_status_rejects_event");
    let (s, _) = app
        .post(
            &app.admin,
            &events,
            json!({"kind": "shipping", "occurred_at": "2026-04-01T08:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);

    let (s, b) = app
        .patch(
            &app.admin,
            &format!("/api/v1/batches/{batch}"),
            json!({"status": "recalled"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "recall_needs_event");
    let (s, b) = app
        .post(
            &app.admin,
            &events,
            json!({"kind": "recall", "occurred_at": "2026-04-02T08:00:00Z"}),
        )
        .await;
    assert_field_error(s, &b, "details.reason", "recall_reason_required");
    let (s, _) = app.post(&app.admin, &events, json!({"kind": "recall", "occurred_at": "2026-04-02T08:00:00Z", "details": {"reason": "nhiễm nấm mốc"}})).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, b) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}"))
        .await;
    assert_eq!(b["status"], "recalled");
    let (s, b) = app
        .patch(
            &app.admin,
            &format!("/api/v1/batches/{batch}"),
            json!({"status": "sealed"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "invalid_status_transition");
    let (s, b) = app
        .patch(
            &app.admin,
            &format!("/api/v1/batches/{batch}"),
            json!({"quantity": 10}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "batch_not_open");
}

#[tokio::test]
async fn harvesting_inside_a_pre_harvest_interval_is_recorded_with_a_warning() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let product = app.create_product(&app.admin, &org, None).await;
    let batch = app.create_batch(&app.admin, &product, "L1").await;
    let events = format!("/api/v1/batches/{batch}/events");
    let (s, _) = app
        .post(&app.admin, &events, json!({"kind": "spraying", "occurred_at": "2026-05-01T07:00:00Z", "details": {"inputs": [{"product": "Ridomil Gold 68WG", "active_ingredient": "Metalaxyl-M", "dose": 2.5, "dose_unit": "g/l", "phi_days": 7}]}}))
        .await;
    assert_eq!(s, StatusCode::CREATED);

    let (s, h) = app
        .post(
            &app.admin,
            &events,
            json!({"kind": "harvesting", "occurred_at": "2026-05-05T07:00:00Z"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{h}");
    assert_eq!(h["warnings"][0]["input"], "Ridomil Gold 68WG");
    assert_eq!(h["warnings"][0]["safe_from"], "2026-05-08T07:00:00Z");
}

#[tokio::test]
async fn duplicates_of_unique_codes_are_conflicts_naming_the_code() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let farm = app.create_farm(&app.admin, &org).await;
    app.create_growing_area(&app.admin, &farm, "VN-66-650-24370-94-21")
        .await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/farms/{farm}/growing-areas"),
            json!({"code": "VN-66-650-24370-94-21", "scope": "domestic", "crop": "cà phê"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "growing_area_code_taken");

    let product = app
        .create_product(&app.admin, &org, Some("8934588012228"))
        .await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/organizations/{org}/products"),
            json!({"name": "Khác", "unit": "hũ", "gtin": "08934588012228"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "gtin_taken");
    let (s, b) = app
        .patch(
            &app.admin,
            &format!("/api/v1/products/{product}"),
            json!({"gtin": "4006381333931"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "gtin_immutable");

    app.create_batch(&app.admin, &product, "LOT1").await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/batches"),
            json!({"lot_code": "LOT1", "quantity": 1, "unit": "kg"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "lot_code_taken");

    let (s, b) = app
        .post(
            &app.admin,
            "/api/v1/organizations",
            json!({"kind": "enterprise", "name": "A", "address": "x", "tax_code": "0300588569"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let (s, b) = app
        .post(
            &app.admin,
            "/api/v1/organizations",
            json!({"kind": "enterprise", "name": "B", "address": "x", "tax_code": "0300588569"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "tax_code_taken");
}

#[tokio::test]
async fn updates_change_only_the_fields_given() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let farm = app.create_farm(&app.admin, &org).await;
    let (s, f) = app
        .patch(
            &app.admin,
            &format!("/api/v1/farms/{farm}"),
            json!({"name": "Vườn mới"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(f["name"], "Vườn mới");
    assert_eq!(f["address"], "Ea Tul");
    assert_eq!(f["latitude"], 12.79);

    let area = app
        .create_growing_area(&app.admin, &farm, "VN-DNOOR0039")
        .await;
    let (s, a) = app
        .patch(
            &app.admin,
            &format!("/api/v1/growing-areas/{area}"),
            json!({"status": "suspended"}),
        )
        .await;
    assert_eq!(
        (s, a["status"].as_str()),
        (StatusCode::OK, Some("suspended"))
    );
    assert_eq!(a["parsed_code"]["format"], "export");

    // A suspended growing area cannot receive new batches.
    let product = app.create_product(&app.admin, &org, None).await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/batches"),
            json!({"lot_code": "L9", "growing_area_id": area, "quantity": 5, "unit": "kg"}),
        )
        .await;
    assert_field_error(s, &b, "growing_area_id", "growing_area_not_active");

    let (s, o) = app
        .patch(
            &app.admin,
            &format!("/api/v1/organizations/{org}"),
            json!({"phone": "0912 345 678", "email": "HTX@Example.vn"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert_eq!(
        (o["phone"].as_str(), o["email"].as_str()),
        (Some("+84912345678"), Some("htx@example.vn"))
    );
    assert_eq!(o["name"], "HTX");
}

/// A diary append sent again with its `Idempotency-Key` (a phone that lost the answer on a
/// slow link) records the event once and answers with it, warnings included — even for a
/// recall, which the recalled batch would refuse the second time; concurrent retries too.
#[tokio::test]
async fn a_diary_append_sent_again_with_its_idempotency_key_is_recorded_once() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let product = app.create_product(&app.admin, &org, None).await;
    let batch = app.create_batch(&app.admin, &product, "LO-1").await;
    let owner = app.token_for(&org, "owner").await;
    let path = app.url(&format!("/api/v1/batches/{batch}/events"));
    let send = |key: &'static str, body: Value| {
        let (client, path, token) = (app.client.clone(), path.clone(), owner.clone());
        async move {
            let res = client
                .post(path)
                .bearer_auth(token)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        }
    };
    let spraying = json!({"kind": "spraying", "occurred_at": "2026-03-01T07:00:00Z", "details": {"inputs": [{"product": "Ridomil Gold 68WG", "dose": 2.5, "dose_unit": "g/l", "phi_days": 7}]}});
    let harvest = json!({"kind": "harvesting", "occurred_at": "2026-03-03T07:00:00Z", "details": {"quantity": 120.0, "unit": "kg"}});
    let (s, first) = send("k-spray", spraying.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (s, harvested) = send("k-harvest", harvest.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{harvested}");
    assert_eq!(
        harvested["warnings"].as_array().unwrap().len(),
        1,
        "{harvested}"
    );
    // Retries, one after another and four at once: the same events, the same warning.
    let (s, again) = send("k-spray", spraying.clone()).await;
    assert_eq!((s, &again["id"]), (StatusCode::CREATED, &first["id"]));
    let handles: Vec<_> = (0..4)
        .map(|_| tokio::spawn(send("k-harvest", harvest.clone())))
        .collect();
    for h in handles {
        let (s, r) = h.await.unwrap();
        assert_eq!(
            (s, &r["id"]),
            (StatusCode::CREATED, &harvested["id"]),
            "{r}"
        );
        assert_eq!(r["warnings"], harvested["warnings"]);
        assert_eq!(r["hash"], harvested["hash"]);
    }
    // A recall, sent twice: the second answer is the first recall, not a 409.
    let recall = json!({"kind": "recall", "occurred_at": "2026-04-02T08:00:00Z", "details": {"reason": "nhiễm nấm mốc"}});
    let (s, recalled) = send("k-recall", recall.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{recalled}");
    let (s, again) = send("k-recall", recall).await;
    assert_eq!((s, &again["id"]), (StatusCode::CREATED, &recalled["id"]));
    // The same key with another event is refused.
    let (s, b) = send("k-spray", harvest).await;
    assert_field_error(s, &b, "Idempotency-Key", "idempotency_key_reused");
    let (_, events) = app
        .get(&owner, &format!("/api/v1/batches/{batch}/events"))
        .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 3, "{events}");
}
