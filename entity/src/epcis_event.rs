//! The `epcis_events` table: each recorded fact as an EPCIS 2.0 event, the JSON hashed into
//! its event ID (`body`) with the fields queries filter on.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "epcis_events")]
pub struct Model {
    /// UUIDv7: the order events were indexed in, which is the ledger's order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The event hash ID (`ni:///sha-256;…?ver=CBV2.0`).
    #[sea_orm(unique)]
    pub event_id: String,
    pub organization_id: Uuid,
    pub batch_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    /// `diary`, `commissioning`, `decommissioning` or `certification`.
    pub source: String,
    pub source_id: Uuid,
    /// Which part of its record the event is (stamp runs and voids have one per 1,000 stamps).
    pub part: i64,
    pub event_type: String,
    /// The business step as its full URI.
    pub biz_step: String,
    pub event_time: DateTimeUtc,
    pub record_time: DateTimeUtc,
    pub biz_location: Option<String>,
    /// The lot or product the event is about.
    pub epc_class: Option<String>,
    /// Whether anyone may read it: the scan and lot pages already show the same fact.
    pub public: bool,
    /// The event ID of a later diary entry that corrects this one.
    pub corrected_by: Option<String>,
    pub corrected_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub body: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
