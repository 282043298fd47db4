use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;
use crate::m20261124_000001_create_organizations::Organizations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Farms::Table)
                    .col(cols::id(Farms::Id))
                    .col(uuid(Farms::OrganizationId))
                    .col(string(Farms::Name))
                    .col(text(Farms::Address))
                    .col(string_len_null(Farms::CommuneCode, 5))
                    .col(double_null(Farms::Latitude))
                    .col(double_null(Farms::Longitude))
                    .col(cols::created_at())
                    .col(cols::updated_at())
                    .foreign_key(&mut cols::fk(
                        Farms::Table,
                        Farms::OrganizationId,
                        Organizations::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_farms_organization",
                Farms::Table,
                Farms::OrganizationId,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Farms::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Farms {
    Table,
    Id,
    OrganizationId,
    Name,
    Address,
    CommuneCode,
    Latitude,
    Longitude,
}
