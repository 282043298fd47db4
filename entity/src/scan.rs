//! The `scans` table: one row per scan page served.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "scans")]
pub struct Model {
    /// The key is (scanned_at, id): rows are kept in the order they happen, each group of
    /// scans appended at the end (migration 37).
    #[sea_orm(primary_key, auto_increment = false)]
    pub scanned_at: DateTimeUtc,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub serial: String,
    /// HMAC of the client's address with a server secret: comparable, not reversible.
    pub client_hash: Vec<u8>,
    /// `vi` or `en`: the page's language.
    pub language: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
