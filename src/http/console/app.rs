//! The console as an installable web app: its manifest, its service worker (`static/sw.js`,
//! served under `/console/` so that it may keep the console's pages) and the page shown for a
//! page not kept when there is no network.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const SW: &str = include_str!("../../../static/sw.js");

/// The manifest: installed, the app opens the batches, in the console's colours.
const MANIFEST: &str = r##"{
  "name": "OCOP Trace — Nhật ký sản xuất / Production diary",
  "short_name": "Nhật ký OCOP",
  "description": "Ghi nhật ký sản xuất cả khi không có sóng / Keep the production diary with or without signal",
  "lang": "vi",
  "start_url": "/console/batches",
  "scope": "/console/",
  "display": "standalone",
  "background_color": "#f4f6f3",
  "theme_color": "#1f5130",
  "icons": [
    {"src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png"},
    {"src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png"},
    {"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml"}
  ]
}
"##;

const OFFLINE: &str = r#"<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="Không có mạng / No network">
<link rel="icon" href="/static/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/console.css">
<title>Không có mạng / No network</title>
</head>
<body>
<main>
<section class="card">
<h1>Không có mạng</h1>
<p>Trang này chưa được mở trên điện thoại này nên chưa có bản lưu. Những trang đã mở gần đây và mẫu ghi nhật ký của lô hàng vẫn dùng được khi không có mạng; mục nhật ký ghi lúc này được giữ trên điện thoại và tự gửi khi có mạng.</p>
<p><a href="/console/batches">Danh sách lô hàng</a></p>
</section>
<section class="card" lang="en">
<h2>No network</h2>
<p>This page was not opened on this phone before, so no copy is kept. Pages opened recently and a batch's diary form work offline; diary entries made now are kept on the phone and sent when the network is back.</p>
<p><a href="/console/batches">Batches</a></p>
</section>
</main>
</body>
</html>
"#;

pub(super) async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Checked on every visit, so a new release's worker replaces the old one.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SW,
    )
        .into_response()
}

pub(super) async fn manifest() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        MANIFEST,
    )
        .into_response()
}

pub(super) async fn offline() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        OFFLINE,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_manifest_is_json_with_installable_icons() {
        let m: serde_json::Value = serde_json::from_str(super::MANIFEST).unwrap();
        assert_eq!(m["start_url"], "/console/batches");
        assert_eq!(m["display"], "standalone");
        assert!(
            m["icons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["sizes"] == "512x512")
        );
    }
}
