//! The `products` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub name_en: Option<String>,
    pub ocop_group: Option<String>,
    pub ocop_subgroup: Option<String>,
    pub gtin: Option<String>,
    pub unit: String,
    pub net_weight_g: Option<f64>,
    pub net_volume_ml: Option<f64>,
    pub shelf_life_days: Option<i32>,
    pub description: Option<String>,
    /// Where scans are sent by default (GS1 `defaultLink`); none: the traceability page.
    pub default_link: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
