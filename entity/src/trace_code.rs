//! The `trace_codes` table: a trace code entered by hand for a record without a key of its
//! own (`subject`: `products`, `organizations` or `farms`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "trace_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// The table of the record it names.
    pub subject: String,
    pub subject_id: Uuid,
    /// Normalised (`domain::TraceCode`).
    pub code: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
