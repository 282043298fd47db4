//! `/api/v1/organizations/{id}/farms`, `/api/v1/farms/{id}`

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use entity::farm::Model;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{AppJson, AppQuery, PathId};
use super::{List, PageParams};
use crate::auth::Principal;
use crate::domain::CommuneCode;
use crate::error::AppError;
use crate::services::farms::{self as service, FarmFilter};
use crate::state::AppState;

use crate::services::requests::farms::{CreateFarm, UpdateFarm};

#[derive(Debug, Serialize, ToSchema)]
pub struct FarmView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub address: String,
    pub commune_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Model> for FarmView {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            organization_id: m.organization_id,
            name: m.name,
            address: m.address,
            commune_code: m.commune_code,
            latitude: m.latitude,
            longitude: m.longitude,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FarmQuery {
    /// Only farms in this commune.
    pub commune_code: Option<String>,
}

/// Register a farm of an organization.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/farms", operation_id = "create_farm", tag = "registry", params(("id" = Uuid, Path, description = "organization")),
    request_body = CreateFarm, responses((status = 201, body = FarmView), (status = 404), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    PathId(organization_id): PathId,
    AppJson(body): AppJson<CreateFarm>,
) -> Result<(StatusCode, Json<FarmView>), AppError> {
    let row = service::create(&state.db, &who, organization_id, body.parse()?).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}/farms", operation_id = "list_farms", tag = "registry", params(("id" = Uuid, Path, description = "organization"), PageParams, FarmQuery),
    responses((status = 200, body = List<FarmView>), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    PathId(organization_id): PathId,
    AppQuery(page): AppQuery<PageParams>,
    AppQuery(q): AppQuery<FarmQuery>,
) -> Result<Json<List<FarmView>>, AppError> {
    let commune_code = q
        .commune_code
        .as_deref()
        .map(CommuneCode::parse)
        .transpose()
        .map_err(|e| AppError::validation("commune_code", e))?;
    let page = service::list(
        &state.db,
        &who,
        organization_id,
        FarmFilter { commune_code },
        page.page()?,
    )
    .await?;
    Ok(Json(List::from_page(page, Into::into)))
}

#[utoipa::path(get, path = "/api/v1/farms/{id}", operation_id = "get_farm", tag = "registry", params(("id" = Uuid, Path)), responses((status = 200, body = FarmView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<FarmView>, AppError> {
    Ok(Json(service::get(&state.db, &who, id).await?.into()))
}

#[utoipa::path(patch, path = "/api/v1/farms/{id}", operation_id = "update_farm", tag = "registry", params(("id" = Uuid, Path)), request_body = UpdateFarm,
    responses((status = 200, body = FarmView), (status = 404), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    AppJson(body): AppJson<UpdateFarm>,
) -> Result<Json<FarmView>, AppError> {
    Ok(Json(
        service::update(&state.db, &who, id, body.parse()?)
            .await?
            .into(),
    ))
}
