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
use crate::domain::geo::Boundary;
use crate::domain::growing_area::{
    AreaCertificate, AreaScope, AreaStatus, parse_area_ha, parse_market,
};
use crate::domain::growing_area_code::ParsedCode;
use crate::domain::{GrowingAreaCode, ParseError, text};
use crate::error::{AppError, Problems};
use crate::services::growing_areas::{
    self as service, GrowingAreaChanges, GrowingAreaFilter, NewGrowingArea,
};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGrowingArea {
    /// The official code exactly as issued, e.g. `VN-66-650-24370-94-21`.
    pub code: String,
    pub scope: AreaScope,
    /// ISO 3166-1 alpha-2 market the export code was issued for (required for `export`).
    pub target_market: Option<String>,
    pub crop: String,
    pub variety: Option<String>,
    pub area_ha: Option<f64>,
    /// Authority that issued the code.
    pub issuer: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub boundary: Option<Boundary>,
    #[serde(default)]
    pub certificates: Vec<AreaCertificate>,
}

fn check_boundary(p: &mut Problems, b: Option<Boundary>) -> Option<Option<Boundary>> {
    p.check_opt("boundary", b, |b| b.validate().map(|()| b))
}

/// Most certificates one growing area lists.
const MAX_CERTIFICATES: usize = 20;

fn check_certificates(p: &mut Problems, certs: Vec<AreaCertificate>) -> Vec<AreaCertificate> {
    if certs.len() > MAX_CERTIFICATES {
        p.push(
            "certificates",
            ParseError::new(
                "too_many_certificates",
                format!("at most {MAX_CERTIFICATES} certificates"),
            ),
        );
    }
    for (i, c) in certs.iter().enumerate() {
        if let Err((field, e)) = c.validate() {
            p.push(&format!("certificates[{i}].{field}"), e);
        }
    }
    certs
}

impl CreateGrowingArea {
    pub(crate) fn parse(self) -> Result<NewGrowingArea, AppError> {
        let mut p = Problems::default();
        let code = p.check("code", GrowingAreaCode::parse(&self.code));
        let target_market =
            p.check_opt("target_market", self.target_market.as_deref(), parse_market);
        if self.scope == AreaScope::Export && self.target_market.is_none() {
            p.push(
                "target_market",
                ParseError::new(
                    "market_required",
                    "an export growing area names its target market",
                ),
            );
        }
        let crop = p.check("crop", text::line(&self.crop, 1, 100));
        let variety = p.check_opt("variety", self.variety.as_deref(), |s| {
            text::line(s, 1, 100)
        });
        let area_ha = p.check_opt("area_ha", self.area_ha, parse_area_ha);
        let issuer = p.check_opt("issuer", self.issuer.as_deref(), |s| text::line(s, 1, 200));
        if let (Some(i), Some(v)) = (self.issued_on, self.valid_until)
            && v < i
        {
            p.push(
                "valid_until",
                ParseError::new("date_order", "valid_until is before issued_on"),
            );
        }
        let boundary = check_boundary(&mut p, self.boundary);
        let certificates = check_certificates(&mut p, self.certificates);
        let (
            Some(code),
            Some(target_market),
            Some(crop),
            Some(variety),
            Some(area_ha),
            Some(issuer),
            Some(boundary),
        ) = (
            code,
            target_market,
            crop,
            variety,
            area_ha,
            issuer,
            boundary,
        )
        else {
            return Err(p.into_error());
        };
        p.finish()?;
        Ok(NewGrowingArea {
            code,
            scope: self.scope,
            target_market,
            crop,
            variety,
            area_ha,
            issuer,
            issued_on: self.issued_on,
            valid_until: self.valid_until,
            boundary,
            certificates,
        })
    }
}

/// What may change after registration; the code, scope and farm are fixed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGrowingArea {
    pub status: Option<AreaStatus>,
    pub variety: Option<String>,
    pub area_ha: Option<f64>,
    pub valid_until: Option<NaiveDate>,
    pub boundary: Option<Boundary>,
    /// Replaces the whole list.
    pub certificates: Option<Vec<AreaCertificate>>,
}

impl UpdateGrowingArea {
    fn parse(self) -> Result<GrowingAreaChanges, AppError> {
        let mut p = Problems::default();
        let c = GrowingAreaChanges {
            status: self.status,
            variety: p
                .check_opt("variety", self.variety.as_deref(), |s| {
                    text::line(s, 1, 100)
                })
                .flatten(),
            area_ha: p
                .check_opt("area_ha", self.area_ha, parse_area_ha)
                .flatten(),
            valid_until: self.valid_until,
            boundary: check_boundary(&mut p, self.boundary).flatten(),
            certificates: self.certificates.map(|c| check_certificates(&mut p, c)),
        };
        p.finish()?;
        Ok(c)
    }
}

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
    pub status: String,
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
            status: m.status,
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
