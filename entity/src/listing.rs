//! The `listings` table: one product on one marketplace.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "listings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub product_id: Uuid,
    /// The batch whose lot the listing names, if any.
    pub batch_id: Option<Uuid>,
    /// Marketplace id (`postmart`).
    pub marketplace: String,
    pub sku: String,
    pub price_vnd: i64,
    pub stock: i64,
    /// Parcel size and weight (`marketplace::Package`).
    pub package: Option<Json>,
    /// The listing as last exported (`marketplace::Listing`); compared with the current one to
    /// tell whether the marketplace shows stale facts.
    pub exported: Option<Json>,
    pub exported_at: Option<DateTimeUtc>,
    /// The product page on the marketplace, once listed.
    pub live_url: Option<String>,
    /// The marketplace's id for the item, once pushed through its API.
    pub external_id: Option<String>,
    /// Where the marketplace reviews items before sale (Tiki): the review's last known state
    /// (`queuing`, `awaiting_approve`, `approved`, `rejected`…), its reason, when last asked.
    pub review_state: Option<String>,
    pub review_detail: Option<String>,
    pub review_checked_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
