//! `/api/v1/organizations/{id}/products`, `/api/v1/products/{id}`

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use entity::ocop_certification;
use entity::product::Model;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{AppJson, AppQuery, PathId};
use super::{List, PageParams};
use crate::auth::Principal;
use crate::domain::Reason;
use crate::domain::ocop::OcopGroup;
use crate::domain::{Gtin, ParseError, text};
use crate::error::{AppError, Problems};
use crate::services::products::{self as service, NewProduct, ProductChanges};
use crate::services::today;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    /// Name in Vietnamese, as on the label.
    pub name: String,
    pub name_en: Option<String>,
    pub ocop_group: Option<OcopGroup>,
    pub ocop_subgroup: Option<String>,
    /// GTIN-8/12/13/14 with a valid check digit; stored and returned as 14 digits.
    pub gtin: Option<String>,
    /// Sales unit, e.g. "hũ", "chai", "hộp".
    pub unit: String,
    pub net_weight_g: Option<f64>,
    pub net_volume_ml: Option<f64>,
    pub shelf_life_days: Option<i32>,
    pub description: Option<String>,
    /// Where a scan of this product's stamps, lots and GTIN is sent by default (GS1
    /// `defaultLink`, a 307), e.g. its marketplace listing: an `https` URL elsewhere than this
    /// service. Without it the traceability page is the default. A warning (void stamp,
    /// recalled lot, a scan that looks copied) is always shown here instead.
    pub default_link: Option<String>,
}

/// Heaviest or largest single item accepted (100 kg / 100 l), to catch unit mistakes.
const MAX_NET: f64 = 100_000.0;

fn net_amount(v: f64) -> Result<f64, ParseError> {
    if v.is_finite() && v > 0.0 && v <= MAX_NET {
        Ok(v)
    } else {
        Err(ParseError::new(
            Reason::NetAmountRange,
            format!("more than 0 and at most {MAX_NET}"),
        ))
    }
}

/// A default link: an absolute `https` URL of at most 2,048 characters, without credentials.
fn default_link(s: &str) -> Result<url::Url, ParseError> {
    let bad = |m: &str| ParseError::new(Reason::DefaultLink, m.to_owned());
    if s.len() > 2048 {
        return Err(bad("at most 2048 characters"));
    }
    let u = url::Url::parse(s.trim()).map_err(|_| bad("an absolute URL, https://…"))?;
    if u.scheme() != "https" || u.host_str().is_none() {
        return Err(bad("an https:// URL"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(bad("a URL without a user name or password"));
    }
    Ok(u)
}

/// A default link on this service's own host would send a scan back to the resolver.
fn not_ours(state: &AppState, link: Option<&url::Url>) -> Result<(), AppError> {
    match link {
        Some(u) if u.host_str() == state.settings.public_base_url.host_str() => {
            Err(AppError::validation(
                "default_link",
                ParseError::new(
                    Reason::DefaultLink,
                    "must be a page elsewhere: this service's own pages are already the default",
                ),
            ))
        }
        _ => Ok(()),
    }
}

fn shelf_life(v: i32) -> Result<i32, ParseError> {
    if (1..=3650).contains(&v) {
        Ok(v)
    } else {
        Err(ParseError::new(
            Reason::ShelfLifeRange,
            "from 1 to 3650 days",
        ))
    }
}

impl CreateProduct {
    pub(crate) fn parse(self) -> Result<NewProduct, AppError> {
        let mut p = Problems::default();
        let name = p.check("name", text::line(&self.name, 1, 200));
        let name_en = p.check_opt("name_en", self.name_en.as_deref(), |s| {
            text::line(s, 1, 200)
        });
        let ocop_subgroup = p.check_opt("ocop_subgroup", self.ocop_subgroup.as_deref(), |s| {
            text::line(s, 1, 100)
        });
        let gtin = p.check_opt("gtin", self.gtin.as_deref(), Gtin::parse);
        let unit = p.check("unit", text::line(&self.unit, 1, 32));
        let net_weight_g = p.check_opt("net_weight_g", self.net_weight_g, net_amount);
        let net_volume_ml = p.check_opt("net_volume_ml", self.net_volume_ml, net_amount);
        let shelf_life_days = p.check_opt("shelf_life_days", self.shelf_life_days, shelf_life);
        let description = p.check_opt("description", self.description.as_deref(), |s| {
            text::clean(s, 1, 5000)
        });
        let link = p.check_opt("default_link", self.default_link.as_deref(), default_link);
        let (
            Some(name),
            Some(name_en),
            Some(ocop_subgroup),
            Some(gtin),
            Some(unit),
            Some(net_weight_g),
            Some(net_volume_ml),
            Some(shelf_life_days),
            Some(description),
            Some(default_link),
        ) = (
            name,
            name_en,
            ocop_subgroup,
            gtin,
            unit,
            net_weight_g,
            net_volume_ml,
            shelf_life_days,
            description,
            link,
        )
        else {
            return Err(p.into_error());
        };
        Ok(NewProduct {
            name,
            name_en,
            ocop_group: self.ocop_group,
            ocop_subgroup,
            gtin,
            unit,
            net_weight_g,
            net_volume_ml,
            shelf_life_days,
            description,
            default_link,
        })
    }
}

/// Fields to change. A GTIN can be added to a product that has none, never changed.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub ocop_group: Option<OcopGroup>,
    pub ocop_subgroup: Option<String>,
    pub gtin: Option<String>,
    pub unit: Option<String>,
    pub net_weight_g: Option<f64>,
    pub net_volume_ml: Option<f64>,
    pub shelf_life_days: Option<i32>,
    pub description: Option<String>,
    /// A new default link; `""` removes it (scans then open the traceability page).
    pub default_link: Option<String>,
}

impl UpdateProduct {
    fn parse(self) -> Result<ProductChanges, AppError> {
        let mut p = Problems::default();
        let c = ProductChanges {
            name: p
                .check_opt("name", self.name.as_deref(), |s| text::line(s, 1, 200))
                .flatten(),
            name_en: p
                .check_opt("name_en", self.name_en.as_deref(), |s| {
                    text::line(s, 1, 200)
                })
                .flatten(),
            ocop_group: self.ocop_group,
            ocop_subgroup: p
                .check_opt("ocop_subgroup", self.ocop_subgroup.as_deref(), |s| {
                    text::line(s, 1, 100)
                })
                .flatten(),
            gtin: p
                .check_opt("gtin", self.gtin.as_deref(), Gtin::parse)
                .flatten(),
            unit: p
                .check_opt("unit", self.unit.as_deref(), |s| text::line(s, 1, 32))
                .flatten(),
            net_weight_g: p
                .check_opt("net_weight_g", self.net_weight_g, net_amount)
                .flatten(),
            net_volume_ml: p
                .check_opt("net_volume_ml", self.net_volume_ml, net_amount)
                .flatten(),
            shelf_life_days: p
                .check_opt("shelf_life_days", self.shelf_life_days, shelf_life)
                .flatten(),
            description: p
                .check_opt("description", self.description.as_deref(), |s| {
                    text::clean(s, 1, 5000)
                })
                .flatten(),
            default_link: match self.default_link.as_deref().map(str::trim) {
                None => None,
                Some("") => Some(None),
                Some(s) => p.check("default_link", default_link(s)).map(Some),
            },
        };
        p.finish()?;
        Ok(c)
    }
}

/// The OCOP rating in force today.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentOcop {
    pub certification_id: Uuid,
    pub stars: i16,
    pub decision_number: String,
    pub valid_until: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub name_en: Option<String>,
    pub ocop_group: Option<String>,
    pub ocop_subgroup: Option<String>,
    pub gtin: Option<String>,
    pub unit: String,
    pub net_weight_g: Option<f64>,
    pub net_volume_ml: Option<f64>,
    pub shelf_life_days: Option<i32>,
    pub description: Option<String>,
    pub default_link: Option<String>,
    /// The rating in force today; absent when none is (expired ratings are never current).
    pub ocop: Option<CurrentOcop>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(m: Model, current: &mut HashMap<Uuid, ocop_certification::Model>) -> ProductView {
    let ocop = current.remove(&m.id).map(|c| CurrentOcop {
        certification_id: c.id,
        stars: c.stars,
        decision_number: c.decision_number,
        valid_until: c.valid_until,
    });
    ProductView {
        id: m.id,
        organization_id: m.organization_id,
        name: m.name,
        name_en: m.name_en,
        ocop_group: m.ocop_group,
        ocop_subgroup: m.ocop_subgroup,
        gtin: m.gtin,
        unit: m.unit,
        net_weight_g: m.net_weight_g,
        net_volume_ml: m.net_volume_ml,
        shelf_life_days: m.shelf_life_days,
        description: m.description,
        default_link: m.default_link,
        ocop,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

async fn one(state: &AppState, m: Model) -> Result<ProductView, AppError> {
    let mut current = service::current_certifications(state.db.read(), &[m.id], today()).await?;
    Ok(view(m, &mut current))
}

#[utoipa::path(post, path = "/api/v1/organizations/{id}/products", operation_id = "create_product", tag = "registry", params(("id" = Uuid, Path, description = "organization")),
    request_body = CreateProduct, responses((status = 201, body = ProductView), (status = 404), (status = 409), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    PathId(organization_id): PathId,
    AppJson(body): AppJson<CreateProduct>,
) -> Result<(StatusCode, Json<ProductView>), AppError> {
    let new = body.parse()?;
    not_ours(&state, new.default_link.as_ref())?;
    let row = service::create(&state.db, &who, organization_id, new).await?;
    Ok((StatusCode::CREATED, Json(view(row, &mut HashMap::new()))))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}/products", operation_id = "list_products", tag = "registry", params(("id" = Uuid, Path, description = "organization"), PageParams),
    responses((status = 200, body = List<ProductView>), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    PathId(organization_id): PathId,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<Json<List<ProductView>>, AppError> {
    let page = service::list(&state.db, &who, organization_id, page.page()?).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|p| p.id).collect();
    let mut current = service::current_certifications(state.db.read(), &ids, today()).await?;
    Ok(Json(List::from_page(page, |m| view(m, &mut current))))
}

#[utoipa::path(get, path = "/api/v1/products/{id}", operation_id = "get_product", tag = "registry", params(("id" = Uuid, Path)), responses((status = 200, body = ProductView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<ProductView>, AppError> {
    let row = service::get(&state.db, &who, id).await?;
    Ok(Json(one(&state, row).await?))
}

#[utoipa::path(patch, path = "/api/v1/products/{id}", operation_id = "update_product", tag = "registry", params(("id" = Uuid, Path)), request_body = UpdateProduct,
    responses((status = 200, body = ProductView), (status = 404), (status = 409), (status = 422)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    AppJson(body): AppJson<UpdateProduct>,
) -> Result<Json<ProductView>, AppError> {
    let changes = body.parse()?;
    not_ours(&state, changes.default_link.clone().flatten().as_ref())?;
    let row = service::update(&state.db, &who, id, changes).await?;
    state.product_changed(row.id);
    Ok(Json(one(&state, row).await?))
}
