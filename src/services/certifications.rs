//! OCOP certifications of a product. A certification is a decision on record: it is never
//! edited; a re-rating is a new certification.

use chrono::NaiveDate;
use entity::ocop_certification::{self, Entity as Certification};
use entity::product::Entity as Product;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::ledger;
use super::{Page, PageRequest, load, now, paginate, today};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::ParseError;
use crate::domain::Reason;
use crate::domain::ocop::{self, OcopLevel, OcopStars};
use crate::domain::role::Action;
use crate::error::AppError;

pub struct NewCertification {
    pub stars: OcopStars,
    pub score: Option<u8>,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub issuing_body: String,
    pub level: OcopLevel,
}

/// The OCOP programme began with Decision 490/QĐ-TTg of 7 May 2018.
pub fn programme_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2018, 5, 7).unwrap_or(NaiveDate::MIN)
}

pub async fn create(
    db: &Db,
    who: &Principal,
    product_id: Uuid,
    new: NewCertification,
) -> Result<ocop_certification::Model, AppError> {
    if new.decision_date > today() {
        return Err(AppError::validation(
            "decision_date",
            ParseError::new(Reason::DateInFuture, "the decision date is in the future"),
        ));
    }
    if new.decision_date < programme_start() {
        return Err(AppError::validation(
            "decision_date",
            ParseError::new(
                Reason::DateBeforeOcop,
                "OCOP certifications exist from 7 May 2018 (Decision 490/QĐ-TTg)",
            ),
        ));
    }
    let valid_until = ocop::valid_until(new.decision_date).ok_or_else(|| {
        AppError::validation(
            "decision_date",
            ParseError::new(Reason::DateRange, "the decision date is out of range"),
        )
    })?;
    let txn = db.write_txn().await?;
    let product =
        load::<Product, _>(&txn, who, product_id, Action::ManageRegistry, "product").await?;
    let row = ocop_certification::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(product.organization_id),
        product_id: Set(product.id),
        stars: Set(i16::from(new.stars.get())),
        score: Set(new.score.map(i16::from)),
        decision_number: Set(new.decision_number),
        decision_date: Set(new.decision_date),
        issuing_body: Set(new.issuing_body),
        level: Set(new.level.as_str().to_owned()),
        valid_until: Set(valid_until),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    ledger::append(&txn, "created", &row).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn get(
    db: &Db,
    who: &Principal,
    id: Uuid,
) -> Result<ocop_certification::Model, AppError> {
    load::<Certification, _>(db.read(), who, id, Action::Read, "OCOP certification").await
}

pub async fn list(
    db: &Db,
    who: &Principal,
    product_id: Uuid,
    page: PageRequest,
) -> Result<Page<ocop_certification::Model>, AppError> {
    load::<Product, _>(db.read(), who, product_id, Action::Read, "product").await?;
    let q = Certification::find().filter(ocop_certification::Column::ProductId.eq(product_id));
    paginate(db.read(), q, ocop_certification::Column::Id, page).await
}

/// The stars a product may show today: the highest of its certificates in force, if any.
/// An expired certificate is never shown as current.
pub async fn current_stars<C: sea_orm::ConnectionTrait>(
    conn: &C,
    product_id: Uuid,
    today: NaiveDate,
) -> Result<Option<u8>, AppError> {
    let in_force = Certification::find()
        .filter(ocop_certification::Column::ProductId.eq(product_id))
        .filter(ocop_certification::Column::DecisionDate.lte(today))
        .filter(ocop_certification::Column::ValidUntil.gte(today))
        .all(conn)
        .await?;
    Ok(in_force
        .iter()
        .filter_map(|c| u8::try_from(c.stars).ok())
        .max())
}
