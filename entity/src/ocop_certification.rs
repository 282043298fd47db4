//! The `ocop_certifications` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ocop_certifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub product_id: Uuid,
    pub stars: i16,
    pub score: Option<i16>,
    pub decision_number: String,
    pub decision_date: Date,
    pub issuing_body: String,
    pub level: String,
    pub valid_until: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
