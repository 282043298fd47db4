//! The witness's HTTP interface (C2SP `tlog-witness`): `POST /add-checkpoint` and, for
//! monitors, `GET /<origin hash>/checkpoint`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::Witness;
use super::protocol::Refusal;

/// A request holds a checkpoint with a few signatures and at most 63 proof lines.
const BODY_LIMIT: usize = 64 * 1024;

pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{origin_hash}/checkpoint", get(checkpoint))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(witness)
}

fn typed(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn refused(r: &Refusal) -> Response {
    let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST);
    match r {
        // The specification fixes this body: the size held.
        Refusal::Conflict { held } => typed(status, "text/x.tlog.size", format!("{held}\n")),
        _ => {
            let code = match r {
                Refusal::BadRequest(_) => "invalid",
                Refusal::Forbidden(_) => "forbidden",
                Refusal::UnknownOrigin(_) => "not_found",
                Refusal::Inconsistent(_) => "inconsistent_checkpoint",
                _ => "unavailable",
            };
            typed(
                status,
                "application/problem+json",
                crate::http::problem::problem_body(status, code, &r.to_string()).to_string(),
            )
        }
    }
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match witness.add_checkpoint(&body, now).await {
        Ok(line) => typed(StatusCode::OK, "text/plain; charset=utf-8", line),
        Err(r) => refused(&r),
    }
}

async fn checkpoint(State(witness): State<Arc<Witness>>, Path(hash): Path<String>) -> Response {
    match witness.latest(&hash).await {
        Some(note) => typed(StatusCode::OK, "text/plain; charset=utf-8", note),
        None => refused(&Refusal::UnknownOrigin(hash)),
    }
}
