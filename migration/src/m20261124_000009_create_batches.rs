use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;
use crate::m20261124_000001_create_organizations::Organizations;
use crate::m20261124_000006_create_growing_areas::GrowingAreas;
use crate::m20261124_000007_create_products::Products;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Batches::Table)
                    .col(cols::id(Batches::Id))
                    .col(uuid(Batches::OrganizationId))
                    .col(uuid(Batches::ProductId))
                    .col(uuid_null(Batches::GrowingAreaId))
                    .col(string_len(Batches::LotCode, 20))
                    .col(double(Batches::Quantity))
                    .col(string_len(Batches::Unit, 32))
                    .col(date_null(Batches::HarvestedOn))
                    .col(date_null(Batches::ProducedOn))
                    .col(date_null(Batches::ExpiresOn))
                    .col(string_len(Batches::Status, 16))
                    .col(binary_len(Batches::ChainHead, 32))
                    .col(big_integer(Batches::StampsIssued).default(0))
                    .col(cols::created_at())
                    .col(cols::updated_at())
                    .foreign_key(&mut cols::fk(
                        Batches::Table,
                        Batches::OrganizationId,
                        Organizations::Table,
                    ))
                    .foreign_key(&mut cols::fk(
                        Batches::Table,
                        Batches::ProductId,
                        Products::Table,
                    ))
                    .foreign_key(&mut cols::fk(
                        Batches::Table,
                        Batches::GrowingAreaId,
                        GrowingAreas::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_batches_product_lot")
                    .table(Batches::Table)
                    .col(Batches::ProductId)
                    .col(Batches::LotCode)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_batches_organization",
                Batches::Table,
                Batches::OrganizationId,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Batches::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Batches {
    Table,
    Id,
    OrganizationId,
    ProductId,
    GrowingAreaId,
    LotCode,
    Quantity,
    Unit,
    HarvestedOn,
    ProducedOn,
    ExpiresOn,
    Status,
    ChainHead,
    StampsIssued,
}
