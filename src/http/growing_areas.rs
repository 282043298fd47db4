//! `/api/v1/farms/{id}/growing-areas`, `/api/v1/growing-areas/{id}`

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use entity::growing_area::Model;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{AppJson, AppQuery, PathId};
use super::{List, PageParams};
use crate::auth::Principal;
use crate::domain::GrowingAreaCode;
use crate::domain::geo::Boundary;
use crate::domain::growing_area::{AreaCertificate, AreaStatus};
use crate::domain::growing_area_code::ParsedCode;
use crate::error::AppError;
use crate::services::growing_areas::{self as service, GrowingAreaFilter};
use crate::state::AppState;

use crate::services::requests::growing_areas::{CreateGrowingArea, UpdateGrowingArea};

#[derive(Debug, Serialize, ToSchema)]
pub struct GrowingAreaView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub farm_id: Uuid,
    pub code: String,
    /// What the code's structure says (province, district, commune, sequence, year…).
    pub parsed_code: ParsedCode,
    pub scope: String,
    pub target_market: Option<String>,
    pub crop: String,
    pub variety: Option<String>,
    pub area_ha: Option<f64>,
    pub issuer: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub status: AreaStatus,
    pub boundary: Option<Boundary>,
    pub certificates: Vec<AreaCertificate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<Model> for GrowingAreaView {
    type Error = AppError;

    fn try_from(m: Model) -> Result<Self, AppError> {
        let stored = |what: &str, e: serde_json::Error| {
            AppError::internal(anyhow::anyhow!("growing area {}: stored {what}: {e}", m.id))
        };
        let boundary = m
            .boundary
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| stored("boundary", e))?;
        let certificates = serde_json::from_value(m.certificates.clone())
            .map_err(|e| stored("certificates", e))?;
        Ok(Self {
            id: m.id,
            organization_id: m.organization_id,
            farm_id: m.farm_id,
            parsed_code: GrowingAreaCode::parse(&m.code)
                .map(|c| c.parsed().clone())
                .unwrap_or(ParsedCode::Other),
            code: m.code,
            scope: m.scope,
            target_market: m.target_market,
            crop: m.crop,
            variety: m.variety,
            area_ha: m.area_ha,
            issuer: m.issuer,
            issued_on: m.issued_on,
            valid_until: m.valid_until,
            status: m.status.into(),
            boundary,
            certificates,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GrowingAreaQuery {
    pub status: Option<AreaStatus>,
}

/// Register a growing area of a farm; the response explains the code.
#[utoipa::path(post, path = "/api/v1/farms/{id}/growing-areas", operation_id = "create_growing_area", tag = "registry", params(("id" = Uuid, Path, description = "farm")),
    request_body = CreateGrowingArea, responses((status = 201, body = GrowingAreaView), (status = 404), (status = 409), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    PathId(farm_id): PathId,
    AppJson(body): AppJson<CreateGrowingArea>,
) -> Result<(StatusCode, Json<GrowingAreaView>), AppError> {
    let row = service::create(&state.db, &who, farm_id, body.parse()?).await?;
    Ok((StatusCode::CREATED, Json(row.try_into()?)))
}

#[utoipa::path(get, path = "/api/v1/farms/{id}/growing-areas", operation_id = "list_growing_areas", tag = "registry", params(("id" = Uuid, Path, description = "farm"), PageParams, GrowingAreaQuery),
    responses((status = 200, body = List<GrowingAreaView>), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    PathId(farm_id): PathId,
    AppQuery(page): AppQuery<PageParams>,
    AppQuery(q): AppQuery<GrowingAreaQuery>,
) -> Result<Json<List<GrowingAreaView>>, AppError> {
    let page = service::list(
        &state.db,
        &who,
        farm_id,
        GrowingAreaFilter { status: q.status },
        page.page()?,
    )
    .await?;
    Ok(Json(List::try_from_page(page, TryInto::try_into)?))
}

#[utoipa::path(get, path = "/api/v1/growing-areas/{id}", operation_id = "get_growing_area", tag = "registry", params(("id" = Uuid, Path)),
    responses((status = 200, body = GrowingAreaView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<GrowingAreaView>, AppError> {
    Ok(Json(service::get(&state.db, &who, id).await?.try_into()?))
}

/// Change status (active, suspended, revoked), validity, boundary or certificates.
#[utoipa::path(patch, path = "/api/v1/growing-areas/{id}", operation_id = "update_growing_area", tag = "registry", params(("id" = Uuid, Path)), request_body = UpdateGrowingArea,
    responses((status = 200, body = GrowingAreaView), (status = 404), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    AppJson(body): AppJson<UpdateGrowingArea>,
) -> Result<Json<GrowingAreaView>, AppError> {
    Ok(Json(
        service::update(&state.db, &who, id, body.parse()?)
            .await?
            .try_into()?,
    ))
}
