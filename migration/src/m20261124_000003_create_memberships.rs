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
                    .table(Memberships::Table)
                    .col(cols::id(Memberships::Id))
                    .col(uuid(Memberships::UserId))
                    .col(uuid(Memberships::OrganizationId))
                    .col(string_len(Memberships::Role, 16))
                    .col(cols::created_at())
                    .foreign_key(&mut cols::fk(
                        Memberships::Table,
                        Memberships::UserId,
                        Users::Table,
                    ))
                    .foreign_key(&mut cols::fk(
                        Memberships::Table,
                        Memberships::OrganizationId,
                        Organizations::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_memberships_user_organization")
                    .table(Memberships::Table)
                    .col(Memberships::UserId)
                    .col(Memberships::OrganizationId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_memberships_organization",
                Memberships::Table,
                Memberships::OrganizationId,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Memberships::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Memberships {
    Table,
    Id,
    UserId,
    OrganizationId,
    Role,
}
