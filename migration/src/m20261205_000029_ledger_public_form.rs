//! Entries hashed in their public form: from `ledger_head.public_from` on, an entry's leaf is
//! the hash of `{"kind":…,"payload_sha256":…}` (RFC 8785), which the log publishes as C2SP
//! entry bundles, instead of the hash of its payload, which holds registry records that need a
//! read right (issue 21). The payload stays committed to, through its SHA-256.
//!
//! A log is never rewritten: entries already appended keep their leaves, so `public_from` is
//! the log's size when this migration runs (0 for a new database), and their bundles are not
//! served.
//!
//! `down` keeps the column: dropping it would forget where the public form begins, and running
//! `up` again would then take later entries for old ones. Code from before this migration
//! cannot verify entries in the public form.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LedgerHead {
    Table,
    Size,
    PublicFrom,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.has_column("ledger_head", "public_from").await? {
            return Ok(());
        }
        manager
            .alter_table(
                Table::alter()
                    .table(LedgerHead::Table)
                    .add_column(
                        ColumnDef::new(LedgerHead::PublicFrom)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(LedgerHead::Table)
                    .value(LedgerHead::PublicFrom, Expr::col(LedgerHead::Size))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
