//! The `outbox_jobs` table: one push of one listing version to one marketplace.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub listing_id: Uuid,
    pub marketplace: String,
    /// `<listing id>:<sha256 of the listing version>`: one job per version, ever.
    pub idempotency_key: String,
    /// The listing version to send (`marketplace::Listing`).
    pub listing: Json,
    /// `pending`, `running`, `done` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// A worker holds a running job until then; after it, the job is taken up again.
    pub lease_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub external_id: Option<String>,
    pub done_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
