//! Reading the rows of stamps not seen before, many requests' at once.
//!
//! Under real traffic almost every scan is of a stamp this node has not resolved, and each
//! costs a read of its row. One statement a request spent about half the server's time in the
//! kernel, switching between tokio's workers and the database driver's threads (sqlx runs
//! each SQLite connection on a thread of its own: one round trip a statement;
//! bench/RESULTS.md). Here the serials wanted meanwhile are read together, with
//! `WHERE serial IN (…)` in statements of a few fixed sizes (1, 2, 4 … [`MOST`] serials, the
//! last one repeated to fill), so each connection prepares each text once. At most
//! [`IN_FLIGHT`] statements run at once; requests that arrive while they run wait for the
//! next, which takes them all: the busier the node, the more serials a statement carries.

use std::collections::HashMap;
use std::sync::Arc;

use entity::{stamp, stamp_scan};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::scan_rows::Counters;
use prometheus_client::metrics::counter::Counter;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::db::Db;
use crate::error::AppError;

/// Most serials in one statement.
pub const MOST: usize = 64;
/// Statements running at once (as many as the lookups' connections).
pub const IN_FLIGHT: usize = crate::db::LOOKUP_CONNECTIONS as usize;

/// A stamp's row and its counters as they were read (with its counters' row, when it was
/// scanned: `LEFT JOIN stamp_scans`).
type Row = Result<Option<(stamp::Model, Counters)>, AppError>;

pub struct StampReader {
    queue: mpsc::UnboundedSender<(String, oneshot::Sender<Row>)>,
}

impl StampReader {
    /// Starts the reader on the current runtime; `statements` counts its reads.
    pub fn start(db: Db, statements: Counter) -> Self {
        let (queue, mut rx) = mpsc::unbounded_channel::<(String, oneshot::Sender<Row>)>();
        tokio::spawn(async move {
            let slots = Arc::new(Semaphore::new(IN_FLIGHT));
            while let Some(first) = rx.recv().await {
                // Waiting for a free slot is when the next requests gather.
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                let mut wanted = vec![first];
                while wanted.len() < MOST {
                    match rx.try_recv() {
                        Ok(next) => wanted.push(next),
                        Err(_) => break,
                    }
                }
                let db = db.clone();
                statements.inc();
                tokio::spawn(async move {
                    read(&db, wanted).await;
                    drop(slot);
                });
            }
        });
        Self { queue }
    }

    /// The stamp's row and counters, if there is one.
    pub async fn get(&self, serial: &str) -> Row {
        let gone = || AppError::Unavailable(anyhow::anyhow!("the stamp reader has stopped"));
        let (tx, rx) = oneshot::channel();
        self.queue
            .send((serial.to_owned(), tx))
            .map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }
}

/// The serials to bind for `wanted` of them: up to the next power of two, the last repeated.
fn padded(wanted: &[String]) -> Vec<&str> {
    let mut serials: Vec<&str> = wanted.iter().map(String::as_str).collect();
    serials.sort_unstable();
    serials.dedup();
    let size = serials.len().next_power_of_two();
    if let Some(last) = serials.last().copied() {
        serials.resize(size, last);
    }
    serials
}

/// The stamps and their counters: one `LEFT JOIN` (on SQLite a loop over the serials' index;
/// on PostgreSQL on a pool whose plans may only walk indexes, see [`Db::lookups`]).
async fn rows_of(
    db: &Db,
    serials: &[&str],
) -> Result<Vec<(stamp::Model, Option<stamp_scan::Model>)>, sea_orm::DbErr> {
    stamp::Entity::find()
        .filter(stamp::Column::Serial.is_in(serials.iter().copied()))
        .find_also_related(stamp_scan::Entity)
        .all(db.lookups())
        .await
}

async fn read(db: &Db, wanted: Vec<(String, oneshot::Sender<Row>)>) {
    let serials: Vec<String> = wanted.iter().map(|(s, _)| s.clone()).collect();
    let rows = rows_of(db, &padded(&serials)).await;

    match rows {
        Ok(rows) => {
            let by_serial: HashMap<&str, (&stamp::Model, Counters)> = rows
                .iter()
                .map(|(s, c)| (s.serial.as_str(), (s, Counters::of(s, c.as_ref()))))
                .collect();
            for (serial, reply) in wanted {
                let row = by_serial
                    .get(serial.as_str())
                    .map(|(s, counters)| ((*s).clone(), counters.clone()));
                let _ = reply.send(Ok(row));
            }
        }
        Err(e) => {
            let message = e.to_string();
            for (_, reply) in wanted {
                let _ = reply.send(Err(AppError::internal(anyhow::anyhow!(
                    "reading stamps: {message}"
                ))));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_padded_to_a_power_of_two_with_the_last() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(padded(&s(&["B", "A", "C"])), ["A", "B", "C", "C"]);
        assert_eq!(padded(&s(&["A", "A"])), ["A"]);
        assert_eq!(padded(&s(&["A"])), ["A"]);
        assert_eq!(padded(&s(&[])), Vec::<&str>::new());
        assert_eq!(padded(&s(&["A"; 64])).len(), 1);
    }
}
