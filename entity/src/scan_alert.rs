//! The `scan_alerts` table: a stamp whose scans looked like a copied code, as of its latest
//! warned scan (migration 36).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scan_alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub serial: String,
    pub batch_id: Uuid,
    /// The latest scan past a threshold.
    pub warned_at: DateTimeUtc,
    /// Scans in the 24 hours and 7 days before it, counted up to the thresholds.
    pub day_scans: i64,
    pub week_scans: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
