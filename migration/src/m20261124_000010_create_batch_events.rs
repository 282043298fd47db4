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
                    .table(BatchEvents::Table)
                    .col(cols::id(BatchEvents::Id))
                    .col(uuid(BatchEvents::OrganizationId))
                    .col(uuid(BatchEvents::BatchId))
                    .col(string_len(BatchEvents::Kind, 16))
                    .col(timestamp_with_time_zone(BatchEvents::OccurredAt))
                    .col(timestamp_with_time_zone(BatchEvents::RecordedAt))
                    .col(string(BatchEvents::Actor))
                    .col(json(BatchEvents::Details))
                    .col(uuid_null(BatchEvents::Corrects))
                    .col(binary_len(BatchEvents::PrevHash, 32))
                    .col(binary_len(BatchEvents::Hash, 32))
                    .foreign_key(&mut cols::fk(
                        BatchEvents::Table,
                        BatchEvents::OrganizationId,
                        Organizations::Table,
                    ))
                    .foreign_key(&mut cols::fk(
                        BatchEvents::Table,
                        BatchEvents::BatchId,
                        Batches::Table,
                    ))
                    .foreign_key(&mut cols::fk(
                        BatchEvents::Table,
                        BatchEvents::Corrects,
                        BatchEvents::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_batch_events_batch",
                BatchEvents::Table,
                BatchEvents::BatchId,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BatchEvents::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum BatchEvents {
    Table,
    Id,
    OrganizationId,
    BatchId,
    Kind,
    OccurredAt,
    RecordedAt,
    Actor,
    Details,
    Corrects,
    PrevHash,
    Hash,
}
