//! HTTP: the JSON API under `/api/v1`, operations endpoints and the API docs.
//!
//! Routes are declared here, one module per resource mirroring the URL. Handlers are thin:
//! extract, parse the request into domain values, call one service function, map to a view.

pub mod accounts;
pub mod batches;
pub mod certifications;
pub mod console;
pub mod contract;
pub mod dataset;
pub mod docs;
pub mod epcis;
pub mod events;
pub mod extract;
pub mod farms;
pub mod files;
pub mod growing_areas;
pub mod limits;
pub mod listings;
pub mod log;
pub mod observe;
pub mod ops;
pub mod organizations;
mod paging;
pub mod portal;
pub mod print;
pub mod problem;
pub mod product_page;
pub mod products;
pub mod public_page;
pub mod scan;
pub mod stamp_voids;
pub mod stamps;
pub mod tiles;
pub mod trace_codes;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppError;
use crate::state::AppState;
pub use paging::{List, PageParams};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ocop-trace API",
        description = "Registry, traceability stamps and marketplace listings for Vietnamese OCOP products. \
            Authenticate with `Authorization: Bearer <token>` (create one with `ocop-trace token create`). \
            Errors are RFC 9457 problem documents with a stable `code`.",
    ),
    modifiers(&BearerAuth),
    components(schemas(problem::Problem, crate::stamps::qr::Ecc)),
    security(("bearer" = [])),
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("ocop_…")
                    .build(),
            ),
        );
    }
}

/// The API routes with their OpenAPI description.
pub fn api(upload_max_bytes: usize) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(files::upload_routes(upload_max_bytes))
        .routes(routes!(files::get, files::remove))
        .routes(routes!(files::content))
        .routes(routes!(listings::marketplaces))
        .routes(routes!(listings::create))
        .routes(routes!(listings::list))
        .routes(routes!(listings::get, listings::update))
        .routes(routes!(listings::export_pack))
        .routes(routes!(listings::set_account))
        .routes(routes!(listings::push, listings::pushes))
        .routes(routes!(listings::retry))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(organizations::create, organizations::list))
        .routes(routes!(organizations::get, organizations::update))
        .routes(routes!(farms::create, farms::list))
        .routes(routes!(farms::get, farms::update))
        .routes(routes!(growing_areas::create, growing_areas::list))
        .routes(routes!(growing_areas::get, growing_areas::update))
        .routes(routes!(products::create, products::list))
        .routes(routes!(products::get, products::update))
        .routes(routes!(certifications::create, certifications::list))
        .routes(routes!(certifications::get))
        .routes(routes!(batches::create, batches::list))
        .routes(routes!(batches::get, batches::update))
        .routes(routes!(events::append, events::list))
        .routes(routes!(events::get))
        .routes(routes!(accounts::create_user))
        .routes(routes!(accounts::sign_in))
        .routes(routes!(accounts::me))
        .routes(routes!(accounts::add_member, accounts::list_members))
        .routes(routes!(accounts::change_role, accounts::remove_member))
        .routes(routes!(accounts::create_token, accounts::list_tokens))
        .routes(routes!(accounts::revoke_token))
        .routes(routes!(log::checkpoint))
        .routes(routes!(log::log_key))
        .routes(routes!(log::inclusion))
        .routes(routes!(log::consistency))
        .routes(routes!(log::entry))
        .routes(routes!(log::entry_proof))
        .routes(routes!(stamps::issue, stamps::list))
        .routes(routes!(stamps::get))
        .routes(routes!(stamps::stamps))
        .routes(routes!(stamps::qr_svg))
        .routes(routes!(stamps::qr_png))
        .routes(routes!(stamps::proof))
        .routes(routes!(stamp_voids::create, stamp_voids::list))
        .routes(routes!(print::pdf))
        .routes(routes!(print::zpl))
        .routes(routes!(print::csv))
        .routes(routes!(print::templates))
        .routes(routes!(events::history))
        .routes(routes!(epcis::events))
        .routes(routes!(epcis::event_by_id))
        .routes(routes!(epcis::vocabulary))
        .routes(routes!(epcis::batch_document))
        .routes(routes!(epcis::stamp_document))
        .routes(routes!(epcis::events_of_epc))
        .routes(routes!(epcis::capture))
        .routes(routes!(epcis::capture_job))
        .routes(routes!(dataset::json))
        .routes(routes!(dataset::xlsx))
        .routes(routes!(portal::push, portal::pushes))
        .routes(routes!(trace_codes::product))
        .routes(routes!(trace_codes::farm))
        .routes(routes!(trace_codes::organization))
        .split_for_parts()
}

pub fn router(state: AppState) -> Router {
    let (api, openapi) = api(state.settings.upload_limits.max_bytes);
    let docs = docs::Docs::new(&contract::finish(&openapi));
    let middleware = ServiceBuilder::new()
        .layer(observe::ObserveLayer::new(state.metrics.clone()))
        .layer(CatchPanicLayer::custom(problem::panic_response))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::GATEWAY_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        // Served over https, browsers are told to keep to https (a year, subdomains too).
        .option_layer(
            (state.settings.public_base_url.scheme() == "https").then(|| {
                tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                    axum::http::header::STRICT_TRANSPORT_SECURITY,
                    axum::http::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
                )
            }),
        );
    api.route("/media/{key}", axum::routing::get(files::media))
        .merge(ops::router())
        .merge(tiles::router())
        .merge(scan::router())
        .merge(product_page::router())
        .merge(console::router(state.settings.upload_limits.max_bytes))
        .merge(docs.router())
        .fallback(|| async { AppError::NotFound("route") })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(middleware)
        .with_state(state)
}

// ---- lists --------------------------------------------------------------------------------

#[cfg(test)]
mod path_tests {
    #[test]
    fn invitation_secrets_stay_out_of_the_logs() {
        assert_eq!(
            super::observe::logged_path("/console/invitations/ocop_abc"),
            "/console/invitations/"
        );
        assert_eq!(
            super::observe::logged_path("/console/batches"),
            "/console/batches"
        );
    }
}
