//! The resolver: `GET /01/{gtin}/10/{lot}/21/{serial}` and `GET /S/{serial}` (HEAD and
//! OPTIONS too). Browsers get the scan page, `Accept: application/json` the same facts as
//! JSON, `?linkType=linkset` or `Accept: application/linkset+json` an RFC 9264 linkset.
//! Malformed paths are 400, unknown stamps 404, voided stamps and recalled batches 410;
//! browsers get each of those as a page in their language.

use axum::Json;
use axum::Router;
use axum::extract::{OriginalUri, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::extract::ClientAddr;
use super::public_page::{Query, cors, html, html_response, lang_of, query, secure, set, vary};
use crate::error::{AppError, Code};
use crate::services::pin_claims::{self, Outcome};
use crate::services::resolve::{self, ResolveError, Resolved, Standing};
use std::sync::Arc;

use crate::i18n::Lang;
use crate::services::scans::{Live, Recent, ScanJob, Stored};
use crate::stamps::digital_link::Level;
use crate::stamps::{DigitalLink, dl_compression};
use crate::state::AppState;
use crate::web::linkset as links;
use crate::web::scan_frame::PinBox;
use crate::web::scan_json::{LotJson, LotPageJson, ScanJson};
use crate::web::scan_view::ProblemPage;
use crate::web::scan_view::ScanPage;
use entity::stamp;
use sea_orm::EntityTrait;
use std::borrow::Cow;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/01/{*rest}", get(scan).post(claim).options(preflight))
        .route("/S/{*rest}", get(scan).post(claim).options(preflight))
        // A compressed Digital Link is one path segment; anything else there is not found.
        .route("/{compressed}", get(compressed).options(preflight))
        .route("/.well-known/gs1resolver", get(resolver_description))
        .route("/static/scan.css", get(css))
        .route("/static/verify.js", get(js))
}

/// What the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Html,
    Json,
    Linkset,
}

/// `target` with the request's query after its own — but for `linkType` and the keys of
/// `add`, which come last: what a redirect passes on (GS1 resolvers SHALL pass the query
/// string on).
fn pass_on(target: &str, raw: Option<&str>, add: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        if k != "linkType" && !add.iter().any(|(a, _)| *a == k) {
            out.append_pair(&k, &v);
        }
    }
    for (k, v) in add {
        out.append_pair(k, v);
    }
    let q = out.finish();
    match (q.is_empty(), target.contains('?')) {
        (true, _) => target.to_owned(),
        (false, false) => format!("{target}?{q}"),
        (false, true) => format!("{target}&{q}"),
    }
}

/// The GS1 link type asked for with `?linkType=` (`gs1:pip`, `https://gs1.org/voc/pip` or
/// `pip`), as the GS1-Conformant Resolver criteria read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkType {
    /// None asked for, or `gs1:defaultLink`: the scan page.
    Default,
    /// `gs1:pip`: the product information page, in the asked language (a 307 to it).
    Pip,
    /// `gs1:traceability`: the item's history as JSON, served here.
    Traceability,
    /// `gs1:certificationInfo`: the integrity proof (a 307 to it).
    Certification,
    /// `linkType=all` (or `linkset`): every link, as an RFC 9264 linkset.
    All,
    /// A link type this resolver has no link of: 404.
    Unknown,
}

fn link_type(q: &Query) -> LinkType {
    let Some(t) = q.link_type.as_deref() else {
        return LinkType::Default;
    };
    let name = t
        .strip_prefix("gs1:")
        .or_else(|| t.strip_prefix("https://gs1.org/voc/"))
        .or_else(|| t.strip_prefix("http://gs1.org/voc/"))
        .unwrap_or(t);
    match name {
        "defaultLink" | "defaultLinkMulti" => LinkType::Default,
        "pip" => LinkType::Pip,
        "traceability" => LinkType::Traceability,
        "certificationInfo" => LinkType::Certification,
        "all" | "linkset" => LinkType::All,
        _ => LinkType::Unknown,
    }
}

fn want(headers: &HeaderMap, link: LinkType) -> Want {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match link {
        LinkType::All => return Want::Linkset,
        LinkType::Traceability => return Want::Json,
        _ => {}
    }
    if accept.contains("application/linkset+json") {
        return Want::Linkset;
    }
    // A browser's Accept lists text/html; an API client asks for JSON without it.
    if accept.contains("application/json") && !accept.contains("text/html") {
        return Want::Json;
    }
    Want::Html
}

/// The client's address as stored with scans and PIN attempts: keyed, not reversible.
fn client_hash(state: &AppState, client: std::net::IpAddr) -> [u8; 32] {
    state
        .pin_key
        .keyed_hash(b"ocop-trace/scan-client/v1", client.to_string().as_bytes())
}

/// The path below the public base URL's path, without a trailing slash.
fn link_path<'a>(path: &'a str, base: &url::Url) -> &'a str {
    let prefix = base.path().trim_end_matches('/');
    path.strip_prefix(prefix)
        .unwrap_or(path)
        .trim_end_matches('/')
}

async fn scan(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ClientAddr(client): ClientAddr,
    request: Request,
) -> Response {
    // The request whole, not its headers copied: this is the busiest route.
    let (method, headers) = (request.method(), request.headers());
    let q = query(uri.query());
    let link = link_type(&q);
    let want = want(headers, link);
    let lang = lang_of(&q, headers);
    if !state.limits.allow_scan(client) {
        return too_many(want, lang);
    }
    let base = &state.settings.public_base_url;
    let is_scan = want == Want::Html && method == Method::GET && link == LinkType::Default;
    let (resolved, stored) = match locate(&state, uri.path(), is_scan, client, lang).await {
        Ok(found) => found,
        Err(ResolveError::Broader(dl)) => {
            return broader(&state, &uri, dl, link, want, lang).await;
        }
        Err(e) => return failure(e, want, lang),
    };
    // One address per stamp: other spellings (lower case, a trailing slash, /S/ for a product
    // with a GTIN) are sent to the canonical one, query kept.
    let expected = expected_path(uri.path(), &resolved);
    if link_path(uri.path(), base) != expected {
        return canonical_redirect(&expected, uri.query());
    }
    let page = crate::urls::url_under(base, &expected);
    let elsewhere = match link {
        LinkType::Unknown => {
            let mut res = unknown_link_type(want, lang);
            linkset_header(&mut res, &page);
            return res;
        }
        LinkType::Pip => Some(pass_on(&page, uri.query(), &[("lang", lang.code())])),
        LinkType::Certification => Some(pass_on(
            &crate::urls::url_under(
                base,
                &format!("/api/v1/stamps/{}/proof", resolved.serial.as_str()),
            ),
            uri.query(),
            &[],
        )),
        _ => None,
    };
    if let Some(target) = elsewhere {
        return temporary_redirect(&target, &page);
    }
    // A configured default link (the product's marketplace listing) takes a browser there,
    // the scan counted — but a warning is never hidden: a voided stamp, a recalled lot or a
    // scan that looks copied gets this page.
    if let (LinkType::Default, Want::Html, Standing::Genuine, Some(target)) = (
        link,
        want,
        resolved.standing,
        resolved.lot.product.default_link.as_deref(),
    ) && !stored.as_ref().is_some_and(|s| s.recent.suspicious)
    {
        return temporary_redirect(&pass_on(target, uri.query(), &[]), &page);
    }
    let status = match resolved.standing {
        Standing::Genuine => StatusCode::OK,
        Standing::Void | Standing::Recalled => StatusCode::GONE,
    };
    let mut res = match want {
        Want::Json => {
            let live = match live(&state, &resolved).await {
                Ok(l) => l,
                Err(e) => return e.into_response(),
            };
            let mut res = (status, Json(ScanJson::build(&resolved, &live, base))).into_response();
            cors(&mut res);
            res
        }
        Want::Linkset => linkset_response(
            status,
            links::item(&resolved, &expected_link(uri.path(), &resolved), base),
        ),
        Want::Html => {
            // A browser's GET is a scan, already stored, so the page counts it.
            let (live, recent) = match stored {
                Some(stored) => (stored.live, Some(stored.recent)),
                None => match live(&state, &resolved).await {
                    Ok(l) => (l, None),
                    Err(e) => return e.into_response(),
                },
            };
            let pin = PinBox::of(&resolved, &live, lang, None, "");
            scan_page(&state, &resolved, &live, recent.as_ref(), lang, pin, status)
        }
    };
    // Every form is public and answers cross-origin reads, the HTML page and HEAD included
    // (GS1 resolvers SHALL support CORS).
    cors(&mut res);
    linkset_header(&mut res, &page);
    vary(&mut res);
    res
}

/// `Link: <…?linkType=linkset>; rel="linkset"` on every answer about an item, lot or
/// product, as GS1 resolvers announce where its links are listed.
fn linkset_header(res: &mut Response, page: &str) {
    let link =
        format!("<{page}?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\"");
    if let Ok(v) = HeaderValue::from_str(&link) {
        res.headers_mut().append(header::LINK, v);
    }
}

/// A linkset, with the `Link` to GS1's JSON-LD context that turns it into linked data.
fn linkset_response(status: StatusCode, body: serde_json::Value) -> Response {
    let mut res = (status, Json(body)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/linkset+json"),
    );
    h.append(
        header::LINK,
        HeaderValue::from_static(concat!(
            "<https://ref.gs1.org/standards/resolver/linkset-context>; ",
            "rel=\"http://www.w3.org/ns/json-ld#context\"; type=\"application/ld+json\""
        )),
    );
    cors(&mut res);
    res
}

/// 307 to where a link type points: the link may change (a certificate renewed, a page
/// moved), so a client must ask again next time, and keep its method.
fn temporary_redirect(target: &str, page: &str) -> Response {
    let mut res = StatusCode::TEMPORARY_REDIRECT.into_response();
    if let Ok(v) = HeaderValue::from_str(target) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    cors(&mut res);
    linkset_header(&mut res, page);
    vary(&mut res);
    res
}

/// Another spelling of an item, lot or product sent to its canonical path, query kept.
///
/// 307, not 301: the canonical form follows registry data that can change (a GTIN given to a
/// product later moves its `/S/` stamps to `/01/…`), so no client may cache the answer, and a
/// POST (the PIN form) stays a POST.
fn canonical_redirect(path: &str, query: Option<&str>) -> Response {
    let location = match query {
        Some(qs) => format!("{path}?{qs}"),
        None => path.to_owned(),
    };
    let mut res = StatusCode::TEMPORARY_REDIRECT.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    cors(&mut res);
    res
}

/// The identifiers a stamp is served under for this request: the stamp's own, with the
/// request's consumer product variant (22) kept — it qualifies the item and is not stored.
fn expected_link(path: &str, r: &Resolved) -> DigitalLink {
    let variant = if path.contains("/22/") {
        DigitalLink::parse_path(path).ok().and_then(|l| l.variant)
    } else {
        None
    };
    DigitalLink {
        gtin: r.lot.gtin.clone(),
        variant,
        lot: r.lot.lot.clone(),
        serial: Some(r.serial.as_str().to_owned()),
    }
}

/// The canonical path of this request's stamp (its own path but for a variant).
fn expected_path<'a>(path: &str, r: &'a Resolved) -> Cow<'a, str> {
    if path.contains("/22/") {
        Cow::Owned(expected_link(path, r).path())
    } else {
        Cow::Borrowed(&r.path)
    }
}

/// A lot (`/01/{gtin}/10/{lot}`) or a product (`/01/{gtin}`): the lot's page, JSON and
/// linkset; the product's page by a 307 (its default link).
async fn broader(
    state: &AppState,
    uri: &axum::http::Uri,
    dl: DigitalLink,
    link: LinkType,
    want: Want,
    lang: Lang,
) -> Response {
    let base = &state.settings.public_base_url;
    let canonical = dl.path();
    if link_path(uri.path(), base) != canonical {
        return canonical_redirect(&canonical, uri.query());
    }
    let page = crate::urls::url_under(base, &canonical);
    if link == LinkType::Unknown {
        let mut res = unknown_link_type(want, lang);
        linkset_header(&mut res, &page);
        return res;
    }
    let (Some(gtin), level) = (dl.gtin.as_ref(), dl.level()) else {
        return failure(ResolveError::Unknown, want, lang);
    };
    let product_page = |id: uuid::Uuid| {
        pass_on(
            &crate::urls::url_under(base, &format!("/p/{id}")),
            uri.query(),
            &[("lang", lang.code())],
        )
    };
    let mut res = match (level, dl.lot.as_ref()) {
        (Level::Lot, Some(lot_code)) => {
            let lot = match resolve::resolve_lot(&state.db, gtin, lot_code).await {
                Ok(lot) => lot,
                Err(e) => return failure(e, want, lang),
            };
            let status = if lot.recalled() {
                StatusCode::GONE
            } else {
                StatusCode::OK
            };
            match (link, want) {
                (LinkType::Pip | LinkType::Certification, _) => {
                    return temporary_redirect(&product_page(lot.product.id), &page);
                }
                (_, Want::Linkset) => {
                    linkset_response(status, links::lot(&lot, dl.variant.as_deref(), base))
                }
                (_, Want::Json) => {
                    let standing = if lot.recalled() {
                        Standing::Recalled
                    } else {
                        Standing::Genuine
                    };
                    let body = LotPageJson {
                        uri: page.clone(),
                        status: standing,
                        lot: LotJson::build(&lot, base),
                    };
                    (status, Json(body)).into_response()
                }
                (_, Want::Html) => match (lot.recalled(), &lot.product.default_link) {
                    (false, Some(target)) if link == LinkType::Default => {
                        return temporary_redirect(&pass_on(target, uri.query(), &[]), &page);
                    }
                    _ => html(status, ScanPage::lot(&lot, lang)),
                },
            }
        }
        _ => {
            let product = match resolve::product_by_gtin(&state.db, gtin).await {
                Ok(p) => p,
                Err(e) => return failure(e, want, lang),
            };
            match (link, want, product.default_link.as_deref()) {
                (_, Want::Linkset, _) => {
                    let live =
                        match crate::services::listings::live_links(&state.db, product.id).await {
                            Ok(l) => l,
                            Err(e) => return e.into_response(),
                        };
                    let body = links::product(&product, &live, dl.variant.as_deref(), base);
                    linkset_response(StatusCode::OK, body)
                }
                // A product has no diary of its own: its lots and stamps do.
                (LinkType::Traceability, _, _) => unknown_link_type(want, lang),
                (LinkType::Default, _, Some(target)) => {
                    return temporary_redirect(&pass_on(target, uri.query(), &[]), &page);
                }
                _ => return temporary_redirect(&product_page(product.id), &page),
            }
        }
    };
    cors(&mut res);
    linkset_header(&mut res, &page);
    vary(&mut res);
    res
}

/// `/{segment}`: a compressed Digital Link, sent (307) to its uncompressed URI with
/// `Link: <…>; rel="owl:sameAs"`; any other single segment is not found.
async fn compressed(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !dl_compression::looks_compressed(&segment) {
        return AppError::NotFound("route").into_response();
    }
    let q = query(uri.query());
    let want = want(&headers, link_type(&q));
    let lang = lang_of(&q, &headers);
    let dl = match dl_compression::decompress(&segment) {
        Ok(dl) => dl,
        Err(p) => return failure(ResolveError::Malformed(p), want, lang),
    };
    let target = crate::urls::url_under(&state.settings.public_base_url, &dl.path());
    let mut res = canonical_redirect(&target, uri.query());
    if let Ok(v) = HeaderValue::from_str(&format!("<{target}>; rel=\"owl:sameAs\"")) {
        res.headers_mut().insert(header::LINK, v);
    }
    vary(&mut res);
    res
}

/// A link type this item has no link of: 404, in the form asked for.
fn unknown_link_type(want: Want, lang: Lang) -> Response {
    let t = lang.t();
    let mut res = match want {
        Want::Html => {
            let mut res = html(
                StatusCode::NOT_FOUND,
                ProblemPage::new(lang, t.error_link_type, t.error_detail_link_type),
            );
            cors(&mut res);
            res
        }
        Want::Json | Want::Linkset => {
            let mut res = AppError::NotFound("link of this type").into_response();
            cors(&mut res);
            res
        }
    };
    vary(&mut res);
    res
}

/// The stamp's counters now: its row, with the scans answered and not yet committed.
async fn live(state: &AppState, r: &Resolved) -> Result<Live, AppError> {
    let db = stamp::Entity::find_by_id(r.serial.as_str().to_owned())
        .one(state.db.read())
        .await?
        .map(|s| Live::of(&s))
        .unwrap_or_default();
    Ok(state.scans.live(r.serial.as_str(), db))
}

/// The stamp a path names and, for a browser's GET of its canonical address, the stored scan.
///
/// A scan of a stamp resolved before is stored first: the ledger size the scan writer read in
/// its transaction then says whether the cached resolution is current, so a repeat scan costs
/// no read of its own. Otherwise the stamp is resolved first, so an unknown serial is never
/// stored, and a path that will be redirected is not counted (its canonical GET will be).
async fn locate(
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
            .and_then(|serial| state.resolve_cache.peek_str(serial))
            .filter(|(_, r)| canonical(r));
        let hit = match exact {
            Some(hit) => Some(hit),
            None => {
                let (link, serial) = resolve::parse(path)?;
                state
                    .resolve_cache
                    .peek(&serial)
                    .filter(|(_, r)| resolve::matches(&link, r) && canonical(r))
            }
        };
        if let Some((size, cached)) = hit
            && let Some(stored) = record(state, &cached, client, lang).await
        {
            let r = if stored.ledger_size == size {
                cached
            } else {
                let (link, serial) = resolve::parse(path)?;
                resolve::refresh(
                    &state.db,
                    &state.resolve_cache,
                    &link,
                    serial,
                    base,
                    stored.ledger_size,
                )
                .await?
            };
            return Ok((r, Some(stored)));
        }
    }
    let r = resolve::resolve_cached(&state.db, &state.resolve_cache, path, base).await?;
    let stored = if is_scan && canonical(&r) {
        record(state, &r, client, lang).await
    } else {
        None
    };
    Ok((r, stored))
}

/// Stores this scan; returns the counters with it and the recent scans. A failure is logged
/// and the page is still served (a shopper must not be turned away because a counter could
/// not be written).
async fn record(
    state: &AppState,
    r: &Resolved,
    client: std::net::IpAddr,
    lang: Lang,
) -> Option<Stored> {
    let at = crate::services::now();
    let job = ScanJob {
        serial: r.serial.as_str().to_owned(),
        at,
        client_hash: client_hash(state, client),
        language: lang.code(),
    };
    match state.scans.record(job).await {
        Ok(stored) => Some(stored),
        Err(e) => {
            tracing::error!(error = %e.into_anyhow(), "recording a scan");
            None
        }
    }
}

/// The scratch-PIN form: a first correct PIN confirms the item, a later one warns.
async fn claim(
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
    let mut res = scan_page(&state, &resolved, &live, None, lang, pin, StatusCode::OK);
    vary(&mut res);
    res
}

/// The scan page: the stamp's cached frame with this scan's live parts.
fn scan_page(
    state: &AppState,
    r: &Arc<Resolved>,
    live: &Live,
    recent: Option<&Recent>,
    lang: Lang,
    pin: Option<PinBox>,
    status: StatusCode,
) -> Response {
    let page = state
        .scan_frames
        .frame(r, lang, state.log_key.verifier_key())
        .and_then(|frame| frame.page(r, live, recent, lang, pin));
    match page {
        Ok(body) => html_response(status, body),
        Err(e) => AppError::internal(anyhow::anyhow!("rendering a scan page: {e}")).into_response(),
    }
}

/// 429 with a page asking the client to wait (or problem+json).
fn too_many(want: Want, lang: Lang) -> Response {
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

fn failure(e: ResolveError, want: Want, lang: Lang) -> Response {
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

async fn preflight() -> Response {
    let mut res = StatusCode::NO_CONTENT.into_response();
    cors(&mut res);
    set(
        &mut res,
        &[
            (header::ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD, OPTIONS"),
            (
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "Accept, Accept-Language",
            ),
            (header::ALLOW, "GET, HEAD, POST, OPTIONS"),
            (header::ACCESS_CONTROL_MAX_AGE, "86400"),
        ],
    );
    res
}

/// `/.well-known/gs1resolver`: the GS1-Conformant Resolver description file (schema 1.2.0,
/// shipped in `tests/contract/gs1/` and checked in CI). The `/S/{serial}` form for products
/// without a GTIN is this service's own and is not a GS1 primary key, so it is not listed.
async fn resolver_description(State(state): State<AppState>) -> Response {
    let root = state
        .settings
        .public_base_url
        .as_str()
        .trim_end_matches('/')
        .to_owned();
    let mut res = Json(json!({
        "name": "ocop-trace",
        "resolverRoot": root,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": "https://gs1.org/voc/", "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": false,
        "jsonLdContextLocation": links::CONTEXT,
    }))
    .into_response();
    cors(&mut res);
    res
}

const CSS: &str = include_str!("../../static/scan.css");
const JS: &str = include_str!("../../static/verify.js");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    // Pages ask for `?v=<release>`, so a new release is fetched at once.
    set(
        &mut res,
        &[
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
    );
    secure(&mut res);
    res
}

async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

async fn js() -> Response {
    asset(JS, "text/javascript; charset=utf-8")
}
