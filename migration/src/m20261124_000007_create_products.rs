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
                    .table(Products::Table)
                    .col(cols::id(Products::Id))
                    .col(uuid(Products::OrganizationId))
                    .col(string(Products::Name))
                    .col(string_null(Products::NameEn))
                    .col(string_len_null(Products::OcopGroup, 16))
                    .col(string_null(Products::OcopSubgroup))
                    .col(string_len_null(Products::Gtin, 14).unique_key())
                    .col(string_len(Products::Unit, 32))
                    .col(double_null(Products::NetWeightG))
                    .col(double_null(Products::NetVolumeMl))
                    .col(integer_null(Products::ShelfLifeDays))
                    .col(text_null(Products::Description))
                    .col(cols::created_at())
                    .col(cols::updated_at())
                    .foreign_key(&mut cols::fk(
                        Products::Table,
                        Products::OrganizationId,
                        Organizations::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_products_organization",
                Products::Table,
                Products::OrganizationId,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Products::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Products {
    Table,
    Id,
    OrganizationId,
    Name,
    NameEn,
    OcopGroup,
    OcopSubgroup,
    Gtin,
    Unit,
    NetWeightG,
    NetVolumeMl,
    ShelfLifeDays,
    Description,
}
