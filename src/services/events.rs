//! The production diary: append-only events of a batch.
//!
//! Nothing here updates or deletes an event. A correction is a new event whose `corrects`
//! names the event it supersedes; a recall event moves the batch to `recalled` in the same
//! transaction.

use chrono::{DateTime, Duration, Utc};
use entity::batch::{self, Entity as Batch};
use entity::batch_event::{self, Entity as BatchEvent};
use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::batches::status_of;
use super::ledger;
use super::log_size::Settled;
use super::{Page, PageRequest, load, now, paginate};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::ParseError;
use crate::domain::Reason;
use crate::domain::batch::{
    BatchStatus, EventDetails, EventKind, PhiWarning, earliest_date, phi_warnings,
};
use crate::domain::role::Action;
use crate::error::{AppError, Code};
use crate::ledger::chain;
use crate::ledger::public_form::LeafForm;

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

/// One append request.
pub struct EventJob {
    pub who: Principal,
    pub batch_id: Uuid,
    pub new: NewEvent,
    /// The request's `Idempotency-Key`: an append sent again with it answers with the event
    /// the first one recorded.
    pub idempotency: Option<super::idempotency::Claim>,
}

/// Checks that need no database: the event time is plausible.
fn check_time(new: &NewEvent) -> Result<(), AppError> {
    if new.occurred_at > now() + Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
        return Err(AppError::validation(
            "occurred_at",
            ParseError::new(Reason::DateInFuture, "the event time is in the future"),
        ));
    }
    if new.occurred_at.date_naive() < earliest_date() {
        return Err(AppError::validation(
            "occurred_at",
            ParseError::new(Reason::DateTooEarly, "the event time is before 2000"),
        ));
    }
    Ok(())
}

/// Appends several events in one transaction (group commit), one result per job, in order.
///
/// Every job is first planned against the batch as this group leaves it: a job whose checks
/// fail gets its error and writes nothing. Then the planned events, their ledger entries and
/// the batches' new chain heads are written, and the log head once. If a write fails, the
/// group is rolled back and each job is retried alone, so one bad job never costs another.
pub async fn append_group(
    db: &Db,
    jobs: Vec<EventJob>,
) -> (Vec<Result<Recorded, AppError>>, Option<Settled>) {
    match try_group(db, &jobs).await {
        Ok(done) => done,
        Err(e) if jobs.len() == 1 => (vec![Err(e)], None),
        Err(e) => {
            tracing::warn!(error = %e, jobs = jobs.len(), "group commit failed; appending one by one");
            let mut out = Vec::with_capacity(jobs.len());
            let mut settled = None;
            for job in &jobs {
                out.push(match try_group(db, std::slice::from_ref(job)).await {
                    Ok((mut r, s)) => {
                        settled = s.or(settled);
                        r.pop().unwrap_or_else(|| {
                            Err(AppError::internal(anyhow::anyhow!("no result")))
                        })
                    }
                    Err(e) => Err(e),
                });
            }
            (out, settled)
        }
    }
}

/// A batch as the group has left it so far.
struct BatchState {
    row: batch::Model,
    status: BatchStatus,
    chain_head: crate::ledger::Hash,
    /// Inputs applied by events planned earlier in this group (for pre-harvest intervals).
    applications: Vec<(DateTime<Utc>, EventDetails)>,
    touched: bool,
}

struct Planned {
    event: batch_event::Model,
    payload: String,
    leaf: crate::ledger::Hash,
    warnings: Vec<PhiWarning>,
    claim: Option<super::idempotency::Claim>,
}

/// What a job comes to: a new event to write, or the answer an earlier request with its
/// idempotency key already got.
enum Plan {
    Write(Planned),
    Replay(Recorded),
}

/// Errors that concern the job, not the transaction: the group can go on without it.
fn is_job_error(e: &AppError) -> bool {
    !matches!(e, AppError::Internal(_) | AppError::Unavailable(_))
}

/// The group's results, and the log's size it committed.
async fn try_group(
    db: &Db,
    jobs: &[EventJob],
) -> Result<(Vec<Result<Recorded, AppError>>, Option<Settled>), AppError> {
    let txn = db.write_txn().await?;
    let mut states = lock_batches(&txn, jobs).await?;
    let plans = plan_all(&txn, &mut states, jobs).await?;
    if plans.iter().all(Result::is_err) {
        let errors = plans.into_iter().filter_map(Result::err).map(Err).collect();
        return Ok((errors, None));
    }
    let (results, settled) = write(&txn, states, plans).await?;
    txn.commit().await?;
    Ok((results, Some(settled)))
}

/// Appends every job in one transaction, or none of them: then the first job at fault (its
/// index) and why. For imports, where half a diary would be worse than none. The outer error
/// is the database's, not a job's.
pub async fn append_all(
    db: &Db,
    jobs: &[EventJob],
) -> Result<Result<Vec<Recorded>, (usize, AppError)>, AppError> {
    let txn = db.write_txn().await?;
    let mut states = lock_batches(&txn, jobs).await?;
    let plans = plan_all(&txn, &mut states, jobs).await?;
    let planned: Result<Vec<Plan>, (usize, AppError)> = plans
        .into_iter()
        .enumerate()
        .map(|(i, p)| p.map_err(|e| (i, e)))
        .collect();
    let planned = match planned {
        Ok(p) => p,
        Err(fault) => return Ok(Err(fault)),
    };
    let (results, _) = write(&txn, states, planned.into_iter().map(Ok).collect()).await?;
    txn.commit().await?;
    Ok(Ok(results.into_iter().flatten().collect()))
}

/// Plans every job against the batches as the jobs before it leave them.
async fn plan_all(
    txn: &DatabaseTransaction,
    states: &mut HashMap<Uuid, BatchState>,
    jobs: &[EventJob],
) -> Result<Vec<Result<Plan, AppError>>, AppError> {
    let mut plans = Vec::with_capacity(jobs.len());
    for job in jobs {
        match plan(txn, states, job).await {
            Ok(p) => plans.push(Ok(p)),
            Err(e) if is_job_error(&e) => plans.push(Err(e)),
            Err(e) => return Err(e),
        }
    }
    Ok(plans)
}

/// Writes the planned events, their ledger entries, the batches' new heads and the log head;
/// with the log's size once the transaction commits, which holds every entry this process
/// counted before it (the head's lock, or SQLite's one write connection, keeps any other
/// entry from being written here meanwhile).
async fn write(
    txn: &DatabaseTransaction,
    states: HashMap<Uuid, BatchState>,
    plans: Vec<Result<Plan, AppError>>,
) -> Result<(Vec<Result<Recorded, AppError>>, Settled), AppError> {
    // The log head is locked after the batches, in the same order as every other write.
    let mut head = ledger::head(txn, true).await?;
    let read_at = std::time::Instant::now();
    let mut results = Vec::with_capacity(plans.len());
    for p in plans {
        let p = match p {
            Ok(Plan::Write(p)) => p,
            Ok(Plan::Replay(r)) => {
                results.push(Ok(r));
                continue;
            }
            Err(e) => {
                results.push(Err(e));
                continue;
            }
        };
        p.event
            .clone()
            .into_active_model()
            .reset_all()
            .insert(txn)
            .await?;
        ledger::insert_at(
            txn,
            &mut head,
            "batch_events.appended",
            "batch_events",
            p.event.id,
            Some(p.event.batch_id),
            p.payload,
            p.leaf,
        )
        .await?;
        if let Some(claim) = &p.claim {
            claim.record(txn, p.event.id).await?;
        }
        results.push(Ok(Recorded {
            event: p.event,
            warnings: p.warnings,
        }));
    }
    for state in states.into_values().filter(|s| s.touched) {
        let status_changed = state.status != BatchStatus::from(state.row.status);
        let mut b: batch::ActiveModel = state.row.into();
        b.chain_head = Set(state.chain_head.0.to_vec());
        if status_changed {
            b.status = Set(state.status.into());
            b.updated_at = Set(now());
        }
        let b = b.update(txn).await?;
        if status_changed {
            let (payload, leaf) = ledger::prepare("updated", &b)?;
            ledger::insert_at(
                txn,
                &mut head,
                "batches.updated",
                "batches",
                b.id,
                Some(b.id),
                payload,
                leaf,
            )
            .await?;
        }
    }
    ledger::save_head(txn, &head).await?;
    let settled = Settled {
        appends: ledger::LOCAL_APPENDS.load(std::sync::atomic::Ordering::SeqCst),
        size: head.size,
        at: read_at,
    };
    Ok((results, settled))
}

/// Locks every batch the group touches, in one query and in id order, so that two groups on
/// two servers never wait for each other's locks in a cycle (PostgreSQL; SQLite's write
/// transaction already excludes other writers). Missing batches are simply absent.
async fn lock_batches(
    txn: &DatabaseTransaction,
    jobs: &[EventJob],
) -> Result<HashMap<Uuid, BatchState>, AppError> {
    let ids: std::collections::BTreeSet<Uuid> = jobs.iter().map(|j| j.batch_id).collect();
    let rows = Batch::find()
        .filter(batch::Column::Id.is_in(ids))
        .order_by_asc(batch::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    let mut states = HashMap::with_capacity(rows.len());
    for row in rows {
        let chain_head = crate::ledger::from_slice(&row.chain_head).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "batch {} has a malformed chain head",
                row.id
            ))
        })?;
        let status = status_of(&row);
        states.insert(
            row.id,
            BatchState {
                row,
                status,
                chain_head,
                applications: vec![],
                touched: false,
            },
        );
    }
    Ok(states)
}

/// Checks one job against the batch as the group has left it, and computes its event.
async fn plan(
    txn: &DatabaseTransaction,
    states: &mut HashMap<Uuid, BatchState>,
    job: &EventJob,
) -> Result<Plan, AppError> {
    check_time(&job.new)?;
    let state = states
        .get_mut(&job.batch_id)
        .ok_or(AppError::NotFound("batch"))?;
    job.who
        .authorize(state.row.organization_id, Action::RecordDiary, "batch")?;
    // Before the batch's status is checked: a recall sent again must answer as the first one
    // did, although the batch no longer accepts a recall.
    if let Some(claim) = &job.idempotency
        && let Some(id) = claim.earlier(txn).await?
    {
        return replay(txn, id).await.map(Plan::Replay);
    }
    let new = &job.new;
    if !state.status.accepts(new.kind) {
        return Err(AppError::conflict(
            Code::BatchStatusRejectsEvent,
            format!(
                "a {} batch does not accept {} events",
                state.status, new.kind
            ),
        ));
    }
    if let Some(corrected) = new.corrects {
        let found = BatchEvent::find_by_id(corrected)
            .filter(batch_event::Column::BatchId.eq(state.row.id))
            .one(txn)
            .await?;
        if found.is_none() {
            return Err(AppError::validation(
                "corrects",
                ParseError::new(Reason::NotFound, "no such event in this batch"),
            ));
        }
    }
    for (i, photo) in new.details.photos.iter().enumerate() {
        let uploaded = entity::blob::Entity::find()
            .filter(entity::blob::Column::SubjectId.eq(state.row.id))
            .filter(entity::blob::Column::Kind.eq(super::blobs::BlobKind::DiaryPhoto.as_str()))
            .filter(entity::blob::Column::Sha256.eq(photo.as_str()))
            .one(txn)
            .await?;
        if uploaded.is_none() {
            return Err(AppError::validation(
                format!("details.photos[{i}]"),
                ParseError::new(
                    Reason::UnknownPhoto,
                    "upload the photo to this batch first (POST /api/v1/batches/{id}/photos) and use the sha256 it returns",
                ),
            ));
        }
    }
    let warnings = if new.kind == EventKind::Harvesting {
        let mut applied = applications(txn, state.row.id, None).await?;
        applied.extend(state.applications.iter().cloned());
        phi_warnings(applied.iter().map(|(t, d)| (*t, d)), new.occurred_at)
    } else {
        Vec::new()
    };
    let details = serde_json::to_value(&new.details).map_err(AppError::internal)?;
    let prev = state.chain_head;
    let mut event = batch_event::Model {
        id: Uuid::now_v7(),
        organization_id: state.row.organization_id,
        batch_id: state.row.id,
        kind: new.kind.as_str().to_owned(),
        occurred_at: new.occurred_at,
        recorded_at: now(),
        actor: job.who.name.clone(),
        details,
        corrects: new.corrects,
        prev_hash: prev.0.to_vec(),
        hash: Vec::new(),
    };
    let (payload, leaf) = ledger::prepare("appended", &event)?;
    let hash = chain::link(&prev, &leaf);
    event.hash = hash.0.to_vec();
    // The batch as later jobs of this group will see it.
    state.chain_head = hash;
    state.status = state.status.after(new.kind);
    state.touched = true;
    if matches!(new.kind, EventKind::Spraying | EventKind::Fertilizing) {
        state
            .applications
            .push((new.occurred_at, new.details.clone()));
    }
    Ok(Plan::Write(Planned {
        event,
        payload,
        leaf,
        warnings,
        claim: job.idempotency.clone(),
    }))
}

/// The inputs applied to a batch (sprayings and fertilizings) recorded before `before` (an
/// event id; ids grow in recording order), or all of them.
async fn applications(
    txn: &DatabaseTransaction,
    batch_id: Uuid,
    before: Option<Uuid>,
) -> Result<Vec<(DateTime<Utc>, EventDetails)>, AppError> {
    let mut q = BatchEvent::find()
        .filter(batch_event::Column::BatchId.eq(batch_id))
        .filter(batch_event::Column::Kind.is_in([
            EventKind::Spraying.as_str(),
            EventKind::Fertilizing.as_str(),
        ]));
    if let Some(id) = before {
        q = q.filter(batch_event::Column::Id.lt(id));
    }
    Ok(q.all(txn)
        .await?
        .into_iter()
        .filter_map(|e| {
            serde_json::from_value(e.details)
                .ok()
                .map(|d| (e.occurred_at, d))
        })
        .collect())
}

/// The answer the first request with an idempotency key got: its event, with the warnings
/// it had then.
async fn replay(txn: &DatabaseTransaction, id: Uuid) -> Result<Recorded, AppError> {
    let event = BatchEvent::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("idempotency key names no event")))?;
    let warnings = if event.kind == EventKind::Harvesting.as_str() {
        let applied = applications(txn, event.batch_id, Some(event.id)).await?;
        phi_warnings(applied.iter().map(|(t, d)| (*t, d)), event.occurred_at)
    } else {
        Vec::new()
    };
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
    /// Every event's hash is `SHA-256(prev_hash ‖ leaf)` of its recomputed record, every
    /// link (event or stamp run) extends the head before it, and the last is the batch's
    /// chain head.
    pub intact: bool,
}

pub async fn history(db: &Db, who: &Principal, batch_id: Uuid) -> Result<History, AppError> {
    let conn = db.read();
    let batch = load::<Batch, _>(conn, who, batch_id, Action::Read, "batch").await?;
    let genesis = ledger::creation_leaf(conn, "batches", batch.id).await?;
    let walk = super::batch_chain::walk(conn, batch.id, &genesis.0).await?;
    let mut intact =
        walk.forks.is_empty() && walk.orphans.is_empty() && walk.end == batch.chain_head;
    let mut events = Vec::with_capacity(walk.links.len());
    for link in walk.links {
        // Stamp runs are links of the chain too; their stamps are re-checked by `verify`.
        if let super::batch_chain::Link::Event(e) = link {
            let prev = crate::ledger::from_slice(&e.prev_hash).unwrap_or(chain::GENESIS);
            // In a log begun before the public form (migration 29), older events' leaves hash
            // their payload itself; both forms bind the same payload.
            let payload = ledger::payload_of(&e)?;
            let leaves = [LeafForm::Public, LeafForm::Payload]
                .map(|form| form.leaf("batch_events.appended", payload.as_bytes()));
            intact &= leaves
                .iter()
                .any(|leaf| e.hash == chain::link(&prev, leaf).0.to_vec());
            events.push(e);
        }
    }
    // Events off the chain are still shown, after it.
    for link in walk.forks.into_iter().chain(walk.orphans) {
        if let super::batch_chain::Link::Event(e) = link {
            events.push(e);
        }
    }
    Ok(History {
        batch,
        genesis,
        events,
        intact,
    })
}

/// How many recent fertilizing and spraying events [`known_inputs`] reads.
const INPUT_MEMORY: u64 = 200;

/// The inputs an organization has applied lately, each once by trade name (its latest use
/// wins), so that a form can offer them again with their pre-harvest interval.
pub async fn known_inputs(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
) -> Result<Vec<crate::domain::batch::InputUse>, AppError> {
    let conn = db.read();
    super::organization(conn, who, organization_id, Action::Read).await?;
    let rows = BatchEvent::find()
        .filter(
            batch_event::Column::BatchId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(batch::Column::Id)
                    .from(Batch)
                    .and_where(batch::Column::OrganizationId.eq(organization_id))
                    .to_owned(),
            ),
        )
        .filter(batch_event::Column::Kind.is_in([
            EventKind::Fertilizing.as_str(),
            EventKind::Spraying.as_str(),
        ]))
        .order_by_desc(batch_event::Column::Id)
        .limit(INPUT_MEMORY)
        .all(conn)
        .await?;
    let mut seen = std::collections::BTreeMap::new();
    for row in rows {
        // A record that does not read as details has no inputs to offer.
        let Ok(details) = serde_json::from_value::<EventDetails>(row.details) else {
            continue;
        };
        for input in details.inputs {
            seen.entry(input.product.to_lowercase()).or_insert(input);
        }
    }
    Ok(seen.into_values().collect())
}
