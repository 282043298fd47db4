//! The EPCIS index: every diary entry, stamp run, void and OCOP certificate as EPCIS 2.0
//! events (`epcis::event`), stored as the JSON their event IDs hash, in `epcis_events`.
//!
//! It follows the ledger: each record that becomes an event has a ledger entry, so the index
//! reads the entries appended since the size it saved (`epcis_index_state`) and indexes the
//! records they name, in ledger order. Nothing on the write path waits for it. A background
//! task catches up every few seconds and every query catches up first, so a query sees every
//! committed record. Indexing twice is harmless: an event is keyed by its record and part.
//!
//! An event's ID hashes its content, which names our URIs under the public base URL. When that
//! URL or the mapping (`epcis::MAPPING_VERSION`) changes, the index is rebuilt from the ledger.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{
    batch, batch_event, epcis_event, epcis_index_state, ledger_entry, ocop_certification, product,
    stamp, stamp_run, stamp_void,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::ledger;
use super::stamps::Identity;
use crate::db::Db;
use crate::domain::batch::{EventDetails, EventKind};
use crate::epcis::event::{self, Built, COMMISSION_CHUNK, LotFacts, Source};
use crate::epcis::vocab::Ids;
use crate::error::AppError;

/// Ledger entries read per transaction.
const ENTRIES_PER_ROUND: u64 = 200;

const TABLES: [&str; 4] = [
    "batch_events",
    "stamp_runs",
    "stamp_voids",
    "ocop_certifications",
];

/// The index, shared by the node's requests and its background task.
pub struct EpcisIndex {
    ids: Ids,
    basis: String,
    lock: tokio::sync::Mutex<()>,
}

fn corrupt(what: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("EPCIS index: {what}"))
}

impl EpcisIndex {
    pub fn new(public_base_url: url::Url) -> Self {
        let basis = format!(
            "{} mapping {}",
            public_base_url.as_str(),
            crate::epcis::MAPPING_VERSION
        );
        Self {
            ids: Ids::new(public_base_url),
            basis,
            lock: tokio::sync::Mutex::new(()),
        }
    }

    pub fn ids(&self) -> &Ids {
        &self.ids
    }

    /// Indexes every record the ledger holds that is not indexed yet.
    pub async fn catch_up(&self, db: &Db) -> Result<(), AppError> {
        if self.up_to_date(db).await? {
            return Ok(());
        }
        let _one_at_a_time = self.lock.lock().await;
        while !self.round(db).await? {}
        Ok(())
    }

    async fn up_to_date(&self, db: &Db) -> Result<bool, AppError> {
        let conn = db.read();
        let Some(state) = epcis_index_state::Entity::find_by_id(1).one(conn).await? else {
            return Ok(false);
        };
        let size = ledger::head(conn, false).await?.size;
        Ok(state.basis == self.basis && u64::try_from(state.ledger_size).unwrap_or(0) >= size)
    }

    /// One transaction's worth; `true` once the index has caught up with the ledger.
    async fn round(&self, db: &Db) -> Result<bool, AppError> {
        let txn = db.write_txn().await?;
        let state = epcis_index_state::Entity::find_by_id(1).one(&txn).await?;
        let from = match state {
            Some(s) if s.basis == self.basis => u64::try_from(s.ledger_size).unwrap_or(0),
            other => {
                if other.is_some() {
                    tracing::info!(basis = %self.basis, "EPCIS index: basis changed, rebuilding");
                }
                epcis_event::Entity::delete_many().exec(&txn).await?;
                0
            }
        };
        let head = ledger::head(&txn, false).await?.size;
        let entries = if from < head {
            ledger_entry::Entity::find()
                .filter(ledger_entry::Column::Idx.gte(from as i64))
                .filter(ledger_entry::Column::Idx.lt(head as i64))
                .filter(ledger_entry::Column::SubjectTable.is_in(TABLES))
                .order_by_asc(ledger_entry::Column::Idx)
                .limit(ENTRIES_PER_ROUND)
                .all(&txn)
                .await?
        } else {
            Vec::new()
        };
        let full = entries.len() as u64 == ENTRIES_PER_ROUND;
        for e in &entries {
            self.index_entry(&txn, e).await?;
        }
        let to = match entries.last() {
            Some(last) if full => last.idx as u64 + 1,
            _ => head.max(from),
        };
        epcis_index_state::Entity::insert(epcis_index_state::ActiveModel {
            id: Set(1),
            ledger_size: Set(to as i64),
            basis: Set(self.basis.clone()),
        })
        .on_conflict(
            OnConflict::column(epcis_index_state::Column::Id)
                .update_columns([
                    epcis_index_state::Column::LedgerSize,
                    epcis_index_state::Column::Basis,
                ])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
        txn.commit().await?;
        Ok(to >= head)
    }

    async fn index_entry<C: ConnectionTrait>(
        &self,
        conn: &C,
        e: &ledger_entry::Model,
    ) -> Result<(), AppError> {
        match (e.subject_table.as_str(), e.kind.as_str()) {
            ("batch_events", k) if k.ends_with(".appended") => {
                self.index_diary(conn, e.subject_id).await
            }
            ("stamp_runs", k) if k.ends_with(".created") => {
                self.index_run(conn, e.subject_id).await
            }
            ("stamp_voids", k) if k.ends_with(".created") => {
                self.index_void(conn, e.subject_id).await
            }
            ("ocop_certifications", k) if k.ends_with(".created") => {
                self.index_certificate(conn, e.subject_id).await
            }
            _ => Ok(()),
        }
    }

    async fn index_diary<C: ConnectionTrait>(&self, conn: &C, id: Uuid) -> Result<(), AppError> {
        let Some(row) = batch_event::Entity::find_by_id(id).one(conn).await? else {
            return Ok(());
        };
        let lot = lot_of(conn, &self.ids, row.batch_id).await?;
        let corrects = match row.corrects {
            Some(c) => find(conn, Source::Diary, c, 0).await?.map(|e| e.event_id),
            None => None,
        };
        let details: EventDetails = serde_json::from_value(row.details.clone())
            .map_err(|e| corrupt(format!("diary event {id}: {e}")))?;
        let kind = EventKind::parse(&row.kind).map_err(corrupt)?;
        let built = event::diary(
            &self.ids,
            &lot.facts,
            &event::DiaryFact {
                kind,
                occurred_at: row.occurred_at,
                recorded_at: row.recorded_at,
                details,
                corrects: corrects.clone(),
            },
        )
        .map_err(corrupt)?;
        let public = lot.public;
        store(
            conn,
            Stored {
                source: Source::Diary,
                source_id: id,
                part: 0,
                organization_id: row.organization_id,
                batch_id: Some(row.batch_id),
                product_id: Some(lot.product_id),
                epc_class: Some(lot.facts.lot_uri.clone()),
                public,
                record_time: row.recorded_at,
            },
            built.clone(),
        )
        .await?;
        if let (Some(original), Some(_)) = (row.corrects, corrects) {
            epcis_event::Entity::update_many()
                .col_expr(
                    epcis_event::Column::CorrectedBy,
                    sea_orm::sea_query::Expr::value(built.event_id.clone()),
                )
                .col_expr(
                    epcis_event::Column::CorrectedAt,
                    sea_orm::sea_query::Expr::value(row.recorded_at),
                )
                .filter(epcis_event::Column::Source.eq(Source::Diary.as_str()))
                .filter(epcis_event::Column::SourceId.eq(original))
                .exec(conn)
                .await?;
        }
        Ok(())
    }

    async fn index_run<C: ConnectionTrait>(&self, conn: &C, id: Uuid) -> Result<(), AppError> {
        let Some(run) = stamp_run::Entity::find_by_id(id).one(conn).await? else {
            return Ok(());
        };
        let lot = lot_of(conn, &self.ids, run.batch_id).await?;
        let parts = (run.count + COMMISSION_CHUNK - 1) / COMMISSION_CHUNK;
        for part in 0..parts {
            let from = run.first_index + part * COMMISSION_CHUNK;
            let to = (from + COMMISSION_CHUNK).min(run.first_index + run.count);
            let serials: Vec<String> = stamp::Entity::find()
                .select_only()
                .column(stamp::Column::Serial)
                .filter(stamp::Column::BatchId.eq(run.batch_id))
                .filter(stamp::Column::IndexInBatch.gte(from))
                .filter(stamp::Column::IndexInBatch.lt(to))
                .into_tuple()
                .all(conn)
                .await?;
            let stamps = serials
                .iter()
                .map(|s| self.ids.stamp(lot.gtin.as_ref(), s))
                .collect();
            let built = event::commissioning(
                &self.ids,
                &lot.facts,
                &event::CommissionFact {
                    created_at: run.created_at,
                    stamps,
                    part,
                    parts,
                    run_uri: self.ids.stamp_run(run.id),
                },
            )
            .map_err(corrupt)?;
            store(
                conn,
                Stored {
                    source: Source::Commissioning,
                    source_id: run.id,
                    part,
                    organization_id: run.organization_id,
                    batch_id: Some(run.batch_id),
                    product_id: Some(lot.product_id),
                    epc_class: Some(lot.facts.lot_uri.clone()),
                    public: false,
                    record_time: run.created_at,
                },
                built,
            )
            .await?;
        }
        // The lot now has stamps, so its scan page shows its diary: so may the index.
        epcis_event::Entity::update_many()
            .col_expr(
                epcis_event::Column::Public,
                sea_orm::sea_query::Expr::value(true),
            )
            .filter(epcis_event::Column::BatchId.eq(run.batch_id))
            .filter(epcis_event::Column::Source.eq(Source::Diary.as_str()))
            .exec(conn)
            .await?;
        Ok(())
    }

    async fn index_void<C: ConnectionTrait>(&self, conn: &C, id: Uuid) -> Result<(), AppError> {
        let Some(void) = stamp_void::Entity::find_by_id(id).one(conn).await? else {
            return Ok(());
        };
        let Some(run) = stamp_run::Entity::find_by_id(void.run_id).one(conn).await? else {
            return Err(corrupt(format!("void {id} of a missing run")));
        };
        let lot = lot_of(conn, &self.ids, run.batch_id).await?;
        let serials: Vec<String> = match &void.serials {
            Some(v) => v
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect(),
            None => {
                stamp::Entity::find()
                    .select_only()
                    .column(stamp::Column::Serial)
                    .filter(super::stamps::in_run(&run))
                    .order_by_asc(stamp::Column::IndexInBatch)
                    .into_tuple()
                    .all(conn)
                    .await?
            }
        };
        for (part, chunk) in serials.chunks(COMMISSION_CHUNK as usize).enumerate() {
            let built = event::decommissioning(
                &self.ids,
                &lot.facts,
                &event::VoidFact {
                    created_at: void.created_at,
                    stamps: chunk
                        .iter()
                        .map(|s| self.ids.stamp(lot.gtin.as_ref(), s))
                        .collect(),
                    reason: void.reason.clone(),
                    note: void.note.clone(),
                    run_uri: self.ids.stamp_run(run.id),
                },
            )
            .map_err(corrupt)?;
            store(
                conn,
                Stored {
                    source: Source::Decommissioning,
                    source_id: void.id,
                    part: part as i64,
                    organization_id: void.organization_id,
                    batch_id: Some(void.batch_id),
                    product_id: Some(lot.product_id),
                    epc_class: Some(lot.facts.lot_uri.clone()),
                    public: false,
                    record_time: void.created_at,
                },
                built,
            )
            .await?;
        }
        Ok(())
    }

    async fn index_certificate<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: Uuid,
    ) -> Result<(), AppError> {
        let Some(c) = ocop_certification::Entity::find_by_id(id).one(conn).await? else {
            return Ok(());
        };
        let Some(p) = product::Entity::find_by_id(c.product_id).one(conn).await? else {
            return Err(corrupt(format!("certificate {id} of a missing product")));
        };
        let gtin = p
            .gtin
            .as_deref()
            .map(crate::domain::Gtin::parse)
            .transpose()
            .map_err(corrupt)?;
        let product_uri = self.ids.product(gtin.as_ref(), p.id);
        let built = event::certification(
            &self.ids,
            &event::CertificateFact {
                product_uri: product_uri.clone(),
                certificate_uri: self.ids.certificate(c.id),
                producer_uri: self.ids.organization(c.organization_id),
                stars: c.stars,
                score: c.score,
                decision_number: c.decision_number.clone(),
                decision_date: c.decision_date,
                issuing_body: c.issuing_body.clone(),
                level: c.level.clone(),
                valid_until: c.valid_until,
                created_at: c.created_at,
            },
        )
        .map_err(corrupt)?;
        store(
            conn,
            Stored {
                source: Source::Certification,
                source_id: c.id,
                part: 0,
                organization_id: c.organization_id,
                batch_id: None,
                product_id: Some(p.id),
                epc_class: Some(product_uri),
                public: true,
                record_time: c.created_at,
            },
            built,
        )
        .await
    }
}

/// Runs [`EpcisIndex::catch_up`] every few seconds (until the task is aborted).
pub async fn run(db: Db, index: std::sync::Arc<EpcisIndex>) {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    loop {
        every.tick().await;
        if let Err(e) = index.catch_up(&db).await {
            tracing::warn!(error = %e.into_anyhow(), "EPCIS index: could not catch up; will retry");
        }
    }
}

struct Lot {
    facts: LotFacts,
    gtin: Option<crate::domain::Gtin>,
    product_id: Uuid,
    /// Whether the lot's pages are public: it has stamps (the scan page) or its product a
    /// GTIN (the lot page `/01/{gtin}/10/{lot}`).
    public: bool,
}

async fn lot_of<C: ConnectionTrait>(conn: &C, ids: &Ids, batch_id: Uuid) -> Result<Lot, AppError> {
    let b = batch::Entity::find_by_id(batch_id)
        .one(conn)
        .await?
        .ok_or_else(|| corrupt(format!("missing batch {batch_id}")))?;
    let p = product::Entity::find_by_id(b.product_id)
        .one(conn)
        .await?
        .ok_or_else(|| corrupt(format!("missing product {}", b.product_id)))?;
    let identity = Identity::of(&b, &p)?;
    let location = b.growing_area_id.map(|a| ids.growing_area(a));
    Ok(Lot {
        facts: LotFacts {
            lot_uri: ids.lot(identity.gtin.as_ref(), identity.lot.as_ref(), b.id),
            location,
        },
        public: identity.gtin.is_some() || b.stamps_issued > 0,
        gtin: identity.gtin,
        product_id: p.id,
    })
}

/// The index row of a record's part, if indexed.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    source: Source,
    source_id: Uuid,
    part: i64,
) -> Result<Option<epcis_event::Model>, AppError> {
    Ok(epcis_event::Entity::find()
        .filter(epcis_event::Column::Source.eq(source.as_str()))
        .filter(epcis_event::Column::SourceId.eq(source_id))
        .filter(epcis_event::Column::Part.eq(part))
        .one(conn)
        .await?)
}

struct Stored {
    source: Source,
    source_id: Uuid,
    part: i64,
    organization_id: Uuid,
    batch_id: Option<Uuid>,
    product_id: Option<Uuid>,
    epc_class: Option<String>,
    public: bool,
    record_time: DateTime<Utc>,
}

async fn store<C: ConnectionTrait>(conn: &C, s: Stored, b: Built) -> Result<(), AppError> {
    let body = serde_json::to_string(&b.event).map_err(AppError::internal)?;
    epcis_event::Entity::insert(epcis_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(b.event_id),
        organization_id: Set(s.organization_id),
        batch_id: Set(s.batch_id),
        product_id: Set(s.product_id),
        source: Set(s.source.as_str().to_owned()),
        source_id: Set(s.source_id),
        part: Set(s.part),
        event_type: Set(b.event_type.to_owned()),
        biz_step: Set(b.biz_step),
        event_time: Set(b.event_time),
        record_time: Set(s.record_time),
        biz_location: Set(b.biz_location),
        epc_class: Set(s.epc_class),
        public: Set(s.public),
        corrected_by: Set(None),
        corrected_at: Set(None),
        body: Set(body),
    })
    // Either key may already be there: the record indexed by another node, or an identical
    // fact recorded twice (one event, one ID).
    .on_conflict(OnConflict::new().do_nothing().to_owned())
    .try_insert()
    .exec(conn)
    .await?;
    Ok(())
}
