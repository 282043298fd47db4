//! Trace codes entered by hand where the registry has no key (Circular 02/2024/TT-BKHCN, TCVN
//! 13274:2020): checked, sealed in the ledger, shown in the lot's data set and on the console's
//! batch page.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::console::{Browser, attr, csrf, member, texts};
use crate::helpers::{TestApp, assert_field_error, assert_problem};

/// A lot of a product without a GTIN, grown on a farm; returns (org, farm, product, batch).
async fn lot_without_gtin(app: &TestApp) -> (String, String, String, String) {
    let org = app.create_organization("HTX Chè Tân Cương").await;
    let farm = app.create_farm(&app.admin, &org).await;
    let area = app
        .create_growing_area(&app.admin, &farm, "VN-19-164-05521-01-07")
        .await;
    let product = app.create_product(&app.admin, &org, None).await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/batches"),
            json!({"lot_code": "TC-2026-11", "growing_area_id": area, "quantity": 120, "unit": "kg"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    (org, farm, product, b["id"].as_str().unwrap().to_owned())
}

async fn put(app: &TestApp, token: &str, path: &str, code: &str) -> (StatusCode, Value) {
    let res = app
        .client
        .put(app.url(path))
        .bearer_auth(token)
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_entered_where_the_registry_has_none_are_checked_sealed_and_in_the_data_set() {
    let app = TestApp::spawn().await;
    let (org, farm, product, batch) = lot_without_gtin(&app).await;
    let set_path = format!("/api/v1/batches/{batch}/traceability");
    let (_, before) = app.get(&app.admin, &set_path).await;
    assert!(
        before["product"]["trace_code"]
            .as_str()
            .unwrap()
            .starts_with("http"),
        "{before}"
    );
    assert!(before["lot"]["farm_trace_code"].is_null());

    // Refused with the reason at the field: a GLN with a wrong check digit, a place's key for
    // a product, words with Vietnamese letters.
    for (path, bad, code) in [
        (
            format!("/api/v1/organizations/{org}/trace-code"),
            "(414)8934588000011",
            "gtin_check_digit",
        ),
        (
            format!("/api/v1/products/{product}/trace-code"),
            "(414)8934588000010",
            "invalid_value",
        ),
        (
            format!("/api/v1/farms/{farm}/trace-code"),
            "Đồi chè 1",
            "invalid_value",
        ),
        (format!("/api/v1/farms/{farm}/trace-code"), "", "empty"),
    ] {
        let (s, body) = put(&app, &app.admin, &path, bad).await;
        assert_field_error(s, &body, "code", code);
    }

    let (s, p) = put(
        &app,
        &app.admin,
        &format!("/api/v1/products/{product}/trace-code"),
        "HTXTC-CHE-0007",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["subject"], "products");
    // A bare GLN is written as its element string.
    let (s, o) = put(
        &app,
        &app.admin,
        &format!("/api/v1/organizations/{org}/trace-code"),
        "8934588000027",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert_eq!(o["code"], "(414)8934588000027");
    let (s, f) = put(
        &app,
        &app.admin,
        &format!("/api/v1/farms/{farm}/trace-code"),
        "(414)8934588000010(254)DOI-1",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    // Corrected: the same record, a second ledger entry.
    let (s, o2) = put(
        &app,
        &app.admin,
        &format!("/api/v1/organizations/{org}/trace-code"),
        "(414)8934588000010",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{o2}");

    let (_, set) = app.get(&app.admin, &set_path).await;
    assert_eq!(set["product"]["trace_code"], "HTXTC-CHE-0007");
    assert_eq!(set["producer"]["location_trace_code"], "(414)8934588000010");
    assert_eq!(
        set["lot"]["farm_trace_code"],
        "(414)8934588000010(254)DOI-1"
    );
    // Stages off the field are at the producer's premises, now by its GLN.
    let (s, e) = app
        .post(&app.admin, &format!("/api/v1/batches/{batch}/events"),
            json!({"kind": "processing", "occurred_at": "2026-03-02T08:00:00+07:00", "details": {"description": "Sao chè"}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let (_, set) = app.get(&app.admin, &set_path).await;
    assert_eq!(
        set["stages"][0]["location_trace_code"],
        "(414)8934588000010"
    );

    // Sealed like any record: the ledger has them, and verify re-checks the rows.
    let kinds: Vec<String> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        entity::ledger_entry::Entity::find()
            .filter(entity::ledger_entry::Column::SubjectTable.eq("trace_codes"))
            .all(app.db.read())
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect()
    };
    assert_eq!(
        kinds,
        [
            "trace_codes.created",
            "trace_codes.created",
            "trace_codes.created",
            "trace_codes.updated"
        ]
    );
    let verified = ocop_trace::services::verify::verify(
        &app.state.db,
        app.state.log_key.verifier_key(),
        &|_, _| {},
    )
    .await
    .unwrap();
    assert!(verified.is_ok(), "{verified:?}");

    // A product with a GTIN has its code; weaker roles and other organizations may not set.
    let with_gtin = app
        .create_product(&app.admin, &org, Some("8934588012228"))
        .await;
    let (s, body) = put(
        &app,
        &app.admin,
        &format!("/api/v1/products/{with_gtin}/trace-code"),
        "ABC-123",
    )
    .await;
    assert_problem(s, &body, StatusCode::CONFLICT, "trace_code_from_gtin");
    let member_token = app.token_for(&org, "member").await;
    let (s, body) = put(
        &app,
        &member_token,
        &format!("/api/v1/farms/{farm}/trace-code"),
        "ABC-123",
    )
    .await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    let other = app.create_organization("HTX khác").await;
    let stranger = app.token_for(&other, "owner").await;
    let (s, body) = put(
        &app,
        &stranger,
        &format!("/api/v1/organizations/{org}/trace-code"),
        "ABC-123",
    )
    .await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_page_enters_trace_codes_and_names_a_mistake_in_place() {
    let app = TestApp::spawn().await;
    let (org, _, _, batch) = lot_without_gtin(&app).await;
    let manager = member(&app, &org, "0944444444", "manager").await;
    let mut b = Browser::new(&app);
    b.sign_in(&manager, "mật khẩu an toàn").await;
    let page = format!("/console/batches/{batch}");
    let p = b.get(&page).await;
    let share = texts(&p.body, "#share").join(" ");
    assert!(
        share.contains("Mã truy vết sản phẩm") && share.contains("chưa nhập"),
        "{share}"
    );
    assert_eq!(
        attr(&p.body, "form.trace input[name=subject]", "value"),
        ["product", "organization", "farm"]
    );
    let token = csrf(&p.body);

    // A wrong check digit: refused at its field, what was typed kept, nothing saved.
    let p = b
        .post(
            &format!("{page}/trace-code"),
            &[
                ("csrf", &token),
                ("subject", "organization"),
                ("code", "8934588000011"),
            ],
            Default::default(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        texts(&p.body, "#trace-organization-error").len(),
        1,
        "{}",
        p.body
    );
    assert_eq!(
        attr(&p.body, "#trace-organization", "value"),
        ["8934588000011"]
    );
    assert!(
        texts(&p.body, ".alert").is_empty(),
        "no alert over the diary form"
    );

    let p = b
        .post(
            &format!("{page}/trace-code"),
            &[
                ("csrf", &token),
                ("subject", "organization"),
                ("code", "8934588000010"),
            ],
            Default::default(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(
        p.location.as_deref(),
        Some(format!("{page}?saved=trace#share").as_str())
    );
    let p = b.get(&format!("{page}?saved=trace&lang=en")).await;
    assert!(p.body.contains("The trace code is saved."));
    assert!(
        texts(&p.body, "#share code").contains(&"(414)8934588000010".to_owned()),
        "{}",
        p.body
    );
    let (_, set) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}/traceability"))
        .await;
    assert_eq!(set["producer"]["location_trace_code"], "(414)8934588000010");

    // An inspector reads the codes without a form.
    let inspector = member(&app, &org, "0944444445", "inspector").await;
    let mut i = Browser::new(&app);
    i.sign_in(&inspector, "mật khẩu an toàn").await;
    let p = i.get(&page).await;
    assert!(texts(&p.body, "#share code").contains(&"(414)8934588000010".to_owned()));
    assert!(attr(&p.body, "form.trace input[name=code]", "name").is_empty());
}
