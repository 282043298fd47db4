//! The scan page's own stylesheet and verification script, served with long cache lifetimes
//! so a phone on a slow network downloads them once.

use crate::http::public_page::{secure, set};
use axum::http::header;
use axum::response::{IntoResponse, Response};

pub(super) const CSS: &str = include_str!("../../../static/scan.css");

pub(super) const JS: &str = include_str!("../../../static/verify.js");

pub(super) fn asset(body: &'static str, content_type: &'static str) -> Response {
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

pub(super) async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

pub(super) async fn js() -> Response {
    asset(JS, "text/javascript; charset=utf-8")
}
