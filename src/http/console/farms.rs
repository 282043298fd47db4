//! Farms: the list and the form.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::posted::Posted;
use super::shared::*;
use crate::services::farms;

async fn farms_view(
    state: &AppState,
    signed: &Signed,
    form: FarmForm,
    errors: BTreeMap<&'static str, &'static str>,
    saved: bool,
) -> Result<FarmsPage, AppError> {
    let (organization, farm_rows) = org_and_farms(state, &signed.who).await?;
    Ok(FarmsPage {
        c: signed.chrome(),
        organization,
        farms: farm_rows
            .iter()
            .map(|f| FarmRow::of(f, signed.lang))
            .collect(),
        form,
        errors,
        saved,
    })
}

pub(super) async fn farms_page(State(state): State<AppState>, signed: Signed) -> Response {
    let saved = signed.q.saved.is_some();
    let view = farms_view(&state, &signed, FarmForm::default(), BTreeMap::new(), saved).await;
    signed.show(StatusCode::OK, view)
}

#[derive(Deserialize)]
pub struct FarmPost {
    #[serde(flatten)]
    form: FarmForm,
}

/// Reads the typed farm into the API's request, with a message for each field at fault.
fn parse_farm(
    form: &FarmForm,
    lang: Lang,
) -> Result<CreateFarm, BTreeMap<&'static str, &'static str>> {
    let t = texts(lang);
    let mut errors = BTreeMap::new();
    let latitude = number(&mut errors, "latitude", &form.latitude, t.err_number);
    let longitude = number(&mut errors, "longitude", &form.longitude, t.err_number);
    if !errors.is_empty() {
        return Err(errors);
    }
    let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(CreateFarm {
        name: form.name.clone(),
        address: form.address.clone(),
        commune_code: optional(&form.commune_code),
        latitude,
        longitude,
    })
}

pub(super) async fn add_farm(
    State(state): State<AppState>,
    Posted {
        s: signed,
        form: post,
    }: Posted<FarmPost>,
) -> Response {
    let (who, lang, t) = (&signed.who, signed.lang, signed.t());
    let form = post.form;
    let errors = match parse_farm(&form, lang) {
        Err(errors) => errors,
        Ok(request) => {
            let created = async {
                let org = organization_of(&state, who).await?;
                farms::create(&state.db, who, org, request.parse()?).await
            }
            .await;
            match created {
                // Post/redirect/get: a reload does not add the farm twice.
                Ok(_) => return Redirect::to("/console/farms?saved=1").into_response(),
                Err(e) => {
                    let known = ["name", "address", "commune_code", "latitude", "longitude"];
                    match form_errors(e, t, &known, "", |f, c| farm_error(t, f, c)) {
                        Ok(errors) => errors,
                        Err(e) => return e.into_response(),
                    }
                }
            }
        }
    };
    let view = farms_view(&state, &signed, form, errors, false).await;
    signed.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}
