//! Links broader than one stamp: lot-level (`/01/{gtin}/10/{lot}`) and product-level
//! (`/01/{gtin}`) Digital Links, and compressed Digital Links, which are expanded and
//! redirected to their uncompressed form.

use super::answer::{failure, lot_page};
use super::negotiate::{
    LinkType, Want, canonical_redirect, link_type, linkset_header, linkset_response, pass_on,
    temporary_redirect, unknown_link_type, want,
};
use super::paths::link_path;
use crate::error::AppError;
use crate::http::public_page::{cors, lang_of, query, vary};
use crate::i18n::Lang;
use crate::services::resolve::{self, ResolveError, Standing};
use crate::stamps::digital_link::Level;
use crate::stamps::{DigitalLink, dl_compression};
use crate::state::AppState;
use crate::web::linkset as links;
use crate::web::scan_json::{LotJson, LotPageJson};
use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A lot (`/01/{gtin}/10/{lot}`) or a product (`/01/{gtin}`): the lot's page (in gzip if
/// `gzip`, the client taking it), JSON and linkset; the product's page by a 307 (its default
/// link).
pub(super) async fn broader(
    state: &AppState,
    uri: &axum::http::Uri,
    dl: DigitalLink,
    link: LinkType,
    want: Want,
    lang: Lang,
    gzip: bool,
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
            let lot =
                match resolve::resolve_lot(&state.db, &state.resolve_cache, gtin, lot_code).await {
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
                    _ => lot_page(state, &lot, lang, status, gzip),
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
pub(super) async fn compressed(
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
