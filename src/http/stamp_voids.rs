//! `/api/v1/stamp-runs/{id}/voids`: taking a run, or some of its stamps, out of use.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use entity::stamp_void::Model;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{AppJson, PathId};
use crate::auth::Principal;
use crate::domain::ParseError;
use crate::domain::Reason;
use crate::domain::stamp::{MAX_VOID_SERIALS, VoidReason};
use crate::domain::text;
use crate::error::{AppError, Problems};
use crate::services::stamp_voids as service;
use crate::stamps::Serial;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVoid {
    /// `recall`, `misprint`, `lost`, `damaged` or `other`.
    pub reason: String,
    /// Free text for inspectors, up to 500 characters.
    pub note: Option<String>,
    /// Serials of the run to void (up to 10,000); leave out to void the whole run.
    pub serials: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VoidView {
    pub id: Uuid,
    pub run_id: Uuid,
    pub batch_id: Uuid,
    pub reason: String,
    pub note: Option<String>,
    /// The serials voided, or null when the record voids the whole run.
    pub serials: Option<Vec<String>>,
    /// Stamps this record voided.
    pub count: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<Model> for VoidView {
    fn from(m: Model) -> Self {
        Self {
            id: m.id,
            run_id: m.run_id,
            batch_id: m.batch_id,
            reason: m.reason,
            note: m.note,
            serials: m.serials.and_then(|v| serde_json::from_value(v).ok()),
            count: m.count,
            created_by: m.created_by,
            created_at: m.created_at,
        }
    }
}

fn parse(body: NewVoid) -> Result<service::NewVoid, AppError> {
    let mut p = Problems::default();
    let reason = p.check("reason", VoidReason::parse(&body.reason));
    let note = p.check_opt("note", body.note, |n| text::clean(&n, 1, 500));
    let serials = match body.serials {
        None => Some(None),
        Some(list) if list.is_empty() => {
            p.push(
                "serials",
                ParseError::new(
                    Reason::Empty,
                    "name at least one serial, or leave serials out to void the whole run",
                ),
            );
            None
        }
        Some(list) if list.len() > MAX_VOID_SERIALS => {
            p.push(
                "serials",
                ParseError::new(
                    Reason::TooMany,
                    format!("at most {MAX_VOID_SERIALS} serials per request; to void the whole run leave serials out"),
                ),
            );
            None
        }
        Some(list) => {
            let mut set = BTreeSet::new();
            for (i, raw) in list.iter().enumerate() {
                if let Some(s) = p.check(&format!("serials[{i}]"), Serial::parse(raw)) {
                    set.insert(s);
                }
            }
            Some(Some(set))
        }
    };
    p.finish()?;
    match (reason, note, serials) {
        (Some(reason), Some(note), Some(serials)) => Ok(service::NewVoid {
            reason,
            note,
            serials,
        }),
        _ => Err(AppError::internal(anyhow::anyhow!(
            "void validation lost a problem"
        ))),
    }
}

/// Void a whole run or some of its stamps (recall, misprint, loss). The void is a ledger
/// entry; the stamps stay, marked `void`, and their scan pages say so.
#[utoipa::path(post, path = "/api/v1/stamp-runs/{id}/voids", operation_id = "void_stamps", tag = "stamps", params(("id" = Uuid, Path, description = "stamp run")),
    request_body = NewVoid, responses((status = 201, body = VoidView), (status = 404), (status = 409, description = "already void"), (status = 422)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    PathId(run_id): PathId,
    AppJson(body): AppJson<NewVoid>,
) -> Result<(StatusCode, Json<VoidView>), AppError> {
    let new = parse(body)?;
    let record = service::void(&state.db, &who, run_id, new).await?;
    Ok((StatusCode::CREATED, Json(record.into())))
}

/// The run's voids, oldest first.
#[utoipa::path(get, path = "/api/v1/stamp-runs/{id}/voids", operation_id = "list_stamp_voids", tag = "stamps", params(("id" = Uuid, Path, description = "stamp run")),
    responses((status = 200, body = Vec<VoidView>), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    PathId(run_id): PathId,
) -> Result<Json<Vec<VoidView>>, AppError> {
    let run = crate::services::stamps::get_run(&state.db, &who, run_id).await?;
    let records = service::of_run_records(state.db.read(), run.id).await?;
    Ok(Json(records.into_iter().map(Into::into).collect()))
}
