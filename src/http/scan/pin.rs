//! The PIN claim: the form on the scan page POSTs the scratch-off PIN to the stamp's own
//! URI, and the answer is the page again, saying whether this is the first claim.

use super::answer::{client_hash, failure, live, scan_page, takes_gzip, too_many};
use super::negotiate::Want;
use crate::http::extract::ClientAddr;
use crate::http::public_page::{lang_of, query, vary};
use crate::services::pin_claims::{self, Outcome};
use crate::services::resolve::{self, ResolveError, Standing};
use crate::state::AppState;
use crate::web::scan_frame::PinBox;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// The scratch-PIN form: a first correct PIN confirms the item, a later one warns.
pub(super) async fn claim(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    body: axum::body::Bytes,
) -> Response {
    let q = query(uri.query());
    let lang = lang_of(&q, &headers);
    if !state.limits.allow_pin(client) {
        return too_many(Want::Html, lang);
    }
    let base = &state.settings.public_base_url;
    let resolved =
        match resolve::resolve_cached(&state.db, &state.resolve_cache, uri.path(), base).await {
            Ok(r) => r,
            Err(e) => return failure(e, Want::Html, lang),
        };
    if resolved.standing != Standing::Genuine || resolved.stamp.pin_hash.is_none() {
        return failure(ResolveError::Unknown, Want::Html, lang);
    }
    let pin = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "pin")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let client_hash = client_hash(&state, client);
    let t = lang.t();
    let (message, tone) = match pin_claims::claim(
        &state.db,
        &state.pin_key,
        &resolved.serial,
        &pin,
        client_hash,
    )
    .await
    {
        Ok(Outcome::First) => (t.pin_ok, "ok"),
        Ok(Outcome::Again(_)) => (t.pin_again, "bad"),
        Ok(Outcome::Wrong) => (t.pin_wrong, "bad"),
        Ok(Outcome::Limited) => return too_many(Want::Html, lang),
        Err(e) => return e.into_response(),
    };
    // The claim changed the stamp's row: its next scan reads it again.
    state.scans.forget(resolved.serial.as_str());
    // Show the page again with the answer and the stamp's counters as they are now.
    let live = match live(&state, &resolved).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let pin = PinBox::of(&resolved, &live, lang, Some(message), tone);
    let gzip = takes_gzip(&headers);
    let mut res = scan_page(
        &state,
        &resolved,
        &live,
        None,
        lang,
        pin,
        StatusCode::OK,
        gzip,
    );
    vary(&mut res);
    res
}
