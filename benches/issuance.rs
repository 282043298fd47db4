//! Issuing a stamp run end to end, side by side with a plain bulk insert of the same rows.
//!
//! `cargo bench --bench issuance` prints one markdown table row per measurement. Each
//! measurement gets a fresh database holding one organization, product and batch:
//! - `issue`: `services::stamps::issue` — serials from the CSPRNG, the chain, the Merkle root,
//!   the rows, the ledger entry, one transaction;
//! - `plain insert`: the same number of precomputed rows (random serials and hashes, made
//!   before the clock starts) written in one transaction through sqlx directly, the fastest
//!   plain way: multi-row `INSERT`s with every value bound (SQLite), and `COPY … FROM STDIN`
//!   (PostgreSQL).
//!
//! Knobs: `OCOP_BENCH_STAMPS` (default 1,000,000), `OCOP_BENCH_ROUNDS` (default 3, alternating
//! the two so that machine noise hits both), `OCOP_BENCH_POSTGRES` (a server URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`; a fresh database is created per measurement).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use ocop_trace::auth::{Principal, Scope};
use ocop_trace::db::{self, Db};
use ocop_trace::domain::organization::OrganizationKind;
use ocop_trace::domain::{Gtin, LotCode};
use ocop_trace::services::{batches, organizations, products, stamps};
use sea_orm::sqlx::{self, Connection};
use uuid::Uuid;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn admin() -> Principal {
    Principal {
        token_id: Uuid::nil(),
        user_id: None,
        name: "bench".into(),
        scope: Scope::Admin,
    }
}

/// Where a measurement runs: a fresh SQLite file or a fresh PostgreSQL database.
enum Target {
    Sqlite(tempfile::TempDir),
    Postgres { server: String, name: String },
}

impl Target {
    async fn fresh(postgres: Option<&str>) -> Self {
        match postgres {
            None => Target::Sqlite(tempfile::tempdir().unwrap()),
            Some(server) => {
                let name = format!("bench_{}", Uuid::now_v7().simple());
                let mut c = sqlx::PgConnection::connect(server).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut c)
                    .await
                    .unwrap();
                Target::Postgres {
                    server: server.to_owned(),
                    name,
                }
            }
        }
    }

    fn url(&self) -> String {
        match self {
            Target::Sqlite(dir) => format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            ),
            Target::Postgres { server, name } => {
                let mut u = url::Url::parse(server).unwrap();
                u.set_path(name);
                u.to_string()
            }
        }
    }

    async fn drop(self) {
        if let Target::Postgres { server, name } = self {
            let mut c = sqlx::PgConnection::connect(&server).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {name} WITH (FORCE)"
            )))
            .execute(&mut c)
            .await
            .unwrap();
        }
    }
}

/// Migrates and registers one organization, product (with GTIN) and batch.
async fn fixtures(url: &str) -> (Db, Uuid) {
    let db = db::connect(url, 4).await.unwrap();
    db::migrate(&db).await.unwrap();
    let who = admin();
    let org = organizations::create(
        &db,
        &who,
        organizations::NewOrganization {
            kind: OrganizationKind::Cooperative,
            name: "HTX Mật ong Bench".into(),
            tax_code: None,
            address: "Mộc Châu, Sơn La".into(),
            province_code: None,
            commune_code: None,
            phone: None,
            email: None,
            website: None,
            gs1_company_prefix: None,
        },
    )
    .await
    .unwrap();
    let product = products::create(
        &db,
        &who,
        org.id,
        products::NewProduct {
            name: "Mật ong hoa nhãn".into(),
            name_en: None,
            ocop_group: None,
            ocop_subgroup: None,
            gtin: Some(Gtin::parse("08934588012228").unwrap()),
            unit: "hũ".into(),
            net_weight_g: None,
            net_volume_ml: None,
            shelf_life_days: None,
            description: None,
            default_link: None,
        },
    )
    .await
    .unwrap();
    let batch = batches::create(
        &db,
        &who,
        product.id,
        batches::NewBatch {
            lot_code: LotCode::parse("MO2026A").unwrap(),
            growing_area_id: None,
            quantity: 1.0,
            unit: "hũ".into(),
            harvested_on: None,
            produced_on: None,
            expires_on: None,
        },
    )
    .await
    .unwrap();
    (db, batch.id)
}

async fn measure_issue(postgres: Option<&str>, n: u64) -> Duration {
    let target = Target::fresh(postgres).await;
    let (db, batch) = fixtures(&target.url()).await;
    let new = stamps::NewRun {
        idempotency: None,
        count: n,
        pins: None,
    };
    let started = Instant::now();
    stamps::issue(&db, &admin(), batch, new, &|_| {})
        .await
        .unwrap();
    let took = started.elapsed();
    db.close().await.unwrap();
    target.drop().await;
    took
}

struct Rows {
    serials: Vec<String>,
    hashes: Vec<[u8; 32]>,
}

fn random_rows(n: u64) -> Rows {
    let serials = ocop_trace::stamps::Serial::generate_many(n as usize)
        .unwrap()
        .into_iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    let mut bytes = vec![0u8; n as usize * 32];
    getrandom::fill(&mut bytes).unwrap();
    let hashes = bytes
        .chunks_exact(32)
        .map(|c| c.try_into().unwrap())
        .collect();
    Rows { serials, hashes }
}

async fn measure_plain(postgres: Option<&str>, n: u64) -> Duration {
    let target = Target::fresh(postgres).await;
    let url = target.url();
    let (db, batch) = fixtures(&url).await;
    // A run row for the stamps to belong to (one stamp, in index 0).
    let run = stamps::issue(
        &db,
        &admin(),
        batch,
        stamps::NewRun {
            idempotency: None,
            count: 1,
            pins: None,
        },
        &|_| {},
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    let rows = random_rows(n);
    let took = match postgres {
        None => plain_sqlite(&url, &rows, run.id, batch, run.organization_id).await,
        Some(_) => plain_copy(&url, &rows, run.id, batch, run.organization_id).await,
    };
    target.drop().await;
    took
}

/// Multi-row INSERTs, 3,000 rows (27,000 bound values) per statement, one transaction, on a
/// connection configured as the service's writer.
async fn plain_sqlite(url: &str, rows: &Rows, run: Uuid, batch: Uuid, org: Uuid) -> Duration {
    use std::str::FromStr;
    let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .unwrap()
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
        .foreign_keys(true)
        .pragma("cache_size", "-65536");
    let mut c = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
    const CHUNK: usize = 3_000;
    let one = "(?, ?, ?, ?, ?, ?, ?, 'active')";
    let head = "INSERT INTO stamps (serial, run_id, batch_id, organization_id, index_in_batch, \
                prev_hash, hash, status) VALUES ";
    let started = Instant::now();
    let mut tx = c.begin().await.unwrap();
    let mut i = 0;
    while i < rows.serials.len() {
        let end = (i + CHUNK).min(rows.serials.len());
        let sql = format!("{head}{}", vec![one; end - i].join(","));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for r in i..end {
            let prev = if r == 0 { [0; 32] } else { rows.hashes[r - 1] };
            q = q
                .bind(&rows.serials[r])
                .bind(run)
                .bind(batch)
                .bind(org)
                .bind(r as i64 + 1)
                .bind(prev.to_vec())
                .bind(rows.hashes[r].to_vec());
        }
        q.execute(&mut *tx).await.unwrap();
        i = end;
    }
    tx.commit().await.unwrap();
    started.elapsed()
}

/// `COPY stamps (...) FROM STDIN` in text format, one transaction.
async fn plain_copy(url: &str, rows: &Rows, run: Uuid, batch: Uuid, org: Uuid) -> Duration {
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let hex = |b: &[u8]| data_encoding::HEXLOWER.encode(b);
    let started = Instant::now();
    let mut tx = c.begin().await.unwrap();
    let mut copy = tx
        .copy_in_raw(
            "COPY stamps (serial, run_id, batch_id, organization_id, index_in_batch, prev_hash, \
             hash, status) FROM STDIN",
        )
        .await
        .unwrap();
    let mut buf = String::with_capacity(1 << 20);
    for r in 0..rows.serials.len() {
        let prev = if r == 0 { [0; 32] } else { rows.hashes[r - 1] };
        buf.push_str(&format!(
            "{}\t{run}\t{batch}\t{org}\t{}\t\\\\x{}\t\\\\x{}\tactive\n",
            rows.serials[r],
            r + 1,
            hex(&prev),
            hex(&rows.hashes[r])
        ));
        if buf.len() > (1 << 20) {
            copy.send(buf.as_bytes()).await.unwrap();
            buf.clear();
        }
    }
    copy.send(buf.as_bytes()).await.unwrap();
    copy.finish().await.unwrap();
    tx.commit().await.unwrap();
    started.elapsed()
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    let n = env_u64("OCOP_BENCH_STAMPS", 1_000_000);
    let rounds = env_u64("OCOP_BENCH_ROUNDS", 3).max(1);
    let postgres = std::env::var("OCOP_BENCH_POSTGRES").ok();
    let mut backends: Vec<Option<&str>> = vec![None];
    if let Some(p) = postgres.as_deref() {
        backends.push(Some(p));
    }
    println!(
        "| backend | stamps | issue (median of {rounds}) | plain bulk insert (median) | issue ÷ plain speed | runs (issue / plain) |"
    );
    println!("|---|---:|---:|---:|---:|---|");
    for backend in backends {
        let (mut issue, mut plain) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            issue.push(measure_issue(backend, n).await);
            plain.push(measure_plain(backend, n).await);
        }
        let fmt = |v: &[Duration]| {
            v.iter()
                .map(|d| format!("{:.2}", d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let runs = format!("{} / {}", fmt(&issue), fmt(&plain));
        let (mi, mp) = (median(&mut issue), median(&mut plain));
        println!(
            "| {} | {n} | {:.2} s | {:.2} s | {:.2}× | {runs} |",
            if backend.is_some() {
                "PostgreSQL (COPY)"
            } else {
                "SQLite (multi-row INSERT)"
            },
            mi.as_secs_f64(),
            mp.as_secs_f64(),
            mp.as_secs_f64() / mi.as_secs_f64(),
        );
    }
}
