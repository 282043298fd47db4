//! [`AppError`] as RFC 9457 `application/problem+json`: the one place errors meet HTTP.
//!
//! The response carries an [`ErrorReport`] extension; the request's observer
//! (`http/observe.rs`) hands it to [`log_error`], which logs every error once, with the request
//! id, and puts that id into 5xx bodies (which otherwise say only "internal error").

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::AppError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// What the logging middleware needs to know about an error response.
#[derive(Clone, Debug)]
pub struct ErrorReport {
    pub code: crate::error::Code,
    /// What the response says went wrong (no internals).
    pub detail: String,
    /// The full cause chain, for the log only.
    pub cause: String,
}

/// The status of an error is its code's.
fn status_of(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An RFC 9457 problem document, as every error response of the API carries it
/// (`application/problem+json`).
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem: `/api/docs#problem-{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP status's reason phrase.
    pub title: String,
    pub status: u16,
    /// What went wrong with this request, in English.
    pub detail: String,
    /// A stable snake_case code to program against; see `/api/docs#problems`.
    pub code: String,
    /// For `validation_failed`: each rejected field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<crate::error::FieldProblem>>,
    /// For server errors (5xx): the request's id, to quote when reporting it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The problem document for an error, without request-specific members.
pub fn problem_body(status: StatusCode, code: &str, detail: &str) -> serde_json::Value {
    json!(Problem {
        kind: format!("/api/docs#problem-{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: detail.to_owned(),
        code: code.to_owned(),
        errors: None,
        request_id: None,
    })
}

fn problem_response(status: StatusCode, body: serde_json::Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    res
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = status_of(&self);
        let code = self.code();
        let detail = match &self {
            AppError::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                format!("invalid value for {}", fields.join(", "))
            }
            // Never show internals to the client.
            AppError::Internal(_) => "internal error".to_owned(),
            AppError::Unavailable(_) => {
                "the service is temporarily unavailable; try again shortly".to_owned()
            }
            other => other.to_string(),
        };
        let mut body = problem_body(status, code.as_str(), &detail);
        if let AppError::Validation(errors) = &self {
            body["errors"] = json!(errors);
        }
        let cause = match &self {
            AppError::Internal(e) | AppError::Unavailable(e) => format!("{e:#}"),
            other => other.to_string(),
        };
        let mut res = problem_response(status, body);
        if let AppError::TooManyRequests { retry_after } = &self
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res.extensions_mut().insert(ErrorReport {
            code,
            detail,
            cause,
        });
        res
    }
}

/// Logs an error response once and, for a server error answered with a problem document,
/// gives its body the request id (a page shows it itself).
pub fn log_error(res: Response, report: ErrorReport, request_id: &str) -> Response {
    let status = res.status();
    let code = report.code.as_str();
    let problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if status.is_server_error() {
        tracing::error!(error.code = code, error.cause = %report.cause, request.id = %request_id, "request failed");
        if !problem {
            return res;
        }
        let mut body = problem_body(
            status,
            code,
            if status == StatusCode::SERVICE_UNAVAILABLE {
                "the service is temporarily unavailable; try again shortly"
            } else {
                "internal error"
            },
        );
        body["request_id"] = json!(request_id);
        let mut fresh = problem_response(status, body);
        fresh.extensions_mut().insert(report);
        fresh
    } else {
        tracing::info!(error.code = code, error.detail = %report.cause, status = status.as_u16(), "request rejected");
        res
    }
}

/// Turns a panic inside a handler into a 500 problem (logged by [`log_error`]).
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::internal(anyhow::anyhow!("handler panicked")).into_response()
}
