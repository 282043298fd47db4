//! Invitations to an organization: an owner names a person (phone or e-mail) and a role; the
//! person opens the one-time link, chooses a password and becomes a member. Only the link's
//! SHA-256 is kept, as for API tokens.

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
                    .table(Invitations::Table)
                    .col(cols::id(Invitations::Id))
                    .col(string_len_uniq(Invitations::TokenHash, 64))
                    .col(uuid(Invitations::UserId))
                    .col(uuid(Invitations::OrganizationId))
                    .col(string_len(Invitations::Role, 16))
                    .col(string_len(Invitations::CreatedBy, 200))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Invitations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    TokenHash,
    UserId,
    OrganizationId,
    Role,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
}
