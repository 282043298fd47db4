//! Running portal pushes: a claimed push sends the batch's events the portal does not have
//! yet, as EPCIS 2.0 documents of at most [`DOCUMENT_EVENTS`] events and about
//! [`DOCUMENT_BYTES`], recording what the portal accepted after each document. The attempt is
//! written before the first request; a failure is retried with the outbox's backoff (a
//! `Retry-After` honoured), a refusal fails the push with the portal's words.

use entity::portal_push::JobStatus;
use entity::{batch, portal_delivery, portal_push, portal_push_attempt};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;
use uuid::Uuid;

use super::lease::{backoff, claim_from};
use super::portal::configured;
use super::shared::MAX_ATTEMPTS;
use super::shared::Outbox;
use super::shared::PortalConfig;
use super::shared::clip;
use crate::error::AppError;
use crate::marketplace::api::{PushError, read, without_query};

/// Events in one document: the capture limit EPCIS servers commonly announce
/// (`GS1-EPCIS-Capture-Limit`; ours is the same).
pub const DOCUMENT_EVENTS: usize = crate::epcis::capture::CAPTURE_LIMIT;

/// About the most bytes of events in one document (a commissioning event lists up to a
/// thousand stamp URIs, some 60 KB).
pub const DOCUMENT_BYTES: usize = 2 << 20;

/// Events read from the index at a time.
const READ_PAGE: u64 = 20;

/// Runs due portal pushes until there is none.
pub(super) async fn drain_portal(outbox: &Outbox) -> Result<(), AppError> {
    while let Some(push) = claim_from::<portal_push::Entity>(outbox).await? {
        let attempt = begin(outbox, &push).await?;
        let mut accepted = 0;
        let result = deliver(outbox, &push, attempt.id, &mut accepted).await;
        finish(outbox, &push, attempt.id, accepted, result).await?;
    }
    Ok(())
}

async fn begin(
    outbox: &Outbox,
    push: &portal_push::Model,
) -> Result<portal_push_attempt::Model, AppError> {
    let txn = outbox.db.write_txn().await?;
    let attempt = portal_push_attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        push_id: Set(push.id),
        attempt: Set(push.attempts),
        started_at: Set(outbox.clock.now()),
        finished_at: Set(None),
        outcome: Set(None),
        http_status: Set(None),
        events: Set(0),
        detail: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(attempt)
}

/// Sends what the portal lacks; `accepted` counts the events it took, whatever comes after.
async fn deliver(
    outbox: &Outbox,
    push: &portal_push::Model,
    attempt: Uuid,
    accepted: &mut i32,
) -> Result<String, PushError> {
    let portal = configured(outbox).map_err(|e| PushError::Refused {
        status: None,
        detail: e.to_string(),
    })?;
    if portal.capture_url.as_str() != push.portal {
        return Err(PushError::Refused {
            status: None,
            detail: format!(
                "the portal's address changed since this push was queued (now {}); push the batch again",
                without_query(&portal.capture_url)
            ),
        });
    }
    let db = &outbox.db;
    let b = batch::Entity::find_by_id(push.batch_id)
        .one(db.read())
        .await
        .map_err(internal)?
        .ok_or_else(|| PushError::Refused {
            status: None,
            detail: "the batch is gone".into(),
        })?;
    let events = crate::services::epcis::all_of_batch(db, &outbox.epcis, &b)
        .await
        .map_err(internal)?;
    let (mut after, mut document, mut bytes, mut receipts) = (None, Vec::new(), 0, Vec::new());
    loop {
        let (page, last) = events.next(db, after, READ_PAGE).await.map_err(internal)?;
        if page.is_empty() {
            break;
        }
        after = last;
        for event in missing(outbox, &push.portal, page).await? {
            let size = serde_json::to_vec(&event).map_or(0, |v| v.len());
            if !document.is_empty()
                && (document.len() >= DOCUMENT_EVENTS || bytes + size > DOCUMENT_BYTES)
            {
                receipts.extend(send(outbox, portal, push, attempt, &document, accepted).await?);
                (document, bytes) = (Vec::new(), 0);
            }
            bytes += size;
            document.push(event);
        }
    }
    if !document.is_empty() {
        receipts.extend(send(outbox, portal, push, attempt, &document, accepted).await?);
    }
    Ok(match (*accepted, receipts.as_slice()) {
        (0, _) => "the portal has every event of the batch already: nothing to send".into(),
        (n, []) => format!("the portal accepted {n} events"),
        (n, r) => format!(
            "the portal accepted {n} events; its capture jobs: {}",
            r.join(" ")
        ),
    })
}

fn internal(e: impl std::fmt::Display) -> PushError {
    PushError::malformed(format!("internal: {e}"))
}

/// Of `page`, the events the portal does not have: never delivered, or delivered before a
/// correction declared them in error.
async fn missing(outbox: &Outbox, portal: &str, page: Vec<Value>) -> Result<Vec<Value>, PushError> {
    let ids: Vec<String> = page.iter().map(|e| event_id(e).to_owned()).collect();
    let delivered: std::collections::HashMap<String, bool> = portal_delivery::Entity::find()
        .filter(portal_delivery::Column::Portal.eq(portal))
        .filter(portal_delivery::Column::EventId.is_in(ids))
        .all(outbox.db.read())
        .await
        .map_err(internal)?
        .into_iter()
        .map(|d| (d.event_id, d.declared))
        .collect();
    Ok(page
        .into_iter()
        .filter(|e| match delivered.get(event_id(e)) {
            None => true,
            Some(declared) => declared_in_error(e) && !declared,
        })
        .collect())
}

fn event_id(e: &Value) -> &str {
    e["eventID"].as_str().unwrap_or_default()
}

fn declared_in_error(e: &Value) -> bool {
    e.get("errorDeclaration").is_some()
}

/// Posts one document; once the portal accepts it, records its events as delivered. Returns
/// the portal's capture job (`Location`), when it names one.
async fn send(
    outbox: &Outbox,
    portal: &PortalConfig,
    push: &portal_push::Model,
    attempt: Uuid,
    events: &[Value],
    accepted: &mut i32,
) -> Result<Option<String>, PushError> {
    let body =
        crate::epcis::event::document(outbox.epcis.ids(), outbox.clock.now(), events.to_vec());
    let body = serde_json::to_vec(&body).map_err(internal)?;
    let key = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for e in events {
            h.update(event_id(e).as_bytes());
            h.update([u8::from(declared_in_error(e))]);
        }
        data_encoding::HEXLOWER.encode(&h.finalize())
    };
    let mut request = outbox
        .http
        .post(portal.capture_url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/ld+json")
        .header("GS1-EPCIS-Version", "2.0.0")
        .header("GS1-CBV-Version", "2.0.0")
        .header("Idempotency-Key", key)
        .body(body);
    if let Some(token) = &portal.token {
        request = request.bearer_auth(token.as_str());
    }
    let secrets = [portal.token.as_ref().map(|t| t.as_str())];
    let response = request
        .send()
        .await
        .map_err(|e| PushError::from_http(&e).redacted(&secrets))?;
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(300).collect::<String>());
    let (status, retry_after, text) = read(response).await.map_err(|e| e.redacted(&secrets))?;
    if !(200..300).contains(&status) {
        return Err(
            PushError::from_status(status, retry_after.as_deref(), &text).redacted(&secrets),
        );
    }
    delivered(outbox, push, attempt, events)
        .await
        .map_err(internal)?;
    *accepted += i32::try_from(events.len()).unwrap_or(i32::MAX);
    Ok(location)
}

/// Records the portal's acceptance of `events` and counts them on the push and the attempt.
async fn delivered(
    outbox: &Outbox,
    push: &portal_push::Model,
    attempt: Uuid,
    events: &[Value],
) -> Result<(), AppError> {
    let t = outbox.clock.now();
    let n = i32::try_from(events.len()).unwrap_or(i32::MAX);
    let txn = outbox.db.write_txn().await?;
    portal_delivery::Entity::insert_many(events.iter().map(|e| portal_delivery::ActiveModel {
        portal: Set(push.portal.clone()),
        event_id: Set(event_id(e).to_owned()),
        push_id: Set(push.id),
        declared: Set(declared_in_error(e)),
        delivered_at: Set(t),
    }))
    .on_conflict(
        OnConflict::columns([
            portal_delivery::Column::Portal,
            portal_delivery::Column::EventId,
        ])
        .update_columns([
            portal_delivery::Column::PushId,
            portal_delivery::Column::Declared,
            portal_delivery::Column::DeliveredAt,
        ])
        .to_owned(),
    )
    .exec(&txn)
    .await?;
    portal_push::Entity::update_many()
        .col_expr(
            portal_push::Column::EventsSent,
            Expr::col(portal_push::Column::EventsSent).add(n),
        )
        .filter(portal_push::Column::Id.eq(push.id))
        .exec(&txn)
        .await?;
    portal_push_attempt::Entity::update_many()
        .col_expr(
            portal_push_attempt::Column::Events,
            Expr::col(portal_push_attempt::Column::Events).add(n),
        )
        .filter(portal_push_attempt::Column::Id.eq(attempt))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Records how the attempt ended on the attempt and the push.
async fn finish(
    outbox: &Outbox,
    push: &portal_push::Model,
    attempt: Uuid,
    accepted: i32,
    result: Result<String, PushError>,
) -> Result<(), AppError> {
    let t = outbox.clock.now();
    let (outcome, status, detail, push_status, next) = match &result {
        Ok(detail) => ("ok", None, detail.clone(), JobStatus::Done, None),
        Err(e @ PushError::Retry { after, status, .. }) if push.attempts < MAX_ATTEMPTS => {
            let delay = backoff(outbox.retry_base, push.attempts, *after);
            let next = t + chrono::Duration::from_std(delay).unwrap_or_default();
            // No answer at all: the portal may have the events; it deduplicates them by ID.
            let outcome = if status.is_none() { "unknown" } else { "retry" };
            (
                outcome,
                *status,
                clip(&e.to_string()),
                JobStatus::Pending,
                Some(next),
            )
        }
        Err(e) => (
            "failed",
            e.status(),
            clip(&e.to_string()),
            JobStatus::Failed,
            None,
        ),
    };
    let detail = if result.is_err() && accepted > 0 {
        clip(&format!(
            "{detail} (the portal had accepted {accepted} events before)"
        ))
    } else {
        detail
    };
    let txn = outbox.db.write_txn().await?;
    portal_push_attempt::Entity::update_many()
        .col_expr(portal_push_attempt::Column::FinishedAt, Expr::value(t))
        .col_expr(portal_push_attempt::Column::Outcome, Expr::value(outcome))
        .col_expr(
            portal_push_attempt::Column::HttpStatus,
            Expr::value(status.map(i32::from)),
        )
        .col_expr(
            portal_push_attempt::Column::Detail,
            Expr::value(detail.clone()),
        )
        .filter(portal_push_attempt::Column::Id.eq(attempt))
        .exec(&txn)
        .await?;
    let mut update = portal_push::Entity::update_many()
        .col_expr(
            portal_push::Column::Status,
            Expr::value(push_status.as_str()),
        )
        .col_expr(
            portal_push::Column::LeaseUntil,
            Expr::value(None::<chrono::DateTime<chrono::Utc>>),
        )
        .col_expr(portal_push::Column::UpdatedAt, Expr::value(t))
        .col_expr(
            portal_push::Column::LastError,
            Expr::value(result.is_err().then_some(detail)),
        );
    if let Some(next) = next {
        update = update.col_expr(portal_push::Column::NextAttemptAt, Expr::value(next));
    }
    if push_status == JobStatus::Done {
        update = update.col_expr(portal_push::Column::DoneAt, Expr::value(t));
    }
    update
        .filter(portal_push::Column::Id.eq(push.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}
