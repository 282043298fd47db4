//! `/api/v1/products/{id}/ocop-certifications`, `/api/v1/ocop-certifications/{id}`

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use entity::ocop_certification::Model;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{AppJson, AppQuery, PathId};
use super::{List, PageParams};
use crate::auth::Principal;
use crate::domain::ocop::{self, CertificationStatus, OcopLevel, OcopStars};
use crate::domain::text;
use crate::error::{AppError, Problems};
use crate::services::certifications::{self as service, NewCertification};
use crate::services::today;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCertification {
    /// 3, 4 or 5.
    pub stars: i64,
    /// Score on the 100-point scale; must fall in the band of the stars.
    pub score: Option<i64>,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    /// e.g. "UBND tỉnh Đắk Lắk".
    pub issuing_body: String,
    pub level: OcopLevel,
}

impl CreateCertification {
    pub(crate) fn parse(self) -> Result<NewCertification, AppError> {
        let mut p = Problems::default();
        let stars = p.check("stars", OcopStars::parse(self.stars));
        if let Some(s) = stars
            && let Err(e) = ocop::check_level(s, self.level)
        {
            p.push("level", e);
        }
        let score = match (stars, self.score) {
            (Some(s), Some(score)) => p.check("score", ocop::check_score(s, score)).map(Some),
            _ => Some(None),
        };
        let decision_number = p.check("decision_number", text::line(&self.decision_number, 1, 64));
        let issuing_body = p.check("issuing_body", text::line(&self.issuing_body, 1, 200));
        let (Some(stars), Some(score), Some(decision_number), Some(issuing_body)) =
            (stars, score, decision_number, issuing_body)
        else {
            return Err(p.into_error());
        };
        p.finish()?;
        Ok(NewCertification {
            stars,
            score,
            decision_number,
            decision_date: self.decision_date,
            issuing_body,
            level: self.level,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificationView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub product_id: Uuid,
    pub stars: i16,
    pub score: Option<i16>,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub issuing_body: String,
    pub level: String,
    /// Decision date + 36 months.
    pub valid_until: NaiveDate,
    /// `valid` or `expired`, as of today.
    pub status: CertificationStatus,
    pub created_at: DateTime<Utc>,
}

impl From<Model> for CertificationView {
    fn from(m: Model) -> Self {
        Self {
            status: ocop::status_on(m.valid_until, today()),
            id: m.id,
            organization_id: m.organization_id,
            product_id: m.product_id,
            stars: m.stars,
            score: m.score,
            decision_number: m.decision_number,
            decision_date: m.decision_date,
            issuing_body: m.issuing_body,
            level: m.level,
            valid_until: m.valid_until,
            created_at: m.created_at,
        }
    }
}

/// Record an OCOP rating decision for a product.
#[utoipa::path(post, path = "/api/v1/products/{id}/ocop-certifications", operation_id = "create_ocop_certification", tag = "registry", params(("id" = Uuid, Path, description = "product")),
    request_body = CreateCertification, responses((status = 201, body = CertificationView), (status = 404), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    PathId(product_id): PathId,
    AppJson(body): AppJson<CreateCertification>,
) -> Result<(StatusCode, Json<CertificationView>), AppError> {
    let row = service::create(&state.db, &who, product_id, body.parse()?).await?;
    state.product_changed(product_id);
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(get, path = "/api/v1/products/{id}/ocop-certifications", operation_id = "list_ocop_certifications", tag = "registry", params(("id" = Uuid, Path, description = "product"), PageParams),
    responses((status = 200, body = List<CertificationView>), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    PathId(product_id): PathId,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<Json<List<CertificationView>>, AppError> {
    let page = service::list(&state.db, &who, product_id, page.page()?).await?;
    Ok(Json(List::from_page(page, Into::into)))
}

#[utoipa::path(get, path = "/api/v1/ocop-certifications/{id}", operation_id = "get_ocop_certification", tag = "registry", params(("id" = Uuid, Path)),
    responses((status = 200, body = CertificationView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<CertificationView>, AppError> {
    Ok(Json(service::get(&state.db, &who, id).await?.into()))
}
