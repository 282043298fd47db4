//! Growing areas of a farm, identified by their official code.

use chrono::NaiveDate;
use entity::farm::Entity as Farm;
use entity::growing_area::{self, Entity as GrowingArea};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::ledger;
use super::{Page, PageRequest, load, now, paginate};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::GrowingAreaCode;
use crate::domain::Reason;
use crate::domain::geo::Boundary;
use crate::domain::growing_area::{AreaCertificate, AreaScope, AreaStatus};
use crate::domain::role::Action;
use crate::error::{AppError, Code};

pub struct NewGrowingArea {
    pub code: GrowingAreaCode,
    pub scope: AreaScope,
    pub target_market: Option<String>,
    pub crop: String,
    pub variety: Option<String>,
    pub area_ha: Option<f64>,
    pub issuer: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub boundary: Option<Boundary>,
    pub certificates: Vec<AreaCertificate>,
}

/// What may change after registration; the code, scope and farm are fixed.
#[derive(Default)]
pub struct GrowingAreaChanges {
    pub status: Option<AreaStatus>,
    pub variety: Option<String>,
    pub area_ha: Option<f64>,
    pub valid_until: Option<NaiveDate>,
    pub boundary: Option<Boundary>,
    pub certificates: Option<Vec<AreaCertificate>>,
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(v).map_err(AppError::internal)
}

async fn ensure_code_free<C: ConnectionTrait>(
    conn: &C,
    code: &GrowingAreaCode,
) -> Result<(), AppError> {
    let taken = GrowingArea::find()
        .filter(growing_area::Column::Code.eq(code.as_str()))
        .one(conn)
        .await?;
    match taken {
        Some(_) => Err(AppError::conflict(
            Code::GrowingAreaCodeTaken,
            format!("growing-area code {} is already registered", code.as_str()),
        )),
        None => Ok(()),
    }
}

pub async fn create(
    db: &Db,
    who: &Principal,
    farm_id: Uuid,
    new: NewGrowingArea,
) -> Result<growing_area::Model, AppError> {
    let mut rows = create_many(db, who, vec![(farm_id, new)]).await?;
    rows.pop()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no growing area created")))
}

/// Creates several growing areas, each on its farm, in one transaction: all of them, or
/// none. A code taken by an earlier area of the same call is taken too.
pub async fn create_many(
    db: &Db,
    who: &Principal,
    areas: Vec<(Uuid, NewGrowingArea)>,
) -> Result<Vec<growing_area::Model>, AppError> {
    let txn = db.write_txn().await?;
    let mut rows = Vec::with_capacity(areas.len());
    for (farm_id, new) in areas {
        rows.push(insert(&txn, who, farm_id, new).await?);
    }
    txn.commit().await?;
    Ok(rows)
}

async fn insert(
    txn: &sea_orm::DatabaseTransaction,
    who: &Principal,
    farm_id: Uuid,
    new: NewGrowingArea,
) -> Result<growing_area::Model, AppError> {
    let farm = load::<Farm, _>(txn, who, farm_id, Action::ManageRegistry, "farm").await?;
    ensure_code_free(txn, &new.code).await?;
    let t = now();
    let row = growing_area::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(farm.organization_id),
        farm_id: Set(farm.id),
        code: Set(new.code.as_str().to_owned()),
        scope: Set(new.scope.as_str().to_owned()),
        target_market: Set(new.target_market),
        crop: Set(new.crop),
        variety: Set(new.variety),
        area_ha: Set(new.area_ha),
        issuer: Set(new.issuer),
        issued_on: Set(new.issued_on),
        valid_until: Set(new.valid_until),
        status: Set(AreaStatus::Active.into()),
        boundary: Set(new.boundary.as_ref().map(to_json).transpose()?),
        certificates: Set(to_json(&new.certificates)?),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(txn)
    .await?;
    ledger::append(txn, "created", &row).await?;
    Ok(row)
}

pub async fn get(db: &Db, who: &Principal, id: Uuid) -> Result<growing_area::Model, AppError> {
    load::<GrowingArea, _>(db.read(), who, id, Action::Read, "growing area").await
}

pub struct GrowingAreaFilter {
    pub status: Option<AreaStatus>,
}

pub async fn list(
    db: &Db,
    who: &Principal,
    farm_id: Uuid,
    filter: GrowingAreaFilter,
    page: PageRequest,
) -> Result<Page<growing_area::Model>, AppError> {
    load::<Farm, _>(db.read(), who, farm_id, Action::Read, "farm").await?;
    let mut q = GrowingArea::find().filter(growing_area::Column::FarmId.eq(farm_id));
    if let Some(s) = filter.status {
        q = q.filter(growing_area::Column::Status.eq(growing_area::Status::from(s)));
    }
    paginate(db.read(), q, growing_area::Column::Id, page).await
}

pub async fn update(
    db: &Db,
    who: &Principal,
    id: Uuid,
    changes: GrowingAreaChanges,
) -> Result<growing_area::Model, AppError> {
    let txn = db.write_txn().await?;
    let current =
        load::<GrowingArea, _>(&txn, who, id, Action::ManageRegistry, "growing area").await?;
    if let (Some(until), Some(issued)) = (changes.valid_until, current.issued_on)
        && until < issued
    {
        return Err(AppError::validation(
            "valid_until",
            crate::domain::ParseError::new(Reason::DateOrder, "valid_until is before issued_on"),
        ));
    }
    let mut row: growing_area::ActiveModel = current.into();
    if let Some(v) = changes.status {
        row.status = Set(v.into());
    }
    if let Some(v) = changes.variety {
        row.variety = Set(Some(v));
    }
    if let Some(v) = changes.area_ha {
        row.area_ha = Set(Some(v));
    }
    if let Some(v) = changes.valid_until {
        row.valid_until = Set(Some(v));
    }
    if let Some(v) = changes.boundary {
        row.boundary = Set(Some(to_json(&v)?));
    }
    if let Some(v) = changes.certificates {
        row.certificates = Set(to_json(&v)?);
    }
    row.updated_at = Set(now());
    let row = row.update(&txn).await?;
    ledger::append(&txn, "updated", &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// Which of `codes` are already registered (by any organization: a code is national).
pub async fn taken_codes(
    db: &Db,
    codes: &[String],
) -> Result<std::collections::HashSet<String>, AppError> {
    use sea_orm::QuerySelect;
    let mut taken = std::collections::HashSet::new();
    // In slices, to keep each query's parameters few.
    for part in codes.chunks(500) {
        let found: Vec<String> = GrowingArea::find()
            .select_only()
            .column(growing_area::Column::Code)
            .filter(growing_area::Column::Code.is_in(part.iter().cloned()))
            .into_tuple()
            .all(db.read())
            .await?;
        taken.extend(found);
    }
    Ok(taken)
}

/// An organization's growing areas (those with `status`, when given), oldest first, in one
/// query: what a page listing every farm's areas needs.
pub async fn list_in_organization(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    status: Option<AreaStatus>,
) -> Result<Vec<growing_area::Model>, AppError> {
    use sea_orm::{QueryOrder, QuerySelect};
    let conn = db.read();
    super::organization(conn, who, organization_id, Action::Read).await?;
    let mut q = GrowingArea::find()
        .filter(growing_area::Column::OrganizationId.eq(organization_id))
        .order_by_asc(growing_area::Column::Id)
        .limit(super::MAX_PAGE);
    if let Some(s) = status {
        q = q.filter(growing_area::Column::Status.eq(growing_area::Status::from(s)));
    }
    Ok(q.all(conn).await?)
}
