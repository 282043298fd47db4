//! Scan counters in a narrow table of their own, and scans kept in the order they happen.
//!
//! Under real traffic almost every scan is of a stamp never scanned before, and each one
//! dirtied two random pages in the scan writer's transaction: one of `scans`, kept by
//! (serial, time), and one of `stamps`, whose rows (hashes, PIN hash, ids) are ~250 bytes and
//! whose table is gigabytes at 10,000,000 stamps. Now:
//! - `stamp_scans` holds a row for each stamp scanned at least once: its batch, scan count,
//!   first scan, and its latest scan times (up to the copy thresholds' larger count), which
//!   copy detection read from `scans` before. Rows are ~60 bytes and only scanned stamps have
//!   one, so the table stays in the writer's page cache; `stamps` is no longer written by
//!   scans (`scan_count` and `first_scanned_at` move here; `claimed_at` stays with the PIN).
//! - `scans` is keyed by (scanned_at, id): each group of scans is appended at the end of one
//!   B-tree, and retention deletes a range of its start. Nothing reads a stamp's scans by
//!   serial any more.
//!
//! `recent` is the scan times, newest first, as Unix seconds of ten digits each, concatenated
//! (`"17650000041765000001"`); filled from the latest 10 scans of each stamp (the default
//! thresholds' larger count, as in migration 36). Seconds suffice for windows of a day and a
//! week, and the text concatenates and truncates in the same SQL on SQLite and PostgreSQL
//! (bench/RESULTS.md has the measurements).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    r#"CREATE TABLE "stamp_scans" ( "serial" varchar(16) NOT NULL PRIMARY KEY, "batch_id" uuid_text NOT NULL, "scan_count" bigint NOT NULL, "first_scanned_at" timestamp_with_timezone_text NOT NULL, "recent" text NOT NULL, FOREIGN KEY ("serial") REFERENCES "stamps" ("serial") ON DELETE RESTRICT ON UPDATE RESTRICT, FOREIGN KEY ("batch_id") REFERENCES "batches" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT ) WITHOUT ROWID"#,
    r#"INSERT INTO "stamp_scans" ("serial", "batch_id", "scan_count", "first_scanned_at", "recent") SELECT st."serial", st."batch_id", st."scan_count", COALESCE(st."first_scanned_at", (SELECT MIN(s."scanned_at") FROM "scans" s WHERE s."serial" = st."serial"), strftime('%Y-%m-%d %H:%M:%S+00:00', 'now')), COALESCE((SELECT group_concat(r."t", '') FROM (SELECT printf('%010d', CAST(strftime('%s', s."scanned_at") AS INTEGER)) AS "t" FROM "scans" s WHERE s."serial" = st."serial" ORDER BY s."scanned_at" DESC LIMIT 10) AS r), '') FROM "stamps" st WHERE st."scan_count" > 0"#,
    r#"CREATE TABLE "scans_by_time" ( "scanned_at" timestamp_with_timezone_text NOT NULL, "id" uuid_text NOT NULL, "serial" varchar(16) NOT NULL, "client_hash" blob(32) NOT NULL, "language" varchar(8) NOT NULL, PRIMARY KEY ("scanned_at", "id"), FOREIGN KEY ("serial") REFERENCES "stamps" ("serial") ON DELETE RESTRICT ON UPDATE RESTRICT ) WITHOUT ROWID"#,
    r#"INSERT INTO "scans_by_time" ("scanned_at", "id", "serial", "client_hash", "language") SELECT "scanned_at", "id", "serial", "client_hash", "language" FROM "scans""#,
    r#"DROP TABLE "scans""#,
    r#"ALTER TABLE "scans_by_time" RENAME TO "scans""#,
    r#"ALTER TABLE "stamps" DROP COLUMN "scan_count""#,
    r#"ALTER TABLE "stamps" DROP COLUMN "first_scanned_at""#,
];

const SQLITE_DOWN: &[&str] = &[
    r#"ALTER TABLE "stamps" ADD COLUMN "first_scanned_at" timestamp_with_timezone_text NULL"#,
    r#"ALTER TABLE "stamps" ADD COLUMN "scan_count" bigint NOT NULL DEFAULT 0"#,
    r#"UPDATE "stamps" SET "scan_count" = c."scan_count", "first_scanned_at" = c."first_scanned_at" FROM "stamp_scans" c WHERE c."serial" = "stamps"."serial""#,
    r#"DROP TABLE "stamp_scans""#,
    r#"CREATE TABLE "scans_clustered" ( "serial" varchar(16) NOT NULL, "scanned_at" timestamp_with_timezone_text NOT NULL, "id" uuid_text NOT NULL, "client_hash" blob(32) NOT NULL, "language" varchar(8) NOT NULL, PRIMARY KEY ("serial", "scanned_at", "id"), FOREIGN KEY ("serial") REFERENCES "stamps" ("serial") ON DELETE RESTRICT ON UPDATE RESTRICT ) WITHOUT ROWID"#,
    r#"INSERT INTO "scans_clustered" ("serial", "scanned_at", "id", "client_hash", "language") SELECT "serial", "scanned_at", "id", "client_hash", "language" FROM "scans""#,
    r#"DROP TABLE "scans""#,
    r#"ALTER TABLE "scans_clustered" RENAME TO "scans""#,
];

const POSTGRES_UP: &[&str] = &[
    r#"CREATE TABLE "stamp_scans" ( "serial" varchar(16) NOT NULL PRIMARY KEY REFERENCES "stamps" ("serial") ON DELETE RESTRICT ON UPDATE RESTRICT, "batch_id" uuid NOT NULL REFERENCES "batches" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT, "scan_count" bigint NOT NULL, "first_scanned_at" timestamp with time zone NOT NULL, "recent" text NOT NULL )"#,
    r#"INSERT INTO "stamp_scans" ("serial", "batch_id", "scan_count", "first_scanned_at", "recent") SELECT st."serial", st."batch_id", st."scan_count", COALESCE(st."first_scanned_at", (SELECT MIN(s."scanned_at") FROM "scans" s WHERE s."serial" = st."serial"), CURRENT_TIMESTAMP), COALESCE((SELECT string_agg(r."t", '' ORDER BY r."at" DESC) FROM (SELECT s."scanned_at" AS "at", lpad(floor(extract(epoch FROM s."scanned_at"))::bigint::text, 10, '0') AS "t" FROM "scans" s WHERE s."serial" = st."serial" ORDER BY s."scanned_at" DESC LIMIT 10) AS r), '') FROM "stamps" st WHERE st."scan_count" > 0"#,
    r#"ALTER TABLE "scans" DROP CONSTRAINT "scans_pkey""#,
    r#"ALTER TABLE "scans" ADD PRIMARY KEY ("scanned_at", "id")"#,
    r#"ALTER TABLE "stamps" DROP COLUMN "scan_count", DROP COLUMN "first_scanned_at""#,
];

const POSTGRES_DOWN: &[&str] = &[
    r#"ALTER TABLE "stamps" ADD COLUMN "first_scanned_at" timestamp with time zone NULL, ADD COLUMN "scan_count" bigint NOT NULL DEFAULT 0"#,
    r#"UPDATE "stamps" SET "scan_count" = c."scan_count", "first_scanned_at" = c."first_scanned_at" FROM "stamp_scans" c WHERE c."serial" = "stamps"."serial""#,
    r#"DROP TABLE "stamp_scans""#,
    r#"ALTER TABLE "scans" DROP CONSTRAINT "scans_pkey""#,
    r#"ALTER TABLE "scans" ADD PRIMARY KEY ("serial", "scanned_at", "id")"#,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::raw::run(manager, SQLITE_UP, POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::raw::run(manager, SQLITE_DOWN, POSTGRES_DOWN).await
    }
}
