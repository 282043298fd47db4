//! Voids and scratch PINs for stamps.
//!
//! - `stamp_voids`: voiding a whole run or some of its stamps (recall, misprint, loss) is a
//!   record of its own, appended to the ledger; stamps are never deleted.
//! - `stamps.pin_hash`: the keyed hash of a stamp's scratch PIN; `stamp_runs.with_pin` and
//!   `stamp_runs.pins_released_at` (the PINs are shown once, in the first print file that
//!   asks for them).
//! - `ix_stamps_run` goes: a run's stamps are a contiguous index range of its batch, read
//!   through `ux_stamps_batch_index`, and the extra index cost issuance time for nothing.

use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;
use crate::m20261124_000001_create_organizations::Organizations;
use crate::m20261124_000009_create_batches::Batches;
use crate::m20261124_000012_create_stamps::{StampRuns, Stamps};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_stamps_run")
                    .table(Stamps::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Stamps::Table)
                    .add_column(binary_len_null(Alias::new("pin_hash"), 32))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(StampRuns::Table)
                    .add_column(boolean(Alias::new("with_pin")).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(StampRuns::Table)
                    .add_column(timestamp_with_time_zone_null(Alias::new(
                        "pins_released_at",
                    )))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StampVoids::Table)
                    .col(cols::id(StampVoids::Id))
                    .col(uuid(StampVoids::OrganizationId))
                    .col(uuid(StampVoids::BatchId))
                    .col(uuid(StampVoids::RunId))
                    .col(string_len(StampVoids::Reason, 16))
                    .col(text_null(StampVoids::Note))
                    .col(json_null(StampVoids::Serials))
                    .col(big_integer(StampVoids::Count))
                    .col(string(StampVoids::CreatedBy))
                    .col(cols::created_at())
                    .foreign_key(&mut cols::fk(
                        StampVoids::Table,
                        StampVoids::OrganizationId,
                        Organizations::Table,
                    ))
                    .foreign_key(&mut cols::fk(
                        StampVoids::Table,
                        StampVoids::BatchId,
                        Batches::Table,
                    ))
                    .foreign_key(&mut cols::fk(
                        StampVoids::Table,
                        StampVoids::RunId,
                        StampRuns::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_stamp_voids_run",
                StampVoids::Table,
                StampVoids::RunId,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StampVoids::Table).to_owned())
            .await?;
        for (table, column) in [
            (StampRuns::Table.into_iden(), "pins_released_at"),
            (StampRuns::Table.into_iden(), "with_pin"),
            (Stamps::Table.into_iden(), "pin_hash"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(cols::index("ix_stamps_run", Stamps::Table, Stamps::RunId))
            .await
    }
}

#[derive(DeriveIden)]
pub enum StampVoids {
    Table,
    Id,
    OrganizationId,
    BatchId,
    RunId,
    Reason,
    Note,
    Serials,
    Count,
    CreatedBy,
}
