//! What the client asked for and how to send it: the wanted representation (page, JSON,
//! linkset), GS1 link types, the linkset header and body, and the redirects the resolver
//! answers with (canonical 307s and temporary link-type redirects).

use crate::error::AppError;
use crate::http::public_page::{Query, cors, html, vary};
use crate::i18n::Lang;
use crate::web::scan_view::ProblemPage;
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// What the client asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Want {
    Html,
    Json,
    Linkset,
}

/// `target` with the request's query after its own — but for `linkType` and the keys of
/// `add`, which come last: what a redirect passes on (GS1 resolvers SHALL pass the query
/// string on).
pub(super) fn pass_on(target: &str, raw: Option<&str>, add: &[(&str, &str)]) -> String {
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
pub(super) enum LinkType {
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

pub(super) fn link_type(q: &Query) -> LinkType {
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

pub(super) fn want(headers: &HeaderMap, link: LinkType) -> Want {
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

/// `Link: <…?linkType=linkset>; rel="linkset"` on every answer about an item, lot or
/// product, as GS1 resolvers announce where its links are listed.
pub(super) fn linkset_header(res: &mut Response, page: &str) {
    let link =
        format!("<{page}?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\"");
    if let Ok(v) = HeaderValue::from_str(&link) {
        res.headers_mut().append(header::LINK, v);
    }
}

/// A linkset, with the `Link` to GS1's JSON-LD context that turns it into linked data.
pub(super) fn linkset_response(status: StatusCode, body: serde_json::Value) -> Response {
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
pub(super) fn temporary_redirect(target: &str, page: &str) -> Response {
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
pub(super) fn canonical_redirect(path: &str, query: Option<&str>) -> Response {
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

/// A link type this item has no link of: 404, in the form asked for.
pub(super) fn unknown_link_type(want: Want, lang: Lang) -> Response {
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
