//! A PIN sheet counts as delivered only when the whole file was sent:
//! `stamp_runs.pins_delivered_at` is set when the last byte of the file that shows the PINs
//! left the server. Until then the run's owner may download it again within a short window
//! after the first attempt (`pins_released_at`), and every attempt is counted in
//! `pins_attempts` and logged.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StampRuns {
    Table,
    PinsDeliveredAt,
    PinsAttempts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(StampRuns::Table)
                    .add_column(timestamp_with_time_zone_null(StampRuns::PinsDeliveredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(StampRuns::Table)
                    .add_column(integer(StampRuns::PinsAttempts).default(0))
                    .to_owned(),
            )
            .await?;
        // Runs whose PINs were released before this migration were delivered as far as
        // anyone can tell now: they keep their one-time answer.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE stamp_runs SET pins_delivered_at = pins_released_at, pins_attempts = 1 \
                 WHERE pins_released_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [StampRuns::PinsAttempts, StampRuns::PinsDeliveredAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(StampRuns::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
