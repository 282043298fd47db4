//! `/console/import`: farms, growing areas and diary events from a spreadsheet. The upload is
//! checked and shown row by row; the page then sends the checked sheet back to be written,
//! where it is checked again and written in one transaction, or not at all.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::posted::{Posted, PostedFile};
use super::shared::*;
use crate::import::rows::{Flag, check, layout_of, write};
use crate::import::{Kind, Layout, Sheet, SheetError, template_csv};
use crate::web::console_view::import::{ImportPage, Preview, import_texts, layout_problem};

fn page(
    s: &Signed,
    kind: &str,
    error: Option<String>,
    preview: Option<crate::web::console_view::import::Preview>,
    imported: Option<usize>,
) -> ImportPage {
    ImportPage {
        c: s.chrome(),
        i: import_texts(s.lang),
        kind: kind.to_owned(),
        error,
        preview,
        imported,
    }
}

pub(super) async fn import_page(s: Signed) -> Response {
    let kind = s.q.kind.clone().unwrap_or_else(|| "farms".into());
    let imported = s.q.imported;
    let view = page(&s, &kind, None, None, imported);
    s.show(StatusCode::OK, Ok(view))
}

/// Checks a sheet and shows what was found: 200 with the button that writes it when every
/// row is good, 422 with the bad cells flagged otherwise.
async fn preview(state: &AppState, s: &Signed, kind: Kind, sheet: Sheet) -> Response {
    let layout = match layout_of(kind, &sheet) {
        Ok(l) => l,
        Err(e) => {
            let error = layout_problem(kind, &e, s.lang);
            let view = page(s, kind.as_str(), Some(error), None, None);
            return s.show(StatusCode::UNPROCESSABLE_ENTITY, Ok(view));
        }
    };
    let checked = async {
        let org = organization_of(state, &s.who).await?;
        check(&state.db, &s.who, org, &layout, &sheet).await
    }
    .await;
    match checked {
        Ok(checked) => {
            let mut p = Preview::of(&checked, s.lang);
            let status = if checked.ready.is_some() {
                p.sheet_json = serde_json::to_string(&sheet).ok();
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            s.show(status, Ok(page(s, kind.as_str(), None, Some(p), None)))
        }
        Err(e) => e.into_response(),
    }
}

pub(super) async fn upload(
    State(state): State<AppState>,
    PostedFile { s, body }: PostedFile,
) -> Response {
    let i = import_texts(s.lang);
    let typed = body.get("kind").unwrap_or_default().to_owned();
    let Some(kind) = Kind::parse(&typed) else {
        let view = page(&s, &typed, Some(i.err_kind.into()), None, None);
        return s.show(StatusCode::UNPROCESSABLE_ENTITY, Ok(view));
    };
    let Some(file) = body.file else {
        let view = page(&s, &typed, Some(i.err_file.into()), None, None);
        return s.show(StatusCode::UNPROCESSABLE_ENTITY, Ok(view));
    };
    let sheet = match Sheet::read_apart(file.bytes.into()).await {
        Ok(sheet) => sheet,
        Err(e) => {
            let view = page(&s, &typed, Some(i.sheet_problem(&e).into()), None, None);
            return s.show(StatusCode::UNPROCESSABLE_ENTITY, Ok(view));
        }
    };
    preview(&state, &s, kind, sheet).await
}

#[derive(Deserialize)]
pub struct Confirm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    sheet: String,
}

pub(super) async fn confirm(
    State(state): State<AppState>,
    Posted { s, form }: Posted<Confirm>,
) -> Response {
    let i = import_texts(s.lang);
    let (Some(kind), Ok(sheet)) = (
        Kind::parse(&form.kind),
        serde_json::from_str::<Sheet>(&form.sheet)
            .map_err(|_| SheetError::Unreadable)
            .and_then(Sheet::within_limits),
    ) else {
        let view = page(&s, &form.kind, Some(i.err_file.into()), None, None);
        return s.show(StatusCode::UNPROCESSABLE_ENTITY, Ok(view));
    };
    // The page sent back what it was shown; it is checked again as if uploaded now.
    let Ok(layout) = Layout::of(kind, &sheet.headers) else {
        return preview(&state, &s, kind, sheet).await;
    };
    let outcome: Result<_, AppError> = async {
        let org = organization_of(&state, &s.who).await?;
        let mut checked = check(&state.db, &s.who, org, &layout, &sheet).await?;
        match checked.ready.take() {
            None => Ok(Err((checked, None))),
            Some(ready) => match write(&state.db, &s.who, org, ready).await? {
                Ok(n) => Ok(Ok(n)),
                Err(fault) => Ok(Err((checked, fault))),
            },
        }
    }
    .await;
    match outcome {
        Ok(Ok(n)) => Redirect::to(&format!(
            "/console/import?kind={}&imported={n}",
            kind.as_str()
        ))
        .into_response(),
        Ok(Err((mut checked, fault))) => {
            // The row the database refused after all is flagged on its first cell.
            if let Some((at, e)) = fault
                && let Some(row) = checked.rows.get_mut(at)
            {
                let flag = match e {
                    AppError::Conflict { code, .. } => Flag::Conflict(code),
                    _ => Flag::Refused,
                };
                row.flags.insert(kind.columns()[0].key, flag);
            }
            let p = Preview::of(&checked, s.lang);
            let view = page(&s, kind.as_str(), Some(i.err_changed.into()), Some(p), None);
            s.show(StatusCode::CONFLICT, Ok(view))
        }
        Err(e) => e.into_response(),
    }
}

pub(super) async fn template(s: Signed) -> Response {
    let Some(kind) = s.q.kind.as_deref().and_then(Kind::parse) else {
        return AppError::NotFound("import template").into_response();
    };
    let disposition = format!("attachment; filename=\"ocop-{}.csv\"", kind.as_str());
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        template_csv(kind, s.lang == Lang::Vi),
    )
        .into_response()
}
