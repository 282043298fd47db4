//! `epcis_capture_jobs`: the capture jobs of `POST /epcis/capture` (EPCIS 2.0 REST bindings),
//! each with its state and, once finished, its per-event errors as JSON. The document itself is
//! not kept here: its events are sealed in the diary when the job succeeds.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EpcisCaptureJobs {
    Table,
    Id,
    Owner,
    CreatedAt,
    FinishedAt,
    Running,
    Success,
    EventCount,
    Recorded,
    Errors,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EpcisCaptureJobs::Table)
                    .col(uuid(EpcisCaptureJobs::Id).primary_key())
                    .col(string(EpcisCaptureJobs::Owner))
                    .col(timestamp_with_time_zone(EpcisCaptureJobs::CreatedAt))
                    .col(timestamp_with_time_zone_null(EpcisCaptureJobs::FinishedAt))
                    .col(boolean(EpcisCaptureJobs::Running))
                    .col(boolean(EpcisCaptureJobs::Success))
                    .col(integer(EpcisCaptureJobs::EventCount))
                    .col(integer(EpcisCaptureJobs::Recorded))
                    .col(text(EpcisCaptureJobs::Errors))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("epcis_capture_jobs_owner")
                    .table(EpcisCaptureJobs::Table)
                    .col(EpcisCaptureJobs::Owner)
                    .col(EpcisCaptureJobs::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EpcisCaptureJobs::Table).to_owned())
            .await
    }
}
