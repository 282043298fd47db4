//! The `portal_push_attempts` table: every attempt at a portal push, written before the first
//! request of it is sent.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "portal_push_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub push_id: Uuid,
    pub attempt: i32,
    pub started_at: DateTimeUtc,
    /// `None` with no outcome: the process stopped while a request was in flight.
    pub finished_at: Option<DateTimeUtc>,
    /// `ok`, `retry`, `unknown` (no answer: the portal may have the events) or `failed`.
    pub outcome: Option<String>,
    pub http_status: Option<i32>,
    /// Events the portal accepted in this attempt.
    pub events: i32,
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
