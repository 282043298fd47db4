//! Products and their OCOP certificates.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::posted::Posted;
use super::shared::*;
use crate::services::dashboard;

#[allow(clippy::too_many_arguments)]
async fn products_view(
    state: &AppState,
    signed: &Signed,
    product: ProductForm,
    certification: CertificationForm,
    errors: BTreeMap<&'static str, &'static str>,
    saved: Option<&'static str>,
) -> Result<ProductsPage, AppError> {
    use crate::services::products;
    let (who, lang, t) = (&signed.who, signed.lang, signed.t());
    let org = current_org(state, who).await?;
    let list = products::list(&state.db, who, org.id, everything()).await?;
    let today = crate::services::today();
    let ids: Vec<uuid::Uuid> = list.items.iter().map(|p| p.id).collect();
    let certs = products::current_certifications(state.db.read(), &ids, today).await?;
    let soon = today + chrono::Duration::days(dashboard::EXPIRY_WINDOW_DAYS);
    let rows = list
        .items
        .iter()
        .map(|p| {
            let cert = certs.get(&p.id);
            ProductRow {
                name: p.name.clone(),
                unit: p.unit.clone(),
                gtin: p
                    .gtin
                    .as_deref()
                    .and_then(|g| crate::domain::Gtin::parse(g).ok())
                    .map(|g| g.printed().to_owned())
                    .unwrap_or_default(),
                ocop: cert.map(|c| {
                    (
                        "★".repeat(usize::try_from(c.stars).unwrap_or(0)),
                        format!(
                            "{} · {} {}",
                            c.decision_number,
                            t.valid_until,
                            lang.date(c.valid_until)
                        ),
                    )
                }),
                lapsing: cert.is_some_and(|c| c.valid_until <= soon),
            }
        })
        .collect();
    Ok(ProductsPage {
        c: signed.chrome(),
        organization: org.name,
        products: rows,
        choices: list
            .items
            .iter()
            .map(|p| (p.id.to_string(), p.name.clone()))
            .collect(),
        product,
        certification,
        errors,
        saved,
    })
}

pub(super) async fn products_page(State(state): State<AppState>, signed: Signed) -> Response {
    let t = signed.t();
    let saved = match signed.q.saved.as_deref() {
        Some("product") => Some(t.product_saved),
        Some("certification") => Some(t.certification_saved),
        _ => None,
    };
    let view = products_view(
        &state,
        &signed,
        ProductForm::default(),
        CertificationForm::default(),
        BTreeMap::new(),
        saved,
    )
    .await;
    signed.show(StatusCode::OK, view)
}

#[derive(Deserialize)]
pub struct ProductPost {
    #[serde(flatten)]
    form: ProductForm,
}

pub(super) async fn add_product(
    State(state): State<AppState>,
    Posted {
        s: signed,
        form: post,
    }: Posted<ProductPost>,
) -> Response {
    let (who, t) = (&signed.who, signed.t());
    let form = post.form;
    let mut errors = BTreeMap::new();
    let net_weight_g = number(
        &mut errors,
        "net_weight_g",
        &form.net_weight_g,
        t.err_weight,
    );
    let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    if errors.is_empty() {
        let request = crate::http::products::CreateProduct {
            name: form.name.clone(),
            name_en: None,
            ocop_group: crate::domain::ocop::OcopGroup::parse(form.ocop_group.trim()).ok(),
            ocop_subgroup: None,
            gtin: optional(&form.gtin),
            unit: form.unit.clone(),
            net_weight_g,
            net_volume_ml: None,
            shelf_life_days: None,
            description: optional(&form.description),
            default_link: None,
        };
        let created = async {
            let org = organization_of(&state, who).await?;
            crate::services::products::create(&state.db, who, org, request.parse()?).await
        }
        .await;
        match created {
            Ok(_) => return Redirect::to("/console/products?saved=product").into_response(),
            Err(e) => {
                let known = ["name", "unit", "gtin", "net_weight_g", "description"];
                match form_errors(e, t, &known, "", |f, c| product_error(t, f, c)) {
                    Ok(e) => errors = e,
                    Err(e) => return e.into_response(),
                }
            }
        }
    }
    let view = products_view(
        &state,
        &signed,
        form,
        CertificationForm::default(),
        errors,
        None,
    )
    .await;
    signed.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}

#[derive(Deserialize)]
pub struct CertificationPost {
    #[serde(flatten)]
    form: CertificationForm,
}

pub(super) async fn add_certification(
    State(state): State<AppState>,
    Posted {
        s: signed,
        form: post,
    }: Posted<CertificationPost>,
) -> Response {
    let (who, t) = (&signed.who, signed.t());
    let form = post.form;
    let mut errors = BTreeMap::new();
    let product = uuid::Uuid::parse_str(form.product_id.trim()).ok();
    if product.is_none() {
        errors.insert("cert.product_id", t.err_product);
    }
    let stars = form.stars.trim().parse::<i64>().ok();
    if stars.is_none() {
        errors.insert("cert.stars", t.err_stars);
    }
    let date = chrono::NaiveDate::parse_from_str(form.decision_date.trim(), "%Y-%m-%d").ok();
    if date.is_none() {
        errors.insert("cert.decision_date", t.err_date);
    }
    let level = crate::domain::ocop::OcopLevel::parse(form.level.trim())
        .unwrap_or(crate::domain::ocop::OcopLevel::Province);
    if let (Some(product), Some(stars), Some(decision_date)) = (product, stars, date) {
        let request = crate::http::certifications::CreateCertification {
            stars,
            score: None,
            decision_number: form.decision_number.clone(),
            decision_date,
            issuing_body: form.issuing_body.clone(),
            level,
        };
        let created = async {
            crate::services::certifications::create(&state.db, who, product, request.parse()?).await
        }
        .await;
        match created {
            Ok(_) => {
                // Marketplace listings of the product show the new rating.
                state.product_changed(product);
                return Redirect::to("/console/products?saved=certification").into_response();
            }
            Err(AppError::NotFound(_)) => {
                errors.insert("cert.product_id", t.err_product);
            }
            Err(e) => {
                let known = [
                    "cert.stars",
                    "cert.level",
                    "cert.decision_number",
                    "cert.decision_date",
                    "cert.issuing_body",
                ];
                match form_errors(e, t, &known, "cert.", |f, c| product_error(t, f, c)) {
                    Ok(e) => errors = e,
                    Err(e) => return e.into_response(),
                }
            }
        }
    }
    let view = products_view(&state, &signed, ProductForm::default(), form, errors, None).await;
    signed.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}
