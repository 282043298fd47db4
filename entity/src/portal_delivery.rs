//! The `portal_deliveries` table: an event the portal accepted, by its event hash ID.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "portal_deliveries")]
pub struct Model {
    /// The capture endpoint.
    #[sea_orm(primary_key, auto_increment = false)]
    pub portal: String,
    /// The CBV 2.0 event hash ID (`ni:///sha-256;…?ver=CBV2.0`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: String,
    pub push_id: Uuid,
    /// Whether the event went with its `errorDeclaration` (a later entry corrected it).
    pub declared: bool,
    pub delivered_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
