//! The resolver: `GET /01/{gtin}/10/{lot}/21/{serial}` and `GET /S/{serial}` (HEAD and
//! OPTIONS too). Browsers get the scan page, `Accept: application/json` the same facts as
//! JSON, `?linkType=linkset` or `Accept: application/linkset+json` an RFC 9264 linkset.
//! Malformed paths are 400, unknown stamps 404, voided stamps and recalled batches 410;
//! browsers get each of those as a page in their language.

mod answer;
mod assets;
mod lot;
mod negotiate;
mod paths;
mod pin;

use answer::{failure, live, locate, scan_page, takes_gzip, too_many};
use assets::{css, js};
use lot::{broader, compressed};
use negotiate::{
    LinkType, Want, canonical_redirect, link_type, linkset_header, linkset_response, pass_on,
    temporary_redirect, unknown_link_type, want,
};
use paths::{expected_link, expected_path, link_path};
use pin::claim;

use axum::Json;
use axum::Router;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::extract::ClientAddr;
use super::public_page::{cors, lang_of, query, set, vary};
use crate::services::resolve::{ResolveError, Standing};

use crate::state::AppState;
use crate::web::linkset as links;
use crate::web::scan_frame::PinBox;
use crate::web::scan_json::ScanJson;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/01/{*rest}", get(scan).post(claim).options(preflight))
        .route("/S/{*rest}", get(scan).post(claim).options(preflight))
        // A compressed Digital Link is one path segment; anything else there is not found.
        .route("/{compressed}", get(compressed).options(preflight))
        .route("/.well-known/gs1resolver", get(resolver_description))
        .route("/static/scan.css", get(css))
        .route("/static/verify.js", get(js))
        .route("/static/icon.svg", get(assets::icon_svg))
        .route("/static/icon-192.png", get(assets::icon_192))
        .route("/static/icon-512.png", get(assets::icon_512))
        .route("/favicon.ico", get(assets::favicon))
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
            return broader(&state, &uri, dl, link, want, lang, takes_gzip(headers)).await;
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
            let gzip = takes_gzip(headers);
            scan_page(
                &state,
                &resolved,
                &live,
                recent.as_ref(),
                lang,
                pin,
                status,
                gzip,
            )
        }
    };
    // Every form is public and answers cross-origin reads, the HTML page and HEAD included
    // (GS1 resolvers SHALL support CORS).
    cors(&mut res);
    linkset_header(&mut res, &page);
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
