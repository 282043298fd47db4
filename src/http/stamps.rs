//! `/api/v1/batches/{id}/stamp-runs`, `/api/v1/stamp-runs/{id}`, `/api/v1/stamps/{serial}`

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use entity::stamp_run::Model;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::{AppJson, AppQuery, PathId};
use super::{List, PageParams};
use crate::auth::Principal;
use crate::domain::ParseError;
use crate::domain::Reason;
use crate::domain::stamp::StampStatus;
use crate::error::AppError;
use crate::services::stamps as service;
use crate::stamps::qr::{Ecc, Matrix, parse_module_px};
use crate::stamps::{Serial, digital_link};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRun {
    /// Number of stamps, 1 to 1,000,000.
    pub count: u64,
    /// Give every stamp an 8-digit scratch PIN, printed once in the run's print files.
    #[serde(default)]
    pub with_pin: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    pub id: Uuid,
    pub batch_id: Uuid,
    pub count: i64,
    /// Index in the batch of the first stamp.
    pub first_index: i64,
    /// The batch's chain head the run extends (hex).
    pub prev_head: String,
    /// The last stamp's hash: the batch's chain head after the run (hex).
    pub last_hash: String,
    /// RFC 6962 root over the run's stamp hashes, recorded in the ledger (hex).
    pub root: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Whether the run's stamps have scratch PINs.
    pub with_pin: bool,
    /// When the first print file showing the PINs was started.
    pub pins_released_at: Option<DateTime<Utc>>,
    /// When a print file showing the PINs was sent whole; they are never shown again. Until
    /// then the file may be downloaded again for 30 minutes after `pins_released_at`.
    pub pins_delivered_at: Option<DateTime<Utc>>,
    /// Print files showing the PINs that were started (more than one: a download was cut
    /// short and tried again).
    pub pins_attempts: i32,
}

impl From<Model> for RunView {
    fn from(r: Model) -> Self {
        let hex = |b: &[u8]| data_encoding::HEXLOWER.encode(b);
        Self {
            id: r.id,
            batch_id: r.batch_id,
            count: r.count,
            first_index: r.first_index,
            prev_head: hex(&r.prev_head),
            last_hash: hex(&r.last_hash),
            root: hex(&r.root),
            created_by: r.created_by,
            created_at: r.created_at,
            with_pin: r.with_pin,
            pins_released_at: r.pins_released_at,
            pins_delivered_at: r.pins_delivered_at,
            pins_attempts: r.pins_attempts,
        }
    }
}

/// Issue a run of stamps for a batch: unguessable serials, each chained to the one before and
/// to the batch's history, the run's root in one ledger entry. All or nothing.
#[utoipa::path(post, path = "/api/v1/batches/{id}/stamp-runs", operation_id = "issue_stamp_run", tag = "stamps", params(("id" = Uuid, Path, description = "batch"),
    ("Idempotency-Key" = Option<String>, Header, description = "any unique string (a UUID): sending the same request again with the same key answers with the run the first one issued instead of issuing another")),
    request_body = IssueRun, responses((status = 201, body = RunView), (status = 404), (status = 409, description = "batch recalled"), (status = 422, description = "invalid values, or an Idempotency-Key used before for a different request")))]
pub async fn issue(
    State(state): State<AppState>,
    who: Principal,
    PathId(batch_id): PathId,
    headers: axum::http::HeaderMap,
    AppJson(body): AppJson<IssueRun>,
) -> Result<(StatusCode, Json<RunView>), AppError> {
    let claim = match headers.get("idempotency-key") {
        Some(v) => Some(crate::services::idempotency::Claim::new(
            &who,
            "stamp-runs",
            v.to_str().unwrap_or_default(),
            &format!("{batch_id}|{}|{}", body.count, body.with_pin),
        )?),
        None => None,
    };
    let new = service::NewRun {
        count: body.count,
        pins: body.with_pin.then_some(&state.pin_key),
        idempotency: claim.as_ref(),
    };
    let run = service::issue(&state.db, &who, batch_id, new, &|_| {}).await?;
    Ok((StatusCode::CREATED, Json(run.into())))
}

#[utoipa::path(get, path = "/api/v1/batches/{id}/stamp-runs", operation_id = "list_stamp_runs", tag = "stamps", params(("id" = Uuid, Path, description = "batch"), PageParams),
    responses((status = 200, body = List<RunView>), (status = 404)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    PathId(batch_id): PathId,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<Json<List<RunView>>, AppError> {
    let page = service::list_runs(&state.db, &who, batch_id, page.page()?).await?;
    Ok(Json(List::from_page(page, Into::into)))
}

#[utoipa::path(get, path = "/api/v1/stamp-runs/{id}", operation_id = "get_stamp_run", tag = "stamps", params(("id" = Uuid, Path)), responses((status = 200, body = RunView), (status = 404)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Json<RunView>, AppError> {
    Ok(Json(service::get_run(&state.db, &who, id).await?.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StampsQuery {
    /// Stamps per page, 1–5,000 (default 1,000).
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StampView {
    pub serial: String,
    pub index_in_batch: i64,
    /// The GS1 Digital Link URI printed in the QR code.
    pub uri: String,
    pub hash: String,
    pub status: StampStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StampPage {
    pub items: Vec<StampView>,
    pub next_cursor: Option<i64>,
}

/// The run's stamps and their URIs, in index order.
#[utoipa::path(get, path = "/api/v1/stamp-runs/{id}/stamps", operation_id = "list_stamps", tag = "stamps", params(("id" = Uuid, Path), StampsQuery),
    responses((status = 200, body = StampPage), (status = 404)))]
pub async fn stamps(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    AppQuery(q): AppQuery<StampsQuery>,
) -> Result<Json<StampPage>, AppError> {
    let limit = q.limit.unwrap_or(1_000);
    if !(1..=5_000).contains(&limit) {
        return Err(AppError::validation(
            "limit",
            ParseError::new(Reason::OutOfRange, "must be between 1 and 5000"),
        ));
    }
    let (run, rows) = service::stamps_of_run(&state.db, &who, id, q.cursor, limit).await?;
    let identity = service::identity_of_batch(&state.db, run.batch_id).await?;
    let base = &state.settings.public_base_url;
    let next_cursor = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|s| s.index_in_batch))
        .flatten();
    let items = rows
        .into_iter()
        .map(|s| {
            let serial = Serial::parse(&s.serial)
                .map_err(|e| AppError::internal(anyhow::anyhow!("stamp {}: {e}", s.serial)))?;
            Ok(StampView {
                uri: digital_link::stamp_uri(
                    base,
                    identity.gtin.as_ref(),
                    identity.lot.as_ref(),
                    &serial,
                ),
                serial: s.serial,
                index_in_batch: s.index_in_batch,
                hash: data_encoding::HEXLOWER.encode(&s.hash),
                status: s.status.into(),
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Json(StampPage { items, next_cursor }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SvgQuery {
    /// Error correction: M (default) or Q.
    pub ecc: Option<Ecc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// Error correction: M (default) or Q.
    pub ecc: Option<Ecc>,
    /// Pixels per module, 1–40 (default 8).
    #[param(minimum = 1, maximum = 40)]
    pub module_px: Option<u32>,
}

async fn matrix(
    state: &AppState,
    who: &Principal,
    raw: &str,
    ecc: Option<Ecc>,
) -> Result<Matrix, AppError> {
    let serial = Serial::parse(raw).map_err(|_| AppError::NotFound("stamp"))?;
    let stamp = service::get_stamp(&state.db, who, &serial).await?;
    let identity = service::identity_of_batch(&state.db, stamp.batch_id).await?;
    let uri = digital_link::stamp_uri(
        &state.settings.public_base_url,
        identity.gtin.as_ref(),
        identity.lot.as_ref(),
        &serial,
    );
    Matrix::encode(&uri, ecc.unwrap_or(Ecc::M)).map_err(AppError::internal)
}

fn with_type(body: impl IntoResponse, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// One stamp's QR code as SVG (vector, for print).
#[utoipa::path(get, path = "/api/v1/stamps/{serial}/qr.svg", operation_id = "get_stamp_qr_svg", tag = "stamps", params(("serial" = String, Path), SvgQuery),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404)))]
pub async fn qr_svg(
    State(state): State<AppState>,
    who: Principal,
    axum::extract::Path(serial): axum::extract::Path<String>,
    AppQuery(q): AppQuery<SvgQuery>,
) -> Result<Response, AppError> {
    let m = matrix(&state, &who, &serial, q.ecc).await?;
    Ok(with_type(m.to_svg(), "image/svg+xml"))
}

/// One stamp's QR code as a 1-bit PNG.
#[utoipa::path(get, path = "/api/v1/stamps/{serial}/qr.png", operation_id = "get_stamp_qr_png", tag = "stamps", params(("serial" = String, Path), QrQuery),
    responses((status = 200, content_type = "image/png", body = inline(crate::http::contract::Binary)), (status = 404), (status = 422)))]
pub async fn qr_png(
    State(state): State<AppState>,
    who: Principal,
    axum::extract::Path(serial): axum::extract::Path<String>,
    AppQuery(q): AppQuery<QrQuery>,
) -> Result<Response, AppError> {
    let px = parse_module_px(q.module_px.unwrap_or(8))
        .map_err(|e| AppError::validation("module_px", e))?;
    let m = matrix(&state, &who, &serial, q.ecc).await?;
    Ok(with_type(
        m.to_png(px).map_err(AppError::internal)?,
        "image/png",
    ))
}

/// A stamp's proof bundle: its path in its run's Merkle tree, the run entry's inclusion proof
/// and the signed checkpoint, checkable offline with the published log key. Public (the
/// serial is the capability), with CORS, for the scan page and for anyone's own checker.
#[utoipa::path(get, path = "/api/v1/stamps/{serial}/proof", operation_id = "get_stamp_proof", tag = "stamps", security(), params(("serial" = String, Path)),
    responses((status = 200, body = crate::services::stamp_proof::StampProof), (status = 404), (status = 429, description = "too many requests from this client; see Retry-After"), (status = 503, description = "not yet in a signed checkpoint")))]
pub async fn proof(
    State(state): State<AppState>,
    super::extract::ClientAddr(client): super::extract::ClientAddr,
    axum::extract::Path(serial): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    // Public like the scan page, so limited like it, per client.
    if !state.limits.allow_scan(client) {
        let mut res = AppError::TooManyRequests { retry_after: 60 }.into_response();
        super::public_page::cors(&mut res);
        return Ok(res);
    }
    let serial = Serial::parse(&serial).map_err(|_| AppError::NotFound("stamp"))?;
    let policy = state.settings.witness_policy();
    let bundle = crate::services::stamp_proof::prove(
        &state.db,
        &serial,
        state.log_key.verifier_key(),
        policy.as_ref(),
    )
    .await?;
    let mut res = Json(bundle).into_response();
    super::public_page::cors(&mut res);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
