//! Production batches (lots) of a product.

use chrono::NaiveDate;
use entity::batch::{self, Entity as Batch};
use entity::growing_area::{self, Entity as GrowingArea};
use entity::product::Entity as Product;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};
use uuid::Uuid;

use super::ledger;
use super::{Page, PageRequest, load, now, paginate, today};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::batch::{BatchStatus, earliest_date};
use crate::domain::growing_area::AreaStatus;
use crate::domain::role::Action;
use crate::domain::{LotCode, ParseError, Reason};
use crate::error::Code;
use crate::error::{AppError, Problems};

pub struct NewBatch {
    pub lot_code: LotCode,
    pub growing_area_id: Option<Uuid>,
    pub quantity: f64,
    pub unit: String,
    pub harvested_on: Option<NaiveDate>,
    pub produced_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
}

#[derive(Default)]
pub struct BatchChanges {
    pub status: Option<BatchStatus>,
    pub quantity: Option<f64>,
    pub expires_on: Option<NaiveDate>,
}

/// Date rules shared by creation and change: nothing harvested or produced in the future,
/// nothing expiring before it was made.
fn check_dates(
    harvested: Option<NaiveDate>,
    produced: Option<NaiveDate>,
    expires: Option<NaiveDate>,
) -> Result<(), AppError> {
    let mut p = Problems::default();
    let today = today();
    for (field, d) in [("harvested_on", harvested), ("produced_on", produced)] {
        if d.is_some_and(|d| d > today) {
            p.push(
                field,
                ParseError::new(Reason::DateInFuture, "this date is in the future"),
            );
        }
        if d.is_some_and(|d| d < earliest_date()) {
            p.push(
                field,
                ParseError::new(Reason::DateTooEarly, "this date is before 2000"),
            );
        }
    }
    if let Some(e) = expires
        && let Some(made) = produced.or(harvested)
        && e < made
    {
        p.push(
            "expires_on",
            ParseError::new(
                Reason::DateOrder,
                "the expiry date is before the production date",
            ),
        );
    }
    p.finish()
}

async fn growing_area_for<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    organization_id: Uuid,
) -> Result<growing_area::Model, AppError> {
    // A growing area of another organization is reported exactly like a missing one.
    let area = GrowingArea::find_by_id(id)
        .filter(growing_area::Column::OrganizationId.eq(organization_id))
        .one(conn)
        .await?
        .ok_or_else(|| {
            AppError::validation(
                "growing_area_id",
                ParseError::new(Reason::NotFound, "no such growing area"),
            )
        })?;
    if AreaStatus::from(area.status) != AreaStatus::Active {
        return Err(AppError::validation(
            "growing_area_id",
            ParseError::new(
                Reason::GrowingAreaNotActive,
                format!(
                    "growing area {} is {}",
                    area.code,
                    AreaStatus::from(area.status)
                ),
            ),
        ));
    }
    Ok(area)
}

pub async fn create(
    db: &Db,
    who: &Principal,
    product_id: Uuid,
    new: NewBatch,
) -> Result<batch::Model, AppError> {
    check_dates(new.harvested_on, new.produced_on, new.expires_on)?;
    let txn = db.write_txn().await?;
    let product = load::<Product, _>(&txn, who, product_id, Action::RecordDiary, "product").await?;
    if let Some(area) = new.growing_area_id {
        growing_area_for(&txn, area, product.organization_id).await?;
    }
    let taken = Batch::find()
        .filter(batch::Column::ProductId.eq(product.id))
        .filter(batch::Column::LotCode.eq(new.lot_code.as_str()))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(AppError::conflict(
            Code::LotCodeTaken,
            format!(
                "this product already has a batch with lot code {}",
                new.lot_code.as_str()
            ),
        ));
    }
    let t = now();
    let mut row = batch::Model {
        id: Uuid::now_v7(),
        organization_id: product.organization_id,
        product_id: product.id,
        growing_area_id: new.growing_area_id,
        lot_code: new.lot_code.as_str().to_owned(),
        quantity: new.quantity,
        unit: new.unit,
        harvested_on: new.harvested_on,
        produced_on: new.produced_on,
        expires_on: new.expires_on,
        status: BatchStatus::Open.into(),
        chain_head: Vec::new(),
        stamps_issued: 0,
        created_at: t,
        updated_at: t,
    };
    // The batch's chain starts at the leaf hash of its own creation entry.
    let (payload, leaf) = ledger::prepare("created", &row)?;
    row.chain_head = leaf.0.to_vec();
    row.clone()
        .into_active_model()
        .reset_all()
        .insert(&txn)
        .await?;
    ledger::append_prepared(
        &txn,
        "batches.created",
        "batches",
        row.id,
        Some(row.id),
        payload,
        leaf,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn get(db: &Db, who: &Principal, id: Uuid) -> Result<batch::Model, AppError> {
    load::<Batch, _>(db.read(), who, id, Action::Read, "batch").await
}

pub struct BatchFilter {
    pub status: Option<BatchStatus>,
}

pub async fn list(
    db: &Db,
    who: &Principal,
    product_id: Uuid,
    filter: BatchFilter,
    page: PageRequest,
) -> Result<Page<batch::Model>, AppError> {
    load::<Product, _>(db.read(), who, product_id, Action::Read, "product").await?;
    let mut q = Batch::find().filter(batch::Column::ProductId.eq(product_id));
    if let Some(s) = filter.status {
        q = q.filter(batch::Column::Status.eq(batch::Status::from(s)));
    }
    paginate(db.read(), q, batch::Column::Id, page).await
}

pub(crate) fn status_of(row: &batch::Model) -> BatchStatus {
    row.status.into()
}

/// Seals a batch or corrects its quantity and expiry while it is open.
pub async fn update(
    db: &Db,
    who: &Principal,
    id: Uuid,
    changes: BatchChanges,
) -> Result<batch::Model, AppError> {
    let txn = db.write_txn().await?;
    let current = load::<Batch, _>(&txn, who, id, Action::ManageRegistry, "batch").await?;
    let status = status_of(&current);
    if (changes.quantity.is_some() || changes.expires_on.is_some()) && status != BatchStatus::Open {
        return Err(AppError::conflict(
            Code::BatchNotOpen,
            format!("a {status} batch can no longer change its quantity or expiry"),
        ));
    }
    let new_status = match changes.status {
        Some(to) => status.change_to(to).map_err(|e| AppError::Conflict {
            code: match e.code {
                Reason::RecallNeedsEvent => Code::RecallNeedsEvent,
                _ => Code::InvalidStatusTransition,
            },
            detail: e.message,
        })?,
        None => status,
    };
    if changes.expires_on.is_some() {
        check_dates(
            current.harvested_on,
            current.produced_on,
            changes.expires_on,
        )?;
    }
    let mut row: batch::ActiveModel = current.into();
    row.status = Set(new_status.into());
    if let Some(q) = changes.quantity {
        row.quantity = Set(q);
    }
    if let Some(e) = changes.expires_on {
        row.expires_on = Set(Some(e));
    }
    row.updated_at = Set(now());
    let row = row.update(&txn).await?;
    ledger::append(&txn, "updated", &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// An organization's batches, newest first (as many as a page holds).
pub async fn list_in_organization(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
) -> Result<Vec<batch::Model>, AppError> {
    use sea_orm::{QueryOrder, QuerySelect};
    let conn = db.read();
    super::organization(conn, who, organization_id, Action::Read).await?;
    Ok(Batch::find()
        .filter(batch::Column::OrganizationId.eq(organization_id))
        .order_by_desc(batch::Column::Id)
        .limit(super::MAX_PAGE)
        .all(conn)
        .await?)
}

/// The organization's batches with any of `lots` as their lot code.
pub async fn find_by_lots(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    lots: &[String],
) -> Result<Vec<batch::Model>, AppError> {
    let conn = db.read();
    super::organization(conn, who, organization_id, Action::Read).await?;
    let mut out = Vec::new();
    for part in lots.chunks(500) {
        out.extend(
            Batch::find()
                .filter(batch::Column::OrganizationId.eq(organization_id))
                .filter(batch::Column::LotCode.is_in(part.iter().cloned()))
                .all(conn)
                .await?,
        );
    }
    Ok(out)
}
