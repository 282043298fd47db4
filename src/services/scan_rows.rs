//! Writing a group of scans in as few statements as possible.
//!
//! Under load the scan writer commits hundreds of scans a transaction. Through sea-orm's
//! `insert_many` each group built a query tree and a statement text of its own size, which
//! SQLite then had to prepare afresh: about a fifth of the scan page's CPU (bench/RESULTS.md).
//! Here a group is written as multi-row `INSERT`s of a few fixed sizes (512, 256, … 1 rows), so
//! the statement texts are built once per process and every connection prepares each at most
//! once (sqlx keeps prepared statements per connection, keyed by their text).
//!
//! On SQLite up to 512 rows rather than 64: a full group of 1,024 scans takes 4 statements
//! instead of 32, each a round trip to the connection's thread that, on a busy machine, waits
//! its turn for a core. The commit got shorter, so pages found the writer's queue full far less
//! often while other organizations wrote their diaries (3,000–6,000 times a 12 s round → under
//! 130), and the p99 of stamps never seen in those rounds fell from 29–42 ms to 14–33 ms
//! (bench/RESULTS.md, fifteenth step); the largest statement binds 2,560 of SQLite's 32,766
//! values. PostgreSQL stays at 64: with 512 rows its distinct-stamp rate fell by half and its
//! p99 rose tenfold in the same measurement.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{stamp, stamp_scan};
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
    /// From a stamp's row and its counters' row (none until its first scan).
    pub fn of(s: &stamp::Model, counters: Option<&stamp_scan::Model>) -> Self {
        Self {
            scan_count: counters.map_or(0, |c| c.scan_count),
            first_scanned_at: counters.map(|c| c.first_scanned_at),
            claimed_at: s.claimed_at,
        }
    }
}

/// A stamp's counters and latest scan times (newest first), as read from the database: what
/// a scan page needs to count a scan of it from memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub live: Live,
    pub recent: Vec<DateTime<Utc>>,
}

impl Counters {
    /// From a stamp's row and its counters' row (none until its first scan).
    pub fn of(s: &stamp::Model, counters: Option<&stamp_scan::Model>) -> Self {
        Self {
            live: Live::of(s, counters),
            recent: counters.map_or_else(Vec::new, |c| recent::decode(&c.recent)),
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
/// Rows in the largest statement on SQLite; smaller ones halve down to 1 (10 sizes in all).
const CHUNK: usize = 512;
/// Rows in the largest statement on PostgreSQL (7 sizes).
const PG_CHUNK: usize = 64;
const SIZES: usize = CHUNK.trailing_zeros() as usize + 1;

/// Rows in the largest statement on `backend`.
fn largest(backend: DbBackend) -> usize {
    if backend == DbBackend::Postgres {
        PG_CHUNK
    } else {
        CHUNK
    }
}

/// Statement texts for 1, 2, 4 … [`largest`] rows on each backend, built once per process.
type Texts = [OnceLock<Vec<String>>; 2];

/// The text in `texts` for `rows` rows (a power of two up to [`largest`]), built by
/// `build(numbered placeholders?, rows)` on first use.
fn text_for(
    texts: &'static Texts,
    backend: DbBackend,
    rows: usize,
    build: fn(bool, usize) -> String,
) -> &'static str {
    let numbered = backend == DbBackend::Postgres;
    let all = texts[usize::from(numbered)].get_or_init(|| {
        (0..=largest(backend).trailing_zeros())
            .map(|k| build(numbered, 1 << k))
            .collect()
    });
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
fn chunks(n: usize, largest: usize) -> impl Iterator<Item = usize> {
    let full = std::iter::repeat_n(largest, n / largest);
    let rest = n % largest;
    full.chain(
        (0..SIZES)
            .rev()
            .map(|k| 1usize << k)
            .filter(move |size| rest & size != 0),
    )
}

/// The statements for `items`: one per chunk (see [`chunks`]), with the text `text` gives for
/// its size and the values `bind` gives for each item, then `tail` (values the text takes
/// once, after the rows').
fn statements<T>(
    backend: DbBackend,
    items: &[T],
    text: fn(DbBackend, usize) -> &'static str,
    bind: impl Fn(&T) -> Vec<Value>,
    tail: &[Value],
) -> Vec<Statement> {
    let mut rest = items;
    chunks(items.len(), largest(backend))
        .map(|size| {
            let (now, later) = rest.split_at(size);
            rest = later;
            let values = now
                .iter()
                .flat_map(&bind)
                .chain(tail.iter().cloned())
                .collect::<Vec<_>>();
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
    for stmt in statements(conn.get_database_backend(), jobs, insert_sql, bind, &[]) {
        conn.execute_raw(stmt).await?;
    }
    Ok(())
}

/// The text of the statement that counts the scans of `rows` stamps: one
/// `INSERT … SELECT … ON CONFLICT DO UPDATE … RETURNING` into `stamp_scans` (SQLite 3.35+,
/// PostgreSQL). Each stamp's batch comes from its row (a serial with no stamp gives no row);
/// its recent times are the group's prepended to those stored, cut to the last parameter's
/// length; its PIN claim is read back from `stamps`.
fn count_sql(backend: DbBackend, rows: usize) -> &'static str {
    static TEXTS: Texts = [OnceLock::new(), OnceLock::new()];
    text_for(&TEXTS, backend, rows, |numbered, rows| {
        // SQLite names a VALUES list's columns column1, column2…; PostgreSQL takes an alias
        // list (and the types, which it cannot infer there).
        let (alias, serial, n, first, recent) = if numbered {
            (
                "v(serial, n, first, recent)",
                "v.serial",
                "v.n",
                "v.first",
                "v.recent",
            )
        } else {
            ("v", "v.column1", "v.column2", "v.column3", "v.column4")
        };
        let longest = if numbered {
            format!("${}::integer", rows * 4 + 1)
        } else {
            "?".to_owned()
        };
        // `WHERE true`: SQLite reads `ON CONFLICT` after a join as the join's `ON` otherwise.
        format!(
            "INSERT INTO stamp_scans (serial, batch_id, scan_count, first_scanned_at, recent) \
             SELECT {serial}, s.batch_id, {n}, {first}, {recent} FROM (VALUES {}) AS {alias} \
             JOIN stamps AS s ON s.serial = {serial} WHERE true ON CONFLICT (serial) DO UPDATE \
             SET scan_count = stamp_scans.scan_count + excluded.scan_count, \
             recent = substr(excluded.recent || stamp_scans.recent, 1, {longest}) \
             RETURNING serial, scan_count, first_scanned_at, batch_id, recent, \
             (SELECT claimed_at FROM stamps WHERE stamps.serial = stamp_scans.serial) AS claimed_at",
            values(numbered, rows, &["text", "bigint", "timestamptz", "text"])
        )
    })
}

/// A stamp's latest scan times as `stamp_scans.recent` holds them: newest first, Unix seconds
/// of ten digits each, concatenated (migration 37). Seconds suffice for windows of a day and
/// a week.
pub mod recent {
    use chrono::{DateTime, Utc};

    /// Characters a time takes.
    pub const DIGITS: usize = 10;

    /// `times` (newest first) as stored.
    pub fn encode(times: &[DateTime<Utc>]) -> String {
        times
            .iter()
            .map(|t| format!("{:010}", t.timestamp().clamp(0, 9_999_999_999)))
            .collect()
    }

    /// The times in `stored`, in its order; a piece that is not a time is skipped.
    pub fn decode(stored: &str) -> Vec<DateTime<Utc>> {
        stored
            .as_bytes()
            .chunks(DIGITS)
            .filter(|piece| piece.len() == DIGITS)
            .filter_map(|piece| std::str::from_utf8(piece).ok()?.parse::<i64>().ok())
            .filter_map(|secs| DateTime::from_timestamp(secs, 0))
            .collect()
    }
}

/// One stamp's scans in a group: how many, the first one's time, and the latest times
/// (newest first, at most as many as are kept).
pub struct Count<'a> {
    pub serial: &'a str,
    pub scans: i64,
    pub first: DateTime<Utc>,
    pub latest: &'a [DateTime<Utc>],
}

/// A stamp's counters after a group's scans were added, its batch, and its latest scan
/// times (newest first, at most as many as are kept).
#[derive(Debug, Clone)]
pub struct Counted {
    pub live: Live,
    pub batch_id: Uuid,
    pub recent: Vec<DateTime<Utc>>,
}

/// Adds each stamp's scans to its counters and its latest times (keeping `keep` of them), in
/// a few statements of fixed texts (prepared once a connection); returns the counters after,
/// by serial (a serial with no stamp is absent).
pub async fn count<C: ConnectionTrait>(
    conn: &C,
    stamps: &[Count<'_>],
    keep: usize,
) -> Result<HashMap<String, Counted>, AppError> {
    let mut out = HashMap::with_capacity(stamps.len());
    let bind = |c: &Count<'_>| {
        let latest = &c.latest[..c.latest.len().min(keep)];
        vec![
            c.serial.to_owned().into(),
            c.scans.into(),
            c.first.into(),
            recent::encode(latest).into(),
        ]
    };
    let longest = i32::try_from(keep * recent::DIGITS).unwrap_or(i32::MAX);
    let backend = conn.get_database_backend();
    for stmt in statements(backend, stamps, count_sql, bind, &[longest.into()]) {
        for row in conn.query_all_raw(stmt).await? {
            let stored: String = row.try_get("", "recent")?;
            out.insert(
                row.try_get("", "serial")?,
                Counted {
                    live: Live {
                        scan_count: row.try_get("", "scan_count")?,
                        first_scanned_at: Some(row.try_get("", "first_scanned_at")?),
                        claimed_at: row.try_get("", "claimed_at")?,
                    },
                    batch_id: row.try_get("", "batch_id")?,
                    recent: recent::decode(&stored),
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
    for stmt in statements(conn.get_database_backend(), days, days_sql, bind, &[]) {
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
    for stmt in statements(conn.get_database_backend(), alerts, alerts_sql, bind, &[]) {
        conn.execute_raw(stmt).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_is_cut_into_statements_of_fixed_sizes() {
        let sqlite = largest(DbBackend::Sqlite);
        assert_eq!(chunks(0, sqlite).count(), 0);
        assert_eq!(chunks(1, sqlite).collect::<Vec<_>>(), [1]);
        assert_eq!(chunks(512, sqlite).collect::<Vec<_>>(), [512]);
        assert_eq!(chunks(1024, sqlite).collect::<Vec<_>>(), [512, 512]);
        assert_eq!(
            chunks(1100, sqlite).collect::<Vec<_>>(),
            [512, 512, 64, 8, 4]
        );
        assert_eq!(
            chunks(511, sqlite).collect::<Vec<_>>(),
            [256, 128, 64, 32, 16, 8, 4, 2, 1]
        );
        assert_eq!(SIZES, 10);
        let pg = largest(DbBackend::Postgres);
        assert_eq!(chunks(200, pg).collect::<Vec<_>>(), [64, 64, 64, 8]);
        assert_eq!(
            chunks(127, pg).collect::<Vec<_>>(),
            [64, 32, 16, 8, 4, 2, 1]
        );
        for n in 0..1100 {
            assert_eq!(chunks(n, sqlite).sum::<usize>(), n);
            assert_eq!(chunks(n, pg).sum::<usize>(), n);
        }
    }

    #[test]
    fn counting_binds_four_values_a_stamp_and_the_length_kept() {
        assert_eq!(
            count_sql(DbBackend::Sqlite, 4).matches('?').count(),
            4 * 4 + 1
        );
        let pg = count_sql(DbBackend::Postgres, 2);
        assert!(pg.contains("($5::text, $6::bigint, $7::timestamptz, $8::text)"));
        assert!(pg.contains("substr(excluded.recent || stamp_scans.recent, 1, $9::integer)"));
    }

    #[test]
    fn recent_times_are_stored_as_seconds_newest_first() {
        let t = |s: i64| DateTime::from_timestamp(s, 0).unwrap();
        let times = [t(1_765_000_004), t(1_765_000_001), t(7)];
        let stored = recent::encode(&times);
        assert_eq!(stored, "176500000417650000010000000007");
        assert_eq!(recent::decode(&stored), times);
        // Sub-second parts are dropped; a stored value cut mid-time loses only that time.
        let precise = DateTime::from_timestamp(1_765_000_004, 999_000_000).unwrap();
        assert_eq!(
            recent::decode(&recent::encode(&[precise])),
            [t(1_765_000_004)]
        );
        assert_eq!(
            recent::decode(&stored[..25]),
            [t(1_765_000_004), t(1_765_000_001)]
        );
        assert!(recent::decode("").is_empty());
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
            insert_sql(DbBackend::Sqlite, 512).matches('?').count(),
            512 * PER_ROW
        );
    }
}
