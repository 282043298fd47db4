//! Products of an organization.

use std::collections::HashMap;

use entity::ocop_certification::{self, Entity as Certification};
use entity::product::{self, Entity as Product};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::ledger;
use super::{Page, PageRequest, load, now, organization, paginate};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::Gtin;
use crate::domain::ocop::OcopGroup;
use crate::domain::role::Action;
use crate::error::{AppError, Code};

pub struct NewProduct {
    pub name: String,
    pub name_en: Option<String>,
    pub ocop_group: Option<OcopGroup>,
    pub ocop_subgroup: Option<String>,
    pub gtin: Option<Gtin>,
    pub unit: String,
    pub net_weight_g: Option<f64>,
    pub net_volume_ml: Option<f64>,
    pub shelf_life_days: Option<i32>,
    pub description: Option<String>,
    pub default_link: Option<url::Url>,
}

#[derive(Default)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub name_en: Option<String>,
    pub ocop_group: Option<OcopGroup>,
    pub ocop_subgroup: Option<String>,
    /// A GTIN can be added once; printed stamps carry it, so it never changes afterwards.
    pub gtin: Option<Gtin>,
    pub unit: Option<String>,
    pub net_weight_g: Option<f64>,
    pub net_volume_ml: Option<f64>,
    pub shelf_life_days: Option<i32>,
    pub description: Option<String>,
    /// `Some(None)` removes the default link.
    pub default_link: Option<Option<url::Url>>,
}

async fn ensure_gtin_free<C: ConnectionTrait>(conn: &C, gtin: &Gtin) -> Result<(), AppError> {
    let taken = Product::find()
        .filter(product::Column::Gtin.eq(gtin.as_str()))
        .one(conn)
        .await?;
    match taken {
        Some(_) => Err(AppError::conflict(
            Code::GtinTaken,
            format!("GTIN {} is already used by another product", gtin.as_str()),
        )),
        None => Ok(()),
    }
}

pub async fn create(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    new: NewProduct,
) -> Result<product::Model, AppError> {
    let txn = db.write_txn().await?;
    organization(&txn, who, organization_id, Action::ManageRegistry).await?;
    if let Some(g) = &new.gtin {
        ensure_gtin_free(&txn, g).await?;
    }
    let t = now();
    let row = product::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        name: Set(new.name),
        name_en: Set(new.name_en),
        ocop_group: Set(new.ocop_group.map(|g| g.as_str().to_owned())),
        ocop_subgroup: Set(new.ocop_subgroup),
        gtin: Set(new.gtin.map(|g| g.as_str().to_owned())),
        unit: Set(new.unit),
        net_weight_g: Set(new.net_weight_g),
        net_volume_ml: Set(new.net_volume_ml),
        shelf_life_days: Set(new.shelf_life_days),
        description: Set(new.description),
        default_link: Set(new.default_link.map(String::from)),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(&txn)
    .await?;
    ledger::append(&txn, "created", &row).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn get(db: &Db, who: &Principal, id: Uuid) -> Result<product::Model, AppError> {
    load::<Product, _>(db.read(), who, id, Action::Read, "product").await
}

pub async fn list(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    page: PageRequest,
) -> Result<Page<product::Model>, AppError> {
    organization(db.read(), who, organization_id, Action::Read).await?;
    let q = Product::find().filter(product::Column::OrganizationId.eq(organization_id));
    paginate(db.read(), q, product::Column::Id, page).await
}

pub async fn update(
    db: &Db,
    who: &Principal,
    id: Uuid,
    changes: ProductChanges,
) -> Result<product::Model, AppError> {
    let txn = db.write_txn().await?;
    let current = load::<Product, _>(&txn, who, id, Action::ManageRegistry, "product").await?;
    if let Some(g) = &changes.gtin {
        match current.gtin.as_deref() {
            Some(existing) if existing == g.as_str() => {}
            Some(_) => {
                return Err(AppError::conflict(
                    Code::GtinImmutable,
                    "a product's GTIN cannot change once set: printed stamps carry it; register a new product",
                ));
            }
            None => ensure_gtin_free(&txn, g).await?,
        }
    }
    let mut row: product::ActiveModel = current.into();
    if let Some(v) = changes.gtin {
        row.gtin = Set(Some(v.as_str().to_owned()));
    }
    if let Some(v) = changes.name {
        row.name = Set(v);
    }
    if let Some(v) = changes.name_en {
        row.name_en = Set(Some(v));
    }
    if let Some(v) = changes.ocop_group {
        row.ocop_group = Set(Some(v.as_str().to_owned()));
    }
    if let Some(v) = changes.ocop_subgroup {
        row.ocop_subgroup = Set(Some(v));
    }
    if let Some(v) = changes.unit {
        row.unit = Set(v);
    }
    if let Some(v) = changes.net_weight_g {
        row.net_weight_g = Set(Some(v));
    }
    if let Some(v) = changes.net_volume_ml {
        row.net_volume_ml = Set(Some(v));
    }
    if let Some(v) = changes.shelf_life_days {
        row.shelf_life_days = Set(Some(v));
    }
    if let Some(v) = changes.description {
        row.description = Set(Some(v));
    }
    if let Some(v) = changes.default_link {
        row.default_link = Set(v.map(String::from));
    }
    row.updated_at = Set(now());
    let row = row.update(&txn).await?;
    ledger::append(&txn, "updated", &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// For each product, the certification in force today with the most stars (latest decision
/// first among equals). Products without one are absent from the map.
pub async fn current_certifications<C: ConnectionTrait>(
    conn: &C,
    product_ids: &[Uuid],
    today: chrono::NaiveDate,
) -> Result<HashMap<Uuid, ocop_certification::Model>, AppError> {
    if product_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = Certification::find()
        .filter(ocop_certification::Column::ProductId.is_in(product_ids.iter().copied()))
        .filter(ocop_certification::Column::ValidUntil.gte(today))
        .filter(ocop_certification::Column::DecisionDate.lte(today))
        .all(conn)
        .await?;
    let mut best: HashMap<Uuid, ocop_certification::Model> = HashMap::new();
    for c in rows {
        let better = best
            .get(&c.product_id)
            .is_none_or(|b| (c.stars, c.decision_date) > (b.stars, b.decision_date));
        if better {
            best.insert(c.product_id, c);
        }
    }
    Ok(best)
}
