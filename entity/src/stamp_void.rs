//! The `stamp_voids` table: a whole run, or some of its stamps, taken out of use.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stamp_voids")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub batch_id: Uuid,
    pub run_id: Uuid,
    /// `recall`, `misprint`, `lost`, `damaged` or `other`.
    pub reason: String,
    pub note: Option<String>,
    /// The voided serials, sorted; `None` when the whole run is void.
    pub serials: Option<Json>,
    /// Stamps this record voided.
    pub count: i64,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
