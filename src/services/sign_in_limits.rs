//! Failed sign-ins counted per login and per client address, in the database so that the
//! limit holds across app nodes and restarts, and shared by the API (`POST /auth/tokens`)
//! and the console's sign-in form.
//!
//! Each key has a fixed window of [`WINDOW`] from its first failure. A key at its limit is
//! refused before any password is checked (so guessing costs the server nothing either)
//! with the seconds until its window ends, for `Retry-After`. A good password clears the
//! login's count, not the address's.

use std::net::IpAddr;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};

use super::now;
use crate::db::Db;
use crate::domain::contact::Login;
use crate::error::AppError;

/// How long failures are remembered, from a key's first failure.
pub const WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Wrong passwords for one login per window: more than a person mistypes, far too few to
/// guess a password.
pub const PER_LOGIN: i32 = 10;
/// Failed sign-ins from one address per window (a cooperative's office shares one address).
pub const PER_ADDRESS: i32 = 50;

fn table() -> Alias {
    Alias::new("sign_in_failures")
}

/// The two keys one attempt counts against.
pub struct Attempt {
    login: String,
    address: String,
}

impl Attempt {
    pub fn new(login: &Login, client: IpAddr) -> Self {
        let login = match login {
            Login::Email(e) => format!("login:{}", e.as_str().to_lowercase()),
            Login::Phone(p) => format!("login:{}", p.as_str()),
        };
        // An IPv6 client owns at least a /64: counting single addresses would let one
        // client rotate through billions of them.
        let address = match client {
            IpAddr::V4(v4) => format!("ip:{v4}"),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        };
        Self { login, address }
    }

    fn keys(&self) -> [(&str, i32); 2] {
        [(&self.login, PER_LOGIN), (&self.address, PER_ADDRESS)]
    }

    /// `Err(TooManyRequests)` with the seconds to wait when either key is at its limit.
    pub async fn check(&self, db: &Db) -> Result<(), AppError> {
        let at = now();
        let q = Query::select()
            .columns([
                Alias::new("key"),
                Alias::new("failures"),
                Alias::new("window_start"),
            ])
            .from(table())
            .and_where(Expr::col(Alias::new("key")).is_in([&self.login, &self.address]))
            .to_owned();
        let conn = db.read();
        let rows = conn.query_all(&q).await?;
        let mut wait: Option<TimeDelta> = None;
        for row in rows {
            let key: String = row.try_get("", "key")?;
            let failures: i32 = row.try_get("", "failures")?;
            let start: DateTime<Utc> = row.try_get("", "window_start")?;
            let limit = self
                .keys()
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(i32::MAX, |(_, l)| *l);
            let ends = start + WINDOW;
            if failures >= limit && ends > at {
                wait = Some(wait.map_or(ends - at, |w| w.max(ends - at)));
            }
        }
        match wait {
            Some(w) => Err(AppError::TooManyRequests {
                retry_after: u64::try_from(w.num_seconds()).unwrap_or(0) + 1,
            }),
            None => Ok(()),
        }
    }

    /// Counts a failed attempt against both keys.
    pub async fn failed(&self, db: &Db) -> Result<(), AppError> {
        let at = now();
        let expired = Expr::col((table(), Alias::new("window_start"))).lt(at - WINDOW);
        let txn = db.write_txn().await?;
        for (key, _) in self.keys() {
            let upsert = Query::insert()
                .into_table(table())
                .columns([
                    Alias::new("key"),
                    Alias::new("failures"),
                    Alias::new("window_start"),
                ])
                .values([key.into(), 1.into(), at.into()])
                .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?
                .on_conflict(
                    OnConflict::column(Alias::new("key"))
                        .value(
                            Alias::new("failures"),
                            Expr::case(expired.clone(), 1)
                                .finally(Expr::col((table(), Alias::new("failures"))).add(1)),
                        )
                        .value(
                            Alias::new("window_start"),
                            Expr::case(expired.clone(), at)
                                .finally(Expr::col((table(), Alias::new("window_start")))),
                        )
                        .to_owned(),
                )
                .to_owned();
            txn.execute(&upsert).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The right password: the login's count starts again (the address's stays).
    pub async fn succeeded(&self, db: &Db) -> Result<(), AppError> {
        let q = Query::delete()
            .from_table(table())
            .and_where(Expr::col(Alias::new("key")).eq(&self.login))
            .to_owned();
        let txn = db.write_txn().await?;
        txn.execute(&q).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// Forgets windows that ended (the sweeper calls it now and then).
pub async fn forget_old(db: &Db) -> Result<u64, AppError> {
    let q = Query::delete()
        .from_table(table())
        .and_where(Expr::col(Alias::new("window_start")).lt(now() - WINDOW))
        .to_owned();
    let txn = db.write_txn().await?;
    let done = txn.execute(&q).await?.rows_affected();
    txn.commit().await?;
    Ok(done)
}
