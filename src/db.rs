//! Database connection and transactions.
//!
//! SQLite runs in WAL mode with foreign keys on and `synchronous = NORMAL` (durable across
//! application crashes; the last commits may be lost on power loss, which WAL keeps consistent).
//!
//! SQLite allows one writer at a time. Rather than letting writers collide and sleep in
//! SQLite's busy handler (measured: p99 over 100 ms at 4 concurrent writers), writes go
//! through a separate pool of exactly one connection, where they wait their turn on an async
//! queue; reads use the main pool concurrently (WAL). Write transactions start with
//! `BEGIN IMMEDIATE`, so a writer from another process (the CLI) waits on the busy timeout
//! instead of failing on a lock upgrade. On PostgreSQL both roles share one pool.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use migration::MigratorTrait;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, SqlxSqliteConnector, TransactionOptions, TransactionTrait,
};

/// The database: a pool for reads, one for batched lookups, and the way to write.
#[derive(Clone, Debug)]
pub struct Db {
    read: DatabaseConnection,
    write: DatabaseConnection,
    lookups: DatabaseConnection,
}

/// Connections of the batched lookups' pool on PostgreSQL (see [`Db::lookups`]).
pub const LOOKUP_CONNECTIONS: u32 = 2;

/// The planner's settings on the lookups' connections: no whole-table scan and no hash or
/// merge join, so every plan of a lookup by primary key walks the keys' indexes, whatever
/// the tables' statistics said when it was made.
const LOOKUP_PLANS: [(&str, &str); 3] = [
    ("enable_seqscan", "off"),
    ("enable_hashjoin", "off"),
    ("enable_mergejoin", "off"),
];

impl Db {
    /// Connection for reads (and for writes that need no transaction ordering).
    pub fn read(&self) -> &DatabaseConnection {
        &self.read
    }

    /// Connections for batched reads by primary key of tables that grow from empty while the
    /// service runs (the stamp reader's `stamps LEFT JOIN stamp_scans`): on PostgreSQL a pool
    /// of [`LOOKUP_CONNECTIONS`] whose planner may only walk indexes ([`LOOKUP_PLANS`]). sqlx
    /// prepares a statement once a connection, and PostgreSQL keeps a generic plan after five
    /// runs: made while `stamp_scans` held a few hundred rows, that plan scanned the whole
    /// table, and kept doing so as it grew (25 ms for 32 serials at 15,000 rows; 346 ms at
    /// 400,000, `bench/pg_stamp_read_plans.sql`). Planning each run with the values
    /// (`plan_cache_mode = force_custom_plan`) also avoids it, at ~0.25 ms of planning a
    /// statement (bench/RESULTS.md). On SQLite, the read pool.
    pub fn lookups(&self) -> &DatabaseConnection {
        &self.lookups
    }

    /// Begins a transaction that will write.
    pub async fn write_txn(&self) -> Result<DatabaseTransaction, DbErr> {
        if self.write.get_database_backend() == DbBackend::Sqlite {
            self.write
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await
        } else {
            self.write.begin().await
        }
    }

    /// Cheap liveness query for `/readyz`.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.read.ping().await
    }

    pub async fn close(self) -> Result<(), DbErr> {
        if self.lookups.get_database_backend() == DbBackend::Postgres {
            self.lookups.close().await?;
        }
        self.read.close().await?;
        self.write.close().await
    }
}

pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)
            .context("parsing the SQLite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // The writer gets a 64 MiB page cache (SQLite's default is 2 MiB): inserting a stamp
        // run touches random pages of the serial index, and with the default cache a run of
        // 1,000,000 stamps spent most of its time re-reading them.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            // Statement journals in memory: each multi-row statement inside a write
            // transaction (the scan writer's) keeps the pages it changes until it ends, and
            // past 64 KiB SQLite wrote them to a temporary file, a system call a page
            // (bench/RESULTS.md). Only the writer: a reader's large sort stays on disk.
            .connect_with(
                opts.clone()
                    .pragma("cache_size", "-65536")
                    .pragma("temp_store", "MEMORY"),
            )
            .await
            .context("opening the SQLite database")?;
        let read = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .connect_with(opts)
            .await
            .context("opening the SQLite database")?;
        let read = SqlxSqliteConnector::from_sqlx_sqlite_pool(read);
        Ok(Db {
            lookups: read.clone(),
            read,
            write: SqlxSqliteConnector::from_sqlx_sqlite_pool(write),
        })
    } else {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(max_connections)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        let pool = Database::connect(opts.clone())
            .await
            .context("connecting to the database")?;
        opts.max_connections(LOOKUP_CONNECTIONS)
            .min_connections(0)
            .map_sqlx_postgres_opts(|o| o.options(LOOKUP_PLANS));
        let lookups = Database::connect(opts)
            .await
            .context("connecting to the database")?;
        Ok(Db {
            read: pool.clone(),
            write: pool,
            lookups,
        })
    }
}

pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    migration::Migrator::up(&db.write, None)
        .await
        .context("running database migrations")
}
