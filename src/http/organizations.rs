//! `/api/v1/organizations`

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use entity::organization::Model;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{AppJson, AppQuery, PathId};
use super::{List, PageParams};
use crate::auth::Principal;
use crate::domain::TaxCode;
use crate::domain::organization::OrganizationKind;
use crate::domain::tax_code::TaxCodeKind;
use crate::error::AppError;
use crate::services::organizations::{self as service, OrganizationFilter};
use crate::state::AppState;

use crate::services::requests::organizations::{CreateOrganization, UpdateOrganization};

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub tax_code: Option<String>,
    pub tax_code_kind: Option<TaxCodeKind>,
    pub address: String,
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub gs1_company_prefix: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Model> for OrganizationView {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            tax_code_kind: m
                .tax_code
                .as_deref()
                .and_then(|t| TaxCode::parse(t).ok())
                .map(|t| t.kind()),
            kind: m.kind,
            name: m.name,
            tax_code: m.tax_code,
            address: m.address,
            province_code: m.province_code,
            commune_code: m.commune_code,
            phone: m.phone,
            email: m.email,
            website: m.website,
            gs1_company_prefix: m.gs1_company_prefix,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationQuery {
    pub kind: Option<OrganizationKind>,
}

/// Register an organization (platform administrators).
#[utoipa::path(post, path = "/api/v1/organizations", operation_id = "create_organization", tag = "registry", request_body = CreateOrganization,
    responses((status = 201, body = OrganizationView), (status = 409, description = "tax code already registered"), (status = 422, description = "invalid field")))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    AppJson(body): AppJson<CreateOrganization>,
) -> Result<(StatusCode, Json<OrganizationView>), AppError> {
    let row = service::create(&state.db, &who, body.parse()?).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// List the organizations you can see (all of them for administrators).
#[utoipa::path(get, path = "/api/v1/organizations", operation_id = "list_organizations", tag = "registry", params(PageParams, OrganizationQuery),
    responses((status = 200, body = List<OrganizationView>)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    AppQuery(page): AppQuery<PageParams>,
    AppQuery(q): AppQuery<OrganizationQuery>,
) -> Result<Json<List<OrganizationView>>, AppError> {
    let page = service::list(
        &state.db,
        &who,
        OrganizationFilter { kind: q.kind },
        page.page()?,
    )
    .await?;
    Ok(Json(List::from_page(page, Into::into)))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}", operation_id = "get_organization", tag = "registry", params(("id" = Uuid, Path)),
    responses((status = 200, body = OrganizationView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<OrganizationView>, AppError> {
    Ok(Json(service::get(&state.db, &who, id).await?.into()))
}

/// Change an organization's details (owners and administrators).
#[utoipa::path(patch, path = "/api/v1/organizations/{id}", operation_id = "update_organization", tag = "registry", params(("id" = Uuid, Path)), request_body = UpdateOrganization,
    responses((status = 200, body = OrganizationView), (status = 404), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    AppJson(body): AppJson<UpdateOrganization>,
) -> Result<Json<OrganizationView>, AppError> {
    Ok(Json(
        service::update(&state.db, &who, id, body.parse()?)
            .await?
            .into(),
    ))
}
