//! EPCIS capture (`POST /epcis/capture`): a partner's document becomes diary entries of the
//! lots it names, or of one batch the caller names, all of them or none.
//!
//! The document is checked against GS1's EPCIS 2.0 schema at once (a 422 names each fault).
//! Then a capture job is recorded and run in the background, as the standard's capture
//! interface describes: the client polls `GET /epcis/capture/{captureID}`. The job reads each
//! event as a diary entry, finds its lot, checks the caller may write to it and appends every
//! entry in one transaction ([`events::append_all`]): one faulty event and nothing is
//! written, the job naming each fault. Each entry carries a claim keyed by its batch and the
//! partner's event ID (`idempotency_keys`), so a document sent again records nothing twice.
//! A job still marked running long after it began (its server stopped) reads as failed:
//! nothing of it was written, and sending the document again is safe.

use chrono::{DateTime, Duration, Utc};
use entity::epcis_capture_job::{self, Entity as Job};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use serde_json::Value;
use sha2::Digest;
use std::collections::HashMap;
use uuid::Uuid;

use super::events::{self, EventJob};
use super::idempotency::Claim;
use super::now;
use crate::auth::{Principal, Scope};
use crate::db::Db;
use crate::epcis::capture::{self, Incoming};
use crate::epcis::vocab::Ids;
use crate::error::{AppError, FieldProblem};
use crate::services::requests::events::AppendEvent;

/// How long a job may run before it reads as interrupted.
const STALE_AFTER_MINUTES: i64 = 10;

/// The route the entries' claims are recorded under.
const CLAIM_ROUTE: &str = "epcis.capture";

/// One fault of a capture job: an RFC 9457 problem, as the EPCIS REST bindings report them,
/// with the event and the field it concerns.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CaptureError {
    /// `https://ref.gs1.org/standards/epcis/exceptions#…`
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Our stable code: a field problem's reason, or the error's code.
    pub code: String,
    /// The event's place in `epcisBody.eventList`.
    #[serde(rename = "eventIndex", skip_serializing_if = "Option::is_none")]
    pub event_index: Option<usize>,
    /// The event's ID (as sent, else its CBV 2.0 hash ID).
    #[serde(rename = "eventID", skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Where in the document, as a path (`epcisBody.eventList[2].bizStep`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

fn exception(status: u16) -> (&'static str, &'static str) {
    match status {
        403 => ("SecurityException", "Not allowed"),
        404 => ("NoSuchResourceException", "Not found"),
        409 => ("ValidationException", "Conflicts with the record"),
        s if s >= 500 => ("ImplementationException", "Not recorded"),
        _ => ("ValidationException", "Invalid event"),
    }
}

impl CaptureError {
    fn new(status: u16, code: &str, detail: String) -> Self {
        let (exception, title) = exception(status);
        Self {
            kind: format!("https://ref.gs1.org/standards/epcis/exceptions#{exception}"),
            title: title.into(),
            status,
            detail,
            code: code.into(),
            event_index: None,
            event_id: None,
            field: None,
        }
    }

    fn at(mut self, event: Option<(usize, &str)>) -> Self {
        if let Some((i, id)) = event {
            self.event_index = Some(i);
            self.event_id = Some(id.to_owned()).filter(|s| !s.is_empty());
        }
        self
    }

    /// The errors an [`AppError`] comes to, for the event it concerns (its fields named as
    /// the partner's event names them).
    fn of(e: AppError, event: Option<(usize, &str)>) -> Vec<Self> {
        match e {
            AppError::Validation(problems) => problems
                .into_iter()
                .map(|p| {
                    let mut err = Self::new(422, p.code.as_str(), p.message).at(event);
                    err.field = Some(match event {
                        Some((i, _)) if !p.field.starts_with("epcisBody") => {
                            capture::event_field(i, &p.field)
                        }
                        _ => p.field,
                    });
                    err
                })
                .collect(),
            AppError::Internal(cause) => {
                tracing::error!(error = %cause, "EPCIS capture job failed");
                vec![
                    Self::new(
                        500,
                        "internal_error",
                        "an internal error; nothing was recorded: send the document again".into(),
                    )
                    .at(event),
                ]
            }
            other => {
                let code = other.code();
                vec![Self::new(code.status(), code.as_str(), other.to_string()).at(event)]
            }
        }
    }
}

/// A capture job as the EPCIS REST bindings show it (`EPCISCaptureJob`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CaptureJob {
    #[serde(rename = "captureID")]
    pub capture_id: Uuid,
    #[serde(rename = "createdAt")]
    pub created_at: DateTime<Utc>,
    #[serde(rename = "finishedAt", skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    pub running: bool,
    pub success: bool,
    /// Always `rollback`: a document is recorded whole or not at all.
    #[serde(rename = "captureErrorBehaviour")]
    pub capture_error_behaviour: &'static str,
    pub errors: Vec<CaptureError>,
    /// Events in the document, and how many diary entries it recorded (events already
    /// recorded by an earlier capture count as recorded, not twice).
    #[serde(rename = "eventCount")]
    pub event_count: i32,
    pub recorded: i32,
}

fn owner_of(who: &Principal) -> String {
    match who.scope {
        Scope::Organization { id, .. } => id.to_string(),
        Scope::Admin => format!("admin:{}", who.token_id),
    }
}

fn view(row: epcis_capture_job::Model) -> CaptureJob {
    let stale = row.running && now() - row.created_at > Duration::minutes(STALE_AFTER_MINUTES);
    let mut errors: Vec<CaptureError> = serde_json::from_str(&row.errors).unwrap_or_default();
    if stale {
        errors.push(CaptureError::new(
            503,
            "unavailable",
            "the server stopped before this job finished; nothing of it was recorded: send the document again".into(),
        ));
    }
    CaptureJob {
        capture_id: row.id,
        created_at: row.created_at,
        finished_at: row.finished_at,
        running: row.running && !stale,
        success: row.success,
        capture_error_behaviour: "rollback",
        errors,
        event_count: row.event_count,
        recorded: row.recorded,
    }
}

/// What the blocking pool makes of a document: GS1's schema's faults, or its events read.
enum Checked {
    Invalid(Vec<FieldProblem>),
    Read {
        events: usize,
        read: Result<capture::Document, Vec<FieldProblem>>,
    },
}

/// Checks the document against the schema and starts its capture job; the job as it starts.
/// The schema check and the reading (CPU work on outside input, up to 4 MiB) run on the
/// blocking pool (`heavy`), the appends in the job's own task.
pub async fn submit(
    db: &Db,
    ids: &Ids,
    who: &Principal,
    doc: Value,
    into: Option<Uuid>,
) -> Result<CaptureJob, AppError> {
    let reading = ids.clone();
    let checked = crate::heavy::run(move || -> Result<Checked, String> {
        let problems = capture::check_schema(&doc)?;
        if !problems.is_empty() {
            return Ok(Checked::Invalid(problems));
        }
        let events = doc
            .get("epcisBody")
            .and_then(|b| b.get("eventList"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        Ok(Checked::Read {
            events,
            read: capture::read(&doc, &reading),
        })
    })
    .await
    .ok_or_else(|| AppError::internal(anyhow::anyhow!("checking an EPCIS document panicked")))?
    .map_err(|e| AppError::internal(anyhow::anyhow!("GS1's EPCIS schema: {e}")))?;
    let (events, read) = match checked {
        Checked::Invalid(problems) => return Err(AppError::Validation(problems)),
        Checked::Read { events, read } => (events, read),
    };
    let txn = db.write_txn().await?;
    let row = epcis_capture_job::ActiveModel {
        id: Set(Uuid::now_v7()),
        owner: Set(owner_of(who)),
        created_at: Set(now()),
        finished_at: Set(None),
        running: Set(true),
        success: Set(false),
        event_count: Set(i32::try_from(events).unwrap_or(i32::MAX)),
        recorded: Set(0),
        errors: Set("[]".into()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    let id = row.id;
    let (db, who) = (db.clone(), who.clone());
    tokio::spawn(async move {
        let (success, recorded, errors) = match run(&db, &who, read, into).await {
            Ok(n) => (true, n, Vec::new()),
            Err(errors) => (false, 0, errors),
        };
        let finished = epcis_capture_job::ActiveModel {
            id: Set(id),
            finished_at: Set(Some(now())),
            running: Set(false),
            success: Set(success),
            recorded: Set(i32::try_from(recorded).unwrap_or(i32::MAX)),
            errors: Set(serde_json::to_string(&errors).unwrap_or_else(|_| "[]".into())),
            ..Default::default()
        };
        let saved = async {
            let txn = db.write_txn().await?;
            finished.update(&txn).await?;
            txn.commit().await
        };
        if let Err(e) = saved.await {
            tracing::error!(job = %id, error = %e, "could not record how an EPCIS capture job ended");
        }
    });
    Ok(view(row))
}

/// A capture job, if it is the caller's.
pub async fn job(db: &Db, who: &Principal, id: Uuid) -> Result<CaptureJob, AppError> {
    let row = Job::find_by_id(id)
        .filter(epcis_capture_job::Column::Owner.eq(owner_of(who)))
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("capture job"))?;
    Ok(view(row))
}

/// Runs a job: the number of entries recorded, or every fault found.
async fn run(
    db: &Db,
    who: &Principal,
    read: Result<capture::Document, Vec<FieldProblem>>,
    into: Option<Uuid>,
) -> Result<usize, Vec<CaptureError>> {
    let document = read.map_err(|problems| {
        problems
            .into_iter()
            .flat_map(|p| {
                let index = event_index(&p.field);
                CaptureError::of(AppError::Validation(vec![p]), None)
                    .into_iter()
                    .map(move |mut e| {
                        e.event_index = index;
                        e
                    })
            })
            .collect::<Vec<_>>()
    })?;
    let mut lots: HashMap<String, Option<Uuid>> = HashMap::new();
    let mut jobs = Vec::with_capacity(document.events.len());
    let mut errors = Vec::new();
    for incoming in document.events {
        let here = (incoming.index, incoming.event_id().to_owned());
        match entry(db, who, incoming, into, &mut lots).await {
            Ok(job) => jobs.push((here, job)),
            Err(e) => errors.extend(CaptureError::of(e, Some((here.0, &here.1)))),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let (places, jobs): (Vec<(usize, String)>, Vec<EventJob>) = jobs.into_iter().unzip();
    match events::append_all(db, &jobs).await {
        Ok(Ok(recorded)) => Ok(recorded.len()),
        Ok(Err((i, e))) => {
            let place = places.get(i).map(|(n, id)| (*n, id.as_str()));
            Err(CaptureError::of(e, place))
        }
        Err(e) => Err(CaptureError::of(e, None)),
    }
}

/// `epcisBody.eventList[3].bizStep` → 3.
fn event_index(field: &str) -> Option<usize> {
    let rest = field.strip_prefix("epcisBody.eventList[")?;
    rest.split_once(']')?.0.parse().ok()
}

/// One partner event as an append to the batch it belongs to.
async fn entry(
    db: &Db,
    who: &Principal,
    incoming: Incoming,
    into: Option<Uuid>,
    lots: &mut HashMap<String, Option<Uuid>>,
) -> Result<EventJob, AppError> {
    let named = match (incoming.batch, lots.get(&incoming.lot)) {
        (Some(b), _) => Some(b),
        (None, Some(b)) => *b,
        (None, None) => {
            let b = batch_of_lot(db, &incoming.lot).await?;
            lots.insert(incoming.lot.clone(), b);
            b
        }
    };
    let batch_id = into.or(named).ok_or_else(|| {
        AppError::validation(
            "quantityList",
            crate::domain::ParseError::new(
                crate::domain::Reason::NotFound,
                format!(
                    "no lot of this service is named `{}`; name one of ours, or send the document with ?intoBatch={{batch id}}",
                    incoming.lot
                ),
            ),
        )
    })?;
    let mut details = incoming.details;
    let mut captured = details.captured.take().unwrap_or_default();
    captured.partner = who.name.clone();
    if named != Some(batch_id) {
        captured.source_lot = Some(incoming.lot.clone());
    }
    let corrects = match &incoming.corrects {
        Some(id) => corrected(db, who, batch_id, id).await?,
        None => None,
    };
    let mut new = AppendEvent {
        kind: incoming.kind,
        occurred_at: incoming.occurred_at,
        details,
        corrects,
    }
    .parse()?;
    let claim = claim(who, batch_id, &captured.event_id)?;
    new.details.captured = Some(captured);
    Ok(EventJob {
        who: who.clone(),
        batch_id,
        new,
        idempotency: Some(claim),
    })
}

/// The claim of a partner's event in a batch: recorded with its entry, it makes the same event
/// sent again a replay.
fn claim(who: &Principal, batch_id: Uuid, event_id: &str) -> Result<Claim, AppError> {
    let digest = sha2::Sha256::digest(event_id.as_bytes());
    let key = format!("{batch_id}:{}", data_encoding::HEXLOWER.encode(&digest));
    Claim::new(who, CLAIM_ROUTE, &key, &key)
}

/// The batch a GS1 lot identifier names: a GTIN and lot code of one of our products (our own
/// lot URIs are read by the reader, [`Incoming::batch`]).
async fn batch_of_lot(db: &Db, lot: &str) -> Result<Option<Uuid>, AppError> {
    let Some(path) = lot.strip_prefix("https://id.gs1.org") else {
        return Ok(None);
    };
    let Ok(link) = crate::stamps::digital_link::DigitalLink::parse_path(path) else {
        return Ok(None);
    };
    let (Some(gtin), Some(code), None) = (link.gtin, link.lot, link.serial) else {
        return Ok(None);
    };
    let product = match super::resolve::product_by_gtin(db, &gtin).await {
        Ok(p) => p,
        Err(super::resolve::ResolveError::App(e)) => return Err(e),
        Err(_) => return Ok(None),
    };
    Ok(entity::batch::Entity::find()
        .filter(entity::batch::Column::ProductId.eq(product.id))
        .filter(entity::batch::Column::LotCode.eq(code.as_str()))
        .one(db.read())
        .await?
        .map(|b| b.id))
}

/// The diary entry an `ocop:corrects` names: an event captured into this batch earlier under
/// that ID, or one of our own events by its hash ID. Anything else stays in the sealed
/// original only (a correction of an event of the same document, or of another system's).
async fn corrected(
    db: &Db,
    who: &Principal,
    batch_id: Uuid,
    event_id: &str,
) -> Result<Option<Uuid>, AppError> {
    if let Some(id) = claim(who, batch_id, event_id)?.earlier(db.read()).await? {
        return Ok(Some(id));
    }
    let own = entity::epcis_event::Entity::find()
        .filter(entity::epcis_event::Column::EventId.eq(event_id))
        .filter(entity::epcis_event::Column::Source.eq("diary"))
        .filter(entity::epcis_event::Column::BatchId.eq(batch_id))
        .one(db.read())
        .await?;
    Ok(own.map(|e| e.source_id))
}
