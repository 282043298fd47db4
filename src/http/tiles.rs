//! The ledger as a C2SP `tlog-tiles` log, so that mirrors, monitors and witnesses follow it with
//! standard tooling: `/checkpoint`, the hash tiles `/tile/<L>/<N>[.p/<W>]` and the entry
//! bundles `/tile/entries/<N>[.p/<W>]`, which hold each entry's public form
//! (`ledger::public_form`): its kind and its payload's SHA-256, nothing a record's read right
//! guards.
//!
//! The log's prefix is the public base URL, whose host and path are already the checkpoint's
//! origin. Tiles are served for the latest signed checkpoint: a tile its tree holds never
//! changes, so it is cached for a year; the checkpoint is cached for two seconds at most.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::AppError;
use crate::ledger::tiles::TileRef;
use crate::services::{ledger, witnessing};
use crate::state::AppState;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const CHECKPOINT_MAX_AGE: &str = "public, max-age=2";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checkpoint", get(checkpoint))
        .route("/tile/{*path}", get(tile))
}

fn with_headers(
    body: impl IntoResponse,
    content_type: &'static str,
    cache: &'static str,
) -> Response {
    let mut res = body.into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}

/// The latest signed checkpoint with the witnesses' cosignatures collected so far, as
/// `/api/v1/log/checkpoint` serves it.
async fn checkpoint(State(state): State<AppState>) -> Result<Response, AppError> {
    let conn = state.db.read();
    let c = ledger::latest_checkpoint(conn)
        .await?
        .ok_or(AppError::NotFound("checkpoint"))?;
    Ok(with_headers(
        witnessing::cosigned_note(conn, &c).await?,
        "text/plain; charset=utf-8",
        CHECKPOINT_MAX_AGE,
    ))
}

async fn tile(
    State(state): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, AppError> {
    let tile = TileRef::parse(&path).map_err(|_| AppError::NotFound("tile"))?;
    if let Some(kept) = state.tiles.get(&tile) {
        return Ok(with_headers(kept, "application/octet-stream", IMMUTABLE));
    }
    let conn = state.db.read();
    let signed = ledger::latest_checkpoint(conn)
        .await?
        .and_then(|c| u64::try_from(c.size).ok())
        .unwrap_or(0);
    if !tile.within(signed) {
        return Err(AppError::NotFound("tile"));
    }
    let data = if tile.level.is_some() {
        ledger::hash_tile(conn, tile).await?
    } else {
        // Entries logged before the public form hash their payload, which is not public.
        let public_from = ledger::head(conn, false).await?.public_from;
        if tile.entry_range().start < public_from {
            return Err(AppError::NotFound("entry bundle"));
        }
        ledger::entry_bundle(conn, tile).await?
    };
    let data = bytes::Bytes::from(data);
    state.tiles.keep(tile, data.clone());
    Ok(with_headers(data, "application/octet-stream", IMMUTABLE))
}
