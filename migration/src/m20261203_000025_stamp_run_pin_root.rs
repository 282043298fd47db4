//! The ledger commits to a run's PINs: `stamp_runs.pin_root` is the RFC 6962 root over the
//! run's stamps' PIN hashes (in index order, each one a leaf's data), part of the run's ledger
//! payload, so `verify` finds a PIN hash changed in the database (a PIN of someone's choosing
//! made valid, or another stamp's copied). Runs issued before this migration have none.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StampRuns {
    Table,
    PinRoot,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(StampRuns::Table)
                    .add_column(blob_null(StampRuns::PinRoot))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(StampRuns::Table)
                    .drop_column(StampRuns::PinRoot)
                    .to_owned(),
            )
            .await
    }
}
