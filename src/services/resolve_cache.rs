//! Keeping resolutions current: a lot per batch and a resolution per stamp, each dropped
//! exactly when a ledger entry names something its pages show.
//!
//! Everything a scan page shows from the registry (product, producer, farm, growing area,
//! certificates, diary, photos, listings, voids, recalls) is written together with a ledger
//! entry, in one transaction. The cache remembers the ledger size up to which it has read the
//! entries (`seen`). A request reads the log's size first; when it is larger, the entries in
//! between are read once (one query, whichever node wrote them) and every lot or stamp they
//! name is dropped ([`touches`]). So a diary entry in one batch leaves every other batch's
//! pages cached, and a change made on another node shows here at the next request that reads
//! the larger size. Scan and PIN counters are not in the ledger and are never taken from here.
//! Entries also expire at midnight (certificates run out by date).
//!
//! A value read while the log had `n` entries is kept when it is put only if none of the
//! entries the cache applied since `n` touches it (the cache remembers what its last
//! [`HISTORY`] catch-ups touched). Before, any entry applied meanwhile made the value be used
//! once and not kept: under a few diary entries a second from other organizations, a lot that
//! took longer to read than the gap between two entries was read again and again (2,991 lot
//! reads in one run on PostgreSQL, with no lot dropped; bench/RESULTS.md).

use std::collections::VecDeque;
use std::sync::{Arc, RwLock};

use entity::ledger_entry;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::clock::Clock;
use super::resolved::{Lot, Resolved};
use crate::domain::{Gtin, LotCode};
use crate::error::AppError;
use crate::metrics::ResolverCounters;

/// Most entries read to catch up; past it the cache starts over (cheaper than reading them).
const MAX_GAP: u64 = 10_000;
/// Catch-ups remembered (what their entries touched), to keep values read before them.
const HISTORY: usize = 256;
/// Touches remembered of one catch-up; one that touched more is remembered as everything.
const MOST_TOUCHES: usize = 256;

/// How far the cache has applied the log, and what its latest catch-ups touched.
#[derive(Default)]
struct Applied {
    /// The ledger size whose entries have all been applied; none before the first request.
    size: Option<u64>,
    /// (size before, size after, what the entries between touched), oldest first.
    recent: VecDeque<(u64, u64, Vec<Touch>)>,
}

impl Applied {
    /// Whether a value read at `size` is current now: nothing applied since touched it.
    fn still_current(&self, size: u64, touched: impl Fn(&Touch) -> bool) -> bool {
        let Some(now) = self.size else {
            return false;
        };
        if now == size {
            return true;
        }
        if now < size {
            return false;
        }
        let mut reached = now;
        for (from, to, touches) in self.recent.iter().rev() {
            if *to <= size {
                break;
            }
            if *to != reached || touches.iter().any(&touched) {
                return false;
            }
            reached = *from;
        }
        reached <= size
    }
}

/// What one ledger entry changes on the public pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touch {
    /// Every lot that shows this record: a batch, product, producer, farm or growing area.
    Shown(Uuid),
    /// These stamps' own pages (a void that names its serials).
    Stamps(Vec<String>),
    /// Every stamp page of this batch, not its lot (a void of a whole run).
    StampsOf(Uuid),
    /// Nothing a public page shows (a new stamp run: its stamps were never resolved).
    Nothing,
    /// A table this rule does not know: everything is dropped, to be safe.
    Everything,
}

/// What an entry of `table` about `subject` changes, from its columns and canonical payload.
pub fn touches(table: &str, subject: Uuid, batch: Option<Uuid>, payload: &str) -> Touch {
    let field = |name: &str| {
        serde_json::from_str::<serde_json::Value>(payload)
            .ok()
            .and_then(|p| p.get(name).cloned())
    };
    let id_in = |name: &str| {
        field(name)
            .and_then(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
            .map_or(Touch::Everything, Touch::Shown)
    };
    match table {
        "organizations" | "farms" | "growing_areas" | "products" => Touch::Shown(subject),
        "batches" | "batch_events" => Touch::Shown(batch.unwrap_or(subject)),
        // Certificates and listings show on their product's lots; a file on what it is
        // attached to (a product's photo, a batch's diary photo).
        "ocop_certifications" | "listings" => id_in("product_id"),
        "blobs" => id_in("subject_id"),
        // The scan page shows no trace code (the Circular 02 data set does).
        "stamp_runs" | "trace_codes" => Touch::Nothing,
        "stamp_voids" => match (field("serials"), batch) {
            (Some(serde_json::Value::Array(list)), _) => Touch::Stamps(
                list.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect(),
            ),
            (_, Some(b)) => Touch::StampsOf(b),
            (_, None) => Touch::Everything,
        },
        _ => Touch::Everything,
    }
}

/// A value kept for the day it was read on, with about how many bytes it holds.
struct Slot<V> {
    day: chrono::NaiveDate,
    value: Arc<V>,
    bytes: u64,
}

impl<V> Clone for Slot<V> {
    fn clone(&self) -> Self {
        Self {
            day: self.day,
            value: self.value.clone(),
            bytes: self.bytes,
        }
    }
}

/// Weighs a slot by the bytes it holds.
#[derive(Clone, Copy)]
struct ByBytes;

impl<K, V> quick_cache::Weighter<K, Slot<V>> for ByBytes {
    fn weight(&self, _: &K, slot: &Slot<V>) -> u64 {
        slot.bytes
    }
}

type Kept<K, V> = quick_cache::sync::Cache<K, Slot<V>, ByBytes>;

/// A cache that holds about `bytes` (S3-FIFO: what is used again stays, a scan through many
/// stamps used once does not push it out).
fn kept<K: Eq + std::hash::Hash + Clone, V>(bytes: u64, typical: u64) -> Kept<K, V> {
    Kept::with_weighter(items(bytes, typical), bytes, ByBytes)
}

/// How many items of `typical` bytes fit in `bytes` (at least 16).
fn items(bytes: u64, typical: u64) -> usize {
    usize::try_from(bytes / typical.max(1))
        .unwrap_or(usize::MAX)
        .max(16)
}

/// Resolved lots and stamps, current as of the ledger size `seen`.
pub struct ResolveCache {
    lots: Kept<Uuid, Lot>,
    stamps: Kept<String, Resolved>,
    /// The batch a GTIN and lot code named when last read (see [`ResolveCache::lot_named`]).
    lot_names: quick_cache::sync::Cache<(Gtin, LotCode), Uuid>,
    /// How far the log is applied, and what was touched lately.
    seen: RwLock<Applied>,
    /// One catch-up at a time; the others wait for it and find the cache current.
    catching_up: tokio::sync::Mutex<()>,
    /// Lot loads, striped by batch: requests that miss the same lot together wait for one
    /// load instead of each reading it (a cold start under load).
    loading: Vec<tokio::sync::Mutex<()>>,
    /// Rows of stamps not cached, read many requests' at once (started on first use).
    reader: std::sync::OnceLock<super::stamp_reads::StampReader>,
    /// The log's size, read for many requests at once (started on first use).
    sizes: std::sync::OnceLock<super::log_size::SizeReader>,
    counters: ResolverCounters,
    clock: Clock,
}

/// Stripes of [`ResolveCache::loading`].
const LOADING_STRIPES: usize = 64;

impl ResolveCache {
    /// Caches that hold about `bytes`: two thirds for lots (a diary and its photos' rows, a
    /// few KB each), one third for stamps (a few hundred bytes each beside their shared lot).
    pub fn new(bytes: u64, counters: ResolverCounters) -> Self {
        let (lot_bytes, typical_lot) = (bytes / 3 * 2, 8 << 10);
        Self {
            lots: kept(lot_bytes, typical_lot),
            // A name for each lot the lots' cache holds, about.
            lot_names: quick_cache::sync::Cache::new(items(lot_bytes, typical_lot)),
            stamps: kept(bytes / 3, 1 << 10),
            seen: RwLock::new(Applied::default()),
            catching_up: tokio::sync::Mutex::new(()),
            loading: (0..LOADING_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
            reader: std::sync::OnceLock::new(),
            sizes: std::sync::OnceLock::new(),
            counters,
            clock: Clock::default(),
        }
    }

    /// A stamp's row from the database, read together with the other requests' meanwhile.
    pub async fn stamp_row(
        &self,
        db: &crate::db::Db,
        serial: &str,
    ) -> Result<Option<(entity::stamp::Model, super::scan_rows::Counters)>, AppError> {
        self.reader
            .get_or_init(|| {
                super::stamp_reads::StampReader::start(
                    db.clone(),
                    self.counters.stamp_statements.clone(),
                )
            })
            .get(serial)
            .await
    }

    /// The log's size, read after this call began (together with other requests' meanwhile).
    pub async fn log_size(&self, db: &crate::db::Db) -> Result<u64, AppError> {
        self.sizes
            .get_or_init(|| {
                super::log_size::SizeReader::start(db.clone(), self.counters.log_size_reads.clone())
            })
            .size()
            .await
    }

    fn seen(&self) -> Option<u64> {
        self.seen.read().map(|s| s.size).unwrap_or(None)
    }

    /// Applies the ledger entries below `size` that the cache has not read yet.
    pub async fn catch_up<C: ConnectionTrait>(&self, conn: &C, size: u64) -> Result<(), AppError> {
        if self.seen().is_some_and(|seen| seen >= size) {
            return Ok(());
        }
        let _one = self.catching_up.lock().await;
        let from = match self.seen() {
            Some(seen) if seen >= size => return Ok(()),
            Some(seen) if size - seen <= MAX_GAP => seen,
            // Nothing cached yet, or too far behind: start over at `size`.
            _ => {
                self.apply(size, None);
                return Ok(());
            }
        };
        let rows: Vec<(String, Uuid, Option<Uuid>, String)> = ledger_entry::Entity::find()
            .select_only()
            .column(ledger_entry::Column::SubjectTable)
            .column(ledger_entry::Column::SubjectId)
            .column(ledger_entry::Column::BatchId)
            .column(ledger_entry::Column::Payload)
            .filter(ledger_entry::Column::Idx.gte(to_i64(from)))
            .filter(ledger_entry::Column::Idx.lt(to_i64(size)))
            .order_by_asc(ledger_entry::Column::Idx)
            .into_tuple()
            .all(conn)
            .await?;
        self.counters.entries_applied.inc_by(rows.len() as u64);
        let touched = rows
            .iter()
            .map(|(table, subject, batch, payload)| touches(table, *subject, *batch, payload))
            .collect();
        self.apply(size, Some(touched));
        Ok(())
    }

    /// Drops what `touched` names (everything when none) and records `size` as seen.
    fn apply(&self, size: u64, touched: Option<Vec<Touch>>) {
        let Ok(mut seen) = self.seen.write() else {
            return;
        };
        let touched = touched.unwrap_or_else(|| vec![Touch::Everything]);
        for touch in &touched {
            match touch {
                Touch::Shown(id) => self.lots.retain(|_, slot| {
                    let keep = !slot.value.shows(*id);
                    if !keep {
                        self.counters.lots_dropped.inc();
                    }
                    keep
                }),
                Touch::Stamps(serials) => {
                    for s in serials {
                        self.stamps.remove(s);
                    }
                }
                Touch::StampsOf(batch) => self
                    .stamps
                    .retain(|_, slot| slot.value.lot.batch.id != *batch),
                Touch::Nothing => {}
                Touch::Everything => {
                    self.lots.clear();
                    self.stamps.clear();
                }
            }
        }
        match seen.size {
            Some(before) if before < size => {
                let kept = if touched.len() > MOST_TOUCHES {
                    vec![Touch::Everything]
                } else {
                    touched
                };
                seen.recent.push_back((before, size, kept));
                if seen.recent.len() > HISTORY {
                    seen.recent.pop_front();
                }
            }
            Some(_) => {}
            // The first size, or a start over: nothing before it can be vouched for.
            None => seen.recent.clear(),
        }
        seen.size = Some(size);
    }

    /// Today in Vietnam by this cache's clock: lots are read for it and kept until it ends.
    pub fn today(&self) -> chrono::NaiveDate {
        crate::domain::local_time::day_of(self.clock.now())
    }

    /// The clock that says when a day ends (a test moves it to the next day).
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Today's lot of `batch`, current as of the size last caught up to.
    pub fn lot(&self, batch: Uuid) -> Option<Arc<Lot>> {
        let day = self.today();
        self.lots
            .get(&batch)
            .filter(|slot| slot.day == day)
            .map(|slot| slot.value)
    }

    /// Today's lot of the batch that `gtin` and `lot` name, if it is cached, without a read:
    /// the batch last found under that name, if its lot still bears it. A product's GTIN is
    /// unique among products and cannot change once set, a lot code is unique within its
    /// product and never changes, and any entry about a product or batch drops the lots it
    /// names: so a lot kept with that name is the one the database holds under it at the size
    /// the cache caught up to.
    pub fn lot_named(&self, gtin: &Gtin, lot: &LotCode) -> Option<Arc<Lot>> {
        let batch = self.lot_names.get(&(gtin.clone(), lot.clone()))?;
        self.lot(batch)
            .filter(|l| l.gtin.as_ref() == Some(gtin) && l.lot.as_ref() == Some(lot))
    }

    /// Notes that `gtin` and `lot` named `batch` (read from the database).
    pub fn name_lot(&self, gtin: &Gtin, lot: &LotCode, batch: Uuid) {
        self.lot_names.insert((gtin.clone(), lot.clone()), batch);
    }

    /// Held while the lot of `batch` is read: a caller that misses the lot takes this, looks
    /// again, and reads the lot only if it is still missing.
    pub async fn loading(&self, batch: Uuid) -> tokio::sync::MutexGuard<'_, ()> {
        let stripe = (batch.as_u128() % LOADING_STRIPES as u128) as usize;
        self.loading[stripe].lock().await
    }

    /// Today's resolution of `serial` (as written: only an exact match is found), whose lot
    /// is still the current one.
    pub fn stamp(&self, serial: &str) -> Option<Arc<Resolved>> {
        let day = self.today();
        let r = self
            .stamps
            .get(serial)
            .filter(|slot| slot.day == day)
            .map(|slot| slot.value)?;
        let lot = self.lot(r.lot.batch.id)?;
        Arc::ptr_eq(&lot, &r.lot).then_some(r)
    }

    /// Keeps `lot`, read from the database when the log had `size` entries, if no entry was
    /// applied since.
    pub fn put_lot(&self, size: u64, lot: Arc<Lot>) {
        self.counters.lots_read.inc();
        let bytes = lot.approx_bytes();
        let touched = |t: &Touch| match t {
            Touch::Shown(id) => lot.shows(*id),
            Touch::Everything => true,
            Touch::Stamps(_) | Touch::StampsOf(_) | Touch::Nothing => false,
        };
        let day = lot.day;
        self.put(
            &self.lots,
            lot.batch.id,
            (size, day),
            lot.clone(),
            bytes,
            touched,
        );
    }

    /// Keeps the resolution of a stamp, read from the database when the log had `size`
    /// entries.
    pub fn put_stamp(&self, size: u64, r: Arc<Resolved>) {
        self.counters.stamps_read.inc();
        let bytes = r.approx_bytes();
        let touched = |t: &Touch| match t {
            Touch::Shown(id) => r.lot.shows(*id),
            Touch::Stamps(serials) => serials.iter().any(|s| s == r.serial.as_str()),
            Touch::StampsOf(batch) => *batch == r.lot.batch.id,
            Touch::Everything => true,
            Touch::Nothing => false,
        };
        let (serial, day) = (r.serial.as_str().to_owned(), r.lot.day);
        self.put(&self.stamps, serial, (size, day), r.clone(), bytes, touched);
    }

    /// Keeps `value`, read when the log had `size` entries for `day`, if no entry applied
    /// since `touched` it.
    fn put<K: Eq + std::hash::Hash + Clone, V>(
        &self,
        map: &Kept<K, V>,
        key: K,
        (size, day): (u64, chrono::NaiveDate),
        value: Arc<V>,
        bytes: u64,
        touched: impl Fn(&Touch) -> bool,
    ) {
        // The read lock keeps `apply` out between the check and the insert.
        let Ok(seen) = self.seen.read() else {
            return;
        };
        if !seen.still_current(size, touched) {
            return;
        }
        map.insert(key, Slot { day, value, bytes });
    }

    /// About how many bytes the lots and stamps kept hold.
    pub fn bytes(&self) -> u64 {
        self.lots.weight() + self.stamps.weight()
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_holds_about_its_bytes_whatever_is_put_in_it() {
        let cache: Kept<u32, ()> = kept(100_000, 1_000);
        for k in 0..10_000 {
            let bytes = 500 + u64::from(k % 7) * 300;
            cache.insert(
                k,
                Slot {
                    day: crate::services::today(),
                    value: Arc::new(()),
                    bytes,
                },
            );
        }
        assert!(cache.weight() <= 100_000, "{}", cache.weight());
        assert!(cache.weight() > 50_000, "{}", cache.weight());
    }

    #[test]
    fn a_value_read_before_entries_that_do_not_touch_it_is_still_current() {
        let (mine, other) = (Uuid::now_v7(), Uuid::now_v7());
        let is_mine = |t: &Touch| matches!(t, Touch::Shown(id) if *id == mine);
        let mut applied = Applied::default();
        assert!(!applied.still_current(5, is_mine), "nothing applied yet");
        applied.size = Some(5);
        assert!(applied.still_current(5, is_mine));
        assert!(
            !applied.still_current(6, is_mine),
            "read past what is applied"
        );
        applied.recent.push_back((5, 7, vec![Touch::Shown(other)]));
        applied.recent.push_back((7, 8, vec![Touch::Nothing]));
        applied.size = Some(8);
        assert!(
            applied.still_current(5, is_mine),
            "entries 5..8 are others'"
        );
        assert!(applied.still_current(7, is_mine));
        assert!(
            !applied.still_current(4, is_mine),
            "entry 4 is not remembered"
        );
        applied.recent.push_back((8, 9, vec![Touch::Shown(mine)]));
        applied.recent.push_back((9, 10, vec![Touch::Shown(other)]));
        applied.size = Some(10);
        assert!(!applied.still_current(5, is_mine), "entry 8 changed it");
        assert!(applied.still_current(9, is_mine));
        applied.recent.push_back((10, 11, vec![Touch::Everything]));
        applied.size = Some(11);
        assert!(!applied.still_current(10, |t| *t == Touch::Everything));
        // A gap in what is remembered (a start over) vouches for nothing before it.
        applied.recent.clear();
        applied.recent.push_back((20, 21, vec![Touch::Nothing]));
        applied.size = Some(21);
        assert!(!applied.still_current(11, is_mine));
        assert!(applied.still_current(20, is_mine));
    }

    #[test]
    fn each_table_touches_what_shows_it() {
        let id = Uuid::now_v7();
        let other = Uuid::now_v7();
        assert_eq!(touches("farms", id, None, "{}"), Touch::Shown(id));
        assert_eq!(
            touches("batch_events", id, Some(other), "{}"),
            Touch::Shown(other)
        );
        let on_product = format!(r#"{{"id":"{id}","product_id":"{other}"}}"#);
        assert_eq!(
            touches("ocop_certifications", id, None, &on_product),
            Touch::Shown(other)
        );
        assert_eq!(
            touches("listings", id, None, &on_product),
            Touch::Shown(other)
        );
        let photo = format!(r#"{{"id":"{id}","subject_id":"{other}"}}"#);
        assert_eq!(touches("blobs", id, None, &photo), Touch::Shown(other));
        assert_eq!(touches("stamp_runs", id, Some(other), "{}"), Touch::Nothing);
        assert_eq!(
            touches("stamp_voids", id, Some(other), r#"{"serials":["A","B"]}"#),
            Touch::Stamps(vec!["A".into(), "B".into()])
        );
        assert_eq!(
            touches("stamp_voids", id, Some(other), r#"{"serials":null}"#),
            Touch::StampsOf(other)
        );
        // What the rule cannot read, or a table it does not know, drops everything.
        assert_eq!(touches("listings", id, None, "{"), Touch::Everything);
        assert_eq!(touches("memberships", id, None, "{}"), Touch::Everything);
    }
}
