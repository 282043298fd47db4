//! The batch list and the form that opens a batch.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::http::console::posted::Posted;
use crate::http::console::shared::*;
use crate::services::batches;
use crate::web::console_view::batches::{
    BatchForm, BatchRow, BatchesPage, batch_error, batch_texts,
};

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
            quantity: format!("{} {}", s.lang.number(r.quantity), r.unit),
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

pub(in crate::http::console) async fn batches_page(
    State(state): State<AppState>,
    s: Signed,
) -> Response {
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

pub(in crate::http::console) async fn add_batch(
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
