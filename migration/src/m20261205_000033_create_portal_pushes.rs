//! The push of a batch's EPCIS events to the traceability portal (issue 19), through the
//! outbox's rules: `portal_pushes` is the job (one batch, claimed under a lease, retried with
//! backoff), `portal_push_attempts` every attempt, written before its request is sent, and
//! `portal_deliveries` each event the portal accepted, by its event hash ID, so no event is
//! sent again once the portal has it (unless a later correction declared it in error).
//!
//! Not rows of `outbox_jobs`: those are listing versions (`listing_id` is NOT NULL with a
//! foreign key to `listings`), and SQLite cannot relax a column without rebuilding the table
//! and the one that references it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PortalPushes {
    Table,
    Id,
    OrganizationId,
    BatchId,
    Portal,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    EventsSent,
    DoneAt,
}

#[derive(DeriveIden)]
enum PortalPushAttempts {
    Table,
    Id,
    PushId,
    Attempt,
    StartedAt,
    FinishedAt,
    Outcome,
    HttpStatus,
    Events,
    Detail,
}

#[derive(DeriveIden)]
enum PortalDeliveries {
    Table,
    Portal,
    EventId,
    PushId,
    Declared,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum Batches {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PortalPushes::Table)
                    .col(cols::id(PortalPushes::Id))
                    .col(uuid(PortalPushes::OrganizationId))
                    .col(uuid(PortalPushes::BatchId))
                    .col(string_len(PortalPushes::Portal, 500))
                    .col(string_len(PortalPushes::Status, 16))
                    .col(integer(PortalPushes::Attempts))
                    .col(timestamp_with_time_zone(PortalPushes::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(PortalPushes::LeaseUntil))
                    .col(string_len_null(PortalPushes::LastError, 2000))
                    .col(integer(PortalPushes::EventsSent))
                    .col(timestamp_with_time_zone_null(PortalPushes::DoneAt))
                    .col(cols::created_at())
                    .col(cols::updated_at())
                    .foreign_key(&mut cols::fk(
                        PortalPushes::Table,
                        PortalPushes::BatchId,
                        Batches::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "ix_portal_pushes_due",
                vec![PortalPushes::Status, PortalPushes::NextAttemptAt],
            ),
            (
                "ix_portal_pushes_batch",
                vec![PortalPushes::BatchId, PortalPushes::Id],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(PortalPushes::Table);
            for c in columns {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(PortalPushAttempts::Table)
                    .col(cols::id(PortalPushAttempts::Id))
                    .col(uuid(PortalPushAttempts::PushId))
                    .col(integer(PortalPushAttempts::Attempt))
                    .col(timestamp_with_time_zone(PortalPushAttempts::StartedAt))
                    .col(timestamp_with_time_zone_null(
                        PortalPushAttempts::FinishedAt,
                    ))
                    .col(string_len_null(PortalPushAttempts::Outcome, 16))
                    .col(integer_null(PortalPushAttempts::HttpStatus))
                    .col(integer(PortalPushAttempts::Events))
                    .col(string_len_null(PortalPushAttempts::Detail, 2000))
                    .foreign_key(&mut cols::fk(
                        PortalPushAttempts::Table,
                        PortalPushAttempts::PushId,
                        PortalPushes::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_portal_push_attempts_push",
                PortalPushAttempts::Table,
                PortalPushAttempts::PushId,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PortalDeliveries::Table)
                    .col(string_len(PortalDeliveries::Portal, 500))
                    .col(string_len(PortalDeliveries::EventId, 200))
                    .col(uuid(PortalDeliveries::PushId))
                    .col(boolean(PortalDeliveries::Declared))
                    .col(timestamp_with_time_zone(PortalDeliveries::DeliveredAt))
                    .primary_key(
                        Index::create()
                            .col(PortalDeliveries::Portal)
                            .col(PortalDeliveries::EventId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            PortalDeliveries::Table.into_iden(),
            PortalPushAttempts::Table.into_iden(),
            PortalPushes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
