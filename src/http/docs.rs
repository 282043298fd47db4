//! `/api/openapi.json` (OpenAPI 3.1, generated from the handlers) and `/api/docs`, a
//! self-contained HTML reference rendered from the same document: no scripts, no requests to
//! other hosts, readable on a phone.

use std::fmt::Write;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use crate::state::AppState;

#[derive(Clone)]
pub struct Docs {
    json: Arc<str>,
    html: Arc<str>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn schema_name(v: &Value) -> String {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if let Some(items) = v.get("items") {
        return format!("array of {}", schema_name(items));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = v.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = list
                .iter()
                .map(schema_name)
                .filter(|s| s != "null")
                .collect();
            return parts.join(" | ");
        }
    }
    match v.get("type") {
        Some(Value::String(t)) => {
            let fmt = v
                .get("format")
                .and_then(Value::as_str)
                .map(|f| format!(" ({f})"))
                .unwrap_or_default();
            let values = v.get("enum").and_then(Value::as_array).map(|e| {
                let names: Vec<String> = e.iter().filter_map(Value::as_str).map(esc).collect();
                format!(": {}", names.join(", "))
            });
            format!("{}{fmt}{}", esc(t), values.unwrap_or_default())
        }
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "object".to_owned(),
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .map(esc)
        .unwrap_or_default()
}

/// Renders the reference page. `fmt::Write` into a `String` cannot fail, so results are ignored.
fn render(doc: &Value) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API");
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{t}</title><style>body{{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;color:#1b1b1b}}\
         code,pre{{background:#f3f3f3;padding:0 .2em}}h2{{border-bottom:1px solid #ccc;margin-top:2rem}}\
         .op{{border:1px solid #ddd;border-radius:6px;padding:.5rem .8rem;margin:.8rem 0}}.m{{font-weight:bold;text-transform:uppercase;margin-right:.5em}}\
         .get{{color:#0a6}}.post{{color:#05a}}.patch{{color:#a60}}.delete{{color:#b00}}table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:.2rem .4rem;text-align:left;vertical-align:top}}</style></head><body>\
         <h1>{t}</h1><p>{d}</p><p>Machine-readable: <a href=\"/api/openapi.json\">/api/openapi.json</a> (OpenAPI 3.1).</p>\
         <p>Lists return <code>{{\"items\": [...], \"next_cursor\": ...}}</code>; pass <code>next_cursor</code> as <code>?cursor=</code> for the next page and <code>?limit=</code> (1–200) for its size.</p>",
        t = esc(title),
        d = text(&doc["info"], "description"),
    );
    h.push_str("<h2>Endpoints</h2>");
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let _ = write!(
                    h,
                    "<div class=\"op\"><span class=\"m {method}\">{method}</span><code>{}</code>",
                    esc(path)
                );
                let _ = write!(
                    h,
                    "<p><b>{}</b> {}</p>",
                    text(op, "summary"),
                    text(op, "description")
                );
                if let Some(params) = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .filter(|p| !p.is_empty())
                {
                    h.push_str("<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>");
                    for p in params {
                        let _ = write!(
                            h,
                            "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                            text(p, "name"),
                            if p.get("required") == Some(&Value::Bool(true)) {
                                " *"
                            } else {
                                ""
                            },
                            text(p, "in"),
                            p.get("schema").map(schema_name).unwrap_or_default(),
                            text(p, "description"),
                        );
                    }
                    h.push_str("</table>");
                }
                if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                    let _ = write!(h, "<p>Body: {}</p>", schema_name(schema));
                }
                if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                    let list: Vec<String> = responses
                        .iter()
                        .map(|(code, r)| {
                            let body = r
                                .pointer("/content/application~1json/schema")
                                .map(|s| format!(" {}", schema_name(s)))
                                .unwrap_or_default();
                            format!("{}{body}", esc(code))
                        })
                        .collect();
                    let _ = write!(h, "<p>Responses: {}</p>", list.join("; "));
                }
                h.push_str("</div>");
            }
        }
    }
    h.push_str("<h2 id=\"problems\">Errors</h2><p>Every error is <code>application/problem+json</code> (RFC 9457) with a stable <code>code</code>.</p><table><tr><th>code</th><th>status</th><th>meaning</th></tr>");
    for code in crate::error::Code::ALL {
        let _ = write!(
            h,
            "<tr id=\"problem-{code}\"><td><code>{code}</code></td><td>{}</td><td>{}</td></tr>",
            code.status(),
            esc(code.text(crate::i18n::Lang::En))
        );
    }
    h.push_str("</table><h2>Schemas</h2>");
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, s) in schemas {
            let _ = write!(
                h,
                "<h3 id=\"schema-{0}\">{0}</h3><p>{1}</p>",
                esc(name),
                text(s, "description")
            );
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                h.push_str("<table><tr><th>field</th><th>type</th><th>description</th></tr>");
                for (field, p) in props {
                    let _ = write!(
                        h,
                        "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(field),
                        if required.contains(&field.as_str()) {
                            " *"
                        } else {
                            ""
                        },
                        schema_name(p),
                        text(p, "description"),
                    );
                }
                h.push_str("</table>");
            } else {
                let _ = write!(h, "<p>{}</p>", schema_name(s));
            }
        }
    }
    h.push_str("<p>* required</p></body></html>");
    h
}

impl Docs {
    pub fn new(doc: &Value) -> Self {
        Self {
            json: doc.to_string().into(),
            html: render(doc).into(),
        }
    }

    pub fn router(&self) -> Router<AppState> {
        let json = self.json.clone();
        let html = self.html.clone();
        Router::new()
            .route(
                "/api/openapi.json",
                get(move || {
                    let json = json.clone();
                    async move {
                        let mut res: Response = json.to_string().into_response();
                        res.headers_mut().insert(
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("application/json"),
                        );
                        res
                    }
                }),
            )
            .route(
                "/api/docs",
                get(move || {
                    let html = html.clone();
                    async move { Html(html.to_string()) }
                }),
            )
    }
}
