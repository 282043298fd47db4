//! Farms of an organization.

use entity::farm::{self, Entity as Farm};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::ledger;
use super::{Page, PageRequest, load, now, organization, paginate};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::CommuneCode;
use crate::domain::geo::Coordinates;
use crate::domain::role::Action;
use crate::error::AppError;

pub struct NewFarm {
    pub name: String,
    pub address: String,
    pub commune_code: Option<CommuneCode>,
    pub location: Option<Coordinates>,
}

#[derive(Default)]
pub struct FarmChanges {
    pub name: Option<String>,
    pub address: Option<String>,
    pub commune_code: Option<CommuneCode>,
    pub location: Option<Coordinates>,
}

pub async fn create(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    new: NewFarm,
) -> Result<farm::Model, AppError> {
    let mut rows = create_many(db, who, organization_id, vec![new]).await?;
    rows.pop()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no farm created")))
}

/// Creates several farms in one transaction: all of them, or none.
pub async fn create_many(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    farms: Vec<NewFarm>,
) -> Result<Vec<farm::Model>, AppError> {
    let txn = db.write_txn().await?;
    organization(&txn, who, organization_id, Action::ManageRegistry).await?;
    let mut rows = Vec::with_capacity(farms.len());
    for new in farms {
        rows.push(insert(&txn, organization_id, new).await?);
    }
    txn.commit().await?;
    Ok(rows)
}

async fn insert(
    txn: &sea_orm::DatabaseTransaction,
    organization_id: Uuid,
    new: NewFarm,
) -> Result<farm::Model, AppError> {
    let t = now();
    let row = farm::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        name: Set(new.name),
        address: Set(new.address),
        commune_code: Set(new.commune_code.map(|c| c.as_str().to_owned())),
        latitude: Set(new.location.map(|c| c.latitude)),
        longitude: Set(new.location.map(|c| c.longitude)),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(txn)
    .await?;
    ledger::append(txn, "created", &row).await?;
    Ok(row)
}

pub async fn get(db: &Db, who: &Principal, id: Uuid) -> Result<farm::Model, AppError> {
    load::<Farm, _>(db.read(), who, id, Action::Read, "farm").await
}

pub struct FarmFilter {
    pub commune_code: Option<CommuneCode>,
}

pub async fn list(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    filter: FarmFilter,
    page: PageRequest,
) -> Result<Page<farm::Model>, AppError> {
    organization(db.read(), who, organization_id, Action::Read).await?;
    let mut q = Farm::find().filter(farm::Column::OrganizationId.eq(organization_id));
    if let Some(c) = filter.commune_code {
        q = q.filter(farm::Column::CommuneCode.eq(c.as_str()));
    }
    paginate(db.read(), q, farm::Column::Id, page).await
}

pub async fn update(
    db: &Db,
    who: &Principal,
    id: Uuid,
    changes: FarmChanges,
) -> Result<farm::Model, AppError> {
    let txn = db.write_txn().await?;
    let mut row: farm::ActiveModel = load::<Farm, _>(&txn, who, id, Action::ManageRegistry, "farm")
        .await?
        .into();
    if let Some(v) = changes.name {
        row.name = Set(v);
    }
    if let Some(v) = changes.address {
        row.address = Set(v);
    }
    if let Some(v) = changes.commune_code {
        row.commune_code = Set(Some(v.as_str().to_owned()));
    }
    if let Some(c) = changes.location {
        row.latitude = Set(Some(c.latitude));
        row.longitude = Set(Some(c.longitude));
    }
    row.updated_at = Set(now());
    let row = row.update(&txn).await?;
    ledger::append(&txn, "updated", &row).await?;
    txn.commit().await?;
    Ok(row)
}
