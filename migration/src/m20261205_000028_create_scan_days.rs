//! `scan_days`: a batch's scans counted per day (in Vietnam), kept by the scan writer in the
//! same transaction as the scans themselves.
//!
//! The console's chart counted a batch's scan rows day by day: fine for a thousand scans, not
//! for a batch with millions, and not once old scans are deleted (retention, `OCOP_SCAN_KEEP_DAYS`).
//! A day's count is one row here, so the chart reads 30 rows whatever the traffic, and the
//! counts outlive the scans they count. Filled from the scans already stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ScanDays {
    Table,
    BatchId,
    Day,
    Scans,
}

#[derive(DeriveIden)]
enum Batches {
    Table,
    Id,
}

/// The scans stored so far, counted per batch and day in Vietnam (UTC+7, no daylight saving).
/// SQLite holds times as RFC 3339 text in UTC; its first 19 characters are the second, taken
/// whole so that a time a microsecond before midnight is not rounded into the next day.
const SQLITE_FILL: &str = r#"INSERT INTO "scan_days" ("batch_id", "day", "scans") SELECT st."batch_id", date(substr(s."scanned_at", 1, 19), '+7 hours'), COUNT(*) FROM "scans" s JOIN "stamps" st ON st."serial" = s."serial" GROUP BY 1, 2"#;
const POSTGRES_FILL: &str = r#"INSERT INTO "scan_days" ("batch_id", "day", "scans") SELECT st."batch_id", (s."scanned_at" AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, COUNT(*) FROM "scans" s JOIN "stamps" st ON st."serial" = s."serial" GROUP BY 1, 2"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScanDays::Table)
                    .col(ColumnDef::new(ScanDays::BatchId).uuid().not_null())
                    .col(ColumnDef::new(ScanDays::Day).date().not_null())
                    .col(ColumnDef::new(ScanDays::Scans).big_integer().not_null())
                    .primary_key(Index::create().col(ScanDays::BatchId).col(ScanDays::Day))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScanDays::Table, ScanDays::BatchId)
                            .to(Batches::Table, Batches::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let fill = match db.get_database_backend() {
            DbBackend::Postgres => POSTGRES_FILL,
            _ => SQLITE_FILL,
        };
        db.execute_unprepared(fill).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ScanDays::Table).to_owned())
            .await
    }
}
