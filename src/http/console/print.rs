//! A stamp run's print files, downloaded from the console: label sheets as PDF on the chosen
//! stock, the printers' CSV, and once, by a form's POST, the sheets with the scratch PINs.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::posted::Posted;
use super::shared::*;
use super::sign_in::CsrfForm;
use crate::print::Template;
use crate::print::template;
use crate::services::print_files::Format;
use crate::stamps::qr::Ecc;

fn run_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound("stamp run"))
}

#[derive(Deserialize, Default)]
pub struct Stock {
    template: Option<String>,
}

fn pdf(stock: &Stock) -> Result<Format, AppError> {
    let id = stock.template.as_deref().unwrap_or(template::DEFAULT);
    let sheet = Template::by_id(id).map_err(|e| AppError::validation("template", e))?;
    Ok(Format::Pdf { sheet, ecc: Ecc::M })
}

async fn download(
    state: AppState,
    s: Signed,
    raw: &str,
    format: Result<Format, AppError>,
    pins: bool,
) -> Response {
    let streamed = async {
        crate::http::print::stream(state, s.who.clone(), run_id(raw)?, format?, pins).await
    }
    .await;
    streamed.unwrap_or_else(IntoResponse::into_response)
}

/// Label sheets without PINs (kept after the first render and served again).
pub(super) async fn labels_pdf(
    State(state): State<AppState>,
    s: Signed,
    Path(raw): Path<String>,
    axum::extract::Query(stock): axum::extract::Query<Stock>,
) -> Response {
    let format = pdf(&stock);
    download(state, s, &raw, format, false).await
}

/// Label sheets with the scratch PINs: a change (the PINs are released and never shown
/// again), so a POST with the form's CSRF token.
pub(super) async fn labels_pdf_with_pins(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Posted { s, form: _ }: Posted<CsrfForm>,
) -> Response {
    let format = pdf(&Stock::default());
    download(state, s, &raw, format, true).await
}

pub(super) async fn stamps_csv(
    State(state): State<AppState>,
    s: Signed,
    Path(raw): Path<String>,
) -> Response {
    download(state, s, &raw, Ok(Format::Csv), false).await
}

fn batch_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound("batch"))
}

/// The batch's Circular 02/2024/TT-BKHCN data set, as the workbook the API serves.
pub(super) async fn dataset_xlsx(
    State(state): State<AppState>,
    s: Signed,
    Path(raw): Path<String>,
) -> Response {
    let made = async {
        let set = crate::services::dataset::of_batch(
            &state.db,
            state.epcis.ids(),
            &s.who,
            batch_id(&raw)?,
        )
        .await?;
        crate::http::dataset::workbook(&set)
    };
    made.await.unwrap_or_else(IntoResponse::into_response)
}

/// The batch's EPCIS 2.0 document, streamed as the API serves it, as a download.
pub(super) async fn epcis_document(
    State(state): State<AppState>,
    s: Signed,
    Path(raw): Path<String>,
) -> Response {
    let made = async {
        let id = batch_id(&raw)?;
        let events =
            crate::services::epcis::of_batch(&state.db, &state.epcis, Some(&s.who), id).await?;
        let mut res = crate::http::epcis::stream(state, events);
        if let Ok(v) = axum::http::HeaderValue::from_str(&format!(
            "attachment; filename=\"epcis-{id}.jsonld\""
        )) {
            res.headers_mut()
                .insert(axum::http::header::CONTENT_DISPOSITION, v);
        }
        Ok::<_, AppError>(res)
    };
    made.await.unwrap_or_else(IntoResponse::into_response)
}
