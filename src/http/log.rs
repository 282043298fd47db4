//! The public face of the ledger: signed checkpoints, the verifier key, proofs and entries.
//!
//! Checkpoints, proofs and the key are public: they contain only hashes, and anyone must be
//! able to check them. An entry's payload is a registry record, so reading one needs a token
//! that may read the record's organization.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::extract::AppQuery;
use crate::auth::Principal;
use crate::domain::role::Action;
use crate::error::{AppError, Code};
use crate::ledger::{Hash, hex};
use crate::services::ledger;
use crate::state::AppState;

fn text(body: String) -> Response {
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

fn hexes(v: &[Hash]) -> Vec<String> {
    v.iter().map(hex).collect()
}

/// The latest signed checkpoint: a C2SP `tlog-checkpoint` (origin, size, base64 root) signed as
/// a C2SP signed note with the key published at `/.well-known/ocop-trace/log-key`, followed by
/// the C2SP cosignatures of the witnesses that have cosigned it so far.
#[utoipa::path(get, path = "/api/v1/log/checkpoint", operation_id = "get_log_checkpoint", tag = "ledger", security(),
    responses((status = 200, content_type = "text/plain", body = String), (status = 404, description = "nothing signed yet")))]
pub async fn checkpoint(State(state): State<AppState>) -> Result<Response, AppError> {
    let conn = state.db.read();
    let c = ledger::latest_checkpoint(conn)
        .await?
        .ok_or(AppError::NotFound("checkpoint"))?;
    Ok(text(
        crate::services::witnessing::cosigned_note(conn, &c).await?,
    ))
}

/// The log's verifier key, `<name>+<key id>+<base64 Ed25519 key>` (C2SP signed-note).
#[utoipa::path(get, path = "/.well-known/ocop-trace/log-key", operation_id = "get_log_key", tag = "ledger", security(),
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn log_key(State(state): State<AppState>) -> Response {
    text(format!("{}\n", state.log_key.verifier_key()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// Entry index, from 0.
    pub index: u64,
    /// Tree size to prove against (default: the current size).
    pub size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionView {
    pub index: u64,
    pub size: u64,
    /// RFC 6962 leaf hash of the entry (hex).
    pub leaf_hash: String,
    /// Root of the tree of `size` entries (hex).
    pub root: String,
    /// Audit path, RFC 9162 §2.1.3 (hex), at most ⌈log2 size⌉ hashes.
    pub proof: Vec<String>,
}

/// Proof that entry `index` is in the tree of `size` entries.
#[utoipa::path(get, path = "/api/v1/log/proof/inclusion", operation_id = "get_inclusion_proof", tag = "ledger", security(), params(InclusionQuery),
    responses((status = 200, body = InclusionView), (status = 422, description = "an index or size outside the log")))]
pub async fn inclusion(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<InclusionQuery>,
) -> Result<Json<InclusionView>, AppError> {
    let conn = state.db.read();
    let size = match q.size {
        Some(s) => s,
        None => ledger::head(conn, false).await?.size,
    };
    let proof = ledger::inclusion(conn, q.index, size).await?;
    let entry = ledger::entry(conn, q.index).await?;
    let root = ledger::root_at(conn, size).await?;
    Ok(Json(InclusionView {
        index: q.index,
        size,
        leaf_hash: data_encoding::HEXLOWER.encode(&entry.leaf_hash),
        root: hex(&root),
        proof: hexes(&proof),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    pub first: u64,
    /// Default: the current size.
    pub second: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyView {
    pub first: u64,
    pub second: u64,
    pub first_root: String,
    pub second_root: String,
    /// Consistency proof, RFC 9162 §2.1.4 (hex).
    pub proof: Vec<String>,
}

/// Proof that the tree of `first` entries is a prefix of the tree of `second` entries: nothing
/// recorded before was changed or removed.
#[utoipa::path(get, path = "/api/v1/log/proof/consistency", operation_id = "get_consistency_proof", tag = "ledger", security(), params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyView), (status = 422, description = "sizes out of order or beyond the log")))]
pub async fn consistency(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<ConsistencyQuery>,
) -> Result<Json<ConsistencyView>, AppError> {
    let conn = state.db.read();
    let second = match q.second {
        Some(s) => s,
        None => ledger::head(conn, false).await?.size,
    };
    let proof = ledger::consistency(conn, q.first, second).await?;
    Ok(Json(ConsistencyView {
        first: q.first,
        second,
        first_root: hex(&ledger::root_at(conn, q.first).await?),
        second_root: hex(&ledger::root_at(conn, second).await?),
        proof: hexes(&proof),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub index: u64,
    /// `<table>.<verb>`, e.g. `batch_events.appended`.
    pub kind: String,
    pub subject_table: String,
    pub subject_id: Uuid,
    pub batch_id: Option<Uuid>,
    /// The canonical (RFC 8785) payload.
    pub payload: String,
    /// What the leaf hashes and the log's entry bundles publish:
    /// `{"kind":…,"payload_sha256":…}` (RFC 8785), SHA-256 of `payload` included. Absent for
    /// an entry logged before the public form (migration 29), whose leaf hashes `payload`.
    pub public_form: Option<String>,
    pub leaf_hash: String,
    pub chain_hash: String,
    pub created_at: DateTime<Utc>,
}

/// One ledger entry, for a token that may read the record's organization.
#[utoipa::path(get, path = "/api/v1/log/entries/{index}", operation_id = "get_log_entry", tag = "ledger", params(("index" = u64, Path)),
    responses((status = 200, body = EntryView), (status = 404)))]
pub async fn entry(
    State(state): State<AppState>,
    who: Principal,
    axum::extract::Path(raw): axum::extract::Path<String>,
) -> Result<Json<EntryView>, AppError> {
    let (index, e) = readable_entry(&state, &who, &raw).await?;
    Ok(Json(EntryView {
        index,
        public_form: ledger::public_form_of(&e),
        kind: e.kind,
        subject_table: e.subject_table,
        subject_id: e.subject_id,
        batch_id: e.batch_id,
        payload: e.payload,
        leaf_hash: data_encoding::HEXLOWER.encode(&e.leaf_hash),
        chain_hash: data_encoding::HEXLOWER.encode(&e.chain_hash),
        created_at: e.created_at,
    }))
}

/// Loads an entry the caller may read: the organization its record belongs to must be visible.
async fn readable_entry(
    state: &AppState,
    who: &Principal,
    raw: &str,
) -> Result<(u64, entity::ledger_entry::Model), AppError> {
    let index: u64 = raw
        .parse()
        .map_err(|_| AppError::NotFound("ledger entry"))?;
    let e = ledger::entry(state.db.read(), index).await?;
    let payload: serde_json::Value =
        serde_json::from_str(&e.payload).map_err(AppError::internal)?;
    let org = payload
        .get("organization_id")
        .or_else(|| (e.subject_table == "organizations").then(|| &payload["id"]))
        .and_then(|v| v.as_str())
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("entry {index} names no organization"))
        })?;
    who.authorize(org, Action::Read, "ledger entry")?;
    Ok((index, e))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryProofView {
    pub index: u64,
    pub size: u64,
    pub leaf_hash: String,
    pub proof: Vec<String>,
    /// The signed checkpoint the proof leads to.
    pub checkpoint: String,
    /// The same proof as a C2SP `tlog-proof` document.
    pub tlog_proof: String,
}

/// An offline-verifiable proof that the entry is in the log: a C2SP `tlog-proof` document
/// (text/plain), or JSON with `Accept: application/json`. Verify it with the entry's public
/// form (or, for an entry logged before it, its payload) and the key at
/// `/.well-known/ocop-trace/log-key`.
#[utoipa::path(get, path = "/api/v1/log/entries/{index}/proof", operation_id = "get_log_entry_proof", tag = "ledger", params(("index" = u64, Path)),
    responses((status = 200, description = "A C2SP tlog-proof (text/plain, the default), or JSON with `Accept: application/json`",
            content((String = "text/plain"), (EntryProofView = "application/json"))),
        (status = 404), (status = 409, description = "not covered by a signed checkpoint yet; retry in a second")))]
pub async fn entry_proof(
    State(state): State<AppState>,
    who: Principal,
    headers: axum::http::HeaderMap,
    axum::extract::Path(raw): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let (index, e) = readable_entry(&state, &who, &raw).await?;
    let conn = state.db.read();
    let checkpoint = ledger::latest_checkpoint(conn)
        .await?
        .filter(|c| u64::try_from(c.size).is_ok_and(|s| s > index))
        .ok_or_else(|| {
            AppError::conflict(
                Code::NotYetCheckpointed,
                "the entry is not covered by a signed checkpoint yet; retry in a second",
            )
        })?;
    let size = u64::try_from(checkpoint.size).map_err(AppError::internal)?;
    let proof = ledger::inclusion(conn, index, size).await?;
    let tlog_proof = crate::ledger::bundle::format(index, &proof, &checkpoint.note, None);
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    if !wants_json {
        return Ok(text(tlog_proof));
    }
    Ok(Json(EntryProofView {
        index,
        size,
        leaf_hash: data_encoding::HEXLOWER.encode(&e.leaf_hash),
        proof: hexes(&proof),
        checkpoint: checkpoint.note,
        tlog_proof,
    })
    .into_response())
}
