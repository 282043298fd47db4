//! The `portal_pushes` table: one push of a batch's EPCIS events to the traceability portal,
//! run by the outbox's worker under a lease.

use sea_orm::entity::prelude::*;

pub use crate::outbox_job::JobStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "portal_pushes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub batch_id: Uuid,
    /// The capture endpoint the events go to (deliveries are kept per endpoint).
    pub portal: String,
    pub status: JobStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// A worker holds a running push until then; after it, the push is taken up again.
    pub lease_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    /// Events the portal accepted in this push, over all its attempts.
    pub events_sent: i32,
    pub done_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
