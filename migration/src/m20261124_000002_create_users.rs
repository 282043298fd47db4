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
                    .table(Users::Table)
                    .col(cols::id(Users::Id))
                    .col(string_null(Users::Email).unique_key())
                    .col(string_len_null(Users::Phone, 16).unique_key())
                    .col(string(Users::Name))
                    .col(string(Users::PasswordHash))
                    .col(boolean(Users::IsAdmin).default(false))
                    .col(cols::created_at())
                    .col(cols::updated_at())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Email,
    Phone,
    Name,
    PasswordHash,
    IsAdmin,
}
