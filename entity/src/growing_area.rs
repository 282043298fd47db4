//! The `growing_areas` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "growing_areas")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub farm_id: Uuid,
    pub code: String,
    pub scope: String,
    pub target_market: Option<String>,
    pub crop: String,
    pub variety: Option<String>,
    pub area_ha: Option<f64>,
    pub issuer: Option<String>,
    pub issued_on: Option<Date>,
    pub valid_until: Option<Date>,
    pub status: Status,
    pub boundary: Option<Json>,
    pub certificates: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// A growing-area code as stored (`domain::growing_area::AreaStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    Suspended,
    Revoked,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
