//! Marketplaces that review an item before it goes on sale (Tiki's product requests): the
//! listing keeps the review's last known state, the marketplace's reason (a rejection's), and
//! when it was last asked. Operational state, not a record: it is not in the ledger.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Listings {
    Table,
}

const COLUMNS: [&str; 3] = ["review_state", "review_detail", "review_checked_at"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for col in [
            string_null(Alias::new(COLUMNS[0])),
            text_null(Alias::new(COLUMNS[1])),
            timestamp_with_time_zone_null(Alias::new(COLUMNS[2])),
        ] {
            let mut col = col;
            manager
                .alter_table(
                    Table::alter()
                        .table(Listings::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in COLUMNS.iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(Listings::Table)
                        .drop_column(Alias::new(*col))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
