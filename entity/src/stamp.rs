//! The `stamps` table: one row per printed stamp.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stamps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub serial: String,
    pub run_id: Uuid,
    pub batch_id: Uuid,
    pub organization_id: Uuid,
    pub index_in_batch: i64,
    pub prev_hash: Vec<u8>,
    /// `SHA-256(prev_hash ‖ serial ‖ batch id ‖ index_in_batch)`.
    pub hash: Vec<u8>,
    pub status: Status,
    /// Keyed hash of the stamp's scratch PIN, when its run has PINs.
    pub pin_hash: Option<Vec<u8>>,
    /// When the scratch PIN was first confirmed, and how many times it was.
    pub claimed_at: Option<DateTimeUtc>,
    pub claim_count: i64,
}

/// A stamp as stored: valid, or voided (`domain::stamp::StampStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Void,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its scan counters, once it was scanned.
    #[sea_orm(has_one = "super::stamp_scan::Entity")]
    Scans,
}

impl Related<super::stamp_scan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Scans.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
