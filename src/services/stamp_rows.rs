//! Writing a run's stamp rows in bulk.
//!
//! A million rows through sea-orm's `insert_many` spent most of their time building
//! `ActiveModel`s and query trees (15.9–17.6 s for 1,000,000 stamps). Here each statement is a
//! multi-row `INSERT` whose SQL text is built once per chunk size and whose values are bound
//! directly. bench/RESULTS.md compares it with a plain bulk insert of the same rows.

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

use crate::error::AppError;
use crate::ledger::Hash;
use crate::stamps::Serial;

/// Values bound per row: serial, index, previous hash, hash, PIN hash.
const PER_ROW: usize = 5;
/// Values shared by every row: run, batch, organization.
const SHARED: usize = 3;

/// How a backend takes the shared values, and rows per statement.
///
/// PostgreSQL binds the shared values once per statement (`$1`–`$3`, repeated in every row;
/// at most 65,535 values). SQLite gets plain `?` placeholders and the shared values in every
/// row: with numbered ones (`?1`) sqlx looks each parameter's name up, a linear scan in
/// SQLite, which made a 1,000,000-stamp run take 168 s. SQLite allows 32,766 values.
fn layout(backend: DbBackend) -> (bool, usize) {
    match backend {
        DbBackend::Postgres => (true, 12_000),
        _ => (false, 32_766 / (SHARED + PER_ROW)),
    }
}

/// One row to write.
pub struct Row<'a> {
    pub serial: &'a Serial,
    pub index: i64,
    pub prev_hash: &'a Hash,
    pub hash: &'a Hash,
    pub pin_hash: Option<[u8; 32]>,
}

/// The rows' shared columns.
pub struct Shared {
    pub run: Uuid,
    pub batch: Uuid,
    pub organization: Uuid,
}

/// `INSERT INTO stamps (...) VALUES (...), ...` for `rows` rows.
fn insert_sql(backend: DbBackend, rows: usize) -> String {
    let (numbered, _) = layout(backend);
    let mut sql = String::with_capacity(rows * 48 + 200);
    sql.push_str(
        "INSERT INTO stamps (run_id, batch_id, organization_id, status, serial, index_in_batch, \
         prev_hash, hash, pin_hash) VALUES ",
    );
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        if numbered {
            sql.push_str("($1, $2, $3, 'active'");
            for c in 0..PER_ROW {
                sql.push_str(&format!(", ${}", SHARED + r * PER_ROW + c + 1));
            }
            sql.push(')');
        } else {
            sql.push_str("(?, ?, ?, 'active', ?, ?, ?, ?, ?)");
        }
    }
    sql
}

/// Writes rows, a chunk per statement, calling `progress` with the rows written so far.
pub async fn insert<'a, C: ConnectionTrait>(
    conn: &C,
    shared: &Shared,
    rows: impl Iterator<Item = Row<'a>>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), AppError> {
    let backend = conn.get_database_backend();
    let (numbered, chunk) = layout(backend);
    let full_sql = insert_sql(backend, chunk);
    let capacity = chunk * (SHARED + PER_ROW);
    let shared_values = || -> [Value; SHARED] {
        [
            shared.run.into(),
            shared.batch.into(),
            shared.organization.into(),
        ]
    };
    let mut values: Vec<Value> = Vec::with_capacity(capacity);
    if numbered {
        values.extend(shared_values());
    }
    let mut pending = 0usize;
    let mut written = 0u64;
    for row in rows {
        if !numbered {
            values.extend(shared_values());
        }
        values.push(row.serial.as_str().to_owned().into());
        values.push(row.index.into());
        values.push(row.prev_hash.0.to_vec().into());
        values.push(row.hash.0.to_vec().into());
        values.push(row.pin_hash.map(|h| h.to_vec()).into());
        pending += 1;
        if pending == chunk {
            let batch = std::mem::replace(&mut values, Vec::with_capacity(capacity));
            let stmt = Statement::from_sql_and_values(backend, full_sql.as_str(), batch);
            conn.execute_raw(stmt).await?;
            written += pending as u64;
            progress(written);
            pending = 0;
            if numbered {
                values.extend(shared_values());
            }
        }
    }
    if pending > 0 {
        let stmt = Statement::from_sql_and_values(backend, insert_sql(backend, pending), values);
        conn.execute_raw(stmt).await?;
        written += pending as u64;
        progress(written);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend() {
        let sqlite = insert_sql(DbBackend::Sqlite, 2);
        assert!(
            sqlite.ends_with(
                "VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?),(?, ?, ?, 'active', ?, ?, ?, ?, ?)"
            ),
            "{sqlite}"
        );
        let pg = insert_sql(DbBackend::Postgres, 2);
        assert!(
            pg.ends_with(
                "VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, $8),($1, $2, $3, 'active', $9, $10, $11, $12, $13)"
            ),
            "{pg}"
        );
    }

    #[test]
    fn a_full_chunk_stays_within_each_backends_bind_limit() {
        let (_, sqlite) = layout(DbBackend::Sqlite);
        assert!(sqlite * (SHARED + PER_ROW) <= 32_766);
        let (_, pg) = layout(DbBackend::Postgres);
        assert!(SHARED + pg * PER_ROW <= 65_535);
    }
}
