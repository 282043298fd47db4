//! The `stamp_scans` table: the scan counters of a stamp scanned at least once (migration 37),
//! kept by the scan writer. Not in the ledger.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stamp_scans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub serial: String,
    pub batch_id: Uuid,
    /// Scan pages served for this stamp.
    pub scan_count: i64,
    pub first_scanned_at: DateTimeUtc,
    /// The latest scan times, newest first, as Unix seconds of ten digits each, concatenated
    /// (`services::scan_rows::Recent`).
    pub recent: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::stamp::Entity",
        from = "Column::Serial",
        to = "super::stamp::Column::Serial"
    )]
    Stamp,
}

impl Related<super::stamp::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Stamp.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
