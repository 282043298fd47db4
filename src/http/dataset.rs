//! The Circular 02/2024/TT-BKHCN data set of a lot, as JSON and as an .xlsx workbook.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::extract::PathId;
use crate::auth::Principal;
use crate::dataset::DataSet;
use crate::error::AppError;
use crate::services::dataset;
use crate::state::AppState;

/// The data elements Circular 02/2024/TT-BKHCN lists for a lot: product, producer, the lot and
/// its trace codes, every production stage with its product and location trace codes and
/// time, and the product's certificates.
#[utoipa::path(get, path = "/api/v1/batches/{id}/traceability", operation_id = "get_batch_traceability", tag = "batches",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = DataSet), (status = 404, description = "no such batch the caller may read")))]
pub async fn json(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<axum::Json<DataSet>, AppError> {
    Ok(axum::Json(
        dataset::of_batch(&state.db, state.epcis.ids(), &who, id).await?,
    ))
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The same data set as a workbook an official can open: general elements, stages and
/// certificates, with Vietnamese and English headings.
#[utoipa::path(get, path = "/api/v1/batches/{id}/traceability.xlsx", operation_id = "get_batch_traceability_xlsx", tag = "batches",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = inline(crate::http::contract::Binary)),
        (status = 404, description = "no such batch the caller may read")))]
pub async fn xlsx(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let set = dataset::of_batch(&state.db, state.epcis.ids(), &who, id).await?;
    workbook(&set)
}

/// The workbook of a data set, as a download named after its lot.
pub fn workbook(set: &DataSet) -> Result<Response, AppError> {
    let bytes = set.xlsx().map_err(AppError::internal)?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"truy-xuat-{}.xlsx\"",
        set.lot
            .lot_code
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
