//! The `batches` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "batches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub product_id: Uuid,
    pub growing_area_id: Option<Uuid>,
    pub lot_code: String,
    pub quantity: f64,
    pub unit: String,
    pub harvested_on: Option<Date>,
    pub produced_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub status: Status,
    /// Head of the batch's hash chain: the leaf hash of its creation entry, then the hash of
    /// its latest diary event. Derived, so not part of the batch's ledger payload.
    pub chain_head: Vec<u8>,
    /// Stamps issued so far; the next stamp's index in the batch. Derived, not in the payload.
    pub stamps_issued: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Life of a batch as stored (`domain::batch::BatchStatus` holds the rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Sealed,
    Recalled,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
