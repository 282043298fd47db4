//! Operations: liveness, readiness and metrics.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::AppError;
use crate::state::AppState;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(), responses((status = 200, body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The service can reach its database and its blob store.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(), responses((status = 200, body = String), (status = 503)))]
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

async fn metrics(State(state): State<AppState>) -> Result<Response, AppError> {
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
