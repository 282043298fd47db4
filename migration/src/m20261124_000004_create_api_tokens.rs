use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;
use crate::m20261124_000001_create_organizations::Organizations;
use crate::m20261124_000002_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(cols::id(ApiTokens::Id))
                    .col(string(ApiTokens::Name))
                    .col(string_len(ApiTokens::TokenHash, 64).unique_key())
                    .col(uuid_null(ApiTokens::OrganizationId))
                    .col(uuid_null(ApiTokens::UserId))
                    .col(string_len(ApiTokens::Role, 16))
                    .col(cols::created_at())
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(&mut cols::fk(
                        ApiTokens::Table,
                        ApiTokens::OrganizationId,
                        Organizations::Table,
                    ))
                    .foreign_key(&mut cols::fk(
                        ApiTokens::Table,
                        ApiTokens::UserId,
                        Users::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_api_tokens_organization",
                ApiTokens::Table,
                ApiTokens::OrganizationId,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiTokens::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum ApiTokens {
    Table,
    Id,
    Name,
    TokenHash,
    OrganizationId,
    UserId,
    Role,
    RevokedAt,
}
