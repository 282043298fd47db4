//! `trace_codes`: trace codes entered by hand (Circular 02/2024/TT-BKHCN, TCVN 13274:2020)
//! for a product without a GTIN, an organization's premises or a farm — records the registry
//! holds no key of its own for. One per record; sealed in the ledger like the record itself.

use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TraceCodes {
    Table,
    Id,
    OrganizationId,
    Subject,
    SubjectId,
    Code,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TraceCodes::Table)
                    .col(cols::id(TraceCodes::Id))
                    .col(uuid(TraceCodes::OrganizationId))
                    .col(string_len(TraceCodes::Subject, 32))
                    .col(uuid(TraceCodes::SubjectId))
                    .col(string_len(TraceCodes::Code, 100))
                    .col(cols::created_at())
                    .col(cols::updated_at())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_trace_codes_subject")
                    .table(TraceCodes::Table)
                    .col(TraceCodes::Subject)
                    .col(TraceCodes::SubjectId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TraceCodes::Table).to_owned())
            .await
    }
}
