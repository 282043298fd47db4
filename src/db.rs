//! Database connection and transactions.
//!
//! SQLite runs in WAL mode with foreign keys on and `synchronous = NORMAL` (durable across
//! application crashes; the last commits may be lost on power loss, which WAL keeps consistent).
//! Write transactions on SQLite start with `BEGIN IMMEDIATE` so that two writers queue on the
//! busy timeout instead of failing when one upgrades a read lock.

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

pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<DatabaseConnection> {
    if url.starts_with("sqlite:") {
        let opts = SqliteConnectOptions::from_str(url)
            .context("parsing the SQLite URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .connect_with(opts)
            .await
            .context("opening the SQLite database")?;
        Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
    } else {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(max_connections)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        Database::connect(opts)
            .await
            .context("connecting to the database")
    }
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    migration::Migrator::up(db, None)
        .await
        .context("running database migrations")
}

/// Begins a transaction that will write.
pub async fn write_txn(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
    } else {
        db.begin().await
    }
}

/// Cheap liveness query for `/readyz`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}
