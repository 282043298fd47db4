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
use crate::domain::Reason;
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
    /// `pack`: a listing pack to upload by hand, then the live URL recorded here; `api`: pushed
    /// through the marketplace's seller API (a pack can still be made).
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
    /// The marketplace's item id, once pushed through its API.
    pub external_id: Option<String>,
    pub exported_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Where the marketplace reviews items before sale (Tiki): how its review stands.
    pub review: Option<ReviewView>,
}

/// A marketplace's review of a pushed listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    /// The marketplace's word (`queuing`, `awaiting_approve`, `approved`, `rejected`…).
    pub state: String,
    /// The marketplace's reason, when it rejected the listing.
    pub detail: Option<String>,
    /// When the marketplace was last asked.
    pub checked_at: Option<chrono::DateTime<chrono::Utc>>,
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
        external_id: c.row.external_id,
        exported_at: c.row.exported_at,
        review: c.row.review_state.map(|state| ReviewView {
            state,
            detail: c.row.review_detail,
            checked_at: c.row.review_checked_at,
        }),
    }
}

fn marketplace_named(field: &str, id: &str) -> Result<&'static dyn Marketplace, AppError> {
    marketplace::by_id(id).ok_or_else(|| {
        let known: Vec<&str> = marketplace::registry().map(|m| m.id()).collect();
        AppError::validation(
            field,
            ParseError::new(
                Reason::UnknownMarketplace,
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

#[utoipa::path(get, path = "/api/v1/marketplaces", operation_id = "list_marketplaces", tag = "marketplaces", responses((status = 200, body = Vec<MarketplaceView>)))]
pub async fn marketplaces(_who: Principal) -> Json<Vec<MarketplaceView>> {
    Json(
        marketplace::registry()
            .map(|m| MarketplaceView {
                id: m.id(),
                name: m.name(),
                kind: if m.api().is_some() { "api" } else { "pack" },
            })
            .collect(),
    )
}

/// Creates the product's listing on a marketplace; the answer says what that marketplace would
/// still refuse.
#[utoipa::path(post, path = "/api/v1/products/{id}/listings", operation_id = "create_listing", tag = "marketplaces", params(("id" = Uuid, Path)), request_body = CreateListing,
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

#[utoipa::path(get, path = "/api/v1/organizations/{id}/listings", operation_id = "list_listings", tag = "marketplaces", params(("id" = Uuid, Path), ListingQuery), responses((status = 200, body = Vec<ListingView>), (status = 404)))]
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

#[utoipa::path(get, path = "/api/v1/listings/{id}", operation_id = "get_listing", tag = "marketplaces", params(("id" = Uuid, Path)), responses((status = 200, body = ListingView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<ListingView>, AppError> {
    Ok(Json(view(
        service::get(&state.db, &state.settings.public_base_url, &who, id).await?,
    )))
}

#[utoipa::path(patch, path = "/api/v1/listings/{id}", operation_id = "update_listing", tag = "marketplaces", params(("id" = Uuid, Path)), request_body = UpdateListing,
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
    let updated = service::update(
        &state.db,
        &state.settings.public_base_url,
        &who,
        id,
        changes,
    )
    .await?;
    state.product_changed(updated.row.product_id);
    Ok(Json(view(updated)))
}

/// Builds the listing pack for a marketplace and stores it; download it from the file's `url`.
/// Every listing must pass the marketplace's rules: otherwise 422 names each problem as
/// `listings[i].<field>`.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/listing-packs", operation_id = "export_listing_pack", tag = "marketplaces", params(("id" = Uuid, Path)), request_body = CreatePack,
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountBody {
    /// The shop or seller id on the marketplace.
    pub shop_id: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
}

/// Connects the organization's shop on an API marketplace (tokens are stored, never shown).
#[utoipa::path(put, path = "/api/v1/organizations/{id}/marketplace-accounts/{marketplace}", operation_id = "set_marketplace_account", tag = "marketplaces",
    params(("id" = Uuid, Path), ("marketplace" = String, Path)), request_body = AccountBody,
    responses((status = 204), (status = 404), (status = 409, description = "the marketplace has no seller API"), (status = 422)))]
pub async fn set_account(
    State(state): State<AppState>,
    who: Principal,
    axum::extract::Path((org, market)): axum::extract::Path<(String, String)>,
    AppJson(body): AppJson<AccountBody>,
) -> Result<StatusCode, AppError> {
    let org = Uuid::parse_str(&org).map_err(|_| AppError::NotFound("organization"))?;
    let market = marketplace::by_id(&market).ok_or(AppError::NotFound("marketplace"))?;
    let text = |field: &str, v: &str| {
        crate::domain::text::line(v, 1, 2000).map_err(|e| AppError::validation(field, e))
    };
    let account = crate::marketplace::api::Account {
        shop_id: text("shop_id", &body.shop_id)?,
        access_token: text("access_token", &body.access_token)?,
        refresh_token: body
            .refresh_token
            .as_deref()
            .map(|t| text("refresh_token", t))
            .transpose()?,
    };
    crate::services::outbox::set_account(&state.outbox, &who, org, market, account).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A push of one listing version.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushView {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub marketplace: String,
    /// `pending`, `running`, `done` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    pub last_error: Option<String>,
    /// The marketplace's item id, once done.
    pub external_id: Option<String>,
    pub done_at: Option<chrono::DateTime<chrono::Utc>>,
    pub history: Vec<AttemptView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub attempt: i32,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `ok`, `retry`, `failed`, or none when the process stopped mid-request.
    pub outcome: Option<String>,
    pub http_status: Option<i32>,
    pub detail: Option<String>,
}

fn push_view(
    j: entity::outbox_job::Model,
    attempts: Vec<entity::outbox_attempt::Model>,
) -> PushView {
    PushView {
        id: j.id,
        listing_id: j.listing_id,
        marketplace: j.marketplace,
        status: j.status.as_str().to_owned(),
        attempts: j.attempts,
        next_attempt_at: j.next_attempt_at,
        last_error: j.last_error,
        external_id: j.external_id,
        done_at: j.done_at,
        history: attempts
            .into_iter()
            .map(|a| AttemptView {
                attempt: a.attempt,
                started_at: a.started_at,
                finished_at: a.finished_at,
                outcome: a.outcome,
                http_status: a.http_status,
                detail: a.detail,
            })
            .collect(),
    }
}

/// Queues the listing's current version for the marketplace's API. Queuing a version again
/// returns the same push: a version is never sent twice.
#[utoipa::path(post, path = "/api/v1/listings/{id}/pushes", operation_id = "push_listing", tag = "marketplaces", params(("id" = Uuid, Path)),
    responses((status = 202, body = PushView), (status = 404), (status = 409, description = "no seller API, no credentials or no connected shop"), (status = 422, description = "the marketplace would refuse the listing")))]
pub async fn push(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<(StatusCode, Json<PushView>), AppError> {
    let job =
        crate::services::outbox::enqueue(&state.outbox, &state.settings.public_base_url, &who, id)
            .await?;
    Ok((StatusCode::ACCEPTED, Json(push_view(job, Vec::new()))))
}

#[utoipa::path(get, path = "/api/v1/listings/{id}/pushes", operation_id = "list_listing_pushes", tag = "marketplaces", params(("id" = Uuid, Path)), responses((status = 200, body = Vec<PushView>), (status = 404)))]
pub async fn pushes(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<Vec<PushView>>, AppError> {
    let rows = crate::services::outbox::pushes(&state.db, &who, id).await?;
    Ok(Json(
        rows.into_iter().map(|(j, a)| push_view(j, a)).collect(),
    ))
}

/// Gives a failed push a new round of attempts.
#[utoipa::path(post, path = "/api/v1/pushes/{id}/retry", operation_id = "retry_push", tag = "marketplaces", params(("id" = Uuid, Path)), responses((status = 202, body = PushView), (status = 404), (status = 409)))]
pub async fn retry(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<(StatusCode, Json<PushView>), AppError> {
    let job = crate::services::outbox::retry(&state.outbox, &who, id).await?;
    Ok((StatusCode::ACCEPTED, Json(push_view(job, Vec::new()))))
}
