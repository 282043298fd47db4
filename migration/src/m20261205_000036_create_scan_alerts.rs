//! `scan_alerts`: the stamps whose scans looked like a copied code, one row a stamp, kept by
//! the scan writer in the same transaction as the scans that crossed a threshold.
//!
//! The console's dashboard listed the stamps scanned most in the last 7 days by counting the
//! week's scan rows: 8.45 s at 100,000,000 scans (bench/RESULTS.md), since a week of scans of
//! a million stamps is read to find twenty. What an organization must see there are the
//! stamps that look copied, which are few; the week's totals per batch come from `scan_days`.
//! Filled from the last 7 days of scans with the default threshold (10 scans a week).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ScanAlerts {
    Table,
    Serial,
    BatchId,
    WarnedAt,
    DayScans,
    WeekScans,
}

#[derive(DeriveIden)]
enum Batches {
    Table,
    Id,
}

const WARNED_AT: &str = "scan_alerts_warned_at";

/// Stamps with at least 10 scans since the bound, their batch, latest scan and counts. Only
/// stamps scanned 10 times in their life are looked at, each by seeks on the scans' (serial,
/// time) key: no scan of the whole table, which has no index on time alone.
const FILL: &str = r#"INSERT INTO "scan_alerts" ("serial", "batch_id", "warned_at", "day_scans", "week_scans") SELECT * FROM (SELECT st."serial", st."batch_id", (SELECT MAX(s."scanned_at") FROM "scans" s WHERE s."serial" = st."serial") AS "warned_at", 0 AS "day_scans", (SELECT COUNT(*) FROM "scans" s WHERE s."serial" = st."serial" AND s."scanned_at" >= $1) AS "week_scans" FROM "stamps" st WHERE st."scan_count" >= 10) AS t WHERE t."week_scans" >= 10"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScanAlerts::Table)
                    .col(
                        ColumnDef::new(ScanAlerts::Serial)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ScanAlerts::BatchId).uuid().not_null())
                    .col(
                        ColumnDef::new(ScanAlerts::WarnedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ScanAlerts::DayScans)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ScanAlerts::WeekScans)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScanAlerts::Table, ScanAlerts::BatchId)
                            .to(Batches::Table, Batches::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(WARNED_AT)
                    .table(ScanAlerts::Table)
                    .col(ScanAlerts::BatchId)
                    .col(ScanAlerts::WarnedAt)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let since = chrono::Utc::now() - chrono::Duration::days(7);
        let sql = match backend {
            sea_orm_migration::sea_orm::DbBackend::Postgres => FILL.to_owned(),
            _ => FILL.replace("$1", "?"),
        };
        db.execute_raw(Statement::from_sql_and_values(backend, sql, [since.into()]))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ScanAlerts::Table).to_owned())
            .await
    }
}
