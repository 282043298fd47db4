//! Marketplace listings: create, list with status per marketplace, change price, stock,
//! parcel or live URL, and export listing packs.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{AppJson, AppQuery, PathId};
use super::files::{FileView, view as file_view};
use crate::auth::Principal;
use crate::domain::ParseError;
use crate::error::AppError;
use crate::marketplace::{self, Listing, Marketplace, Package, Problem};
use crate::services::listings::{
    self as service, Current, ListingChanges, ListingStatus, NewListing,
};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct MarketplaceView {
    pub id: &'static str,
    pub name: &'static str,
    /// `pack`: a listing pack to upload by hand, then the live URL recorded here.
    pub kind: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingView {
    pub id: Uuid,
    pub product_id: Uuid,
    pub batch_id: Option<Uuid>,
    pub marketplace: String,
    pub status: ListingStatus,
    /// What the marketplace would refuse; empty when ready.
    pub problems: Vec<Problem>,
    /// The listing as it would be exported now.
    pub listing: Listing,
    pub live_url: Option<String>,
    pub exported_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn view(c: Current) -> ListingView {
    ListingView {
        id: c.row.id,
        product_id: c.row.product_id,
        batch_id: c.row.batch_id,
        marketplace: c.row.marketplace,
        status: c.status,
        problems: c.problems,
        listing: c.listing,
        live_url: c.row.live_url,
        exported_at: c.row.exported_at,
    }
}

fn marketplace_named(field: &str, id: &str) -> Result<&'static dyn Marketplace, AppError> {
    marketplace::by_id(id).ok_or_else(|| {
        let known: Vec<&str> = marketplace::registry().iter().map(|m| m.id()).collect();
        AppError::validation(
            field,
            ParseError::new(
                "unknown_marketplace",
                format!("one of {}", known.join(", ")),
            ),
        )
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateListing {
    /// `postmart` or `voso`.
    pub marketplace: String,
    /// Price in đồng.
    pub price_vnd: i64,
    pub stock: i64,
    pub package: Option<Package>,
    /// A batch of the product, whose lot and growing area the description names.
    pub batch_id: Option<Uuid>,
    /// Your code for the item [default: derived from the product].
    pub sku: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateListing {
    pub price_vnd: Option<i64>,
    pub stock: Option<i64>,
    pub package: Option<Package>,
    /// The product page on the marketplace, once listed (checked against its URL pattern).
    pub live_url: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListingQuery {
    pub marketplace: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePack {
    pub marketplace: String,
    /// Only these products' listings [default: all of the marketplace's].
    #[serde(default)]
    pub product_ids: Vec<Uuid>,
}

#[utoipa::path(get, path = "/api/v1/marketplaces", tag = "marketplaces", responses((status = 200, body = Vec<MarketplaceView>)))]
pub async fn marketplaces(_who: Principal) -> Json<Vec<MarketplaceView>> {
    Json(
        marketplace::registry()
            .iter()
            .map(|m| MarketplaceView {
                id: m.id(),
                name: m.name(),
                kind: "pack",
            })
            .collect(),
    )
}

/// Creates the product's listing on a marketplace; the answer says what that marketplace would
/// still refuse.
#[utoipa::path(post, path = "/api/v1/products/{id}/listings", tag = "marketplaces", params(("id" = Uuid, Path)), request_body = CreateListing,
    responses((status = 201, body = ListingView), (status = 404), (status = 409, description = "the product already has a listing there"), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    PathId(product): PathId,
    AppJson(body): AppJson<CreateListing>,
) -> Result<(StatusCode, Json<ListingView>), AppError> {
    let new = NewListing {
        marketplace: marketplace_named("marketplace", &body.marketplace)?,
        batch_id: body.batch_id,
        sku: body.sku,
        price_vnd: body.price_vnd,
        stock: body.stock,
        package: body.package,
    };
    let c = service::create(
        &state.db,
        &state.settings.public_base_url,
        &who,
        product,
        new,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view(c))))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}/listings", tag = "marketplaces", params(("id" = Uuid, Path), ListingQuery), responses((status = 200, body = Vec<ListingView>), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    PathId(org): PathId,
    AppQuery(q): AppQuery<ListingQuery>,
) -> Result<Json<Vec<ListingView>>, AppError> {
    if let Some(m) = &q.marketplace {
        marketplace_named("marketplace", m)?;
    }
    let rows = service::list(
        &state.db,
        &state.settings.public_base_url,
        &who,
        org,
        q.marketplace.as_deref(),
    )
    .await?;
    Ok(Json(rows.into_iter().map(view).collect()))
}

#[utoipa::path(get, path = "/api/v1/listings/{id}", tag = "marketplaces", params(("id" = Uuid, Path)), responses((status = 200, body = ListingView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<ListingView>, AppError> {
    Ok(Json(view(
        service::get(&state.db, &state.settings.public_base_url, &who, id).await?,
    )))
}

#[utoipa::path(patch, path = "/api/v1/listings/{id}", tag = "marketplaces", params(("id" = Uuid, Path)), request_body = UpdateListing,
    responses((status = 200, body = ListingView), (status = 404), (status = 422, description = "bad amounts, or a live URL that is not a product page of that marketplace")))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    AppJson(body): AppJson<UpdateListing>,
) -> Result<Json<ListingView>, AppError> {
    let changes = ListingChanges {
        price_vnd: body.price_vnd,
        stock: body.stock,
        package: body.package,
        live_url: body.live_url,
    };
    Ok(Json(view(
        service::update(
            &state.db,
            &state.settings.public_base_url,
            &who,
            id,
            changes,
        )
        .await?,
    )))
}

/// Builds the listing pack for a marketplace and stores it; download it from the file's `url`.
/// Every listing must pass the marketplace's rules: otherwise 422 names each problem as
/// `listings[i].<field>`.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/listing-packs", tag = "marketplaces", params(("id" = Uuid, Path)), request_body = CreatePack,
    responses((status = 201, body = FileView), (status = 404), (status = 409, description = "no listing to export"), (status = 422), (status = 503)))]
pub async fn export_pack(
    State(state): State<AppState>,
    who: Principal,
    PathId(org): PathId,
    AppJson(body): AppJson<CreatePack>,
) -> Result<(StatusCode, Json<FileView>), AppError> {
    let market = marketplace_named("marketplace", &body.marketplace)?;
    let (file, _) = service::export_pack(
        &state.blobs,
        &state.settings.public_base_url,
        &who,
        org,
        market,
        &body.product_ids,
        &|_, _, _| {},
    )
    .await?;
    Ok((StatusCode::CREATED, Json(file_view(file))))
}
