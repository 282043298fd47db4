//! Health, readiness, metrics, OpenAPI and the docs page.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn health_and_readiness_answer_without_a_token() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn readiness_fails_with_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.db.clone().close().await.unwrap();
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "unavailable");
    assert_eq!(body["request_id"], id.as_str(), "{body}");
    // A request id sent by a proxy is kept: in the response and in the error body.
    let res = app
        .client
        .get(app.url("/readyz"))
        .header("x-request-id", "edge-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "edge-7f3a");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["request_id"], "edge-7f3a", "{body}");
    assert!(
        !body.to_string().to_lowercase().contains("pool"),
        "no internals: {body}"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_for_the_operator_only() {
    let app = TestApp::spawn_with(|s| s.metrics_token = Some("metrics-secret".into())).await;
    let org = app.create_organization("HTX").await;
    app.get(&app.admin, &format!("/api/v1/organizations/{org}"))
        .await;
    // Not public: without the token, or with another one (an API token too), 401.
    for token in [None, Some("wrong"), Some(app.admin.as_str())] {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        assert_eq!(req.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    // Without a token configured it is not served at all.
    let plain = TestApp::spawn().await;
    assert_eq!(plain.text("/metrics").await.0, StatusCode::NOT_FOUND);
    let text = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("metrics-secret")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("ocop_http_requests_total{method=\"GET\",route=\"/api/v1/organizations/{id}\",status=\"200\"} 1"), "{text}");
    assert!(
        text.contains("ocop_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(!text.contains(&org), "raw ids never become labels");
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_describes_the_registry() {
    let app = TestApp::spawn().await;
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/api/v1/organizations",
        "/api/v1/farms/{id}/growing-areas",
        "/api/v1/batches/{id}/events",
        "/api/v1/auth/tokens",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(
        doc["components"]["schemas"]
            .get("CreateGrowingArea")
            .is_some()
    );
    // The contract a generated client relies on (the full check is openapi-spec-validator
    // and schemathesis in tests/contract/check.sh): unique operation ids, every response
    // described, every error an RFC 9457 problem, every reference resolving.
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(
                ids.insert(id.to_owned()),
                "{method} {path}: operationId {id:?} again"
            );
            for (status, response) in op["responses"].as_object().unwrap() {
                let at = format!("{method} {path} {status}");
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{at}"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{at}"
                    );
                }
            }
            let declared = |s: &str| op["responses"].get(s).is_some();
            if op.get("requestBody").is_some() {
                for s in ["400", "413", "415", "422"] {
                    assert!(declared(s), "{method} {path} does not declare {s}");
                }
            }
            if path.contains('{') {
                assert!(declared("404"), "{method} {path} does not declare 404");
            }
        }
    }
    let text = doc.to_string();
    for (i, _) in text.match_indices("\"$ref\":\"#/components/schemas/") {
        let name = &text[i + 29..];
        let name = &name[..name.find('"').unwrap()];
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{name} is referenced, not defined"
        );
    }
    let html = app
        .client
        .get(app.url("/api/docs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("/api/v1/batches/{id}/events"));
    assert!(html.contains("id=\"problem-validation_failed\""));
    assert!(!html.contains("<script"), "the docs page loads no scripts");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_problem_documents() {
    let app = TestApp::spawn().await;
    let (s, b) = app.get(&app.admin, "/api/v1/nothing-here").await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
    let (s, b) = app.delete(&app.admin, "/api/v1/organizations").await;
    assert_problem(s, &b, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn the_suite_runs_on_the_database_it_was_asked_for() {
    use sea_orm::{ConnectionTrait, DbBackend};
    let app = TestApp::spawn().await;
    // The live connection, not the URL the harness built: a PostgreSQL run that silently fell
    // back to SQLite must fail here.
    let expected = if std::env::var("TEST_DATABASE_URL").is_ok() {
        DbBackend::Postgres
    } else {
        DbBackend::Sqlite
    };
    assert_eq!(app.db.read().get_database_backend(), expected);
    let version_sql = match expected {
        DbBackend::Postgres => "SELECT version()",
        _ => "SELECT 'SQLite ' || sqlite_version()",
    };
    let row = app
        .db
        .read()
        .query_one_raw(sea_orm::Statement::from_string(expected, version_sql))
        .await
        .unwrap()
        .unwrap();
    let version: String = row.try_get_by_index(0).unwrap();
    assert!(
        version.starts_with(if expected == DbBackend::Postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        }),
        "{version}"
    );
}

#[tokio::test]
async fn browsers_are_told_to_keep_to_https_when_the_service_is_served_over_it() {
    let https = TestApp::spawn_with(|s| {
        s.public_base_url = url::Url::parse("https://truyxuat.example.vn").unwrap()
    })
    .await;
    for path in ["/healthz", "/api/v1/nothing-here", "/console/sign-in"] {
        let res = https.client.get(https.url(path)).send().await.unwrap();
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=31536000; includeSubDomains",
            "{path}"
        );
    }
    let http = TestApp::spawn().await;
    let res = http.client.get(http.url("/healthz")).send().await.unwrap();
    assert!(res.headers().get("strict-transport-security").is_none());
}
