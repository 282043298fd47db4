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
    ExternalId,
}

#[derive(DeriveIden)]
pub enum MarketplaceAccounts {
    Table,
    Id,
    OrganizationId,
    Marketplace,
    ShopId,
    AccessToken,
    RefreshToken,
}

#[derive(DeriveIden)]
pub enum OutboxJobs {
    Table,
    Id,
    OrganizationId,
    ListingId,
    Marketplace,
    IdempotencyKey,
    Listing,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    ExternalId,
    DoneAt,
}

#[derive(DeriveIden)]
pub enum OutboxAttempts {
    Table,
    Id,
    JobId,
    Attempt,
    StartedAt,
    FinishedAt,
    Outcome,
    HttpStatus,
    Detail,
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
                    .col(string_len_null(Listings::ExternalId, 100))
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
            .await?;
        // A shop's credentials on an API marketplace, per organization.
        manager
            .create_table(
                Table::create()
                    .table(MarketplaceAccounts::Table)
                    .col(cols::id(MarketplaceAccounts::Id))
                    .col(uuid(MarketplaceAccounts::OrganizationId))
                    .col(string_len(MarketplaceAccounts::Marketplace, 32))
                    .col(string_len(MarketplaceAccounts::ShopId, 100))
                    .col(string_len(MarketplaceAccounts::AccessToken, 2000))
                    .col(string_len_null(MarketplaceAccounts::RefreshToken, 2000))
                    .col(cols::created_at())
                    .col(cols::updated_at())
                    .foreign_key(&mut cols::fk(
                        MarketplaceAccounts::Table,
                        MarketplaceAccounts::OrganizationId,
                        Alias::new("organizations"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_marketplace_accounts_org_marketplace")
                    .table(MarketplaceAccounts::Table)
                    .col(MarketplaceAccounts::OrganizationId)
                    .col(MarketplaceAccounts::Marketplace)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The push outbox: one job per listing version, claimed with a lease.
        manager
            .create_table(
                Table::create()
                    .table(OutboxJobs::Table)
                    .col(cols::id(OutboxJobs::Id))
                    .col(uuid(OutboxJobs::OrganizationId))
                    .col(uuid(OutboxJobs::ListingId))
                    .col(string_len(OutboxJobs::Marketplace, 32))
                    .col(string_len(OutboxJobs::IdempotencyKey, 200))
                    .col(json(OutboxJobs::Listing))
                    .col(string_len(OutboxJobs::Status, 16))
                    .col(integer(OutboxJobs::Attempts))
                    .col(timestamp_with_time_zone(OutboxJobs::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(OutboxJobs::LeaseUntil))
                    .col(string_len_null(OutboxJobs::LastError, 2000))
                    .col(string_len_null(OutboxJobs::ExternalId, 100))
                    .col(timestamp_with_time_zone_null(OutboxJobs::DoneAt))
                    .col(cols::created_at())
                    .col(cols::updated_at())
                    .foreign_key(&mut cols::fk(
                        OutboxJobs::Table,
                        OutboxJobs::ListingId,
                        Listings::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_outbox_jobs_idempotency_key")
                    .table(OutboxJobs::Table)
                    .col(OutboxJobs::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_jobs_due")
                    .table(OutboxJobs::Table)
                    .col(OutboxJobs::Status)
                    .col(OutboxJobs::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OutboxAttempts::Table)
                    .col(cols::id(OutboxAttempts::Id))
                    .col(uuid(OutboxAttempts::JobId))
                    .col(integer(OutboxAttempts::Attempt))
                    .col(timestamp_with_time_zone(OutboxAttempts::StartedAt))
                    .col(timestamp_with_time_zone_null(OutboxAttempts::FinishedAt))
                    .col(string_len_null(OutboxAttempts::Outcome, 16))
                    .col(integer_null(OutboxAttempts::HttpStatus))
                    .col(string_len_null(OutboxAttempts::Detail, 2000))
                    .foreign_key(&mut cols::fk(
                        OutboxAttempts::Table,
                        OutboxAttempts::JobId,
                        OutboxJobs::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_outbox_attempts_job",
                OutboxAttempts::Table,
                OutboxAttempts::JobId,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            OutboxAttempts::Table.into_iden(),
            OutboxJobs::Table.into_iden(),
            MarketplaceAccounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Listings::Table).to_owned())
            .await
    }
}
