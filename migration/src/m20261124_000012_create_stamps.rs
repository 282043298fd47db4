use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;
use crate::m20261124_000001_create_organizations::Organizations;
use crate::m20261124_000009_create_batches::Batches;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StampRuns::Table)
                    .col(cols::id(StampRuns::Id))
                    .col(uuid(StampRuns::OrganizationId))
                    .col(uuid(StampRuns::BatchId))
                    .col(big_integer(StampRuns::Count))
                    .col(big_integer(StampRuns::FirstIndex))
                    .col(binary_len(StampRuns::PrevHead, 32))
                    .col(binary_len(StampRuns::LastHash, 32))
                    .col(binary_len(StampRuns::Root, 32))
                    .col(string(StampRuns::CreatedBy))
                    .col(cols::created_at())
                    .foreign_key(&mut cols::fk(
                        StampRuns::Table,
                        StampRuns::OrganizationId,
                        Organizations::Table,
                    ))
                    .foreign_key(&mut cols::fk(
                        StampRuns::Table,
                        StampRuns::BatchId,
                        Batches::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_stamp_runs_batch",
                StampRuns::Table,
                StampRuns::BatchId,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Stamps::Table)
                    .col(string_len(Stamps::Serial, 16).primary_key())
                    .col(uuid(Stamps::RunId))
                    .col(uuid(Stamps::BatchId))
                    .col(uuid(Stamps::OrganizationId))
                    .col(big_integer(Stamps::IndexInBatch))
                    .col(binary_len(Stamps::PrevHash, 32))
                    .col(binary_len(Stamps::Hash, 32))
                    .col(string_len(Stamps::Status, 16))
                    .foreign_key(&mut cols::fk(
                        Stamps::Table,
                        Stamps::RunId,
                        StampRuns::Table,
                    ))
                    .foreign_key(&mut cols::fk(
                        Stamps::Table,
                        Stamps::BatchId,
                        Batches::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_stamps_batch_index")
                    .table(Stamps::Table)
                    .col(Stamps::BatchId)
                    .col(Stamps::IndexInBatch)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index("ix_stamps_run", Stamps::Table, Stamps::RunId))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Stamps::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(StampRuns::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum StampRuns {
    Table,
    Id,
    OrganizationId,
    BatchId,
    Count,
    FirstIndex,
    PrevHead,
    LastHash,
    Root,
    CreatedBy,
}

#[derive(DeriveIden)]
pub enum Stamps {
    Table,
    Serial,
    RunId,
    BatchId,
    OrganizationId,
    IndexInBatch,
    PrevHash,
    Hash,
    Status,
}
