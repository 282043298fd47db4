//! Reading the EPCIS index: the simple event query, one event by its ID, and the events of a
//! batch or a stamp, each as the caller may see them.
//!
//! Who sees what: the events of a lot's diary and OCOP certificates are public once the
//! scan or lot page shows the same facts (`epcis_events.public`); commissioning and
//! decommissioning events list stamp serials, which are secrets of their organization, so
//! they need a token that may read it. An admin token sees everything.

use chrono::{DateTime, Utc};
use entity::{batch, epcis_event, stamp, stamp_run, stamp_void};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};
use uuid::Uuid;

use super::epcis_index::EpcisIndex;
use crate::auth::Principal;
use crate::db::Db;
use crate::epcis::event::{COMMISSION_CHUNK, Source, time};
use crate::epcis::query::EventQuery;
use crate::error::AppError;

/// A page of events and the token of the next one.
pub struct Page {
    pub events: Vec<Value>,
    pub next: Option<Uuid>,
}

/// Which rows the caller may read, as a condition further ones are added to (all of them
/// must hold).
fn visible(who: Option<&Principal>) -> Condition {
    Condition::all().add(readable(who))
}

fn readable(who: Option<&Principal>) -> Condition {
    match who {
        None => Condition::all().add(epcis_event::Column::Public.eq(true)),
        Some(p) => match p.organization() {
            None => Condition::all(),
            Some(org) => Condition::any()
                .add(epcis_event::Column::Public.eq(true))
                .add(epcis_event::Column::OrganizationId.eq(org)),
        },
    }
}

/// The event as served: its stored JSON, with an `errorDeclaration` once a later diary entry
/// corrected it (the declaration is not part of the hash, so the ID stays).
pub fn render(row: &epcis_event::Model) -> Result<Value, AppError> {
    let mut event: Value = serde_json::from_str(&row.body)
        .map_err(|e| AppError::internal(anyhow::anyhow!("stored EPCIS event {}: {e}", row.id)))?;
    if let (Some(by), Some(at)) = (&row.corrected_by, row.corrected_at) {
        event["errorDeclaration"] = json!({
            "declarationTime": time(at),
            "reason": "incorrect_data",
            "correctiveEventIDs": [by],
        });
    }
    Ok(event)
}

/// The rows of the events naming one of the stamps `epcs` (their commissioning and any
/// void), as a condition; `None` when no such stamp exists.
async fn stamp_events(
    db: &Db,
    index: &EpcisIndex,
    epcs: &[String],
) -> Result<Option<Condition>, AppError> {
    let mut any = Condition::any();
    let mut found = false;
    for epc in epcs {
        let Some(serial) = index.ids().serial_of(epc) else {
            continue;
        };
        if let Some(s) = stamp::Entity::find_by_id(serial).one(db.read()).await? {
            found = true;
            any = any.add(own_events(db, &s).await?);
        }
    }
    Ok(found.then_some(any))
}

/// The rows of a stamp's own events: the part of its run's commissioning that lists it, and
/// the part of each void that does.
async fn own_events(db: &Db, s: &stamp::Model) -> Result<Condition, AppError> {
    let mut any = Condition::any();
    let Some(run) = stamp_run::Entity::find_by_id(s.run_id)
        .one(db.read())
        .await?
    else {
        return Ok(any);
    };
    let offset = s.index_in_batch - run.first_index;
    any = any.add(part_of(
        Source::Commissioning,
        run.id,
        offset / COMMISSION_CHUNK,
    ));
    let voids = stamp_void::Entity::find()
        .filter(stamp_void::Column::RunId.eq(run.id))
        .all(db.read())
        .await?;
    for v in voids {
        let position = match &v.serials {
            None => Some(offset),
            Some(list) => list
                .as_array()
                .and_then(|l| l.iter().position(|x| x.as_str() == Some(s.serial.as_str())))
                .map(|p| p as i64),
        };
        if let Some(p) = position {
            any = any.add(part_of(Source::Decommissioning, v.id, p / COMMISSION_CHUNK));
        }
    }
    Ok(any)
}

fn part_of(source: Source, id: Uuid, part: i64) -> Condition {
    Condition::all()
        .add(epcis_event::Column::Source.eq(source.as_str()))
        .add(epcis_event::Column::SourceId.eq(id))
        .add(epcis_event::Column::Part.eq(part))
}

fn between(
    column: epcis_event::Column,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Condition {
    let mut c = Condition::all();
    if let Some(f) = from {
        c = c.add(column.gte(f));
    }
    if let Some(t) = to {
        c = c.add(column.lt(t));
    }
    c
}

/// `GET /epcis/events`.
pub async fn query(
    db: &Db,
    index: &EpcisIndex,
    who: Option<&Principal>,
    q: &EventQuery,
) -> Result<Page, AppError> {
    index.catch_up(db).await?;
    let empty = Page {
        events: Vec::new(),
        next: None,
    };
    if q.no_object_events {
        return Ok(empty);
    }
    let mut c = visible(who)
        .add(between(
            epcis_event::Column::EventTime,
            q.ge_event_time,
            q.lt_event_time,
        ))
        .add(between(
            epcis_event::Column::RecordTime,
            q.ge_record_time,
            q.lt_record_time,
        ));
    if let Some(steps) = &q.biz_steps {
        c = c.add(epcis_event::Column::BizStep.is_in(steps.clone()));
    }
    if let Some(places) = &q.biz_locations {
        c = c.add(epcis_event::Column::BizLocation.is_in(places.clone()));
    }
    if let Some(classes) = &q.epc_classes {
        c = c.add(epcis_event::Column::EpcClass.is_in(classes.clone()));
    }
    if let Some(id) = &q.event_id {
        c = c.add(epcis_event::Column::EventId.eq(id.clone()));
    }
    if let Some(epcs) = &q.any_epc {
        match stamp_events(db, index, epcs).await? {
            Some(s) => c = c.add(s),
            None => return Ok(empty),
        }
    }
    if let Some(after) = q.after {
        c = c.add(epcis_event::Column::Id.gt(after));
    }
    if let Some(floor) = q.id_floor() {
        c = c.add(epcis_event::Column::Id.gte(floor));
    }
    page(db, c, q.per_page).await
}

async fn page(db: &Db, c: Condition, per_page: u64) -> Result<Page, AppError> {
    let mut rows = epcis_event::Entity::find()
        .filter(c)
        .order_by_asc(epcis_event::Column::Id)
        .limit(per_page + 1)
        .all(db.read())
        .await?;
    let next = if rows.len() as u64 > per_page {
        rows.truncate(per_page as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok(Page {
        events: rows.iter().map(render).collect::<Result<_, _>>()?,
        next,
    })
}

/// `GET /epcis/events/{eventID}`: 404 for an event the caller may not read.
pub async fn get(
    db: &Db,
    index: &EpcisIndex,
    who: Option<&Principal>,
    event_id: &str,
) -> Result<Value, AppError> {
    index.catch_up(db).await?;
    let row = epcis_event::Entity::find()
        .filter(visible(who).add(epcis_event::Column::EventId.eq(event_id)))
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("event"))?;
    render(&row)
}

/// What the events of a batch are: its own and its product's certificates.
pub struct BatchEvents {
    condition: Condition,
}

/// The events of a batch the caller may read; 404 when it may read none (a batch of another
/// organization whose pages are not public).
pub async fn of_batch(
    db: &Db,
    index: &EpcisIndex,
    who: Option<&Principal>,
    batch_id: Uuid,
) -> Result<BatchEvents, AppError> {
    index.catch_up(db).await?;
    let b = batch::Entity::find_by_id(batch_id)
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("batch"))?;
    let condition = visible(who).add(of_lot(&b));
    let any = epcis_event::Entity::find()
        .filter(condition.clone())
        .filter(epcis_event::Column::BatchId.eq(b.id))
        .one(db.read())
        .await?;
    let mine = who.is_some_and(|p| p.organization().is_none_or(|o| o == b.organization_id));
    if any.is_none() && !mine {
        return Err(AppError::NotFound("batch"));
    }
    Ok(BatchEvents { condition })
}

/// Every event of batch `b` (and its product's certificates), whoever may read them: what
/// its organization shares with the traceability portal (`services::outbox::portal`).
pub async fn all_of_batch(
    db: &Db,
    index: &EpcisIndex,
    b: &batch::Model,
) -> Result<BatchEvents, AppError> {
    index.catch_up(db).await?;
    Ok(BatchEvents {
        condition: of_lot(b),
    })
}

fn of_lot(b: &batch::Model) -> Condition {
    Condition::any()
        .add(epcis_event::Column::BatchId.eq(b.id))
        .add(
            Condition::all()
                .add(epcis_event::Column::ProductId.eq(b.product_id))
                .add(epcis_event::Column::Source.eq(Source::Certification.as_str())),
        )
}

/// The events of the batch of stamp `serial`, and the stamp's own (its commissioning, a
/// void) when the caller may read its organization; 404 for an unknown stamp.
pub async fn of_stamp(
    db: &Db,
    index: &EpcisIndex,
    who: Option<&Principal>,
    serial: &str,
) -> Result<BatchEvents, AppError> {
    index.catch_up(db).await?;
    let s = stamp::Entity::find_by_id(serial.to_owned())
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("stamp"))?;
    let b = batch::Entity::find_by_id(s.batch_id)
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("stamp"))?;
    let own = own_events(db, &s).await?;
    let condition = visible(who).add(
        Condition::any()
            .add(
                Condition::all()
                    .add(epcis_event::Column::BatchId.eq(b.id))
                    .add(epcis_event::Column::Source.eq(Source::Diary.as_str())),
            )
            .add(
                Condition::all()
                    .add(epcis_event::Column::ProductId.eq(b.product_id))
                    .add(epcis_event::Column::Source.eq(Source::Certification.as_str())),
            )
            .add(own),
    );
    Ok(BatchEvents { condition })
}

impl BatchEvents {
    /// The next `limit` events after row `after`, in recording order, with the last row's id.
    pub async fn next(
        &self,
        db: &Db,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<(Vec<Value>, Option<Uuid>), AppError> {
        let mut c = Condition::all().add(self.condition.clone());
        if let Some(a) = after {
            c = c.add(epcis_event::Column::Id.gt(a));
        }
        let rows = epcis_event::Entity::find()
            .filter(c)
            .order_by_asc(epcis_event::Column::Id)
            .limit(limit)
            .all(db.read())
            .await?;
        let last = rows.last().map(|r| r.id);
        Ok((rows.iter().map(render).collect::<Result<_, _>>()?, last))
    }
}
