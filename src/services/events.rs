//! The production diary: append-only events of a batch.
//!
//! Nothing here updates or deletes an event. A correction is a new event whose `corrects`
//! names the event it supersedes; a recall event moves the batch to `recalled` in the same
//! transaction.

use chrono::{DateTime, Duration, Utc};
use entity::batch::{self, Entity as Batch};
use entity::batch_event::{self, Entity as BatchEvent};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

use super::batches::status_of;
use super::ledger;
use super::{Page, PageRequest, load, now, paginate};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::ParseError;
use crate::domain::batch::{EventDetails, EventKind, PhiWarning, earliest_date, phi_warnings};
use crate::domain::role::Action;
use crate::error::AppError;
use crate::ledger::chain;

pub struct NewEvent {
    pub kind: EventKind,
    pub occurred_at: DateTime<Utc>,
    pub details: EventDetails,
    pub corrects: Option<Uuid>,
}

pub struct Recorded {
    pub event: batch_event::Model,
    /// Food-safety warnings about this event (harvest inside a pre-harvest interval).
    pub warnings: Vec<PhiWarning>,
}

/// How far in the future an event time may be (clock skew of phones).
const FUTURE_TOLERANCE_MINUTES: i64 = 10;

pub async fn append(
    db: &Db,
    who: &Principal,
    batch_id: Uuid,
    new: NewEvent,
) -> Result<Recorded, AppError> {
    let recorded_at = now();
    if new.occurred_at > recorded_at + Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
        return Err(AppError::validation(
            "occurred_at",
            ParseError::new("date_in_future", "the event time is in the future"),
        ));
    }
    if new.occurred_at.date_naive() < earliest_date() {
        return Err(AppError::validation(
            "occurred_at",
            ParseError::new("date_too_early", "the event time is before 2000"),
        ));
    }
    let txn = db.write_txn().await?;
    // Lock the batch row: its chain head is read and advanced by this append (PostgreSQL;
    // SQLite's write transaction already excludes other writers).
    let batch = Batch::find_by_id(batch_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("batch"))?;
    who.authorize(batch.organization_id, Action::RecordDiary, "batch")?;
    let status = status_of(&batch)?;
    if !status.accepts(new.kind) {
        return Err(AppError::conflict(
            "batch_status_rejects_event",
            format!("a {status} batch does not accept {} events", new.kind),
        ));
    }
    if let Some(corrected) = new.corrects {
        let found = BatchEvent::find_by_id(corrected)
            .filter(batch_event::Column::BatchId.eq(batch.id))
            .one(&txn)
            .await?;
        if found.is_none() {
            return Err(AppError::validation(
                "corrects",
                ParseError::new("not_found", "no such event in this batch"),
            ));
        }
    }
    let warnings = if new.kind == EventKind::Harvesting {
        let applications = BatchEvent::find()
            .filter(batch_event::Column::BatchId.eq(batch.id))
            .filter(batch_event::Column::Kind.is_in([
                EventKind::Spraying.as_str(),
                EventKind::Fertilizing.as_str(),
            ]))
            .all(&txn)
            .await?;
        let parsed: Vec<(DateTime<Utc>, EventDetails)> = applications
            .into_iter()
            .filter_map(|e| {
                serde_json::from_value(e.details)
                    .ok()
                    .map(|d| (e.occurred_at, d))
            })
            .collect();
        phi_warnings(parsed.iter().map(|(t, d)| (*t, d)), new.occurred_at)
    } else {
        Vec::new()
    };
    let details = serde_json::to_value(&new.details).map_err(AppError::internal)?;
    let prev = crate::ledger::from_slice(&batch.chain_head).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "batch {} has a malformed chain head",
            batch.id
        ))
    })?;
    let mut event = batch_event::Model {
        id: Uuid::now_v7(),
        organization_id: batch.organization_id,
        batch_id: batch.id,
        kind: new.kind.as_str().to_owned(),
        occurred_at: new.occurred_at,
        recorded_at,
        actor: who.name.clone(),
        details,
        corrects: new.corrects,
        prev_hash: prev.0.to_vec(),
        hash: Vec::new(),
    };
    let (payload, leaf) = ledger::prepare(&event)?;
    let hash = chain::link(&prev, &leaf);
    event.hash = hash.0.to_vec();
    event
        .clone()
        .into_active_model()
        .reset_all()
        .insert(&txn)
        .await?;
    ledger::append_prepared(
        &txn,
        "batch_events.appended",
        "batch_events",
        event.id,
        Some(batch.id),
        payload,
        leaf,
    )
    .await?;

    let after = status.after(new.kind);
    let mut b: batch::ActiveModel = batch.into();
    b.chain_head = Set(hash.0.to_vec());
    if after != status {
        b.status = Set(after.as_str().to_owned());
        b.updated_at = Set(recorded_at);
    }
    let b = b.update(&txn).await?;
    if after != status {
        ledger::append(&txn, "updated", &b).await?;
    }
    txn.commit().await?;
    Ok(Recorded { event, warnings })
}

pub struct EventFilter {
    pub kind: Option<EventKind>,
}

/// The diary in the order it was recorded.
pub async fn list(
    db: &Db,
    who: &Principal,
    batch_id: Uuid,
    filter: EventFilter,
    page: PageRequest,
) -> Result<Page<batch_event::Model>, AppError> {
    load::<Batch, _>(db.read(), who, batch_id, Action::Read, "batch").await?;
    let mut q = BatchEvent::find().filter(batch_event::Column::BatchId.eq(batch_id));
    if let Some(k) = filter.kind {
        q = q.filter(batch_event::Column::Kind.eq(k.as_str()));
    }
    paginate(db.read(), q, batch_event::Column::Id, page).await
}

pub async fn get(db: &Db, who: &Principal, id: Uuid) -> Result<batch_event::Model, AppError> {
    load::<BatchEvent, _>(db.read(), who, id, Action::Read, "event").await
}

/// A batch's diary in chain order, re-checked link by link.
pub struct History {
    pub batch: batch::Model,
    /// Leaf hash of the batch's creation entry: the chain's first `prev_hash`.
    pub genesis: crate::ledger::Hash,
    pub events: Vec<batch_event::Model>,
    /// Every event's hash is `SHA-256(prev_hash ‖ leaf)` of its recomputed record, each
    /// `prev_hash` is the hash before it, and the last is the batch's chain head.
    pub intact: bool,
}

pub async fn history(db: &Db, who: &Principal, batch_id: Uuid) -> Result<History, AppError> {
    let conn = db.read();
    let batch = load::<Batch, _>(conn, who, batch_id, Action::Read, "batch").await?;
    let genesis = ledger::creation_leaf(conn, "batches", batch.id).await?;
    let mut remaining: std::collections::HashMap<Vec<u8>, batch_event::Model> = BatchEvent::find()
        .filter(batch_event::Column::BatchId.eq(batch.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.prev_hash.clone(), e))
        .collect();
    let total = remaining.len();
    let mut events = Vec::with_capacity(total);
    let mut cursor = genesis;
    let mut intact = true;
    while let Some(e) = remaining.remove(cursor.0.as_slice()) {
        let (_, leaf) = ledger::prepare(&e)?;
        let expected = chain::link(&cursor, &leaf);
        intact &= e.hash == expected.0.to_vec();
        cursor = crate::ledger::from_slice(&e.hash).unwrap_or(expected);
        events.push(e);
    }
    intact &= events.len() == total && batch.chain_head == cursor.0.to_vec();
    // Events that are off the chain are still shown, after it.
    events.extend(remaining.into_values());
    Ok(History {
        batch,
        genesis,
        events,
        intact,
    })
}
