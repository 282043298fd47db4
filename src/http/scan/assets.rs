//! The scan page's own stylesheet and verification script, served with long cache lifetimes
//! so a phone on a slow network downloads them once.

use crate::http::public_page::{secure, set};
use axum::http::header;
use axum::response::{IntoResponse, Response};

pub(super) const CSS: &str = include_str!("../../../static/scan.css");

pub(super) const JS: &str = include_str!("../../../static/verify.js");

/// The service's icon: SVG for pages, PNG for installed apps, ICO for `/favicon.ico`, which
/// browsers ask for whatever a page says.
pub(super) const ICON_SVG: &str = include_str!("../../../static/icon.svg");
pub(super) const ICON_192: &[u8] = include_bytes!("../../../static/icon-192.png");
pub(super) const ICON_512: &[u8] = include_bytes!("../../../static/icon-512.png");
pub(super) const FAVICON: &[u8] = include_bytes!("../../../static/favicon.ico");

pub(super) fn asset(body: impl IntoResponse, content_type: &'static str) -> Response {
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

pub(super) async fn icon_svg() -> Response {
    asset(ICON_SVG, "image/svg+xml")
}

pub(super) async fn icon_192() -> Response {
    asset(ICON_192, "image/png")
}

pub(super) async fn icon_512() -> Response {
    asset(ICON_512, "image/png")
}

/// Asked for without a version, so cached for a day rather than a year.
pub(super) async fn favicon() -> Response {
    let mut res = asset(FAVICON, "image/x-icon");
    set(
        &mut res,
        &[(header::CACHE_CONTROL, "public, max-age=86400")],
    );
    res
}
