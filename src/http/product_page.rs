//! `/p/{id}`: a product's public page, the traceability link marketplace listings carry.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::public_page::{html, lang_of, query};
use crate::error::AppError;
use crate::services::resolve;
use crate::state::AppState;
use crate::web::product_view::{ProductFacts, ProductPage};
use crate::web::scan_view::ProblemPage;

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/p/{id}", axum::routing::get(page))
}

pub async fn page(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&query(q.as_deref()), &headers);
    let t = lang.t();
    let not_found = || {
        html(
            StatusCode::NOT_FOUND,
            ProblemPage::new(lang, t.error_unknown, t.error_detail_unknown),
        )
    };
    let Ok(id) = uuid::Uuid::parse_str(&raw) else {
        return not_found();
    };
    match resolve::public_product(&state.db, id).await {
        Ok(p) => {
            let mut res = html(
                StatusCode::OK,
                ProductPage::build(
                    ProductFacts {
                        product: &p.product,
                        producer: &p.producer,
                        certificates: &p.certificates,
                        photo: p.photo.as_ref(),
                        links: p.links,
                    },
                    lang,
                ),
            );
            // Public facts that change rarely: a short cache spares rural connections.
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            res.headers_mut()
                .insert(header::VARY, HeaderValue::from_static("Accept-Language"));
            res
        }
        Err(AppError::NotFound(_)) => not_found(),
        Err(e) => e.into_response(),
    }
}
