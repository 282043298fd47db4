//! `/api/v1/products/{id}/batches`, `/api/v1/batches/{id}`

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use entity::batch::Model;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{AppJson, AppQuery, PathId};
use super::{List, PageParams};
use crate::auth::Principal;
use crate::domain::Reason;
use crate::domain::batch::BatchStatus;
use crate::domain::{LotCode, ParseError, text};
use crate::error::{AppError, Problems};
use crate::services::batches::{self as service, BatchChanges, BatchFilter, NewBatch};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBatch {
    /// GS1 AI(10) lot code, unique per product (upper case keeps QR codes small).
    pub lot_code: String,
    /// Growing area the batch comes from (optional for non-crop products).
    pub growing_area_id: Option<Uuid>,
    pub quantity: f64,
    /// Unit of the quantity, e.g. "kg", "hũ".
    pub unit: String,
    pub harvested_on: Option<NaiveDate>,
    pub produced_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
}

/// Largest quantity accepted for one batch, to catch typing slips.
const MAX_QUANTITY: f64 = 1e9;

fn quantity(v: f64) -> Result<f64, ParseError> {
    if v.is_finite() && v > 0.0 && v <= MAX_QUANTITY {
        Ok(v)
    } else {
        Err(ParseError::new(
            Reason::QuantityRange,
            "a quantity is more than 0 and at most 1,000,000,000",
        ))
    }
}

impl CreateBatch {
    pub(crate) fn parse(self) -> Result<NewBatch, AppError> {
        let mut p = Problems::default();
        let lot_code = p.check("lot_code", LotCode::parse(&self.lot_code));
        let qty = p.check("quantity", quantity(self.quantity));
        let unit = p.check("unit", text::line(&self.unit, 1, 32));
        let (Some(lot_code), Some(quantity), Some(unit)) = (lot_code, qty, unit) else {
            return Err(p.into_error());
        };
        Ok(NewBatch {
            lot_code,
            growing_area_id: self.growing_area_id,
            quantity,
            unit,
            harvested_on: self.harvested_on,
            produced_on: self.produced_on,
            expires_on: self.expires_on,
        })
    }
}

/// Seal a batch (`status: sealed`), or correct quantity and expiry while it is open.
/// A recall is a `recall` diary event, not a status change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBatch {
    pub status: Option<BatchStatus>,
    pub quantity: Option<f64>,
    pub expires_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub product_id: Uuid,
    pub growing_area_id: Option<Uuid>,
    pub lot_code: String,
    pub quantity: f64,
    pub unit: String,
    pub harvested_on: Option<NaiveDate>,
    pub produced_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub status: BatchStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Model> for BatchView {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            organization_id: m.organization_id,
            product_id: m.product_id,
            growing_area_id: m.growing_area_id,
            lot_code: m.lot_code,
            quantity: m.quantity,
            unit: m.unit,
            harvested_on: m.harvested_on,
            produced_on: m.produced_on,
            expires_on: m.expires_on,
            status: m.status.into(),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    pub status: Option<BatchStatus>,
}

/// Open a batch of a product.
#[utoipa::path(post, path = "/api/v1/products/{id}/batches", operation_id = "create_batch", tag = "registry", params(("id" = Uuid, Path, description = "product")),
    request_body = CreateBatch, responses((status = 201, body = BatchView), (status = 404), (status = 409), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    PathId(product_id): PathId,
    AppJson(body): AppJson<CreateBatch>,
) -> Result<(StatusCode, Json<BatchView>), AppError> {
    let row = service::create(&state.db, &who, product_id, body.parse()?).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(get, path = "/api/v1/products/{id}/batches", operation_id = "list_batches", tag = "registry", params(("id" = Uuid, Path, description = "product"), PageParams, BatchQuery),
    responses((status = 200, body = List<BatchView>), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    PathId(product_id): PathId,
    AppQuery(page): AppQuery<PageParams>,
    AppQuery(q): AppQuery<BatchQuery>,
) -> Result<Json<List<BatchView>>, AppError> {
    let page = service::list(
        &state.db,
        &who,
        product_id,
        BatchFilter { status: q.status },
        page.page()?,
    )
    .await?;
    Ok(Json(List::from_page(page, Into::into)))
}

#[utoipa::path(get, path = "/api/v1/batches/{id}", operation_id = "get_batch", tag = "registry", params(("id" = Uuid, Path)), responses((status = 200, body = BatchView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<BatchView>, AppError> {
    Ok(Json(service::get(&state.db, &who, id).await?.into()))
}

#[utoipa::path(patch, path = "/api/v1/batches/{id}", operation_id = "update_batch", tag = "registry", params(("id" = Uuid, Path)), request_body = UpdateBatch,
    responses((status = 200, body = BatchView), (status = 404), (status = 409), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    AppJson(body): AppJson<UpdateBatch>,
) -> Result<Json<BatchView>, AppError> {
    let mut p = Problems::default();
    let qty = p.check_opt("quantity", body.quantity, quantity).flatten();
    p.finish()?;
    let changes = BatchChanges {
        status: body.status,
        quantity: qty,
        expires_on: body.expires_on,
    };
    Ok(Json(
        service::update(&state.db, &who, id, changes).await?.into(),
    ))
}
