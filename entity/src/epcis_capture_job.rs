//! The `epcis_capture_jobs` table: one EPCIS capture job (`POST /epcis/capture`) and how it
//! ended; `errors` is a JSON list of problem objects, one per fault found.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "epcis_capture_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Whose job it is: the organization's id, or `admin:{token}`.
    pub owner: String,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub running: bool,
    pub success: bool,
    pub event_count: i32,
    pub recorded: i32,
    #[sea_orm(column_type = "Text")]
    pub errors: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
