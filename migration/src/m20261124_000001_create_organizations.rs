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
                    .table(Organizations::Table)
                    .col(cols::id(Organizations::Id))
                    .col(string_len(Organizations::Kind, 32))
                    .col(string(Organizations::Name))
                    .col(string_len_null(Organizations::TaxCode, 16).unique_key())
                    .col(text(Organizations::Address))
                    .col(string_len_null(Organizations::ProvinceCode, 2))
                    .col(string_len_null(Organizations::CommuneCode, 5))
                    .col(string_null(Organizations::Phone))
                    .col(string_null(Organizations::Email))
                    .col(string_null(Organizations::Website))
                    .col(string_len_null(Organizations::Gs1CompanyPrefix, 12))
                    .col(cols::created_at())
                    .col(cols::updated_at())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Organizations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Organizations {
    Table,
    Id,
    Kind,
    Name,
    TaxCode,
    Address,
    ProvinceCode,
    CommuneCode,
    Phone,
    Email,
    Website,
    Gs1CompanyPrefix,
}
