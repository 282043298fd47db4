//! Organizations are isolated: another organization's records look absent (404) on every
//! route, and roles limit what members may do (403).

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

struct World {
    org: String,
    farm: String,
    area: String,
    product: String,
    cert: String,
    batch: String,
    event: String,
}

async fn populate(app: &TestApp, name: &str, code: &str, lot: &str) -> World {
    let org = app.create_organization(name).await;
    let farm = app.create_farm(&app.admin, &org).await;
    let area = app.create_growing_area(&app.admin, &farm, code).await;
    let product = app.create_product(&app.admin, &org, None).await;
    let cert = app
        .create_certification(&app.admin, &product, 3, "province", "2025-01-01")
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let batch = app.create_batch(&app.admin, &product, lot).await;
    let (_, e) = app
        .post(
            &app.admin,
            &format!("/api/v1/batches/{batch}/events"),
            json!({"kind": "note", "occurred_at": "2026-01-01T00:00:00Z"}),
        )
        .await;
    let event = e["id"].as_str().unwrap().to_owned();
    World {
        org,
        farm,
        area,
        product,
        cert,
        batch,
        event,
    }
}

#[tokio::test]
async fn an_owner_of_one_organization_gets_404_for_every_record_of_another() {
    let app = TestApp::spawn().await;
    let a = populate(&app, "HTX A", "VN-66-650-24370-01-21", "A1").await;
    let b = populate(&app, "HTX B", "VN-66-650-24370-02-21", "B1").await;
    let owner_a = app.token_for(&a.org, "owner").await;

    // Sanity: the same routes work for A's own records.
    let (s, _) = app
        .get(&owner_a, &format!("/api/v1/batches/{}", a.batch))
        .await;
    assert_eq!(s, StatusCode::OK);

    let reads = [
        format!("/api/v1/organizations/{}", b.org),
        format!("/api/v1/organizations/{}/farms", b.org),
        format!("/api/v1/organizations/{}/products", b.org),
        format!("/api/v1/organizations/{}/memberships", b.org),
        format!("/api/v1/organizations/{}/tokens", b.org),
        format!("/api/v1/farms/{}", b.farm),
        format!("/api/v1/farms/{}/growing-areas", b.farm),
        format!("/api/v1/growing-areas/{}", b.area),
        format!("/api/v1/products/{}", b.product),
        format!("/api/v1/products/{}/ocop-certifications", b.product),
        format!("/api/v1/products/{}/batches", b.product),
        format!("/api/v1/ocop-certifications/{}", b.cert),
        format!("/api/v1/batches/{}", b.batch),
        format!("/api/v1/batches/{}/events", b.batch),
        format!("/api/v1/events/{}", b.event),
    ];
    for path in &reads {
        let (s, body) = app.get(&owner_a, path).await;
        assert_problem(s, &body, StatusCode::NOT_FOUND, "not_found");
        assert!(!body.to_string().contains("HTX B"), "{path} leaked: {body}");
    }

    let writes = [
        (
            format!("/api/v1/organizations/{}", b.org),
            json!({"name": "x"}),
            true,
        ),
        (
            format!("/api/v1/organizations/{}/farms", b.org),
            json!({"name": "x", "address": "y"}),
            false,
        ),
        (
            format!("/api/v1/organizations/{}/products", b.org),
            json!({"name": "x", "unit": "hũ"}),
            false,
        ),
        (
            format!("/api/v1/organizations/{}/tokens", b.org),
            json!({"name": "x", "role": "owner"}),
            false,
        ),
        (
            format!("/api/v1/farms/{}", b.farm),
            json!({"name": "x"}),
            true,
        ),
        (
            format!("/api/v1/farms/{}/growing-areas", b.farm),
            json!({"code": "NEW-1", "scope": "domestic", "crop": "lúa"}),
            false,
        ),
        (
            format!("/api/v1/growing-areas/{}", b.area),
            json!({"status": "revoked"}),
            true,
        ),
        (
            format!("/api/v1/products/{}", b.product),
            json!({"name": "x"}),
            true,
        ),
        (
            format!("/api/v1/products/{}/ocop-certifications", b.product),
            json!({"stars": 3, "decision_number": "1", "decision_date": "2025-01-01", "issuing_body": "x", "level": "province"}),
            false,
        ),
        (
            format!("/api/v1/products/{}/batches", b.product),
            json!({"lot_code": "Z", "quantity": 1, "unit": "kg"}),
            false,
        ),
        (
            format!("/api/v1/batches/{}", b.batch),
            json!({"status": "sealed"}),
            true,
        ),
        (
            format!("/api/v1/batches/{}/events", b.batch),
            json!({"kind": "note", "occurred_at": "2026-01-01T00:00:00Z"}),
            false,
        ),
    ];
    for (path, body, is_patch) in &writes {
        let (s, res) = if *is_patch {
            app.patch(&owner_a, path, body.clone()).await
        } else {
            app.post(&owner_a, path, body.clone()).await
        };
        assert_problem(s, &res, StatusCode::NOT_FOUND, "not_found");
    }

    // A's batch cannot be tied to B's growing area either.
    let (s, res) = app
        .post(
            &owner_a,
            &format!("/api/v1/products/{}/batches", a.product),
            json!({"lot_code": "A2", "growing_area_id": b.area, "quantity": 1, "unit": "kg"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    // Nothing of B changed.
    let (_, farm_b) = app
        .get(&app.admin, &format!("/api/v1/farms/{}", b.farm))
        .await;
    assert_eq!(farm_b["name"], "Vườn ông Ba");
    let (_, list) = app.get(&owner_a, "/api/v1/organizations").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["items"][0]["id"], a.org.as_str());
}

#[tokio::test]
async fn roles_decide_what_members_of_the_same_organization_may_do() {
    let app = TestApp::spawn().await;
    let w = populate(&app, "HTX", "VN-66-650-24370-01-21", "L1").await;
    let inspector = app.token_for(&w.org, "inspector").await;
    let member = app.token_for(&w.org, "member").await;
    let manager = app.token_for(&w.org, "manager").await;
    let events = format!("/api/v1/batches/{}/events", w.batch);
    let note = json!({"kind": "note", "occurred_at": "2026-01-02T00:00:00Z"});
    let farm = json!({"name": "x", "address": "y"});
    let farms = format!("/api/v1/organizations/{}/farms", w.org);

    // Inspectors read everything and write nothing.
    assert_eq!(app.get(&inspector, &events).await.0, StatusCode::OK);
    let (s, b) = app.post(&inspector, &events, note.clone()).await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
    // Members keep the diary and open batches, but do not change the registry.
    assert_eq!(
        app.post(&member, &events, note.clone()).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        app.post(
            &member,
            &format!("/api/v1/products/{}/batches", w.product),
            json!({"lot_code": "M1", "quantity": 1, "unit": "kg"})
        )
        .await
        .0,
        StatusCode::CREATED
    );
    let (s, b) = app.post(&member, &farms, farm.clone()).await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
    // Managers change the registry but not the organization, its members or tokens.
    assert_eq!(
        app.post(&manager, &farms, farm).await.0,
        StatusCode::CREATED
    );
    let (s, b) = app
        .patch(
            &manager,
            &format!("/api/v1/organizations/{}", w.org),
            json!({"name": "x"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
    let (s, b) = app
        .post(
            &manager,
            &format!("/api/v1/organizations/{}/tokens", w.org),
            json!({"name": "x", "role": "owner"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
    // Only platform administrators register organizations and users.
    let (s, b) = app
        .post(
            &manager,
            "/api/v1/organizations",
            json!({"kind": "farm", "name": "x", "address": "y"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::FORBIDDEN, "forbidden");
}
