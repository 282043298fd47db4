//! The `ledger_entries` table: the append-only log.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    /// Position in the log, from 0, without gaps.
    #[sea_orm(primary_key, auto_increment = false)]
    pub idx: i64,
    /// `<table>.<verb>`, e.g. `farms.created`.
    pub kind: String,
    pub subject_table: String,
    pub subject_id: Uuid,
    pub batch_id: Option<Uuid>,
    /// The record as RFC 8785 canonical JSON, exactly the bytes that were hashed.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub leaf_hash: Vec<u8>,
    pub chain_hash: Vec<u8>,
    /// Merkle hashes written with this entry (stored-hash-index order), 32 bytes each.
    pub stored_hashes: Vec<u8>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
