//! No foreign keys on the scan writer's two tables on PostgreSQL: `scans.serial`,
//! `stamp_scans.serial` and `stamp_scans.batch_id` no longer reference `stamps` and `batches`.
//!
//! PostgreSQL checks a foreign key with a trigger a row that reads the referenced row
//! `FOR KEY SHARE`: a lock written into that row of `stamps` (a page of a table of gigabytes
//! dirtied, and a WAL record) for every scan of a stamp not scanned in the transaction. The
//! scan writer's two inserts for 64,000 stamps never scanned took about twice as long with the
//! keys as without (bench/RESULTS.md, `bench/pg_scan_foreign_keys.sql`). The keys guarded
//! nothing the writer does not: it counts a stamp only through `JOIN stamps` (a serial with no
//! stamp gets no row), it stores scans only of stamps it read, and no stamp or batch is ever
//! deleted (they are sealed in the ledger). `ocop-trace verify` reports scans or counters that
//! name no stamp.
//!
//! SQLite keeps its keys: it checks one with a read of the parent's index, no lock and no
//! write, and the same inserts took the same time with or without them; dropping them there
//! would rebuild both tables for nothing.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &[&str] = &[
    r#"DO $$ DECLARE c record; BEGIN FOR c IN SELECT conname, conrelid::regclass AS t FROM pg_constraint WHERE contype = 'f' AND conrelid IN ('scans'::regclass, 'stamp_scans'::regclass) LOOP EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname); END LOOP; END $$"#,
];

const POSTGRES_DOWN: &[&str] = &[
    r#"ALTER TABLE "scans" ADD FOREIGN KEY ("serial") REFERENCES "stamps" ("serial") ON DELETE RESTRICT ON UPDATE RESTRICT"#,
    r#"ALTER TABLE "stamp_scans" ADD FOREIGN KEY ("serial") REFERENCES "stamps" ("serial") ON DELETE RESTRICT ON UPDATE RESTRICT"#,
    r#"ALTER TABLE "stamp_scans" ADD FOREIGN KEY ("batch_id") REFERENCES "batches" ("id") ON DELETE RESTRICT ON UPDATE RESTRICT"#,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::raw::run(manager, &[], POSTGRES_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::raw::run(manager, &[], POSTGRES_DOWN).await
    }
}
