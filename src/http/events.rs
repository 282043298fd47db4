//! `/api/v1/batches/{id}/events` (the production diary), `/api/v1/events/{id}`

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use entity::batch_event::Model;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{AppJson, AppQuery, PathId};
use super::{List, PageParams};
use crate::auth::Principal;
use crate::domain::batch::{EventDetails, EventKind, PhiWarning};
use crate::error::AppError;
use crate::services::events::{self as service, EventFilter};
use crate::state::AppState;

use crate::services::requests::events::AppendEvent;

#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    pub id: Uuid,
    pub batch_id: Uuid,
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it (token name).
    pub actor: String,
    pub details: EventDetails,
    pub corrects: Option<Uuid>,
    /// Hash of the batch's previous event (hex); for the first event, the leaf hash of the
    /// batch's creation entry.
    pub prev_hash: String,
    /// `SHA-256(prev_hash ‖ leaf hash of this event's ledger entry)` (hex).
    pub hash: String,
}

impl TryFrom<Model> for EventView {
    type Error = AppError;

    fn try_from(m: Model) -> Result<Self, AppError> {
        let details = serde_json::from_value(m.details).map_err(|e| {
            AppError::internal(anyhow::anyhow!("event {}: stored details: {e}", m.id))
        })?;
        Ok(Self {
            id: m.id,
            batch_id: m.batch_id,
            kind: m.kind,
            occurred_at: m.occurred_at,
            recorded_at: m.recorded_at,
            actor: m.actor,
            details,
            corrects: m.corrects,
            prev_hash: data_encoding::HEXLOWER.encode(&m.prev_hash),
            hash: data_encoding::HEXLOWER.encode(&m.hash),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedEvent {
    #[serde(flatten)]
    pub event: EventView,
    /// Food-safety warnings (a harvest inside an input's pre-harvest interval). The event is
    /// recorded regardless: the diary states what happened.
    pub warnings: Vec<PhiWarning>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    pub kind: Option<EventKind>,
}

/// Append an event to a batch's diary. Events are never edited: to fix one, append a new
/// event with `corrects` set to its id.
#[utoipa::path(post, path = "/api/v1/batches/{id}/events", operation_id = "append_batch_event", tag = "diary", params(("id" = Uuid, Path, description = "batch"),
    ("Idempotency-Key" = Option<String>, Header, description = "any unique string (a UUID): sending the same request again with the same key answers with the event the first one recorded instead of recording another")),
    request_body = AppendEvent, responses((status = 201, body = RecordedEvent), (status = 404), (status = 409), (status = 422, description = "invalid values, or an Idempotency-Key used before for a different request")))]
pub async fn append(
    State(state): State<AppState>,
    who: Principal,
    PathId(batch_id): PathId,
    headers: axum::http::HeaderMap,
    AppJson(body): AppJson<AppendEvent>,
) -> Result<(StatusCode, Json<RecordedEvent>), AppError> {
    let new = body.parse()?;
    let idempotency = match headers.get("idempotency-key") {
        Some(v) => {
            // What was asked, to refuse the key sent again with another event.
            let details = serde_json::to_string(&new.details).map_err(AppError::internal)?;
            let request = format!(
                "{batch_id}|{}|{}|{details}|{:?}",
                new.kind.as_str(),
                new.occurred_at.to_rfc3339(),
                new.corrects
            );
            Some(crate::services::idempotency::Claim::new(
                &who,
                "events",
                v.to_str().unwrap_or_default(),
                &request,
            )?)
        }
        None => None,
    };
    let job = service::EventJob {
        who,
        batch_id,
        new,
        idempotency,
    };
    let recorded = state.diary.append(job).await?;
    Ok((
        StatusCode::CREATED,
        Json(RecordedEvent {
            event: recorded.event.try_into()?,
            warnings: recorded.warnings,
        }),
    ))
}

/// The diary in the order it was recorded.
#[utoipa::path(get, path = "/api/v1/batches/{id}/events", operation_id = "list_batch_events", tag = "diary", params(("id" = Uuid, Path, description = "batch"), PageParams, EventQuery),
    responses((status = 200, body = List<EventView>), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    PathId(batch_id): PathId,
    AppQuery(page): AppQuery<PageParams>,
    AppQuery(q): AppQuery<EventQuery>,
) -> Result<Json<List<EventView>>, AppError> {
    let page = service::list(
        &state.db,
        &who,
        batch_id,
        EventFilter { kind: q.kind },
        page.page()?,
    )
    .await?;
    Ok(Json(List::try_from_page(page, TryInto::try_into)?))
}

#[utoipa::path(get, path = "/api/v1/events/{id}", operation_id = "get_batch_event", tag = "diary", params(("id" = Uuid, Path)), responses((status = 200, body = EventView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<EventView>, AppError> {
    Ok(Json(service::get(&state.db, &who, id).await?.try_into()?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    pub batch_id: Uuid,
    /// Leaf hash of the batch's creation entry, where the chain starts (hex).
    pub genesis: String,
    /// The batch's current chain head (hex).
    pub head: String,
    /// True when every link was recomputed from the stored records and matched.
    pub intact: bool,
    /// Events in chain order.
    pub events: Vec<EventView>,
}

/// The batch's diary as a hash chain, with each event's `hash` and `prev_hash`, re-checked.
#[utoipa::path(get, path = "/api/v1/batches/{id}/history", operation_id = "get_batch_history", tag = "diary", params(("id" = Uuid, Path, description = "batch")),
    responses((status = 200, body = HistoryView), (status = 404)))]
pub async fn history(
    State(state): State<AppState>,
    who: Principal,
    PathId(batch_id): PathId,
) -> Result<Json<HistoryView>, AppError> {
    let h = service::history(&state.db, &who, batch_id).await?;
    Ok(Json(HistoryView {
        batch_id: h.batch.id,
        genesis: crate::ledger::hex(&h.genesis),
        head: data_encoding::HEXLOWER.encode(&h.batch.chain_head),
        intact: h.intact,
        events: h
            .events
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<_, _>>()?,
    }))
}
