//! `/console`: the producer console, server-rendered pages on the same services as the API.
//!
//! - A session is an API token made at sign-in and kept in an HttpOnly, SameSite=Lax cookie
//!   (Secure when the service is served over HTTPS), valid for
//!   [`SESSION_HOURS`](crate::services::accounts::SESSION_HOURS); signing out revokes it.
//! - Every form that changes something carries a CSRF token derived from the session's secret
//!   (which a page of another site can neither read nor guess); a POST whose `Origin` names
//!   another host is refused too.
//! - Sign-in attempts are limited per client address.
//! - Vietnamese by default; `?lang=en` switches and is remembered in a cookie.
//! - A form with mistakes comes back with what was typed and a message next to each field.

mod app;
mod batches;
mod dashboard;
mod farms;
mod growing_areas;
mod import;
mod listings;
mod members;
mod multipart;
mod organization;
mod posted;
mod print;
mod products;
mod shared;
mod sign_in;

use shared::*;

use crate::http::problem::ErrorReport;

/// The console's routes; a diary entry may carry a photo of up to `upload_max_bytes`.
pub fn router(upload_max_bytes: usize) -> axum::Router<AppState> {
    // Room for the multipart framing and the form's other fields around the file.
    let upload_limit = upload_max_bytes.saturating_add(64 * 1024);
    axum::Router::new()
        .route("/console", get(dashboard::home))
        .route(
            "/console/",
            get(|| async { Redirect::permanent("/console") }),
        )
        .route(
            "/console/sign-in",
            get(sign_in::sign_in_page).post(sign_in::sign_in),
        )
        .route("/console/sign-out", post(sign_in::sign_out))
        .route(
            "/console/farms",
            get(farms::farms_page).post(farms::add_farm),
        )
        .route(
            "/console/growing-areas",
            get(growing_areas::areas_page).post(growing_areas::add_area),
        )
        .route(
            "/console/products",
            get(products::products_page).post(products::add_product),
        )
        .route(
            "/console/products/certifications",
            post(products::add_certification),
        )
        .route(
            "/console/growing-areas/explain",
            get(growing_areas::explain),
        )
        .route(
            "/console/batches",
            get(batches::batches_page).post(batches::add_batch),
        )
        .route("/console/batches/{id}", get(batches::batch_page))
        .route(
            "/console/batches/{id}/events",
            post(batches::add_event).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/console/batches/{id}/seal", post(batches::seal))
        .route(
            "/console/batches/{id}/portal-push",
            post(batches::push_to_portal),
        )
        .route(
            "/console/batches/{id}/trace-code",
            post(batches::set_trace_code),
        )
        .route(
            "/console/batches/{id}/traceability.xlsx",
            get(print::dataset_xlsx),
        )
        .route(
            "/console/batches/{id}/epcis.jsonld",
            get(print::epcis_document),
        )
        .route("/console/batches/{id}/stamps", post(batches::issue_stamps))
        .route(
            "/console/stamp-runs/{id}/labels.pdf",
            get(print::labels_pdf).post(print::labels_pdf_with_pins),
        )
        .route(
            "/console/stamp-runs/{id}/stamps.csv",
            get(print::stamps_csv),
        )
        .route(
            "/console/import",
            get(import::import_page)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/console/import/confirm",
            // The checked sheet comes back as JSON text in a form field.
            post(import::confirm).layer(DefaultBodyLimit::max(upload_limit.saturating_mul(3))),
        )
        .route("/console/import/template.csv", get(import::template))
        .route(
            "/console/listings",
            get(listings::listings_page).post(listings::add_listing),
        )
        .route("/console/listings/{id}", post(listings::change_listing))
        .route("/console/listings/{id}/push", post(listings::push))
        .route(
            "/console/listings/{id}/default",
            post(listings::default_link),
        )
        .route("/console/pushes/{id}/retry", post(listings::retry))
        .route("/console/listing-packs", post(listings::pack))
        .route("/console/account", get(members::account_page))
        .route("/console/account/password", post(members::change_password))
        .route(
            "/console/account/organization",
            post(members::switch_organization),
        )
        .route(
            "/console/organization",
            get(organization::organization_page).post(organization::save_organization),
        )
        .route(
            "/console/members",
            get(members::members_page).post(members::invite),
        )
        .route("/console/members/{id}/role", post(members::change_role))
        .route(
            "/console/invitations/{secret}",
            get(members::invitation).post(members::accept),
        )
        .layer(axum::middleware::from_fn(error_pages))
        .route("/static/console.js", get(js))
        .route("/console/sw.js", get(app::service_worker))
        .route("/console/manifest.webmanifest", get(app::manifest))
        .route("/console/offline", get(app::offline))
        .route("/static/console.css", get(css))
}

const JS: &str = include_str!("../../../static/console.js");

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
        .into_response()
}

const CSS: &str = include_str!("../../../static/console.css");

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// Turns an error the console's handlers and extractors answered with into a page a person
/// can read, with a way back. The error itself travels in the response (`ErrorReport`); the
/// page keeps it, so that the request is still logged as failed.
async fn error_pages(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let res = next.run(req).await;
    let Some(report) = res.extensions().get::<ErrorReport>().cloned() else {
        return res;
    };
    let view =
        crate::web::console_view::ErrorPage::new(report.code, report.detail.clone(), request_id);
    let mut page = html(res.status(), view);
    if let Some(after) = res.headers().get(header::RETRY_AFTER) {
        page.headers_mut()
            .insert(header::RETRY_AFTER, after.clone());
    }
    page.extensions_mut().insert(report);
    page
}
