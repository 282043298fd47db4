//! Telling the other nodes which stamps were scanned here (PostgreSQL `LISTEN`/`NOTIFY`).
//!
//! A node answers a stamp's scans from its in-memory view for up to a second after its last
//! commit of that stamp (services/scans.rs). Another node's scans of the same stamp in that
//! second would be missing from its count, and a copied stamp scanned in two places could
//! escape the warning. So each commit of scans also sends, in its own transaction (delivered
//! when it commits), the serials it counted on the channel [`CHANNEL`]; every other node
//! listening drops its views of those stamps, and their next scan there waits for a commit and
//! reads the counts every node wrote. When the listening connection is lost, every view is
//! dropped (notifications may have been missed), and the listener connects again.
//!
//! SQLite has no notifications, and a SQLite database serves one node (README).

use std::time::Duration;

use sea_orm::sqlx::postgres::{PgListener, PgPool};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::error::AppError;

pub const CHANNEL: &str = "ocop_scans";
/// PostgreSQL's limit on a payload is 8000 bytes.
const PAYLOAD: usize = 7900;

/// Sends `serials` as scanned by `node`, in `conn`'s transaction (PostgreSQL only).
pub async fn announce<C: ConnectionTrait>(
    conn: &C,
    node: &str,
    serials: impl IntoIterator<Item = &str>,
) -> Result<(), AppError> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for payload in payloads(node, serials) {
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        ))
        .await?;
    }
    Ok(())
}

/// `node serial serial …`, each under [`PAYLOAD`] bytes.
fn payloads<'a>(node: &str, serials: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = node.to_owned();
    for serial in serials {
        if current.len() + 1 + serial.len() > PAYLOAD {
            out.push(std::mem::replace(&mut current, node.to_owned()));
        }
        current.push(' ');
        current.push_str(serial);
    }
    if current.len() > node.len() {
        out.push(current);
    }
    out
}

/// The serials a payload names, unless `node` (this one) sent it.
fn others<'a>(payload: &'a str, node: &str) -> Option<impl Iterator<Item = &'a str>> {
    let mut parts = payload.split(' ');
    (parts.next()? != node).then_some(parts)
}

/// Listens for the other nodes' scans until the process ends: `scanned` gets the serials of
/// each notification, `missed` is called when notifications may have been lost.
pub async fn listen(
    pool: PgPool,
    node: String,
    scanned: impl Fn(&mut dyn Iterator<Item = &str>),
    missed: impl Fn(),
) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other nodes' scans; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "cannot listen for other nodes' scans; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Whatever was scanned elsewhere before this point was not heard.
        missed();
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => {
                    if let Some(mut serials) = others(n.payload(), &node) {
                        scanned(&mut serials);
                    }
                }
                // The connection was lost and is made again: some may have been missed.
                Ok(None) => missed(),
                Err(e) => {
                    tracing::warn!(error = %e, "listening for other nodes' scans failed; reconnecting");
                    missed();
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_stay_under_the_limit_and_name_their_node() {
        let serials: Vec<String> = (0..2000).map(|i| format!("{i:016}")).collect();
        let p = payloads("n1", serials.iter().map(String::as_str));
        assert!(p.len() > 1);
        assert!(p.iter().all(|x| x.len() <= PAYLOAD && x.starts_with("n1 ")));
        let back: Vec<&str> = p.iter().flat_map(|x| others(x, "n2").unwrap()).collect();
        assert_eq!(back.len(), 2000);
        assert_eq!(back[1999], serials[1999]);
        assert!(others(&p[0], "n1").is_none(), "a node ignores its own");
        assert!(payloads("n1", std::iter::empty()).is_empty());
    }
}
