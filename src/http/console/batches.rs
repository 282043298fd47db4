//! Batches: the list, the form that opens one, and a batch's own page (diary, seal, stamps,
//! scans per day).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::posted::{Posted, PostedFile};
use super::shared::*;
use crate::domain::batch::{BatchStatus, EventDetails, EventKind, InputUse, phi_warnings};
use crate::services::blobs::BlobKind;
use crate::services::{batches, events, products, scan_stats, stamps};
use crate::web::console_view::batches::{
    BatchForm, BatchPage, BatchRow, BatchesPage, Entry, EventForm, FORM_INPUTS, KINDS, RunRow,
    ScanChart, batch_error, batch_texts, conflict_message, event_error,
};

/// A batch id from the path; anything else is a batch that does not exist.
fn batch_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound("batch"))
}

// ---- the list --------------------------------------------------------------------------------

async fn batches_view(
    state: &AppState,
    s: &Signed,
    form: BatchForm,
    errors: BTreeMap<&'static str, &'static str>,
    saved: bool,
) -> Result<BatchesPage, AppError> {
    let b = batch_texts(s.lang);
    let org = current_org(state, &s.who).await?;
    let products = ProductNames::of(state, &s.who, org.id).await?;
    let rows = batches::list_in_organization(&state.db, &s.who, org.id)
        .await?
        .into_iter()
        .map(|r| BatchRow {
            id: r.id.to_string(),
            product: products.name(&r.product_id),
            status_label: b.status(r.status.into()),
            quantity: format!("{} {}", r.quantity, r.unit),
            stamps_issued: r.stamps_issued,
            lot: r.lot_code,
            status: r.status.into(),
        })
        .collect();
    let active = Some(crate::domain::growing_area::AreaStatus::Active);
    let (_, _, areas) = farms_and_areas(state, &s.who, active).await?;
    let areas = areas
        .into_iter()
        .map(|(farm, a)| {
            (
                a.id.to_string(),
                format!("{} · {} · {}", a.code, a.crop, farm.name),
            )
        })
        .collect();
    Ok(BatchesPage {
        c: s.chrome(),
        b,
        organization: org.name,
        rows,
        products: products.choices,
        areas,
        form,
        errors,
        saved,
    })
}

pub(super) async fn batches_page(State(state): State<AppState>, s: Signed) -> Response {
    let saved = s.q.saved.is_some();
    let view = batches_view(&state, &s, BatchForm::default(), BTreeMap::new(), saved).await;
    s.show(StatusCode::OK, view)
}

#[derive(Deserialize)]
pub struct BatchPost {
    #[serde(flatten)]
    form: BatchForm,
}

fn date(
    errors: &mut BTreeMap<&'static str, &'static str>,
    field: &'static str,
    typed: &str,
    message: &'static str,
) -> Option<chrono::NaiveDate> {
    let typed = typed.trim();
    if typed.is_empty() {
        return None;
    }
    let parsed = chrono::NaiveDate::parse_from_str(typed, "%Y-%m-%d").ok();
    if parsed.is_none() {
        errors.insert(field, message);
    }
    parsed
}

pub(super) async fn add_batch(
    State(state): State<AppState>,
    Posted { s, form: post }: Posted<BatchPost>,
) -> Response {
    let (b, t) = (batch_texts(s.lang), s.t());
    let form = post.form;
    let mut errors = BTreeMap::new();
    let product = Uuid::parse_str(form.product_id.trim()).ok();
    if product.is_none() {
        errors.insert("product_id", t.err_product);
    }
    let area = match form.growing_area_id.trim() {
        "" => None,
        typed => {
            let id = Uuid::parse_str(typed).ok();
            if id.is_none() {
                errors.insert("growing_area_id", b.err_area);
            }
            id
        }
    };
    let quantity = number(&mut errors, "quantity", &form.quantity, b.err_quantity);
    if quantity.is_none() && !errors.contains_key("quantity") {
        errors.insert("quantity", b.err_quantity);
    }
    let harvested_on = date(&mut errors, "harvested_on", &form.harvested_on, b.err_date);
    let produced_on = date(&mut errors, "produced_on", &form.produced_on, b.err_date);
    let expires_on = date(&mut errors, "expires_on", &form.expires_on, b.err_date);
    if let (Some(product), Some(quantity), true) = (product, quantity, errors.is_empty()) {
        let request = crate::http::batches::CreateBatch {
            lot_code: form.lot_code.trim().to_owned(),
            growing_area_id: area,
            quantity,
            unit: form.unit.trim().to_owned(),
            harvested_on,
            produced_on,
            expires_on,
        };
        let created =
            async { batches::create(&state.db, &s.who, product, request.parse()?).await }.await;
        match created {
            Ok(row) => {
                return Redirect::to(&format!("/console/batches/{}?saved=batch", row.id))
                    .into_response();
            }
            Err(AppError::Conflict { code, .. }) => {
                let message = match code {
                    Code::LotCodeTaken => b.err_lot_taken,
                    other => other.text(s.lang),
                };
                errors.insert("lot_code", message);
            }
            Err(AppError::NotFound(_)) => {
                errors.insert("product_id", t.err_product);
            }
            Err(e) => {
                let known = [
                    "lot_code",
                    "growing_area_id",
                    "quantity",
                    "unit",
                    "harvested_on",
                    "produced_on",
                    "expires_on",
                ];
                match form_errors(e, t, &known, "", |f, c| batch_error(b, f, c)) {
                    Ok(e) => errors = e,
                    Err(e) => return e.into_response(),
                }
            }
        }
    }
    let view = batches_view(&state, &s, form, errors, false).await;
    s.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}

// ---- one batch ---------------------------------------------------------------------------

/// What the page shows besides the forms: the batch, its diary and stamps, its scans.
async fn batch_view(
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
    let details: Vec<(DateTime<Utc>, EventKind, EventDetails)> = history
        .events
        .iter()
        .filter_map(|e| {
            let kind = EventKind::parse(&e.kind).ok()?;
            let d = serde_json::from_value(e.details.clone()).ok()?;
            Some((e.occurred_at, kind, d))
        })
        .collect();
    let applications = || {
        details
            .iter()
            .filter(|(_, k, _)| matches!(k, EventKind::Fertilizing | EventKind::Spraying))
            .map(|(at, _, d)| (*at, d))
    };
    let mut entries: Vec<(DateTime<Utc>, Entry)> = history
        .events
        .iter()
        .map(|e| {
            let warnings = if e.kind == EventKind::Harvesting.as_str() {
                phi_warnings(applications(), e.occurred_at)
                    .into_iter()
                    .map(|w| {
                        format!(
                            "{} ({}, {} {}: {})",
                            w.input,
                            lang.time(w.applied_at),
                            w.phi_days,
                            lang.t().days,
                            lang.time(w.safe_from)
                        )
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let line = crate::web::scan_view::event_line(e, &photos, lang);
            (e.occurred_at, Entry { line, warnings })
        })
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.0));
    let now = crate::services::now();
    let status = BatchStatus::from(batch.status);
    let harvest_from =
        crate::domain::batch::harvest_from(status, applications(), now).map(|safe| lang.time(safe));
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
    Ok(BatchPage {
        c: s.chrome(),
        b,
        id: id.to_string(),
        lot: batch.lot_code.clone(),
        product: product.name,
        status: batch.status.into(),
        status_label: b.status(batch.status.into()),
        quantity: format!("{} {}", batch.quantity, batch.unit),
        area,
        dates,
        intact: history.intact,
        entries: entries.into_iter().map(|(_, e)| e).collect(),
        harvest_from,
        kinds: KINDS.iter().map(|k| (*k, lang.event_kind(k))).collect(),
        known_inputs,
        event,
        runs,
        stocks: crate::print::Template::all()
            .into_iter()
            .map(|t| (t.id, t.name))
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

/// How many stamps the issue form offers.
const DEFAULT_STAMPS: &str = "100";

pub(super) async fn batch_page(
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

/// Every field of the diary form, to name a problem's place.
const EVENT_FIELDS: [&str; 18] = [
    "kind",
    "occurred_at",
    "description",
    "quantity",
    "unit",
    "location",
    "reason",
    "photo",
    "in0_product",
    "in0_active_ingredient",
    "in0_dose",
    "in0_dose_unit",
    "in0_phi_days",
    "in1_product",
    "in1_active_ingredient",
    "in1_dose",
    "in1_dose_unit",
    "in1_phi_days",
];

/// The form's field for a problem the API's request names (`details.inputs[1].dose` is
/// `in1_dose`).
fn event_field(api_field: &str) -> &'static str {
    let path = crate::error::FieldPath::parse(api_field).within("details");
    let name = if let Some((i, field)) = path.in_list("inputs") {
        format!("in{}_{}", i.unwrap_or(0), field.unwrap_or("product"))
    } else if path.in_list("photos").is_some() {
        "photo".to_owned()
    } else {
        path.name().unwrap_or("_").to_owned()
    };
    EVENT_FIELDS
        .iter()
        .copied()
        .find(|k| *k == name)
        .unwrap_or("_")
}

/// The typed diary entry as the API's request, or a message for each field at fault that
/// the request's own checks cannot name (numbers, the time, the kind).
fn parse_event(
    form: &EventForm,
    photos: Vec<String>,
    lang: Lang,
) -> Result<crate::services::requests::events::AppendEvent, BTreeMap<&'static str, &'static str>> {
    let b = batch_texts(lang);
    let mut errors = BTreeMap::new();
    let kind = EventKind::parse(form.kind.trim()).ok();
    if kind.is_none() {
        errors.insert("kind", b.err_kind);
    }
    let occurred_at = match form.occurred_at.trim() {
        "" => Some(crate::services::now()),
        typed => crate::domain::local_time::parse(typed),
    };
    if occurred_at.is_none() {
        errors.insert("occurred_at", b.err_when);
    }
    let quantity = number(&mut errors, "quantity", &form.quantity, b.err_quantity);
    let mut inputs = Vec::new();
    for (i, input) in form.inputs.iter().enumerate().take(FORM_INPUTS) {
        let typed = [
            &input.product,
            &input.active_ingredient,
            &input.dose,
            &input.dose_unit,
            &input.phi_days,
        ];
        if typed.iter().all(|s| s.trim().is_empty()) {
            continue;
        }
        let [product, dose, phi] =
            ["product", "dose", "phi_days"].map(|f| event_field(&format!("in{i}_{f}")));
        if input.product.trim().is_empty() {
            errors.insert(product, b.err_input);
        }
        let dose = number(&mut errors, dose, &input.dose, b.err_dose);
        let phi_days = match input.phi_days.trim() {
            "" => None,
            typed => {
                let p = typed.parse::<u32>().ok();
                if p.is_none() {
                    errors.insert(phi, b.err_phi);
                }
                p
            }
        };
        let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        inputs.push(InputUse {
            product: input.product.trim().to_owned(),
            active_ingredient: optional(&input.active_ingredient),
            dose,
            dose_unit: optional(&input.dose_unit),
            phi_days,
        });
    }
    let (Some(kind), Some(occurred_at), true) = (kind, occurred_at, errors.is_empty()) else {
        return Err(errors);
    };
    let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(crate::services::requests::events::AppendEvent {
        kind,
        occurred_at,
        details: EventDetails {
            description: optional(&form.description),
            inputs,
            quantity,
            unit: optional(&form.unit),
            location: optional(&form.location),
            reason: optional(&form.reason),
            photos,
        },
        corrects: None,
    })
}

pub(super) async fn add_event(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    PostedFile { s, body }: PostedFile,
) -> Response {
    let Ok(id) = batch_id(&raw) else {
        return AppError::NotFound("batch").into_response();
    };
    let (b, t) = (batch_texts(s.lang), s.t());
    let mut form = EventForm::from_fields(&body.fields);
    let mut errors = BTreeMap::new();
    // A photo is kept as soon as it arrives, so that a mistake elsewhere does not make the
    // producer take it again; the form carries its hash to the next try.
    if let Some(file) = body.file {
        match state
            .blobs
            .upload(&s.who, BlobKind::DiaryPhoto, id, file)
            .await
        {
            Ok(row) => form.photo = row.sha256,
            Err(AppError::Validation(_) | AppError::UnsupportedMediaType { .. }) => {
                errors.insert("photo", b.err_photo);
            }
            Err(AppError::Forbidden(_)) => {
                errors.insert("_", t.forbidden);
            }
            Err(e) => return e.into_response(),
        }
    }
    let photos: Vec<String> = Some(form.photo.trim().to_owned())
        .filter(|p| !p.is_empty())
        .into_iter()
        .collect();
    match parse_event(&form, photos, s.lang) {
        Err(e) => errors.extend(e),
        Ok(_) if !errors.is_empty() => {}
        Ok(request) => {
            let recorded = async {
                let job = events::EventJob {
                    who: s.who.clone(),
                    batch_id: id,
                    new: request.parse()?,
                    idempotency: None,
                };
                state.diary.append(job).await
            }
            .await;
            match recorded {
                Ok(_) => {
                    return Redirect::to(&format!("/console/batches/{id}?saved=event#diary"))
                        .into_response();
                }
                Err(AppError::Conflict { code, .. }) => {
                    errors.insert("kind", conflict_message(b, code, s.lang));
                }
                Err(AppError::Validation(problems)) => {
                    for p in problems.iter() {
                        let field = event_field(&p.field);
                        errors.insert(field, event_error(b, field, &p.code));
                    }
                }
                Err(AppError::Forbidden(_)) => {
                    errors.insert("_", t.forbidden);
                }
                Err(e) => return e.into_response(),
            }
        }
    }
    let view = batch_view(&state, &s, id, form, DEFAULT_STAMPS.into(), errors, None).await;
    s.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}

pub(super) async fn seal(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Posted { s, form: _ }: Posted<super::sign_in::CsrfForm>,
) -> Response {
    let sealed = async {
        let id = batch_id(&raw)?;
        let changes = batches::BatchChanges {
            status: Some(crate::domain::batch::BatchStatus::Sealed),
            ..Default::default()
        };
        batches::update(&state.db, &s.who, id, changes).await?;
        Ok::<_, AppError>(id)
    }
    .await;
    match sealed {
        Ok(id) => Redirect::to(&format!("/console/batches/{id}?saved=sealed")).into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct StampPost {
    #[serde(default)]
    count: String,
    with_pin: Option<String>,
}

pub(super) async fn issue_stamps(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Posted { s, form: post }: Posted<StampPost>,
) -> Response {
    let Ok(id) = batch_id(&raw) else {
        return AppError::NotFound("batch").into_response();
    };
    let (b, t) = (batch_texts(s.lang), s.t());
    let mut errors = BTreeMap::new();
    match post
        .count
        .trim()
        .replace(['.', ',', ' '], "")
        .parse::<u64>()
    {
        Err(_) => {
            errors.insert("stamps.count", b.err_count);
        }
        Ok(count) => {
            let new = stamps::NewRun {
                idempotency: None,
                count,
                pins: post.with_pin.is_some().then_some(&state.pin_key),
            };
            match stamps::issue(&state.db, &s.who, id, new, &|_| {}).await {
                Ok(_) => {
                    return Redirect::to(&format!("/console/batches/{id}?saved=stamps#stamps"))
                        .into_response();
                }
                Err(AppError::Validation(_)) => {
                    errors.insert("stamps.count", b.err_count);
                }
                Err(AppError::Conflict { .. }) => {
                    errors.insert("stamps._", b.err_recalled);
                }
                Err(AppError::Forbidden(_)) => {
                    errors.insert("stamps._", t.forbidden);
                }
                Err(e) => return e.into_response(),
            }
        }
    }
    let view = batch_view(
        &state,
        &s,
        id,
        EventForm::default(),
        post.count,
        errors,
        None,
    )
    .await;
    s.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_fields_name_the_form_fields() {
        assert_eq!(event_field("details.inputs[1].dose"), "in1_dose");
        assert_eq!(event_field("details.inputs[0].phi_days"), "in0_phi_days");
        assert_eq!(event_field("details.photos[0]"), "photo");
        assert_eq!(event_field("details.reason"), "reason");
        assert_eq!(event_field("occurred_at"), "occurred_at");
        assert_eq!(event_field("details.inputs[7].dose"), "_");
        assert_eq!(event_field("corrects"), "_");
    }

    #[test]
    fn a_time_typed_in_vietnam_is_stored_in_utc() {
        let form = EventForm {
            kind: "spraying".into(),
            occurred_at: "2026-11-24T07:30".into(),
            ..Default::default()
        };
        let request = parse_event(&form, Vec::new(), Lang::Vi).unwrap();
        assert_eq!(
            request.occurred_at.to_rfc3339(),
            "2026-11-24T00:30:00+00:00"
        );
        assert_eq!(
            crate::domain::local_time::input_value(request.occurred_at),
            "2026-11-24T07:30"
        );
    }

    #[test]
    fn inputs_are_read_with_their_numbers_and_mistakes_named() {
        let mut form = EventForm {
            kind: "spraying".into(),
            ..Default::default()
        };
        form.inputs[0].product = "Anvil 5SC".into();
        form.inputs[0].dose = "1,5".into();
        form.inputs[0].phi_days = "7".into();
        let request = parse_event(&form, Vec::new(), Lang::En).unwrap();
        assert_eq!(request.details.inputs.len(), 1);
        assert_eq!(request.details.inputs[0].dose, Some(1.5));
        assert_eq!(request.details.inputs[0].phi_days, Some(7));

        form.inputs[1].dose = "much".into();
        form.inputs[1].phi_days = "-3".into();
        let errors = parse_event(&form, Vec::new(), Lang::En).unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["in1_dose", "in1_phi_days", "in1_product"]
        );
    }
}
