//! The `scan_days` table: a batch's scans counted per day in Vietnam (migration 28).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scan_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub batch_id: Uuid,
    /// The day in Vietnam (UTC+7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub scans: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
