use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;
use crate::m20261124_000001_create_organizations::Organizations;
use crate::m20261124_000005_create_farms::Farms;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GrowingAreas::Table)
                    .col(cols::id(GrowingAreas::Id))
                    .col(uuid(GrowingAreas::OrganizationId))
                    .col(uuid(GrowingAreas::FarmId))
                    .col(string_len(GrowingAreas::Code, 64).unique_key())
                    .col(string_len(GrowingAreas::Scope, 16))
                    .col(string_len_null(GrowingAreas::TargetMarket, 2))
                    .col(string(GrowingAreas::Crop))
                    .col(string_null(GrowingAreas::Variety))
                    .col(double_null(GrowingAreas::AreaHa))
                    .col(string_null(GrowingAreas::Issuer))
                    .col(date_null(GrowingAreas::IssuedOn))
                    .col(date_null(GrowingAreas::ValidUntil))
                    .col(string_len(GrowingAreas::Status, 16))
                    .col(json_null(GrowingAreas::Boundary))
                    .col(json(GrowingAreas::Certificates))
                    .col(cols::created_at())
                    .col(cols::updated_at())
                    .foreign_key(&mut cols::fk(
                        GrowingAreas::Table,
                        GrowingAreas::OrganizationId,
                        Organizations::Table,
                    ))
                    .foreign_key(&mut cols::fk(
                        GrowingAreas::Table,
                        GrowingAreas::FarmId,
                        Farms::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_growing_areas_farm",
                GrowingAreas::Table,
                GrowingAreas::FarmId,
            ))
            .await?;
        manager
            .create_index(cols::index(
                "ix_growing_areas_organization",
                GrowingAreas::Table,
                GrowingAreas::OrganizationId,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GrowingAreas::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum GrowingAreas {
    Table,
    Id,
    OrganizationId,
    FarmId,
    Code,
    Scope,
    TargetMarket,
    Crop,
    Variety,
    AreaHa,
    Issuer,
    IssuedOn,
    ValidUntil,
    Status,
    Boundary,
    Certificates,
}
