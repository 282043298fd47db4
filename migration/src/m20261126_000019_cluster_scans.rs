//! Scans kept in the order they are read: by stamp, then time.
//!
//! Every scan page writes a row, and copy detection reads a stamp's latest scans. The table had
//! a UUID primary key and a second index on (serial, scanned_at): each scan updated three
//! B-trees on SQLite (rows, primary key, index) and two on PostgreSQL. Now the primary key is
//! (serial, scanned_at, id), the id keeping two scans in the same microsecond apart: SQLite
//! stores the rows in that key's B-tree (`WITHOUT ROWID`), one B-tree in all, and PostgreSQL
//! keeps one index. The write of a scan costs about half (bench/RESULTS.md); no query looked a
//! scan up by its id alone.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    r#"CREATE TABLE "scans_clustered" ( "serial" varchar(16) NOT NULL, "scanned_at" timestamp_with_timezone_text NOT NULL, "id" uuid_text NOT NULL, "client_hash" blob(32) NOT NULL, "language" varchar(8) NOT NULL, PRIMARY KEY ("serial", "scanned_at", "id"), FOREIGN KEY ("serial") REFERENCES "stamps" ("serial") ON DELETE RESTRICT ON UPDATE RESTRICT ) WITHOUT ROWID"#,
    r#"INSERT INTO "scans_clustered" ("serial", "scanned_at", "id", "client_hash", "language") SELECT "serial", "scanned_at", "id", "client_hash", "language" FROM "scans""#,
    r#"DROP TABLE "scans""#,
    r#"ALTER TABLE "scans_clustered" RENAME TO "scans""#,
];

const SQLITE_DOWN: &[&str] = &[
    r#"CREATE TABLE "scans_by_id" ( "id" uuid_text NOT NULL PRIMARY KEY, "serial" varchar(16) NOT NULL, "scanned_at" timestamp_with_timezone_text NOT NULL, "client_hash" blob(32) NOT NULL, "language" varchar(8) NOT NULL, FOREIGN KEY ("serial") REFERENCES "stamps" ("serial") ON DELETE RESTRICT ON UPDATE RESTRICT )"#,
    r#"INSERT INTO "scans_by_id" ("id", "serial", "scanned_at", "client_hash", "language") SELECT "id", "serial", "scanned_at", "client_hash", "language" FROM "scans""#,
    r#"DROP TABLE "scans""#,
    r#"ALTER TABLE "scans_by_id" RENAME TO "scans""#,
    r#"CREATE INDEX "ix_scans_serial_time" ON "scans" ("serial", "scanned_at")"#,
];

const POSTGRES_UP: &[&str] = &[
    r#"ALTER TABLE "scans" DROP CONSTRAINT "scans_pkey""#,
    r#"ALTER TABLE "scans" ADD PRIMARY KEY ("serial", "scanned_at", "id")"#,
    r#"DROP INDEX "ix_scans_serial_time""#,
];

const POSTGRES_DOWN: &[&str] = &[
    r#"CREATE INDEX "ix_scans_serial_time" ON "scans" ("serial", "scanned_at")"#,
    r#"ALTER TABLE "scans" DROP CONSTRAINT "scans_pkey""#,
    r#"ALTER TABLE "scans" ADD PRIMARY KEY ("id")"#,
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
