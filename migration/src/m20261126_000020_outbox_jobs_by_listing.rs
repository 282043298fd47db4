//! A listing's pushes are read by listing (its history, the console's latest push, whether a
//! version is already queued): an index on (listing_id, id) instead of a scan of every job
//! ever queued. Ids are time-ordered, so the index also gives a listing's newest push first.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxJobs {
    Table,
    ListingId,
    Id,
}

const NAME: &str = "ix_outbox_jobs_listing";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(OutboxJobs::Table)
                    .col(OutboxJobs::ListingId)
                    .col(OutboxJobs::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(OutboxJobs::Table).to_owned())
            .await
    }
}
