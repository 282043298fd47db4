//! Trace codes entered by hand for records without a key of their own (`services::trace_codes`).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{AppJson, PathId};
use crate::auth::Principal;
use crate::error::AppError;
use crate::services::trace_codes::{self, Traced};
use crate::state::AppState;

/// A trace code (mã truy vết, TCVN 13274:2020): a GS1 element string — for a product
/// `(01){GTIN}` with `(10)` lot or `(21)` serial, for a place `(414){GLN}` with `(254)`, or a
/// bare 13-digit GLN — or the issuer's own code of 3–48 digits and Latin letters with `-`, `.`
/// or `/` between groups.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTraceCode {
    #[schema(example = "(414)8934588000010")]
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TraceCodeView {
    /// `products`, `organizations` or `farms`.
    pub subject: String,
    pub subject_id: Uuid,
    /// As stored: GS1 element strings in their normal form (14-digit GTIN).
    pub code: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

async fn set(
    state: &AppState,
    who: &Principal,
    what: Traced,
    id: Uuid,
    body: SetTraceCode,
) -> Result<Json<TraceCodeView>, AppError> {
    let row = trace_codes::set(&state.db, who, what, id, &body.code).await?;
    Ok(Json(TraceCodeView {
        subject: row.subject,
        subject_id: row.subject_id,
        code: row.code,
        updated_at: row.updated_at,
    }))
}

/// Sets the product trace code of a product without a GTIN (a product with one: 409
/// `trace_code_from_gtin`, its GTIN is its code).
#[utoipa::path(put, path = "/api/v1/products/{id}/trace-code", operation_id = "set_product_trace_code", tag = "products",
    params(("id" = Uuid, Path)), request_body = SetTraceCode,
    responses((status = 200, body = TraceCodeView), (status = 404), (status = 409, description = "the product has a GTIN"), (status = 422)))]
pub async fn product(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    AppJson(body): AppJson<SetTraceCode>,
) -> Result<Json<TraceCodeView>, AppError> {
    set(&state, &who, Traced::Product, id, body).await
}

/// Sets the location trace code of a farm (field work on a lot without a growing-area code).
#[utoipa::path(put, path = "/api/v1/farms/{id}/trace-code", operation_id = "set_farm_trace_code", tag = "farms",
    params(("id" = Uuid, Path)), request_body = SetTraceCode,
    responses((status = 200, body = TraceCodeView), (status = 404), (status = 422)))]
pub async fn farm(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    AppJson(body): AppJson<SetTraceCode>,
) -> Result<Json<TraceCodeView>, AppError> {
    set(&state, &who, Traced::Farm, id, body).await
}

/// Sets the location trace code of the organization's premises (its GLN, if it has one).
#[utoipa::path(put, path = "/api/v1/organizations/{id}/trace-code", operation_id = "set_organization_trace_code", tag = "organizations",
    params(("id" = Uuid, Path)), request_body = SetTraceCode,
    responses((status = 200, body = TraceCodeView), (status = 404), (status = 422)))]
pub async fn organization(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    AppJson(body): AppJson<SetTraceCode>,
) -> Result<Json<TraceCodeView>, AppError> {
    set(&state, &who, Traced::Organization, id, body).await
}
