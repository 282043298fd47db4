//! Scans of stamps, for copy detection: every scan of a scan page is a row (time, a keyed
//! hash of the client's address, the page language), and each stamp keeps its first scan,
//! its scan count and when its scratch PIN was claimed. PIN attempts are rows too, so their
//! rate limits hold across app nodes and restarts.

use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;
use crate::m20261124_000012_create_stamps::Stamps;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Scans::Table)
                    .col(cols::id(Scans::Id))
                    .col(string_len(Scans::Serial, 16))
                    .col(timestamp_with_time_zone(Scans::ScannedAt))
                    .col(binary_len(Scans::ClientHash, 32))
                    .col(string_len(Scans::Language, 8))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Scans::Table, Scans::Serial)
                            .to(Stamps::Table, Stamps::Serial)
                            .on_delete(ForeignKeyAction::Restrict)
                            .on_update(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_scans_serial_time")
                    .table(Scans::Table)
                    .col(Scans::Serial)
                    .col(Scans::ScannedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PinAttempts::Table)
                    .col(cols::id(PinAttempts::Id))
                    .col(string_len(PinAttempts::Serial, 16))
                    .col(timestamp_with_time_zone(PinAttempts::At))
                    .col(binary_len(PinAttempts::ClientHash, 32))
                    .col(boolean(PinAttempts::Ok))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_pin_attempts_serial_at")
                    .table(PinAttempts::Table)
                    .col(PinAttempts::Serial)
                    .col(PinAttempts::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_pin_attempts_client_at")
                    .table(PinAttempts::Table)
                    .col(PinAttempts::ClientHash)
                    .col(PinAttempts::At)
                    .to_owned(),
            )
            .await?;
        for col in [
            timestamp_with_time_zone_null(Alias::new("first_scanned_at")),
            big_integer(Alias::new("scan_count")).default(0).to_owned(),
            timestamp_with_time_zone_null(Alias::new("claimed_at")),
            big_integer(Alias::new("claim_count")).default(0).to_owned(),
        ] {
            let mut col = col;
            manager
                .alter_table(
                    Table::alter()
                        .table(Stamps::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            "claim_count",
            "claimed_at",
            "scan_count",
            "first_scanned_at",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Stamps::Table)
                        .drop_column(Alias::new(col))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(PinAttempts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Scans::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Scans {
    Table,
    Id,
    Serial,
    ScannedAt,
    ClientHash,
    Language,
}

#[derive(DeriveIden)]
pub enum PinAttempts {
    Table,
    Id,
    Serial,
    At,
    ClientHash,
    Ok,
}
