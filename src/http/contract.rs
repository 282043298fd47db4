//! The API's OpenAPI document made complete: every operation declares every response the
//! service can send it, and every error response is an RFC 9457 [`Problem`].
//!
//! The handlers' annotations say what is particular to an operation (its success body, a 409
//! and what it means); the answers that come from the shared extractors and from the error
//! type are added here, by one rule each, so that no annotation can forget them:
//!
//! | status | added to | because |
//! |---|---|---|
//! | 400 | operations with a body | the body is not JSON (`malformed_json`) |
//! | 401, 403 | operations that need a token | no, unknown, expired or revoked token; a role that does not allow it |
//! | 404 | operations with a path parameter | no such record, or one the caller cannot see |
//! | 413, 415 | operations with a body | body too large; not the media type the operation takes |
//! | 422 | operations with a body or query parameters | a value breaks a rule (`validation_failed`, naming each field) |
//! | 500, 503 | every operation but `/healthz` | a bug; the database is unreachable |
//!
//! Statuses an annotation already declares keep their description.
//!
//! [`Problem`]: crate::http::problem::Problem

use serde_json::{Map, Value, json};

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// What the rules above add, with the description each gets unless the operation has its own.
fn answers(op: &Value, path: &str, global_security: bool) -> Vec<(u16, &'static str)> {
    let params = op["parameters"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let takes = |place: &str| params.iter().any(|p| p["in"] == place);
    let body = op.get("requestBody").is_some();
    let secured = match op.get("security") {
        Some(Value::Array(list)) => list
            .iter()
            .any(|s| s.as_object().is_some_and(|o| !o.is_empty())),
        _ => global_security,
    };
    let mut out = Vec::new();
    if body {
        out.push((
            400,
            "The body cannot be read: malformed JSON (`malformed_json`).",
        ));
    }
    if secured {
        out.push((
            401,
            "No bearer token, or an unknown, expired or revoked one.",
        ));
        out.push((
            403,
            "Your role in the organization does not allow this (`forbidden`).",
        ));
    }
    if takes("path") {
        out.push((
            404,
            "No such record, or one in an organization you cannot see (`not_found`).",
        ));
    }
    if body {
        out.push((
            413,
            "The body is larger than this operation takes (`payload_too_large`).",
        ));
        out.push((415, "The body is not of a media type this operation takes."));
    }
    if body || takes("query") || takes("header") {
        out.push((422, "A value breaks a rule; `errors` names each field or query parameter (`validation_failed`)."));
    }
    if path != "/healthz" {
        out.push((
            500,
            "A bug; the body carries a `request_id` to report (`internal_error`).",
        ));
        out.push((
            503,
            "The database is unreachable; retry later (`unavailable`).",
        ));
    }
    out
}

fn reason(status: &str) -> &'static str {
    status
        .parse::<u16>()
        .ok()
        .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Response")
}

/// A response object's description and, for an error, its problem+json body.
fn finish_response(status: &str, response: &mut Value) {
    let Some(r) = response.as_object_mut() else {
        return;
    };
    let described = r
        .get("description")
        .and_then(Value::as_str)
        .is_some_and(|d| !d.is_empty());
    if !described {
        r.insert("description".into(), json!(reason(status)));
    }
    if status.starts_with('4') || status.starts_with('5') {
        r.insert(
            "content".into(),
            json!({ super::problem::PROBLEM_JSON: { "schema": { "$ref": "#/components/schemas/Problem" } } }),
        );
        let header = match status {
            "401" => Some(("WWW-Authenticate", "`Bearer`: send a token.")),
            "429" => Some(("Retry-After", "Seconds to wait before trying again.")),
            _ => None,
        };
        if let Some((name, description)) = header {
            r.insert(
                "headers".into(),
                json!({ name: { "description": description, "schema": { "type": "string" } } }),
            );
        }
    }
}

/// Completes the document produced from the handlers' annotations.
pub fn finish(doc: &utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or(Value::Null);
    let global_security = doc["security"].as_array().is_some_and(|s| !s.is_empty());
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return doc;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            let Some(op) = item.get_mut(method) else {
                continue;
            };
            let added = answers(op, path, global_security);
            let responses = op
                .as_object_mut()
                .map(|o| o.entry("responses").or_insert_with(|| json!({})));
            let Some(responses) = responses.and_then(Value::as_object_mut) else {
                continue;
            };
            for (status, description) in added {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| json!({ "description": description }));
            }
            let mut sorted: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            for (status, response) in &mut sorted {
                finish_response(status, response);
            }
            *responses = sorted.into_iter().collect::<Map<String, Value>>();
        }
    }
    doc
}

/// A response body of raw bytes (a PDF, a PNG), described as OpenAPI's binary string.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("The file's bytes."))
            .into()
    }
}

impl utoipa::ToSchema for Binary {}
