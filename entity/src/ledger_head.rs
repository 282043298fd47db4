//! The `ledger_head` table: one row, the log's size, last chain hash, Merkle frontier and
//! where the public form of entries begins.
//! Every append locks it, which makes appends strictly sequential across processes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_head")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub size: i64,
    pub chain_hash: Vec<u8>,
    pub frontier: Vec<u8>,
    /// Entries from this index on are hashed in their public form (migration 29).
    pub public_from: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
