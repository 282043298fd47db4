//! The batch page's "share" section: the lot's trace codes entered where the registry has no
//! key, and its push to the traceability portal.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::page::{DEFAULT_STAMPS, batch_id, batch_view};
use crate::http::console::posted::Posted;
use crate::http::console::shared::*;
use crate::services::trace_codes::{self, Traced};
use crate::web::console_view::batches::{EventForm, batch_texts};

/// Queues a push of the lot's events to the traceability portal.
pub(in crate::http::console) async fn push_to_portal(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Posted { s, form: _ }: Posted<crate::http::console::sign_in::CsrfForm>,
) -> Response {
    let pushed = async {
        let id = batch_id(&raw)?;
        crate::services::outbox::push_batch(&state.outbox, &s.who, id).await?;
        Ok::<_, AppError>(id)
    }
    .await;
    match pushed {
        Ok(id) => {
            Redirect::to(&format!("/console/batches/{id}?saved=portal#share")).into_response()
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct TracePost {
    /// `product`, `organization` or `farm`: of this lot.
    #[serde(default)]
    subject: String,
    #[serde(default)]
    code: String,
}

/// Sets the trace code of the lot's product, producer or farm.
pub(in crate::http::console) async fn set_trace_code(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Posted { s, form }: Posted<TracePost>,
) -> Response {
    let Ok(id) = batch_id(&raw) else {
        return AppError::NotFound("batch").into_response();
    };
    let (b, t) = (batch_texts(s.lang), s.t());
    let set = async {
        let batch = crate::services::batches::get(&state.db, &s.who, id).await?;
        let (what, subject, field) = match form.subject.as_str() {
            "product" => (Traced::Product, batch.product_id, "trace.product"),
            "organization" => (
                Traced::Organization,
                batch.organization_id,
                "trace.organization",
            ),
            "farm" => {
                let area = batch.growing_area_id.ok_or(AppError::NotFound("farm"))?;
                let area = crate::services::growing_areas::get(&state.db, &s.who, area).await?;
                (Traced::Farm, area.farm_id, "trace.farm")
            }
            _ => return Err(AppError::NotFound("trace code")),
        };
        Ok::<_, AppError>((
            field,
            trace_codes::set(&state.db, &s.who, what, subject, &form.code).await,
        ))
    }
    .await;
    let field = match set {
        Ok((_, Ok(_))) => {
            return Redirect::to(&format!("/console/batches/{id}?saved=trace#share"))
                .into_response();
        }
        Ok((field, Err(e))) => match e {
            AppError::Validation(_) => (field, b.err_trace_code),
            AppError::Conflict { .. } => (field, b.err_trace_gtin),
            AppError::Forbidden(_) => (field, t.forbidden),
            other => return other.into_response(),
        },
        Err(e) => return e.into_response(),
    };
    let view = batch_view(
        &state,
        &s,
        id,
        EventForm::default(),
        DEFAULT_STAMPS.into(),
        BTreeMap::from([field]),
        None,
    )
    .await
    .map(|mut page| {
        page.trace_typed = Some((field.0, form.code.clone()));
        page
    });
    s.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}
