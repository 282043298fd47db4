//! Cursor pagination and list filters.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn pages_follow_next_cursor_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let mut created = Vec::new();
    for _ in 0..7 {
        created.push(app.create_farm(&app.admin, &org).await);
    }
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/organizations/{org}/farms?limit=3");
    let mut pages = 0;
    loop {
        let (s, page) = app.get(&app.admin, &path).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        pages += 1;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/organizations/{org}/farms?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created, "creation order, each once");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);
}

#[tokio::test]
async fn lists_filter_by_status_and_kind() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let product = app.create_product(&app.admin, &org, None).await;
    let open = app.create_batch(&app.admin, &product, "OPEN1").await;
    let sealed = app.create_batch(&app.admin, &product, "SEALED1").await;
    app.patch(
        &app.admin,
        &format!("/api/v1/batches/{sealed}"),
        json!({"status": "sealed"}),
    )
    .await;

    let (_, b) = app
        .get(
            &app.admin,
            &format!("/api/v1/products/{product}/batches?status=sealed"),
        )
        .await;
    let ids: Vec<&str> = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [sealed.as_str()]);
    let (_, b) = app
        .get(
            &app.admin,
            &format!("/api/v1/products/{product}/batches?status=open"),
        )
        .await;
    assert_eq!(b["items"][0]["id"], open.as_str());

    for kind in ["note", "harvesting", "note"] {
        app.post(
            &app.admin,
            &format!("/api/v1/batches/{open}/events"),
            json!({"kind": kind, "occurred_at": "2026-01-01T00:00:00Z"}),
        )
        .await;
    }
    let (_, e) = app
        .get(
            &app.admin,
            &format!("/api/v1/batches/{open}/events?kind=note"),
        )
        .await;
    assert_eq!(e["items"].as_array().unwrap().len(), 2);

    let farm = app.create_farm(&app.admin, &org).await;
    let area = app.create_growing_area(&app.admin, &farm, "A-1").await;
    app.create_growing_area(&app.admin, &farm, "A-2").await;
    app.patch(
        &app.admin,
        &format!("/api/v1/growing-areas/{area}"),
        json!({"status": "revoked"}),
    )
    .await;
    let (_, a) = app
        .get(
            &app.admin,
            &format!("/api/v1/farms/{farm}/growing-areas?status=revoked"),
        )
        .await;
    assert_eq!(a["items"].as_array().unwrap().len(), 1);
    assert_eq!(a["items"][0]["code"], "A-1");
}
