use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;
use crate::m20261124_000001_create_organizations::Organizations;
use crate::m20261124_000007_create_products::Products;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OcopCertifications::Table)
                    .col(cols::id(OcopCertifications::Id))
                    .col(uuid(OcopCertifications::OrganizationId))
                    .col(uuid(OcopCertifications::ProductId))
                    .col(small_integer(OcopCertifications::Stars))
                    .col(small_integer_null(OcopCertifications::Score))
                    .col(string(OcopCertifications::DecisionNumber))
                    .col(date(OcopCertifications::DecisionDate))
                    .col(string(OcopCertifications::IssuingBody))
                    .col(string_len(OcopCertifications::Level, 16))
                    .col(date(OcopCertifications::ValidUntil))
                    .col(cols::created_at())
                    .foreign_key(&mut cols::fk(
                        OcopCertifications::Table,
                        OcopCertifications::OrganizationId,
                        Organizations::Table,
                    ))
                    .foreign_key(&mut cols::fk(
                        OcopCertifications::Table,
                        OcopCertifications::ProductId,
                        Products::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index(
                "ix_ocop_certifications_product",
                OcopCertifications::Table,
                OcopCertifications::ProductId,
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OcopCertifications::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum OcopCertifications {
    Table,
    Id,
    OrganizationId,
    ProductId,
    Stars,
    Score,
    DecisionNumber,
    DecisionDate,
    IssuingBody,
    Level,
    ValidUntil,
}
