//! EPCIS 2.0 REST bindings (the standard's query interface, as far as this service records
//! events): `GET /epcis/events` with the simple event query's parameters, one event by its
//! hash ID, the events of an EPC, and an EPCIS document per batch and per stamp; our JSON-LD
//! vocabulary at `/epcis/voc`. Every answer carries `GS1-EPCIS-Version` and
//! `GS1-CBV-Version`. A token is optional: without one, only public events (what the scan and
//! lot pages already show) are served.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::Value;

use super::extract::{AppQuery, PathId};
use crate::auth::Principal;
use crate::epcis::query::RawQuery;
use crate::epcis::{CBV_VERSION, EPCIS_VERSION, event};
use crate::error::AppError;
use crate::services::epcis::{self, BatchEvents};
use crate::state::AppState;
use crate::urls::url_under;

const LD_JSON: &str = "application/ld+json";

fn versioned(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert("GS1-EPCIS-Version", HeaderValue::from_static(EPCIS_VERSION));
    h.insert("GS1-CBV-Version", HeaderValue::from_static(CBV_VERSION));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(LD_JSON));
    res
}

fn json(value: &Value) -> Response {
    versioned(value.to_string().into_response())
}

/// EPCIS events, as an EPCIS query document (`EPCISQueryDocument`), oldest recorded first. A
/// further page is named by the `Link: <…>; rel="next"` header.
#[utoipa::path(get, path = "/epcis/events", operation_id = "epcis_query_events", tag = "epcis",
    security((), ("bearer" = [])), params(RawQuery),
    responses((status = 200, content_type = "application/ld+json", body = Object,
        headers(("GS1-EPCIS-Version" = String), ("GS1-CBV-Version" = String),
            ("Link" = String, description = "the next page, when there is one")))))]
pub async fn events(
    State(state): State<AppState>,
    who: Option<Principal>,
    AppQuery(raw): AppQuery<RawQuery>,
) -> Result<Response, AppError> {
    let per_page = raw.per_page.clone();
    let q = raw.clone().parse()?;
    let page = epcis::query(&state.db, &state.epcis, who.as_ref(), &q).await?;
    let doc = event::query_document(state.epcis.ids(), crate::services::now(), page.events);
    let mut res = json(&doc);
    if let Some(next) = page.next {
        let mut params: Vec<(String, String)> = serde_urlencoded::to_string(Echo::of(&raw))
            .ok()
            .map(|s| form_urlencoded::parse(s.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        params.retain(|(k, _)| k != "nextPageToken" && k != "perPage");
        if let Some(p) = per_page {
            params.push(("perPage".into(), p));
        }
        params.push(("nextPageToken".into(), next.to_string()));
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let url = url_under(
            &state.settings.public_base_url,
            &format!("/epcis/events?{query}"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!("<{url}>; rel=\"next\"")) {
            res.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(res)
}

/// The query's parameters as sent, to repeat them in the next page's link.
#[derive(serde::Serialize)]
struct Echo<'a> {
    #[serde(rename = "eventType", skip_serializing_if = "Option::is_none")]
    event_type: Option<&'a str>,
    #[serde(rename = "GE_eventTime", skip_serializing_if = "Option::is_none")]
    ge_event_time: Option<&'a str>,
    #[serde(rename = "LT_eventTime", skip_serializing_if = "Option::is_none")]
    lt_event_time: Option<&'a str>,
    #[serde(rename = "GE_recordTime", skip_serializing_if = "Option::is_none")]
    ge_record_time: Option<&'a str>,
    #[serde(rename = "LT_recordTime", skip_serializing_if = "Option::is_none")]
    lt_record_time: Option<&'a str>,
    #[serde(rename = "EQ_bizStep", skip_serializing_if = "Option::is_none")]
    eq_biz_step: Option<&'a str>,
    #[serde(rename = "EQ_bizLocation", skip_serializing_if = "Option::is_none")]
    eq_biz_location: Option<&'a str>,
    #[serde(rename = "MATCH_anyEPC", skip_serializing_if = "Option::is_none")]
    match_any_epc: Option<&'a str>,
    #[serde(rename = "MATCH_epcClass", skip_serializing_if = "Option::is_none")]
    match_epc_class: Option<&'a str>,
    #[serde(rename = "EQ_eventID", skip_serializing_if = "Option::is_none")]
    eq_event_id: Option<&'a str>,
}

impl<'a> Echo<'a> {
    fn of(q: &'a RawQuery) -> Self {
        Self {
            event_type: q.event_type.as_deref(),
            ge_event_time: q.ge_event_time.as_deref(),
            lt_event_time: q.lt_event_time.as_deref(),
            ge_record_time: q.ge_record_time.as_deref(),
            lt_record_time: q.lt_record_time.as_deref(),
            eq_biz_step: q.eq_biz_step.as_deref(),
            eq_biz_location: q.eq_biz_location.as_deref(),
            match_any_epc: q.match_any_epc.as_deref(),
            match_epc_class: q.match_epc_class.as_deref(),
            eq_event_id: q.eq_event_id.as_deref(),
        }
    }
}

/// One event by its event hash ID (`ni:///sha-256;…?ver=CBV2.0`, percent-encoded in the
/// path).
#[utoipa::path(get, path = "/epcis/events/{eventID}", operation_id = "epcis_get_event", tag = "epcis",
    security((), ("bearer" = [])), params(("eventID" = String, Path, description = "the event hash ID")),
    responses((status = 200, content_type = "application/ld+json", body = Object,
        headers(("GS1-EPCIS-Version" = String), ("GS1-CBV-Version" = String)))))]
pub async fn event_by_id(
    State(state): State<AppState>,
    who: Option<Principal>,
    Path(event_id): Path<String>,
) -> Result<Response, AppError> {
    let mut e = epcis::get(&state.db, &state.epcis, who.as_ref(), &event_id).await?;
    if let Value::Object(m) = &mut e {
        m.insert("@context".into(), state.epcis.ids().context());
    }
    Ok(json(&e))
}

/// Our vocabulary (prefix `ocop`): every term with its words in Vietnamese and English.
#[utoipa::path(get, path = "/epcis/voc", operation_id = "epcis_vocabulary", tag = "epcis", security(),
    responses((status = 200, content_type = "application/ld+json", body = Object)))]
pub async fn vocabulary(State(state): State<AppState>) -> Response {
    let mut res = json(&crate::epcis::vocab::vocabulary_document(state.epcis.ids()));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    res
}

/// The EPCIS document of a batch: its diary, stamp runs and voids (those with a token that may
/// read its organization) and its product's OCOP certificates, streamed.
#[utoipa::path(get, path = "/epcis/documents/batches/{id}", operation_id = "epcis_batch_document", tag = "epcis",
    security((), ("bearer" = [])), params(("id" = uuid::Uuid, Path)),
    responses((status = 200, content_type = "application/ld+json", body = Object,
        headers(("GS1-EPCIS-Version" = String), ("GS1-CBV-Version" = String)))))]
pub async fn batch_document(
    State(state): State<AppState>,
    who: Option<Principal>,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let events = epcis::of_batch(&state.db, &state.epcis, who.as_ref(), id).await?;
    Ok(stream(state, events))
}

/// The EPCIS document of a stamp: its lot's public events, and the stamp's commissioning and
/// any void with a token that may read its organization.
#[utoipa::path(get, path = "/epcis/documents/stamps/{serial}", operation_id = "epcis_stamp_document", tag = "epcis",
    security((), ("bearer" = [])), params(("serial" = String, Path)),
    responses((status = 200, content_type = "application/ld+json", body = Object,
        headers(("GS1-EPCIS-Version" = String), ("GS1-CBV-Version" = String)))))]
pub async fn stamp_document(
    State(state): State<AppState>,
    who: Option<Principal>,
    Path(serial): Path<String>,
) -> Result<Response, AppError> {
    let events = epcis::of_stamp(&state.db, &state.epcis, who.as_ref(), &serial).await?;
    Ok(stream(state, events))
}

/// Where a captured document's events go.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaptureParams {
    /// Record every event in this batch (one of the caller's), whatever lot the events name:
    /// for events of a supplier's lot (one step back). Without it, each event goes to the lot
    /// it names, which must be one of this service's.
    #[serde(rename = "intoBatch")]
    #[param(rename = "intoBatch")]
    pub into_batch: Option<uuid::Uuid>,
}

/// Largest EPCIS document capture reads (500 events of a few KB each).
pub const CAPTURE_BYTES: usize = 4 * 1024 * 1024;

fn capture_headers(mut res: Response) -> Response {
    res = versioned(res);
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        "GS1-EPCIS-Capture-Limit",
        HeaderValue::from(crate::epcis::capture::CAPTURE_LIMIT),
    );
    h.insert(
        "GS1-EPCIS-Capture-File-Size-Limit",
        HeaderValue::from(CAPTURE_BYTES),
    );
    res
}

/// Captures an EPCIS 2.0 document from a partner system (a packer, a processor, a lab): its
/// ObjectEvents become diary entries of the lots they name (or of `intoBatch`), sealed in the
/// ledger and shown on the scan page with the partner named. The document is checked against
/// GS1's EPCIS 2.0 JSON schema at once (422 naming each fault); the rest is a capture job
/// (202, `Location` of the job): every event is recorded or none (`rollback`), and an event
/// already captured (same event ID) is not recorded twice.
#[utoipa::path(post, path = "/epcis/capture", operation_id = "epcis_capture", tag = "epcis",
    security(("bearer" = [])), params(CaptureParams,
        ("GS1-Capture-Error-Behaviour" = Option<String>, Header, description = "`rollback` (the only behaviour)")),
    request_body(content = Object, content_type = "application/ld+json", description = "an EPCISDocument"),
    responses(
        (status = 202, description = "the capture job, running", body = crate::services::epcis_capture::CaptureJob,
            headers(("Location" = String), ("GS1-EPCIS-Capture-Limit" = u32))),
        (status = 401, description = "no or an unknown token"),
        (status = 413, description = "the document is larger than 4 MiB (`payload_too_large`)"),
        (status = 415, description = "not JSON"),
        (status = 422, description = "not an EPCIS 2.0 document by GS1's schema (`validation_failed`, each fault's path)")))]
pub async fn capture(
    State(state): State<AppState>,
    who: Principal,
    AppQuery(params): AppQuery<CaptureParams>,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    if let Some(b) = req.headers().get("GS1-Capture-Error-Behaviour")
        && !b.as_bytes().eq_ignore_ascii_case(b"rollback")
    {
        return Err(AppError::validation(
            "GS1-Capture-Error-Behaviour",
            crate::domain::ParseError::new(
                crate::domain::Reason::UnknownValue,
                "only `rollback`: a document is recorded whole or not at all",
            ),
        ));
    }
    let doc: Value = super::extract::large_json(req, CAPTURE_BYTES).await?;
    let job = crate::services::epcis_capture::submit(
        &state.db,
        state.epcis.ids(),
        &who,
        doc,
        params.into_batch,
    )
    .await?;
    let id = job.capture_id;
    let mut res = capture_headers(
        serde_json::to_string(&job)
            .unwrap_or_default()
            .into_response(),
    );
    *res.status_mut() = axum::http::StatusCode::ACCEPTED;
    let location = url_under(
        &state.settings.public_base_url,
        &format!("/epcis/capture/{id}"),
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// A capture job: running, or finished with `success` and, if it failed, every fault found
/// (`errors`, RFC 9457 problems naming the event and the field).
#[utoipa::path(get, path = "/epcis/capture/{captureID}", operation_id = "epcis_capture_job", tag = "epcis",
    security(("bearer" = [])), params(("captureID" = uuid::Uuid, Path)),
    responses((status = 200, body = crate::services::epcis_capture::CaptureJob),
        (status = 404, description = "no such job of the caller's")))]
pub async fn capture_job(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<Response, AppError> {
    let job = crate::services::epcis_capture::job(&state.db, &who, id).await?;
    Ok(capture_headers(
        serde_json::to_string(&job)
            .unwrap_or_default()
            .into_response(),
    ))
}

/// Events read per query while a document streams: memory stays bounded whatever the batch.
/// A commissioning event lists 1,000 stamps (about 110 KB as JSON, several times that parsed),
/// so a page of 20 holds a few MB; at 200 a page of a big run held over 100 MB
/// (bench/RESULTS.md).
const STREAM_PAGE: u64 = 20;

enum Stage {
    Start,
    Rows {
        after: Option<uuid::Uuid>,
        first: bool,
    },
    Done,
}

struct Streamed {
    state: AppState,
    events: BatchEvents,
    prefix: String,
    suffix: String,
}

/// The document written as it is read: its head, the events a page at a time, its tail.
pub(crate) fn stream(state: AppState, events: BatchEvents) -> Response {
    let text = event::document(state.epcis.ids(), crate::services::now(), Vec::new()).to_string();
    // `…"eventList":[]}}`: the head ends with the `[`, the tail starts with the `]`.
    let cut = text.rfind("[]").map_or(text.len(), |i| i + 1);
    let s = std::sync::Arc::new(Streamed {
        prefix: text[..cut].to_owned(),
        suffix: text[cut..].to_owned(),
        state,
        events,
    });
    let body = futures_util::stream::unfold((s, Stage::Start), |(s, stage)| async move {
        match stage {
            Stage::Start => {
                let head = Bytes::from(s.prefix.clone());
                let next = Stage::Rows {
                    after: None,
                    first: true,
                };
                Some((Ok(head), (s, next)))
            }
            Stage::Rows { after, first } => {
                match s.events.next(&s.state.db, after, STREAM_PAGE).await {
                    Ok((rows, _)) if rows.is_empty() => {
                        let tail = Bytes::from(s.suffix.clone());
                        Some((Ok(tail), (s, Stage::Done)))
                    }
                    Ok((rows, last)) => {
                        let mut out = String::new();
                        for (i, e) in rows.iter().enumerate() {
                            if !(first && i == 0) {
                                out.push(',');
                            }
                            out.push_str(&e.to_string());
                        }
                        let next = Stage::Rows {
                            after: last,
                            first: false,
                        };
                        Some((Ok(Bytes::from(out)), (s, next)))
                    }
                    Err(e) => {
                        tracing::error!(error = %e.into_anyhow(), "EPCIS document cut off");
                        Some((
                            Err(std::io::Error::other("EPCIS document cut off")),
                            (s, Stage::Done),
                        ))
                    }
                }
            }
            Stage::Done => None,
        }
    })
    .fuse();
    versioned(Response::new(Body::from_stream(body)))
}

/// The events of one EPC: instance-level (a stamp's Digital Link URI) or class-level (a lot
/// or a product), as `GET /epcis/events` with `MATCH_anyEPC` or `MATCH_epcClass` gives them.
#[utoipa::path(get, path = "/epcis/epcs/{epc}/events", operation_id = "epcis_events_of_epc", tag = "epcis",
    security((), ("bearer" = [])), params(("epc" = String, Path, description = "the EPC URI, percent-encoded")),
    responses((status = 200, content_type = "application/ld+json", body = Object,
        headers(("GS1-EPCIS-Version" = String), ("GS1-CBV-Version" = String))),
        (status = 422, description = "`epc` is not a URI (`validation_failed`)")))]
pub async fn events_of_epc(
    State(state): State<AppState>,
    who: Option<Principal>,
    Path(epc): Path<String>,
) -> Result<Response, AppError> {
    let instance = state.epcis.ids().serial_of(&epc).is_some();
    let raw = RawQuery {
        match_any_epc: instance.then(|| epc.clone()),
        match_epc_class: (!instance).then(|| epc.clone()),
        per_page: Some(crate::epcis::query::MAX_PER_PAGE.to_string()),
        ..Default::default()
    };
    let q = raw.parse()?;
    let page = epcis::query(&state.db, &state.epcis, who.as_ref(), &q).await?;
    Ok(json(&event::query_document(
        state.epcis.ids(),
        crate::services::now(),
        page.events,
    )))
}
