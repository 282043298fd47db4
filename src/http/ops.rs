//! Operations: liveness, readiness and metrics.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::{AppError, Code};
use crate::state::AppState;

/// The process is up.
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "operations", security(), responses((status = 200, body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The service can reach its database and its blob store.
#[utoipa::path(get, path = "/readyz", operation_id = "readyz", tag = "operations", security(), responses((status = 200, body = String), (status = 503)))]
pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, AppError> {
    state
        .db
        .ping()
        .await
        .map_err(|e| AppError::Unavailable(e.into()))?;
    state
        .blobs
        .store
        .head(&crate::storage::BlobKey::of(b"readyz"))
        .await
        .map_err(|e| AppError::Unavailable(e.into()))?;
    Ok("ready")
}

/// Metrics for the operator's monitoring only: served when `OCOP_METRICS_TOKEN` is set, to
/// requests that present it as a bearer token (compared in constant time).
async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let Some(expected) = state.settings.metrics_token.as_ref().map(|t| t.as_str()) else {
        return Err(AppError::NotFound("route"));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let same = {
        use sha2::Digest;
        let (a, b) = (sha2::Sha256::digest(given), sha2::Sha256::digest(expected));
        a.iter()
            .zip(b.iter())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
    };
    if !same {
        return Err(AppError::Unauthenticated {
            code: Code::InvalidToken,
            detail: "/metrics takes the operator's metrics token (OCOP_METRICS_TOKEN)".into(),
        });
    }
    let body = state.metrics.render().map_err(AppError::internal)?;
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    Ok(res)
}

/// Routes that are not part of the documented API.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}
