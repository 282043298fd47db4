//! The `outbox_attempts` table: every attempt at a job, written before the request is sent.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub job_id: Uuid,
    pub attempt: i32,
    pub started_at: DateTimeUtc,
    /// `None` with no outcome: the process stopped while the request was in flight.
    pub finished_at: Option<DateTimeUtc>,
    /// `ok`, `retry` or `failed`.
    pub outcome: Option<String>,
    pub http_status: Option<i32>,
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
