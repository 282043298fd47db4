//! What a scan answers: the live parts of a stamp's record (scan count, PIN state), locating
//! the stamp a path names, recording the scan, and the page, JSON or failure a client gets.

use super::negotiate::Want;
use super::paths::{expected_path, link_path};
use crate::error::{AppError, Code};
use crate::http::public_page::{cors, html, html_response, vary};
use crate::i18n::Lang;
use crate::services::resolve::{self, Lot, ResolveError, Resolved};
use crate::services::scans::{Counters, Live, Recent, ScanJob, Stored};
use crate::state::AppState;
use crate::web::scan_frame::PinBox;
use crate::web::scan_holes::Values;
use crate::web::scan_view::ProblemPage;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The client's address as stored with scans and PIN attempts: keyed, not reversible.
pub(super) fn client_hash(state: &AppState, client: std::net::IpAddr) -> [u8; 32] {
    state
        .pin_key
        .keyed_hash(b"ocop-trace/scan-client/v1", client.to_string().as_bytes())
}

/// The stamp's counters now: its row, with the scans answered and not yet committed.
pub(super) async fn live(state: &AppState, r: &Resolved) -> Result<Live, AppError> {
    // Through the batched stamp reader, as every other read of a stamp's row and counters.
    let db = state
        .resolve_cache
        .stamp_row(&state.db, r.serial.as_str())
        .await?
        .map(|(_, counters)| counters.live)
        .unwrap_or_default();
    Ok(state.scans.live(r.serial.as_str(), db))
}

/// The stamp a path names and, for a browser's GET of its canonical address, the stored scan.
///
/// A scan of a stamp resolved before is stored first: the ledger size the scan writer read in
/// its transaction then says whether the cached resolution is current (services/resolve_cache.rs),
/// so a repeat scan costs no read of its own. Otherwise the stamp is resolved first, so an unknown serial is never
/// stored, and a path that will be redirected is not counted (its canonical GET will be).
pub(super) async fn locate(
    state: &AppState,
    path: &str,
    is_scan: bool,
    client: std::net::IpAddr,
    lang: Lang,
) -> Result<(Arc<Resolved>, Option<Stored>), ResolveError> {
    let base = &state.settings.public_base_url;
    let canonical = |r: &Resolved| link_path(path, base) == expected_path(path, r);
    if is_scan {
        // A stamp's own address, resolved before, is found by its last segment (the serial
        // as printed) without parsing the path; any other spelling is parsed first.
        let exact = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .and_then(|serial| state.resolve_cache.stamp(serial))
            .filter(|r| canonical(r));
        let hit = match exact {
            Some(hit) => Some(hit),
            None => {
                let (link, serial) = resolve::parse(path)?;
                state
                    .resolve_cache
                    .stamp(serial.as_str())
                    .filter(|r| resolve::matches(&link, r) && canonical(r))
            }
        };
        if let Some(cached) = hit
            && let Some(stored) = record(state, &cached, client, lang, None).await
        {
            // The writer read the log's size in its transaction: bring the cache up to it, and
            // use the resolution if nothing it shows has changed since.
            let size = match stored.ledger_size {
                Some(size) => size,
                None => state.resolve_cache.log_size(&state.db).await?,
            };
            state.resolve_cache.catch_up(state.db.read(), size).await?;
            let r = match state.resolve_cache.stamp(cached.serial.as_str()) {
                Some(current) if Arc::ptr_eq(&current, &cached) => cached,
                _ => {
                    let (link, serial) = resolve::parse(path)?;
                    resolve::refresh(&state.db, &state.resolve_cache, &link, serial, base, size)
                        .await?
                }
            };
            return Ok((r, Some(stored)));
        }
    }
    // A scan trusts the log's size the scan writer read (or the diary writer committed) less
    // than a second ago, as it trusts its counters (services/scans.rs), and saves a read of the
    // log's head.
    let size = if is_scan {
        state.scans.fresh_ledger_size()
    } else {
        None
    };
    let asked = std::time::Instant::now();
    let r = resolve::resolve_cached_at(&state.db, &state.resolve_cache, path, base, size).await?;
    let stored = if is_scan && canonical(&r) {
        // A row read by this request holds the stamp's counters as they are now.
        let row = (r.read_at >= asked).then(|| r.counters.clone());
        record(state, &r, client, lang, row).await
    } else {
        None
    };
    Ok((r, stored))
}

/// Stores this scan; returns the counters with it and the recent scans. A failure is logged
/// and the page is still served (a shopper must not be turned away because a counter could
/// not be written).
pub(super) async fn record(
    state: &AppState,
    r: &Resolved,
    client: std::net::IpAddr,
    lang: Lang,
    row: Option<Counters>,
) -> Option<Stored> {
    let at = crate::services::now();
    let job = ScanJob {
        id: uuid::Uuid::now_v7(),
        serial: r.serial.as_str().to_owned(),
        at,
        client_hash: client_hash(state, client),
        language: lang.code(),
    };
    // A stamp not seen lately (no fresh view of its counters here): its counters row is read,
    // together with other requests' (services/stamp_reads.rs), so the scan is counted from
    // it instead of waiting for the writer's next commit.
    let row = match row {
        Some(row) => Some(row),
        None if !state.scans.has_fresh_view(&job.serial) => state
            .resolve_cache
            .stamp_row(&state.db, &job.serial)
            .await
            .ok()
            .flatten()
            .map(|(_, counters)| counters),
        None => None,
    };
    match state.scans.record(job, row).await {
        Ok(stored) => Some(stored),
        Err(e) => {
            tracing::error!(error = %e.into_anyhow(), "recording a scan");
            None
        }
    }
}

/// The scan page: the stamp's cached frame with this scan's live parts; in gzip when the
/// client takes it (`gzip`, from its Accept-Encoding), made from the frame's text compressed
/// once for this kind of scan (web/scan_layout.rs) instead of by the compression middleware
/// for every response.
#[allow(clippy::too_many_arguments)]
pub(super) fn scan_page(
    state: &AppState,
    r: &Arc<Resolved>,
    live: &Live,
    recent: Option<&Recent>,
    lang: Lang,
    pin: Option<PinBox>,
    status: StatusCode,
    gzip: bool,
) -> Response {
    let page = Values::new(r, live, recent, lang, pin.as_ref(), gzip).and_then(|values| {
        state
            .scan_frames
            .page(r, lang, state.log_key.verifier_key(), &values)
    });
    page.map(|body| encoded_html(status, body, gzip))
        .unwrap_or_else(|e| {
            AppError::internal(anyhow::anyhow!("rendering a scan page: {e}")).into_response()
        })
}

/// A lot's own page, kept whole per lot and language (web/scan_frame.rs); in gzip when the
/// client takes it.
pub(super) fn lot_page(
    state: &AppState,
    lot: &Arc<Lot>,
    lang: Lang,
    status: StatusCode,
    gzip: bool,
) -> Response {
    match state.scan_frames.lot_page(lot, lang) {
        Ok(page) => {
            let body = if gzip { &page.gzip } else { &page.html };
            encoded_html(status, body.clone(), gzip)
        }
        Err(e) => {
            AppError::internal(anyhow::anyhow!("rendering a lot's page: {e}")).into_response()
        }
    }
}

/// A page's body, already in gzip if `gzip` (the compression middleware leaves a response
/// that has a Content-Encoding as it is).
fn encoded_html(status: StatusCode, body: impl Into<axum::body::Body>, gzip: bool) -> Response {
    let mut res = html_response(status, body);
    if gzip {
        res.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    res
}

/// Whether the request's Accept-Encoding takes gzip.
pub(super) fn takes_gzip(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(crate::web::gzip_pieces::accepts_gzip)
}

/// 429 with a page asking the client to wait (or problem+json).
pub(super) fn too_many(want: Want, lang: Lang) -> Response {
    let t = lang.t();
    let mut res = match want {
        Want::Html => html(
            StatusCode::TOO_MANY_REQUESTS,
            ProblemPage::new(lang, t.error_rate, t.error_detail_rate),
        ),
        Want::Json | Want::Linkset => {
            let mut res = AppError::TooManyRequests { retry_after: 60 }.into_response();
            cors(&mut res);
            res
        }
    };
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    res
}

pub(super) fn failure(e: ResolveError, want: Want, lang: Lang) -> Response {
    let t = lang.t();
    let (status, title, detail, error) = match e {
        ResolveError::Malformed(p) => (
            StatusCode::BAD_REQUEST,
            t.error_malformed,
            t.error_detail_malformed,
            AppError::BadRequest {
                code: Code::InvalidDigitalLink,
                detail: p.message,
            },
        ),
        ResolveError::Unknown => (
            StatusCode::NOT_FOUND,
            t.error_unknown,
            t.error_detail_unknown,
            AppError::NotFound("stamp"),
        ),
        ResolveError::App(e) => return e.into_response(),
        ResolveError::Broader(_) => {
            return failure(ResolveError::Unknown, want, lang);
        }
    };
    let mut res = match want {
        Want::Html => {
            let mut res = html(status, ProblemPage::new(lang, title, detail));
            cors(&mut res);
            res
        }
        Want::Json | Want::Linkset => {
            let mut res = error.into_response();
            cors(&mut res);
            res
        }
    };
    vary(&mut res);
    res
}
