//! A stamp's proof without rebuilding its run's tree: `stamp_runs.block_roots` holds the roots
//! of the run's blocks of 256 stamps (level 8 of the run's Merkle tree, 32 bytes each, in
//! order; 125 KB for a run of 1,000,000 stamps). Written at issuance; runs issued before this
//! migration get theirs on their first proof, once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StampRuns {
    Table,
    BlockRoots,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(StampRuns::Table)
                    .add_column(blob_null(StampRuns::BlockRoots))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(StampRuns::Table)
                    .drop_column(StampRuns::BlockRoots)
                    .to_owned(),
            )
            .await
    }
}
