//! The organization's own page: owners keep its registered facts up to date; others read them.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::posted::Posted;
use super::shared::*;
use crate::domain::role::Action;
use crate::web::console_view::organization::{OrgForm, OrganizationPage, org_texts};

async fn organization_view(
    state: &AppState,
    s: &Signed,
    form: Option<OrgForm>,
    errors: BTreeMap<&'static str, &'static str>,
    saved: bool,
) -> Result<OrganizationPage, AppError> {
    let o = org_texts(s.lang);
    let org = current_org(state, &s.who).await?;
    let owner = s
        .who
        .authorize(org.id, Action::ManageOrganization, "organization")
        .is_ok();
    let kind = o
        .kinds
        .iter()
        .find(|(k, _)| *k == org.kind)
        .map_or("", |(_, v)| v);
    let form = form.unwrap_or(OrgForm {
        name: org.name,
        tax_code: org.tax_code.unwrap_or_default(),
        address: org.address,
        phone: org.phone.unwrap_or_default(),
        email: org.email.unwrap_or_default(),
        website: org.website.unwrap_or_default(),
    });
    Ok(OrganizationPage {
        c: s.chrome(),
        o,
        kind,
        owner,
        form,
        errors,
        saved,
    })
}

pub(super) async fn organization_page(State(state): State<AppState>, s: Signed) -> Response {
    let saved = s.q.saved.is_some();
    let view = organization_view(&state, &s, None, BTreeMap::new(), saved).await;
    s.show(StatusCode::OK, view)
}

#[derive(Deserialize)]
pub struct OrgPost {
    #[serde(flatten)]
    form: OrgForm,
}

pub(super) async fn save_organization(
    State(state): State<AppState>,
    Posted { s, form: post }: Posted<OrgPost>,
) -> Response {
    let (o, t) = (org_texts(s.lang), s.t());
    let form = post.form;
    // An empty field keeps what is stored: the registry never loses a fact by a slip.
    let given = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let request = crate::services::requests::organizations::UpdateOrganization {
        name: given(&form.name),
        tax_code: given(&form.tax_code),
        address: given(&form.address),
        phone: given(&form.phone),
        email: given(&form.email),
        website: given(&form.website),
        ..Default::default()
    };
    let saved = async {
        let org = organization_of(&state, &s.who).await?;
        crate::services::organizations::update(&state.db, &s.who, org, request.parse()?).await
    }
    .await;
    let errors = match saved {
        Ok(_) => return Redirect::to("/console/organization?saved=1").into_response(),
        Err(AppError::Conflict { .. }) => BTreeMap::from([("tax_code", o.err_taken)]),
        Err(e) => {
            let known = ["name", "tax_code", "address", "phone", "email", "website"];
            match form_errors(e, t, &known, "", |f, _| o.field_error(f)) {
                Ok(errors) => errors,
                Err(e) => return e.into_response(),
            }
        }
    };
    let view = organization_view(&state, &s, Some(form), errors, false).await;
    s.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}
