//! Sealing a batch and issuing its stamps from the console.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::page::{batch_id, batch_view};
use crate::http::console::posted::Posted;
use crate::http::console::shared::*;
use crate::services::{batches, stamps};
use crate::web::console_view::batches::{EventForm, batch_texts};

pub(in crate::http::console) async fn seal(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Posted { s, form: _ }: Posted<crate::http::console::sign_in::CsrfForm>,
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

pub(in crate::http::console) async fn issue_stamps(
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
