//! Pushes of a batch's EPCIS events to the traceability portal (`services::outbox::portal`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::PathId;
use crate::auth::Principal;
use crate::error::AppError;
use crate::state::AppState;

/// A push of a batch's events to the portal.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortalPushView {
    pub id: Uuid,
    pub batch_id: Uuid,
    /// The capture endpoint, without query string.
    pub portal: String,
    /// `pending`, `running`, `done` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
    /// Events the portal accepted in this push.
    pub events_sent: i32,
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub done_at: Option<chrono::DateTime<chrono::Utc>>,
    pub history: Vec<PortalAttemptView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PortalAttemptView {
    pub attempt: i32,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// `ok`, `retry`, `unknown` (no answer), `failed`, or none when the process stopped
    /// mid-request.
    pub outcome: Option<String>,
    pub http_status: Option<i32>,
    /// Events the portal accepted in this attempt.
    pub events: i32,
    pub detail: Option<String>,
}

fn view((p, attempts): crate::services::outbox::PortalPush) -> PortalPushView {
    PortalPushView {
        id: p.id,
        batch_id: p.batch_id,
        portal: url::Url::parse(&p.portal)
            .map(|u| crate::marketplace::api::without_query(&u))
            .unwrap_or_default(),
        status: p.status.as_str().to_owned(),
        attempts: p.attempts,
        next_attempt_at: p.next_attempt_at,
        events_sent: p.events_sent,
        last_error: p.last_error,
        created_at: p.created_at,
        done_at: p.done_at,
        history: attempts
            .into_iter()
            .map(|a| PortalAttemptView {
                attempt: a.attempt,
                started_at: a.started_at,
                finished_at: a.finished_at,
                outcome: a.outcome,
                http_status: a.http_status,
                events: a.events,
                detail: a.detail,
            })
            .collect(),
    }
}

/// Queues a push of the batch's EPCIS events to the traceability portal: the events the
/// portal does not have yet (by event hash ID) go, in documents of at most 500 events, with
/// retries. While a push of the batch waits or runs, that push is returned.
#[utoipa::path(post, path = "/api/v1/batches/{id}/portal-pushes", operation_id = "push_batch_to_portal", tag = "batches",
    params(("id" = Uuid, Path)),
    responses((status = 202, body = PortalPushView), (status = 404), (status = 409, description = "no portal configured")))]
pub async fn push(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<(StatusCode, Json<PortalPushView>), AppError> {
    let push = crate::services::outbox::push_batch(&state.outbox, &who, id).await?;
    Ok((StatusCode::ACCEPTED, Json(view((push, Vec::new())))))
}

/// The batch's pushes to the portal, newest first (the latest 50), each with its attempts.
#[utoipa::path(get, path = "/api/v1/batches/{id}/portal-pushes", operation_id = "list_batch_portal_pushes", tag = "batches",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<PortalPushView>), (status = 404)))]
pub async fn pushes(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<Vec<PortalPushView>>, AppError> {
    let rows = crate::services::outbox::portal_pushes(&state.outbox, &who, id, 50).await?;
    Ok(Json(rows.into_iter().map(view).collect()))
}
