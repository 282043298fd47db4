//! The `batch_events` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "batch_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub batch_id: Uuid,
    pub kind: String,
    pub occurred_at: DateTimeUtc,
    pub recorded_at: DateTimeUtc,
    pub actor: String,
    pub details: Json,
    pub corrects: Option<Uuid>,
    /// Hash of the batch's previous event (or of its creation entry for the first event).
    pub prev_hash: Vec<u8>,
    /// `SHA-256(prev_hash ‖ leaf hash of this event's ledger entry)`.
    pub hash: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
