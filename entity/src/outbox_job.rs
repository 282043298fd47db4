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
    pub status: JobStatus,
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

/// Where a push stands; stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for its next attempt.
    Pending,
    /// A worker holds it (until its lease runs out).
    Running,
    /// The marketplace has it.
    Done,
    /// Refused for good, or out of attempts; a person may retry it.
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
