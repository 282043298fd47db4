//! Marketplace listings: one per product and marketplace, with the price, stock and parcel the
//! cooperative set, what was last exported, and the live product URL once listed. Listing
//! rows are ledger records (the scan page links to live URLs).

use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Listings {
    Table,
    Id,
    OrganizationId,
    ProductId,
    BatchId,
    Marketplace,
    Sku,
    PriceVnd,
    Stock,
    Package,
    Exported,
    ExportedAt,
    LiveUrl,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Listings::Table)
                    .col(cols::id(Listings::Id))
                    .col(uuid(Listings::OrganizationId))
                    .col(uuid(Listings::ProductId))
                    .col(uuid_null(Listings::BatchId))
                    .col(string_len(Listings::Marketplace, 32))
                    .col(string_len(Listings::Sku, 64))
                    .col(big_integer(Listings::PriceVnd))
                    .col(big_integer(Listings::Stock))
                    .col(json_null(Listings::Package))
                    .col(json_null(Listings::Exported))
                    .col(timestamp_with_time_zone_null(Listings::ExportedAt))
                    .col(string_len_null(Listings::LiveUrl, 500))
                    .col(cols::created_at())
                    .col(cols::updated_at())
                    .foreign_key(&mut cols::fk(
                        Listings::Table,
                        Listings::OrganizationId,
                        Alias::new("organizations"),
                    ))
                    .foreign_key(&mut cols::fk(
                        Listings::Table,
                        Listings::ProductId,
                        Alias::new("products"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_listings_product_marketplace")
                    .table(Listings::Table)
                    .col(Listings::ProductId)
                    .col(Listings::Marketplace)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_listings_organization_marketplace")
                    .table(Listings::Table)
                    .col(Listings::OrganizationId)
                    .col(Listings::Marketplace)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Listings::Table).to_owned())
            .await
    }
}
