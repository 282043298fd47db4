use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LedgerEntries::Table)
                    .col(big_integer(LedgerEntries::Idx).primary_key())
                    .col(string_len(LedgerEntries::Kind, 48))
                    .col(string_len(LedgerEntries::SubjectTable, 32))
                    .col(uuid(LedgerEntries::SubjectId))
                    .col(uuid_null(LedgerEntries::BatchId))
                    .col(text(LedgerEntries::Payload))
                    .col(binary_len(LedgerEntries::LeafHash, 32))
                    .col(binary_len(LedgerEntries::ChainHash, 32))
                    .col(blob(LedgerEntries::StoredHashes))
                    .col(cols::created_at())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_ledger_entries_subject",
                LedgerEntries::Table,
                LedgerEntries::SubjectId,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerHead::Table)
                    .col(integer(LedgerHead::Id).primary_key())
                    .col(big_integer(LedgerHead::Size))
                    .col(binary_len(LedgerHead::ChainHash, 32))
                    .col(blob(LedgerHead::Frontier))
                    .to_owned(),
            )
            .await?;
        // The single head row every append locks and advances.
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(LedgerHead::Table)
                    .columns([
                        LedgerHead::Id,
                        LedgerHead::Size,
                        LedgerHead::ChainHash,
                        LedgerHead::Frontier,
                    ])
                    .values_panic([
                        1.into(),
                        0i64.into(),
                        vec![0u8; 32].into(),
                        Vec::<u8>::new().into(),
                    ])
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Checkpoints::Table)
                    .col(big_integer(Checkpoints::Size).primary_key())
                    .col(binary_len(Checkpoints::Root, 32))
                    .col(text(Checkpoints::Note))
                    .col(cols::created_at())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Checkpoints::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LedgerHead::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LedgerEntries::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum LedgerEntries {
    Table,
    Idx,
    Kind,
    SubjectTable,
    SubjectId,
    BatchId,
    Payload,
    LeafHash,
    ChainHash,
    StoredHashes,
}

#[derive(DeriveIden)]
pub enum LedgerHead {
    Table,
    Id,
    Size,
    ChainHash,
    Frontier,
}

#[derive(DeriveIden)]
pub enum Checkpoints {
    Table,
    Size,
    Root,
    Note,
}
