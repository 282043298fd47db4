//! A diary entry typed in the console: the form read into the API's request (numbers with a
//! decimal comma, a time in Vietnam's zone), the photo kept first, each problem shown at its
//! field.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::page::{DEFAULT_STAMPS, batch_id, batch_view};
use crate::domain::batch::{EventDetails, EventKind, InputUse};
use crate::http::console::posted::PostedFile;
use crate::http::console::shared::*;
use crate::services::blobs::BlobKind;
use crate::services::events;
use crate::web::console_view::batches::{
    EventForm, FORM_INPUTS, batch_texts, conflict_message, event_error,
};

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
            captured: None,
        },
        corrects: None,
    })
}

pub(in crate::http::console) async fn add_event(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    PostedFile { s, body }: PostedFile,
) -> Response {
    let Ok(id) = batch_id(&raw) else {
        return AppError::NotFound("batch").into_response();
    };
    let (b, t) = (batch_texts(s.lang), s.t());
    let mut form = EventForm::from_fields(&body.fields);
    // The phone's offline queue asks for the answer as JSON (`answer=json`).
    let json = body.fields.get("answer").is_some_and(|a| a == "json");
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
                let idempotency = match form.idempotency_key.trim() {
                    "" => None,
                    key => {
                        // The form's key with what was typed: the same entry sent again is
                        // answered from its first write, while another entry typed on the
                        // same form (the back button brings the old key back) is a new one.
                        use sha2::Digest;
                        let request = format!("{id}|{}", form.request());
                        let typed = data_encoding::HEXLOWER
                            .encode(&sha2::Sha256::digest(request.as_bytes())[..8]);
                        Some(crate::services::idempotency::Claim::new(
                            &s.who,
                            "console.events",
                            &format!("{key}:{typed}"),
                            &request,
                        )?)
                    }
                };
                let job = events::EventJob {
                    who: s.who.clone(),
                    batch_id: id,
                    new: request.parse()?,
                    idempotency,
                };
                state.diary.append(job).await
            }
            .await;
            match recorded {
                Ok(_) => {
                    let to = format!("/console/batches/{id}?saved=event#diary");
                    if json {
                        return axum::Json(serde_json::json!({ "saved": true, "location": to }))
                            .into_response();
                    }
                    return Redirect::to(&to).into_response();
                }
                Err(AppError::Conflict { code, .. }) => {
                    errors.insert("kind", conflict_message(b, code, s.lang));
                }
                Err(AppError::Validation(problems)) => {
                    for p in problems.iter() {
                        let field = event_field(&p.field);
                        errors.insert(field, event_error(b, field, p.code));
                    }
                }
                Err(AppError::Forbidden(_)) => {
                    errors.insert("_", t.forbidden);
                }
                Err(e) => return e.into_response(),
            }
        }
    }
    if json {
        // Each mistake in the person's language, for the entry kept on the phone.
        let message = errors.values().copied().collect::<Vec<_>>().join(" ");
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(serde_json::json!({ "saved": false, "errors": errors, "message": message })),
        )
            .into_response();
    }
    let view = batch_view(&state, &s, id, form, DEFAULT_STAMPS.into(), errors, None).await;
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
