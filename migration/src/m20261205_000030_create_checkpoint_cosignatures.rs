//! `checkpoint_cosignatures`: witnesses' cosignatures of the log's checkpoints (C2SP
//! tlog-witness, tlog-cosignature), collected off the append path and published with the
//! checkpoint they sign.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CheckpointCosignatures {
    Table,
    Size,
    Witness,
    Line,
    CosignedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CheckpointCosignatures::Table)
                    .col(big_integer(CheckpointCosignatures::Size))
                    .col(string(CheckpointCosignatures::Witness))
                    .col(text(CheckpointCosignatures::Line))
                    .col(big_integer(CheckpointCosignatures::CosignedAt))
                    .primary_key(
                        Index::create()
                            .col(CheckpointCosignatures::Size)
                            .col(CheckpointCosignatures::Witness),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(CheckpointCosignatures::Table)
                    .to_owned(),
            )
            .await
    }
}
