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
use crate::domain::contact::{Email, Phone};
use crate::domain::organization::OrganizationKind;
use crate::domain::tax_code::TaxCodeKind;
use crate::domain::{CommuneCode, ParseError, ProvinceCode, TaxCode, text};
use crate::error::{AppError, Problems};
use crate::services::organizations::{
    self as service, NewOrganization, OrganizationChanges, OrganizationFilter,
};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    pub kind: OrganizationKind,
    /// Registered name, in Vietnamese.
    pub name: String,
    /// Mã số thuế: 10 digits, `NNNNNNNNNN-BBB` for a branch, or a 12-digit personal id
    /// (household businesses and farms only).
    pub tax_code: Option<String>,
    pub address: String,
    /// Province code (2 digits).
    pub province_code: Option<String>,
    /// Commune code (5 digits).
    pub commune_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    /// GS1 company prefix (6–12 digits), when the organization has one.
    pub gs1_company_prefix: Option<String>,
}

fn parse_website(s: &str) -> Result<url::Url, ParseError> {
    url::Url::parse(s.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            ParseError::new(
                "url_format",
                "a website is an http(s) address, e.g. https://htx.vn",
            )
        })
}

fn parse_gs1_prefix(s: &str) -> Result<String, ParseError> {
    let s = s.trim();
    if (6..=12).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_owned())
    } else {
        Err(ParseError::new(
            "gs1_prefix_format",
            "a GS1 company prefix is 6 to 12 digits",
        ))
    }
}

impl CreateOrganization {
    pub(crate) fn parse(self) -> Result<NewOrganization, AppError> {
        let mut p = Problems::default();
        let name = p.check("name", text::line(&self.name, 1, 200));
        let address = p.check("address", text::clean(&self.address, 1, 500));
        let tax_code = p.check_opt("tax_code", self.tax_code.as_deref(), TaxCode::parse);
        let province_code = p.check_opt(
            "province_code",
            self.province_code.as_deref(),
            ProvinceCode::parse,
        );
        let commune_code = p.check_opt(
            "commune_code",
            self.commune_code.as_deref(),
            CommuneCode::parse,
        );
        let phone = p.check_opt("phone", self.phone.as_deref(), Phone::parse);
        let email = p.check_opt("email", self.email.as_deref(), Email::parse);
        let website = p.check_opt("website", self.website.as_deref(), parse_website);
        let gs1 = p.check_opt(
            "gs1_company_prefix",
            self.gs1_company_prefix.as_deref(),
            parse_gs1_prefix,
        );
        let (
            Some(name),
            Some(address),
            Some(tax_code),
            Some(province_code),
            Some(commune_code),
            Some(phone),
            Some(email),
            Some(website),
            Some(gs1_company_prefix),
        ) = (
            name,
            address,
            tax_code,
            province_code,
            commune_code,
            phone,
            email,
            website,
            gs1,
        )
        else {
            return Err(p.into_error());
        };
        Ok(NewOrganization {
            kind: self.kind,
            name,
            tax_code,
            address,
            province_code,
            commune_code,
            phone,
            email,
            website,
            gs1_company_prefix,
        })
    }
}

/// Fields to change; absent fields stay as they are. The kind cannot change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    pub name: Option<String>,
    pub tax_code: Option<String>,
    pub address: Option<String>,
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub gs1_company_prefix: Option<String>,
}

impl UpdateOrganization {
    pub(crate) fn parse(self) -> Result<OrganizationChanges, AppError> {
        let mut p = Problems::default();
        let c = OrganizationChanges {
            name: p
                .check_opt("name", self.name.as_deref(), |s| text::line(s, 1, 200))
                .flatten(),
            tax_code: p
                .check_opt("tax_code", self.tax_code.as_deref(), TaxCode::parse)
                .flatten(),
            address: p
                .check_opt("address", self.address.as_deref(), |s| {
                    text::clean(s, 1, 500)
                })
                .flatten(),
            province_code: p
                .check_opt(
                    "province_code",
                    self.province_code.as_deref(),
                    ProvinceCode::parse,
                )
                .flatten(),
            commune_code: p
                .check_opt(
                    "commune_code",
                    self.commune_code.as_deref(),
                    CommuneCode::parse,
                )
                .flatten(),
            phone: p
                .check_opt("phone", self.phone.as_deref(), Phone::parse)
                .flatten(),
            email: p
                .check_opt("email", self.email.as_deref(), Email::parse)
                .flatten(),
            website: p
                .check_opt("website", self.website.as_deref(), parse_website)
                .flatten(),
            gs1_company_prefix: p
                .check_opt(
                    "gs1_company_prefix",
                    self.gs1_company_prefix.as_deref(),
                    parse_gs1_prefix,
                )
                .flatten(),
        };
        p.finish()?;
        Ok(c)
    }
}

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
