//! A batch's own page: the batch, its diary, its stamp runs and its scans per day, with the
//! diary and stamp forms; the other handlers answer a mistake by showing it again.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::batch::BatchStatus;
use crate::http::console::shared::*;
use crate::services::blobs::BlobKind;
use crate::services::{events, products, scan_stats, stamps};
use crate::web::console_view::batches::{
    BatchPage, Entry, EventForm, KINDS, PortalLine, PortalState, RunRow, ScanChart, TraceRow,
    batch_texts,
};
use crate::web::console_view::listings::listing_texts;
use crate::web::scan_view::Applications;

/// A batch id from the path; anything else is a batch that does not exist.
pub(super) fn batch_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound("batch"))
}

pub(in crate::http::console) async fn batch_view(
    state: &AppState,
    s: &Signed,
    id: Uuid,
    event: EventForm,
    stamp_count: String,
    errors: BTreeMap<&'static str, &'static str>,
    saved: Option<&'static str>,
) -> Result<BatchPage, AppError> {
    let (who, lang, b) = (&s.who, s.lang, batch_texts(s.lang));
    let history = events::history(&state.db, who, id).await?;
    let batch = &history.batch;
    let product = products::get(&state.db, who, batch.product_id).await?;
    let area = match batch.growing_area_id {
        Some(a) => {
            let a = crate::services::growing_areas::get(&state.db, who, a).await?;
            Some(format!("{} · {}", a.code, a.crop))
        }
        None => None,
    };
    let photos = state.blobs.list(who, BlobKind::DiaryPhoto, id).await?;
    let applications = Applications::of(&history.events);
    let mut entries: Vec<(DateTime<Utc>, Entry)> = history
        .events
        .iter()
        .map(|e| {
            let line = crate::web::scan_view::event_line(e, &photos, &applications, lang);
            (e.occurred_at, Entry { line })
        })
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.0));
    let now = crate::services::now();
    let status = BatchStatus::from(batch.status);
    let harvest_from = crate::domain::batch::harvest_from(status, applications.iter(), now)
        .map(|safe| lang.time(safe));
    let runs = stamps::list_runs(&state.db, who, id, everything()).await?;
    let runs = runs
        .items
        .into_iter()
        .enumerate()
        .map(|(i, r)| RunRow {
            id: r.id.to_string(),
            number: i + 1,
            count: r.count,
            first: r.first_index,
            last: r.first_index + r.count - 1,
            created: lang.time(r.created_at),
            with_pin: r.with_pin,
            pins_printed: crate::services::print_files::pins_closed_at(&r, now)
                .map(|t| lang.time(t)),
        })
        .collect();
    let known_inputs = events::known_inputs(&state.db, who, batch.organization_id)
        .await?
        .into_iter()
        .map(|i| {
            (
                i.product,
                i.active_ingredient.unwrap_or_default(),
                i.dose_unit.unwrap_or_default(),
                i.phi_days.map(|p| p.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    // The chart's days are Vietnam's: after 17:00 UTC it is already tomorrow there.
    let today = crate::domain::local_time::day_of(now);
    let days = scan_stats::per_day(&state.db, who, id, today).await?;
    let mut dates = Vec::new();
    for (label, d) in [
        (b.harvested_on, batch.harvested_on),
        (b.produced_on, batch.produced_on),
        (b.expires_on, batch.expires_on),
    ] {
        if let Some(d) = d {
            dates.push((label, lang.date(d)));
        }
    }
    let mut event = event;
    if event.occurred_at.is_empty() {
        event.occurred_at = crate::domain::local_time::input_value(now);
    }
    let portal = portal_state(state, s, batch.organization_id, id).await?;
    let trace_rows = trace_rows(state, s, batch.organization_id, id).await?;
    Ok(BatchPage {
        portal,
        trace_rows,
        trace_typed: None,
        c: s.chrome(),
        b,
        id: id.to_string(),
        lot: batch.lot_code.clone(),
        product: product.name,
        status: batch.status.into(),
        status_label: b.status(batch.status.into()),
        quantity: format!("{} {}", lang.number(batch.quantity), batch.unit),
        area,
        dates,
        intact: history.intact,
        entries: entries.into_iter().map(|(_, e)| e).collect(),
        harvest_from,
        kinds: KINDS.iter().map(|k| (*k, lang.event_kind(k))).collect(),
        known_inputs,
        event_key: match event.idempotency_key.trim() {
            "" => Uuid::new_v4().to_string(),
            key => key.to_owned(),
        },
        event,
        runs,
        stocks: crate::print::Template::all()
            .into_iter()
            .map(|t| {
                let name = crate::web::console_view::batches::stock_name(&t, lang);
                (t.id, name)
            })
            .collect(),
        stamp_count,
        chart: ScanChart::of(&days, lang, b.scans_on),
        errors,
        saved,
        can_write: who
            .authorize(
                batch.organization_id,
                crate::domain::role::Action::RecordDiary,
                "batch",
            )
            .is_ok(),
    })
}

/// The lot with the traceability portal: its latest push, and whether the person may push.
async fn portal_state(
    state: &AppState,
    s: &Signed,
    organization: Uuid,
    id: Uuid,
) -> Result<Option<PortalState>, AppError> {
    if state.outbox.portal.is_none() {
        return Ok(None);
    }
    let latest = crate::services::outbox::portal_pushes(&state.outbox, &s.who, id, 1)
        .await?
        .into_iter()
        .next()
        .map(|(p, _)| PortalLine {
            status: listing_texts(s.lang).push_status(p.status),
            when: s.lang.time(p.done_at.unwrap_or(p.updated_at)),
            events: p.events_sent,
            attempts: p.attempts,
            error: p.last_error,
        });
    Ok(Some(PortalState {
        latest,
        can_push: s
            .who
            .authorize(
                organization,
                crate::domain::role::Action::ManageRegistry,
                "batch",
            )
            .is_ok(),
    }))
}

/// The lot's trace codes as its Circular 02 data set gives them.
async fn trace_rows(
    state: &AppState,
    s: &Signed,
    organization: Uuid,
    id: Uuid,
) -> Result<Vec<TraceRow>, AppError> {
    let b = batch_texts(s.lang);
    let set = crate::services::dataset::of_batch(&state.db, state.epcis.ids(), &s.who, id).await?;
    let manages = s
        .who
        .authorize(
            organization,
            crate::domain::role::Action::ManageRegistry,
            "batch",
        )
        .is_ok();
    let uri = |code: &str| code.starts_with("http://") || code.starts_with("https://");
    let mut rows = vec![
        TraceRow {
            subject: "product",
            field: "trace.product",
            label: b.trace_product,
            note: match (&set.product.gtin, uri(&set.product.trace_code)) {
                (Some(_), _) => Some(b.trace_gtin),
                (None, true) => Some(b.trace_uri),
                (None, false) => None,
            },
            code: set.product.trace_code,
            can_set: manages && set.product.gtin.is_none(),
        },
        TraceRow {
            subject: "organization",
            field: "trace.organization",
            label: b.trace_producer,
            note: uri(&set.producer.location_trace_code).then_some(b.trace_uri),
            code: set.producer.location_trace_code,
            can_set: manages,
        },
    ];
    if set.lot.farm.is_some() {
        rows.push(TraceRow {
            subject: "farm",
            field: "trace.farm",
            label: b.trace_farm,
            note: set.lot.farm_trace_code.is_none().then_some(b.trace_none),
            code: set.lot.farm_trace_code.unwrap_or_default(),
            can_set: manages,
        });
    }
    Ok(rows)
}

/// How many stamps the issue form offers.
pub(super) const DEFAULT_STAMPS: &str = "100";

pub(in crate::http::console) async fn batch_page(
    State(state): State<AppState>,
    s: Signed,
    Path(raw): Path<String>,
) -> Response {
    let b = batch_texts(s.lang);
    let saved = match s.q.saved.as_deref() {
        Some("batch") => Some(b.batch_saved),
        Some("event") => Some(b.event_saved),
        Some("sealed") => Some(b.sealed_saved),
        Some("stamps") => Some(b.stamps_saved),
        Some("portal") => Some(b.portal_saved),
        Some("trace") => Some(b.trace_saved),
        _ => None,
    };
    let view = async {
        let id = batch_id(&raw)?;
        let form = EventForm::default();
        batch_view(
            &state,
            &s,
            id,
            form,
            DEFAULT_STAMPS.into(),
            BTreeMap::new(),
            saved,
        )
        .await
    }
    .await;
    s.show(StatusCode::OK, view)
}
