//! What every public page shares (the scan pages, the lot and product pages): the query keys
//! they read, the language they answer in, and the headers they carry.

use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::i18n::Lang;

pub struct Query {
    pub link_type: Option<String>,
    pub lang: Option<String>,
}

pub fn query(raw: Option<&str>) -> Query {
    let mut q = Query {
        link_type: None,
        lang: None,
    };
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "linkType" => q.link_type = Some(v.into_owned()),
            "lang" => q.lang = Some(v.into_owned()),
            _ => {}
        }
    }
    q
}

/// Sets fixed headers on a response.
pub fn set(res: &mut Response, headers: &[(header::HeaderName, &'static str)]) {
    let h = res.headers_mut();
    for (name, value) in headers {
        h.insert(name.clone(), HeaderValue::from_static(value));
    }
}

/// Headers every scan page carries: no scripts but our own, no third-party requests.
pub fn secure(res: &mut Response) {
    set(
        res,
        &[
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 connect-src 'self'; manifest-src 'self'; worker-src 'self'; form-action 'self'; \
                 base-uri 'none'; frame-ancestors 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
            (
                header::HeaderName::from_static("permissions-policy"),
                "camera=(), microphone=(), geolocation=()",
            ),
        ],
    );
}

/// Public, readable from any origin (the JSON forms and the proof bundle).
pub fn cors(res: &mut Response) {
    set(
        res,
        &[
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::ACCESS_CONTROL_EXPOSE_HEADERS, "Link, Location"),
        ],
    );
}

/// `?lang=` first, then `Accept-Language`.
pub fn lang_of(q: &Query, headers: &HeaderMap) -> Lang {
    Lang::choose(
        q.lang.as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

pub fn html(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(body) => html_response(status, body),
        Err(e) => AppError::internal(anyhow::anyhow!("rendering a page: {e}")).into_response(),
    }
}

/// A rendered page, not to be cached, under the scan pages' security headers.
pub fn html_response(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    let body: axum::body::Body = body.into();
    let mut res = (status, body).into_response();
    // Room for the headers below and the middleware's, without growing the map twice.
    res.headers_mut().reserve(12);
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    secure(&mut res);
    res
}

/// The headers a public page's form depends on. Accept-Encoding too: the page may be sent
/// in gzip (by the compression middleware, or already compressed by the scan page), and the
/// middleware adds nothing when it is named here.
pub fn vary(res: &mut Response) {
    res.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language, Accept-Encoding"),
    );
}
