//! Growing-area codes: the list, the form, the code explained as it is typed.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::posted::Posted;
use super::shared::*;

async fn areas_view(
    state: &AppState,
    signed: &Signed,
    form: AreaForm,
    errors: BTreeMap<&'static str, &'static str>,
    saved: bool,
) -> Result<AreasPage, AppError> {
    let (who, lang) = (&signed.who, signed.lang);
    let (organization, farm_rows, areas) = farms_and_areas(state, who, None).await?;
    let areas = areas
        .into_iter()
        .map(|(f, a)| {
            let FarmRow {
                map_url, marker, ..
            } = FarmRow::of(&f, lang);
            AreaRow {
                farm: f.name,
                meaning: explain_code(&a.code, lang),
                code: a.code,
                crop: a.crop,
                map_url,
                marker,
            }
        })
        .collect();
    let meaning = Some(form.code.trim())
        .filter(|c| !c.is_empty())
        .and_then(|c| meaning_of(c, lang));
    Ok(AreasPage {
        c: signed.chrome(),
        organization,
        farms: farm_rows
            .iter()
            .map(|f| (f.id.to_string(), f.name.clone()))
            .collect(),
        areas,
        form,
        meaning,
        errors,
        saved,
    })
}

/// A code's meaning in words, when it is a valid code.
fn meaning_of(code: &str, lang: Lang) -> Option<String> {
    crate::domain::GrowingAreaCode::parse(&code.to_uppercase())
        .ok()
        .map(|c| explain_code(c.as_str(), lang))
}

fn explain_code(code: &str, lang: Lang) -> String {
    crate::web::scan_view::explain_code(code, lang)
}

pub(super) async fn areas_page(State(state): State<AppState>, signed: Signed) -> Response {
    let saved = signed.q.saved.is_some();
    let view = areas_view(&state, &signed, AreaForm::default(), BTreeMap::new(), saved).await;
    signed.show(StatusCode::OK, view)
}

/// The meaning of a code as it is typed (the form's script asks), as plain text.
pub(super) async fn explain(signed: Signed) -> Response {
    let t = signed.t();
    let code = signed.q.code.as_deref().unwrap_or_default().trim();
    let text = if code.is_empty() {
        t.area_code_hint.to_owned()
    } else {
        meaning_of(code, signed.lang).unwrap_or_else(|| t.err_code.to_owned())
    };
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct AreaPost {
    #[serde(flatten)]
    form: AreaForm,
}

/// Reads the typed growing area into the API's request, with a message for each field at
/// fault that the request's own checks cannot name.
fn parse_area(
    form: &AreaForm,
    lang: Lang,
) -> Result<
    (
        uuid::Uuid,
        crate::services::requests::growing_areas::CreateGrowingArea,
    ),
    BTreeMap<&'static str, &'static str>,
> {
    use crate::domain::growing_area::AreaScope;
    let t = texts(lang);
    let mut errors = BTreeMap::new();
    let farm = uuid::Uuid::parse_str(form.farm_id.trim()).ok();
    if farm.is_none() {
        errors.insert("farm_id", t.err_farm);
    }
    let scope = AreaScope::parse(form.scope.trim()).unwrap_or(AreaScope::Domestic);
    let area_ha = number(&mut errors, "area_ha", &form.area_ha, t.err_area);
    let optional = |s: &str| Some(s.trim().to_uppercase()).filter(|s| !s.is_empty());
    match farm {
        Some(farm) if errors.is_empty() => Ok((
            farm,
            crate::services::requests::growing_areas::CreateGrowingArea {
                code: form.code.trim().to_uppercase(),
                scope,
                target_market: optional(&form.target_market),
                crop: form.crop.clone(),
                variety: None,
                area_ha,
                issuer: None,
                issued_on: None,
                valid_until: None,
                boundary: None,
                certificates: Vec::new(),
            },
        )),
        _ => Err(errors),
    }
}

pub(super) async fn add_area(
    State(state): State<AppState>,
    Posted {
        s: signed,
        form: post,
    }: Posted<AreaPost>,
) -> Response {
    let (who, lang, t) = (&signed.who, signed.lang, signed.t());
    let form = post.form;
    let errors = match parse_area(&form, lang) {
        Err(errors) => errors,
        Ok((farm, request)) => {
            let created = async {
                crate::services::growing_areas::create(&state.db, who, farm, request.parse()?).await
            }
            .await;
            match created {
                Ok(_) => return Redirect::to("/console/growing-areas?saved=1").into_response(),
                Err(AppError::Conflict { code, .. }) => {
                    let message = match code {
                        Code::GrowingAreaCodeTaken | Code::Duplicate => t.err_code_taken,
                        other => other.text(lang),
                    };
                    BTreeMap::from([("code", message)])
                }
                // A farm of another organization is as absent as a farm that does not exist.
                Err(AppError::NotFound(_)) => BTreeMap::from([("farm_id", t.err_farm)]),
                Err(e) => {
                    let known = ["code", "target_market", "crop", "area_ha"];
                    match form_errors(e, t, &known, "", |f, c| area_error(t, f, c)) {
                        Ok(errors) => errors,
                        Err(e) => return e.into_response(),
                    }
                }
            }
        }
    };
    let view = areas_view(&state, &signed, form, errors, false).await;
    signed.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}
