//! Print files for a stamp run, streamed: `labels.pdf`, `labels.zpl`, `stamps.csv`; and the
//! label templates they can use.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::extract::{AppQuery, PathId};
use super::files;
use crate::auth::Principal;
use crate::error::AppError;
use crate::print::Template;
use crate::print::template::{self, Overrides};
use crate::print::zpl::{Dpi, Stock};
use crate::services::print_files::{self as service, Format};
use crate::stamps::qr::Ecc;
use crate::state::AppState;
use crate::storage::BlobKey;
use bytes::BytesMut;
use futures_util::StreamExt;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PdfQuery {
    /// Label stock: `a4-65-38x21` (default), `a4-40-52x29` or `a4-24-70x37`; see
    /// `/api/v1/label-templates`. The measurements below override the template's.
    pub template: Option<String>,
    pub columns: Option<u32>,
    pub rows: Option<u32>,
    pub label_width_mm: Option<f64>,
    pub label_height_mm: Option<f64>,
    pub margin_left_mm: Option<f64>,
    pub margin_top_mm: Option<f64>,
    pub gap_x_mm: Option<f64>,
    pub gap_y_mm: Option<f64>,
    /// QR error correction, M (default) or Q.
    pub ecc: Option<Ecc>,
    /// Print the scratch PINs. Allowed once per run: the PINs are never shown again.
    #[serde(default)]
    pub pins: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ZplQuery {
    /// Printer resolution: 203 (default) or 300 dpi.
    pub dpi: Option<u32>,
    /// Label width in mm (default 50).
    pub width_mm: Option<f64>,
    /// Label height in mm (default 30).
    pub height_mm: Option<f64>,
    pub ecc: Option<Ecc>,
    #[serde(default)]
    pub pins: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CsvQuery {
    #[serde(default)]
    pub pins: bool,
}

/// Checks everything; serves a file kept from an earlier request when there is one;
/// otherwise releases the PINs when asked and streams the run in `format`. A file without
/// PINs is kept in the blob store as it streams (even if the client goes away), so the next
/// request on any app node is served from the store. A file with PINs is never kept; it
/// counts as delivered only once its last byte was handed to the connection (after any
/// compression layer has taken it all), so a download cut short can be tried again.
pub(crate) async fn stream(
    state: AppState,
    who: Principal,
    run_id: Uuid,
    format: Format,
    pins: bool,
) -> Result<Response, AppError> {
    let mut job = service::prepare(&state.db, &who, run_id).await?;
    let (content_type, ext) = (format.content_type(), format.extension());
    let file_name = job.file_name(ext);
    let variant = (!pins).then(|| format.variant(&job));
    if let Some(v) = &variant
        && let Some(kept) = service::kept(&state.db, &job, v).await?
    {
        let key = BlobKey::parse(&kept.sha256)?;
        return files::stream(&state, &key, content_type, Some(&file_name), "no-store").await;
    }
    let renderer = service::renderer(format, &job, &state.settings.public_base_url, pins)?;
    if pins {
        service::release_pins(&state.db, &who, &mut job).await?;
    }
    let delivered = pins.then(|| {
        let (db, run_id) = (state.db.clone(), job.run.id);
        async move {
            if let Err(e) = service::pins_delivered(&db, run_id).await {
                tracing::error!(run.id = %run_id, error = %e.into_anyhow(), "a PIN sheet was sent whole but could not be marked delivered");
            }
        }
    });
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let background = state.background.clone();
    background.spawn(async move {
        let (rendered_tx, mut rendered) = tokio::sync::mpsc::channel(4);
        let base = state.settings.public_base_url.clone();
        let render = async {
            let result = service::render(
                &state.db,
                &job,
                &base,
                &state.pin_key,
                renderer,
                &rendered_tx,
                &|_| {},
            )
            .await;
            drop(rendered_tx);
            result
        };
        // Forwards to the client and, for a file to keep, collects the bytes.
        let tee = async {
            let mut collected = variant.as_ref().map(|_| BytesMut::new());
            let mut client_open = true;
            while let Some(item) = rendered.recv().await {
                if let (Some(buf), Ok(bytes)) = (collected.as_mut(), &item) {
                    buf.extend_from_slice(bytes);
                }
                if client_open && tx.send(item).await.is_err() {
                    client_open = false;
                    if collected.is_none() {
                        break; // nothing to keep: stop rendering
                    }
                }
            }
            collected
        };
        let (result, collected) = tokio::join!(render, tee);
        match (result, collected, variant) {
            (Err(e), _, _) => {
                tracing::error!(run.id = %job.run.id, error = %e.into_anyhow(), "print file failed while streaming");
                let _ = tx
                    .send(Err(std::io::Error::other("print file failed")))
                    .await;
            }
            (Ok(()), Some(bytes), Some(variant)) => {
                let kept = service::keep(
                    &state.blobs,
                    &who,
                    &job,
                    variant,
                    content_type,
                    bytes.freeze(),
                )
                .await;
                if let Err(e) = kept {
                    // The client has its file; the next request renders again.
                    tracing::warn!(run.id = %job.run.id, error = %e.into_anyhow(), "could not keep the print file");
                }
            }
            _ => {}
        }
    });
    // Fused: a compression layer may poll the body again after its end, which an unfused
    // `unfold` answers with a panic (the first gzip download of a print file was cut off).
    let body = futures_util::stream::unfold(
        (rx, delivered, false),
        |(mut rx, delivered, failed)| async move {
            match rx.recv().await {
                Some(item) => {
                    let failed = failed || item.is_err();
                    Some((item, (rx, delivered, failed)))
                }
                None => {
                    if let (false, Some(mark)) = (failed, delivered) {
                        mark.await;
                    }
                    None
                }
            }
        },
    )
    .fuse();
    let mut res = Response::new(Body::from_stream(body));
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    // PINs must not linger in caches.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// Label sheets as a vector PDF: QR code, product name, OCOP stars of a certificate in force,
/// lot, serial and (once) the scratch PIN on each label. Void stamps are left out.
#[utoipa::path(get, path = "/api/v1/stamp-runs/{id}/labels.pdf", operation_id = "get_labels_pdf", tag = "stamps", params(("id" = Uuid, Path, description = "stamp run"), PdfQuery),
    responses((status = 200, content_type = "application/pdf", body = inline(crate::http::contract::Binary)), (status = 404), (status = 409, description = "nothing to print, no PINs, or PINs already released"), (status = 422)))]
pub async fn pdf(
    State(state): State<AppState>,
    who: Principal,
    PathId(run_id): PathId,
    AppQuery(q): AppQuery<PdfQuery>,
) -> Result<Response, AppError> {
    let id = q.template.as_deref().unwrap_or(template::DEFAULT);
    let base = Template::by_id(id).map_err(|e| AppError::validation("template", e))?;
    let sheet = base.customised(&Overrides {
        columns: q.columns,
        rows: q.rows,
        label_width_mm: q.label_width_mm,
        label_height_mm: q.label_height_mm,
        margin_left_mm: q.margin_left_mm,
        margin_top_mm: q.margin_top_mm,
        gap_x_mm: q.gap_x_mm,
        gap_y_mm: q.gap_y_mm,
    })?;
    let format = Format::Pdf {
        sheet,
        ecc: q.ecc.unwrap_or(Ecc::M),
    };
    stream(state, who, run_id, format, q.pins).await
}

/// One ZPL II label per stamp for 203 or 300 dpi thermal printers; the QR module is a whole
/// number of dots and at least 0.4 mm.
#[utoipa::path(get, path = "/api/v1/stamp-runs/{id}/labels.zpl", operation_id = "get_labels_zpl", tag = "stamps", params(("id" = Uuid, Path, description = "stamp run"), ZplQuery),
    responses((status = 200, content_type = "application/zpl", body = String), (status = 404), (status = 409), (status = 422)))]
pub async fn zpl(
    State(state): State<AppState>,
    who: Principal,
    PathId(run_id): PathId,
    AppQuery(q): AppQuery<ZplQuery>,
) -> Result<Response, AppError> {
    let dpi = Dpi::parse(q.dpi.unwrap_or(203)).map_err(|e| AppError::validation("dpi", e))?;
    let format = Format::Zpl {
        stock: Stock {
            dpi,
            width_mm: q.width_mm.unwrap_or(50.0),
            height_mm: q.height_mm.unwrap_or(30.0),
        },
        ecc: q.ecc.unwrap_or(Ecc::M),
    };
    stream(state, who, run_id, format, q.pins).await
}

/// The run's printable stamps as CSV for printing houses (UTF-8 with BOM, CRLF).
#[utoipa::path(get, path = "/api/v1/stamp-runs/{id}/stamps.csv", operation_id = "get_stamps_csv", tag = "stamps", params(("id" = Uuid, Path, description = "stamp run"), CsvQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404), (status = 409)))]
pub async fn csv(
    State(state): State<AppState>,
    who: Principal,
    PathId(run_id): PathId,
    AppQuery(q): AppQuery<CsvQuery>,
) -> Result<Response, AppError> {
    stream(state, who, run_id, Format::Csv, q.pins).await
}

/// The label-stock templates shipped for `labels.pdf`.
#[utoipa::path(get, path = "/api/v1/label-templates", operation_id = "list_label_templates", tag = "stamps", responses((status = 200, body = Vec<Template>)))]
pub async fn templates(_who: Principal) -> Json<Vec<Template>> {
    Json(Template::all())
}
