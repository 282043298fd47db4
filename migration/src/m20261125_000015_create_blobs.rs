//! Stored files: product images, certificate scans, diary photos and print files. The bytes
//! live in the blob store under their SHA-256; a row says whose they are, what they are
//! attached to, and what they are. The same bytes may have several rows (the same photo on two
//! products) and are stored once. Rows are recorded in the ledger like every other record, so
//! they are never deleted: a removed image gets `removed_at`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::cols;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Blobs {
    Table,
    Id,
    OrganizationId,
    Kind,
    SubjectId,
    Sha256,
    ContentType,
    Size,
    Width,
    Height,
    ThumbSha256,
    OriginalName,
    Variant,
    CreatedBy,
    RemovedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Blobs::Table)
                    .col(cols::id(Blobs::Id))
                    .col(uuid(Blobs::OrganizationId))
                    .col(string_len(Blobs::Kind, 24))
                    .col(uuid(Blobs::SubjectId))
                    .col(string_len(Blobs::Sha256, 64))
                    .col(string_len(Blobs::ContentType, 100))
                    .col(big_integer(Blobs::Size))
                    .col(integer_null(Blobs::Width))
                    .col(integer_null(Blobs::Height))
                    .col(string_len_null(Blobs::ThumbSha256, 64))
                    .col(string_len_null(Blobs::OriginalName, 255))
                    .col(string_len_null(Blobs::Variant, 255))
                    .col(string_len(Blobs::CreatedBy, 200))
                    .col(cols::created_at())
                    .col(timestamp_with_time_zone_null(Blobs::RemovedAt))
                    .foreign_key(&mut cols::fk(
                        Blobs::Table,
                        Blobs::OrganizationId,
                        Alias::new("organizations"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_blobs_subject_kind")
                    .table(Blobs::Table)
                    .col(Blobs::SubjectId)
                    .col(Blobs::Kind)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(cols::index("ix_blobs_sha256", Blobs::Table, Blobs::Sha256))
            .await?;
        // One stored print file per run and variant (format and options).
        manager
            .create_index(
                Index::create()
                    .name("ux_blobs_subject_variant")
                    .table(Blobs::Table)
                    .col(Blobs::SubjectId)
                    .col(Blobs::Variant)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Blobs::Table).to_owned())
            .await
    }
}
