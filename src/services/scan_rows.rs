//! Writing a group of scans in as few statements as possible.
//!
//! Under load the scan writer commits hundreds of scans a transaction. Through sea-orm's
//! `insert_many` each group built a query tree and a statement text of its own size, which
//! SQLite then had to prepare afresh: about a fifth of the scan page's CPU (bench/RESULTS.md).
//! Here a group is written as multi-row `INSERT`s of a few fixed sizes (64, 32, … 1 rows), so
//! the statement texts are built once per process and every connection prepares each at most
//! once (sqlx keeps prepared statements per connection, keyed by their text).

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use entity::stamp;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

use crate::error::AppError;

/// A stamp's counters as they are now (they are not in the ledger).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Live {
    pub scan_count: i64,
    pub first_scanned_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
}

impl Live {
    pub fn of(s: &stamp::Model) -> Self {
        Self {
            scan_count: s.scan_count,
            first_scanned_at: s.first_scanned_at,
            claimed_at: s.claimed_at,
        }
    }
}

/// One scan to store.
#[derive(Debug, Clone)]
pub struct ScanJob {
    /// The scan's id, chosen when it is made: a scan read back from the journal after a crash
    /// is stored only if no row has its id.
    pub id: Uuid,
    pub serial: String,
    pub at: DateTime<Utc>,
    pub client_hash: [u8; 32],
    pub language: &'static str,
}

/// Values bound per row: id, serial, time, client hash, language.
const PER_ROW: usize = 5;
/// Rows in the largest statement; smaller ones halve down to 1 (7 sizes in all).
const CHUNK: usize = 64;
const SIZES: usize = CHUNK.trailing_zeros() as usize + 1;

/// Statement texts for 1, 2, 4 … [`CHUNK`] rows on each backend, built once per process.
type Texts = [OnceLock<Vec<String>>; 2];

/// The text in `texts` for `rows` rows (a power of two up to [`CHUNK`]), built by
/// `build(numbered placeholders?, rows)` on first use.
fn text_for(
    texts: &'static Texts,
    backend: DbBackend,
    rows: usize,
    build: fn(bool, usize) -> String,
) -> &'static str {
    let numbered = backend == DbBackend::Postgres;
    let all = texts[usize::from(numbered)]
        .get_or_init(|| (0..SIZES).map(|k| build(numbered, 1 << k)).collect());
    all.get(rows.trailing_zeros() as usize)
        .map_or("", String::as_str)
}

/// `rows` tuples of placeholders, one per type in `types` (PostgreSQL: `$n::type`, numbered
/// on; SQLite: `?`).
fn values(numbered: bool, rows: usize, types: &[&str]) -> String {
    let mut out = String::with_capacity(rows * types.len() * 12);
    for r in 0..rows {
        out.push_str(if r > 0 { ",(" } else { "(" });
        for (c, ty) in types.iter().enumerate() {
            if c > 0 {
                out.push_str(", ");
            }
            if numbered {
                out.push_str(&format!("${}", r * types.len() + c + 1));
                if !ty.is_empty() {
                    out.push_str(&format!("::{ty}"));
                }
            } else {
                out.push('?');
            }
        }
        out.push(')');
    }
    out
}

/// The statement text that writes `rows` scans.
fn insert_sql(backend: DbBackend, rows: usize) -> &'static str {
    static TEXTS: Texts = [OnceLock::new(), OnceLock::new()];
    text_for(&TEXTS, backend, rows, |numbered, rows| {
        format!(
            "INSERT INTO scans (id, serial, scanned_at, client_hash, language) VALUES {}",
            values(numbered, rows, &[""; PER_ROW])
        )
    })
}

/// The sizes of the statements that write `n` rows: as many full chunks as fit, then the
/// binary digits of the rest, largest first.
fn chunks(n: usize) -> impl Iterator<Item = usize> {
    let full = std::iter::repeat_n(CHUNK, n / CHUNK);
    let rest = n % CHUNK;
    full.chain(
        (0..SIZES)
            .rev()
            .map(|k| 1usize << k)
            .filter(move |size| rest & size != 0),
    )
}

/// The statements for `items`: one per chunk (see [`chunks`]), with the text `text` gives for
/// its size and the values `bind` gives for each item.
fn statements<T>(
    backend: DbBackend,
    items: &[T],
    text: fn(DbBackend, usize) -> &'static str,
    bind: impl Fn(&T) -> Vec<Value>,
) -> Vec<Statement> {
    let mut rest = items;
    chunks(items.len())
        .map(|size| {
            let (now, later) = rest.split_at(size);
            rest = later;
            let values = now.iter().flat_map(&bind).collect::<Vec<_>>();
            Statement::from_sql_and_values(backend, text(backend, size), values)
        })
        .collect()
}

/// Writes one row per scan.
pub async fn insert<C: ConnectionTrait>(conn: &C, jobs: &[ScanJob]) -> Result<(), AppError> {
    let bind = |j: &ScanJob| {
        vec![
            j.id.into(),
            j.serial.clone().into(),
            j.at.into(),
            j.client_hash.to_vec().into(),
            j.language.into(),
        ]
    };
    for stmt in statements(conn.get_database_backend(), jobs, insert_sql, bind) {
        conn.execute_raw(stmt).await?;
    }
    Ok(())
}

/// The text of the statement that counts the scans of `rows` stamps: one
/// `UPDATE … FROM (VALUES …) RETURNING` (SQLite 3.33+, PostgreSQL).
fn count_sql(backend: DbBackend, rows: usize) -> &'static str {
    static TEXTS: Texts = [OnceLock::new(), OnceLock::new()];
    text_for(&TEXTS, backend, rows, |numbered, rows| {
        // SQLite names a VALUES list's columns column1, column2…; PostgreSQL takes an alias
        // list (and the types, which it cannot infer there).
        let (alias, serial, n, first) = if numbered {
            ("v(serial, n, first)", "v.serial", "v.n", "v.first")
        } else {
            ("v", "v.column1", "v.column2", "v.column3")
        };
        format!(
            "UPDATE stamps SET scan_count = stamps.scan_count + {n}, \
             first_scanned_at = COALESCE(stamps.first_scanned_at, {first}) FROM (VALUES {}) \
             AS {alias} WHERE stamps.serial = {serial} RETURNING stamps.serial, \
             stamps.scan_count, stamps.first_scanned_at, stamps.claimed_at, stamps.batch_id",
            values(numbered, rows, &["text", "bigint", "timestamptz"])
        )
    })
}

/// One stamp's scans in a group: how many, and the first one's time.
pub struct Count<'a> {
    pub serial: &'a str,
    pub scans: i64,
    pub first: DateTime<Utc>,
}

/// A stamp's counters after a group's scans were added, and its batch.
#[derive(Debug, Clone, Copy)]
pub struct Counted {
    pub live: Live,
    pub batch_id: Uuid,
}

/// Adds each stamp's scans to its counters, in a few statements of fixed texts (prepared once
/// a connection); returns the counters after, by serial (a serial with no stamp is absent).
pub async fn count<C: ConnectionTrait>(
    conn: &C,
    stamps: &[Count<'_>],
) -> Result<HashMap<String, Counted>, AppError> {
    let mut out = HashMap::with_capacity(stamps.len());
    let bind = |c: &Count<'_>| vec![c.serial.to_owned().into(), c.scans.into(), c.first.into()];
    for stmt in statements(conn.get_database_backend(), stamps, count_sql, bind) {
        for row in conn.query_all_raw(stmt).await? {
            out.insert(
                row.try_get("", "serial")?,
                Counted {
                    live: Live {
                        scan_count: row.try_get("", "scan_count")?,
                        first_scanned_at: row.try_get("", "first_scanned_at")?,
                        claimed_at: row.try_get("", "claimed_at")?,
                    },
                    batch_id: row.try_get("", "batch_id")?,
                },
            );
        }
    }
    Ok(out)
}

/// The text of the statement that adds `rows` (batch, day, scans) counts to `scan_days`.
fn days_sql(backend: DbBackend, rows: usize) -> &'static str {
    static TEXTS: Texts = [OnceLock::new(), OnceLock::new()];
    text_for(&TEXTS, backend, rows, |numbered, rows| {
        format!(
            "INSERT INTO scan_days (batch_id, day, scans) VALUES {} ON CONFLICT (batch_id, day) \
             DO UPDATE SET scans = scan_days.scans + excluded.scans",
            values(numbered, rows, &["uuid", "date", "bigint"])
        )
    })
}

/// Adds scans to their batches' counts per day (each (batch, day) once in `days`).
pub async fn add_days<C: ConnectionTrait>(
    conn: &C,
    days: &[(Uuid, NaiveDate, i64)],
) -> Result<(), AppError> {
    let bind = |&(batch, day, n): &(Uuid, NaiveDate, i64)| vec![batch.into(), day.into(), n.into()];
    for stmt in statements(conn.get_database_backend(), days, days_sql, bind) {
        conn.execute_raw(stmt).await?;
    }
    Ok(())
}

/// The text of the statement that records `rows` stamps' copy warnings in `scan_alerts`.
fn alerts_sql(backend: DbBackend, rows: usize) -> &'static str {
    static TEXTS: Texts = [OnceLock::new(), OnceLock::new()];
    text_for(&TEXTS, backend, rows, |numbered, rows| {
        format!(
            "INSERT INTO scan_alerts (serial, batch_id, warned_at, day_scans, week_scans) VALUES {} \
             ON CONFLICT (serial) DO UPDATE SET warned_at = excluded.warned_at, \
             day_scans = excluded.day_scans, week_scans = excluded.week_scans",
            values(
                numbered,
                rows,
                &["text", "uuid", "timestamptz", "bigint", "bigint"]
            )
        )
    })
}

/// A stamp whose scans crossed a threshold: its batch, the scan, and the windows' counts.
pub struct Alert<'a> {
    pub serial: &'a str,
    pub batch_id: Uuid,
    pub at: DateTime<Utc>,
    /// Scans in the day and the week before it, counted up to the thresholds.
    pub day_scans: u64,
    pub week_scans: u64,
}

/// Records copy warnings (each stamp once in `alerts`, in serial order, so that two nodes'
/// writers take the rows' locks in the same order).
pub async fn add_alerts<C: ConnectionTrait>(
    conn: &C,
    alerts: &[Alert<'_>],
) -> Result<(), AppError> {
    let bind = |a: &Alert<'_>| {
        vec![
            a.serial.to_owned().into(),
            a.batch_id.into(),
            a.at.into(),
            (a.day_scans as i64).into(),
            (a.week_scans as i64).into(),
        ]
    };
    for stmt in statements(conn.get_database_backend(), alerts, alerts_sql, bind) {
        conn.execute_raw(stmt).await?;
    }
    Ok(())
}

/// The text of the statement that reads the latest scans of `rows` stamps: one `LIMIT`ed
/// subquery a stamp (each reads at most its limit of rows off the (serial, time) key), joined
/// by `UNION ALL`, so a group's stamps cost one round trip, not one each.
fn recent_sql(backend: DbBackend, rows: usize) -> &'static str {
    static TEXTS: Texts = [OnceLock::new(), OnceLock::new()];
    text_for(&TEXTS, backend, rows, |numbered, rows| {
        (0..rows)
            .map(|r| {
                let p = |k: usize| {
                    if numbered {
                        format!("${}", 3 * r + k)
                    } else {
                        "?".to_owned()
                    }
                };
                format!(
                    "SELECT * FROM (SELECT serial, scanned_at FROM scans WHERE serial = {} AND \
                     scanned_at >= {} ORDER BY scanned_at DESC LIMIT {}) AS r{r}",
                    p(1),
                    p(2),
                    p(3)
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    })
}

/// One stamp whose latest scans are wanted: those since `since`, newest first, at most `keep`.
pub struct Wanted<'a> {
    pub serial: &'a str,
    pub since: DateTime<Utc>,
}

/// The latest scans of each stamp in `wanted` (since its `since`, newest first, at most
/// `keep`), by serial, in a few statements of fixed texts.
pub async fn recent<C: ConnectionTrait>(
    conn: &C,
    wanted: &[Wanted<'_>],
    keep: u64,
) -> Result<HashMap<String, Vec<DateTime<Utc>>>, AppError> {
    let mut out: HashMap<String, Vec<DateTime<Utc>>> = HashMap::with_capacity(wanted.len());
    let keep = keep as i64;
    let bind = |w: &Wanted<'_>| vec![w.serial.to_owned().into(), w.since.into(), keep.into()];
    for stmt in statements(conn.get_database_backend(), wanted, recent_sql, bind) {
        for row in conn.query_all_raw(stmt).await? {
            let serial: String = row.try_get("", "serial")?;
            out.entry(serial)
                .or_default()
                .push(row.try_get("", "scanned_at")?);
        }
    }
    // Newest first, whatever order the union came back in.
    for times in out.values_mut() {
        times.sort_unstable_by(|a, b| b.cmp(a));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_cut_into_statements_of_fixed_sizes() {
        assert_eq!(chunks(0).count(), 0);
        assert_eq!(chunks(1).collect::<Vec<_>>(), [1]);
        assert_eq!(chunks(64).collect::<Vec<_>>(), [64]);
        assert_eq!(chunks(200).collect::<Vec<_>>(), [64, 64, 64, 8]);
        assert_eq!(chunks(127).collect::<Vec<_>>(), [64, 32, 16, 8, 4, 2, 1]);
        for n in 0..300 {
            assert_eq!(chunks(n).sum::<usize>(), n);
        }
    }

    #[test]
    fn counting_binds_three_values_a_stamp() {
        assert_eq!(count_sql(DbBackend::Sqlite, 4).matches('?').count(), 4 * 3);
        assert!(
            count_sql(DbBackend::Postgres, 2).contains("($4::text, $5::bigint, $6::timestamptz)")
        );
    }

    #[test]
    fn latest_scans_are_read_a_limited_subquery_a_stamp() {
        let sqlite = recent_sql(DbBackend::Sqlite, 2);
        assert_eq!(sqlite.matches("UNION ALL").count(), 1);
        assert_eq!(sqlite.matches('?').count(), 6);
        assert!(recent_sql(DbBackend::Postgres, 2).ends_with(
            "WHERE serial = $4 AND scanned_at >= $5 ORDER BY scanned_at DESC LIMIT $6) AS r1"
        ));
    }

    #[test]
    fn placeholders_follow_the_backend() {
        assert!(
            insert_sql(DbBackend::Sqlite, 2).ends_with("VALUES (?, ?, ?, ?, ?),(?, ?, ?, ?, ?)")
        );
        assert!(
            insert_sql(DbBackend::Postgres, 2)
                .ends_with("VALUES ($1, $2, $3, $4, $5),($6, $7, $8, $9, $10)")
        );
        assert_eq!(
            insert_sql(DbBackend::Sqlite, 64).matches('?').count(),
            64 * PER_ROW
        );
    }
}
