//! Marketplace listings: where each stands, creating one, changing its price and stock,
//! recording its live page, pushing it through a marketplace's API, retrying a failed push,
//! and the listing pack for marketplaces without an API.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::posted::Posted;
use super::shared::*;
use crate::error::Code;
use crate::marketplace::Package;
use crate::services::listings::{self, ListingChanges, ListingStatus, NewListing};
use crate::services::outbox;
use crate::web::console_view::listings::{
    ListingForm, ListingRow, ListingsPage, listing_texts, price,
};

const BACK: &str = "/console/listings";

async fn listings_view(
    state: &AppState,
    s: &Signed,
    form: ListingForm,
    errors: BTreeMap<&'static str, &'static str>,
    saved: Option<&'static str>,
    row_error: Option<(String, &'static str)>,
) -> Result<ListingsPage, AppError> {
    let l = listing_texts(s.lang);
    let base = &state.settings.public_base_url;
    let org = current_org(state, &s.who).await?;
    let products = ProductNames::of(state, &s.who, org.id).await?;
    let current = listings::list(&state.db, base, &s.who, org.id, None).await?;
    let ids: Vec<Uuid> = current.iter().map(|c| c.row.id).collect();
    let pushes = outbox::latest_pushes(&state.db, &ids).await?;
    let rows = current
        .into_iter()
        .map(|c| {
            let market = crate::marketplace::by_id(&c.row.marketplace);
            let (status, status_label) = l.status(c.status);
            ListingRow {
                id: c.row.id.to_string(),
                product: products.name(&c.row.product_id),
                marketplace: market.map_or("", |m| m.name()),
                status,
                status_label,
                price: price(c.row.price_vnd),
                stock: c.row.stock,
                problems: c
                    .problems
                    .iter()
                    .map(|p| l.problem(p.code, &p.message))
                    .collect(),
                live_url: c.row.live_url.clone(),
                review: c
                    .row
                    .review_state
                    .clone()
                    .map(|state| (state, c.row.review_detail.clone().unwrap_or_default())),
                push: pushes.get(&c.row.id).map(|j| {
                    (
                        j.id.to_string(),
                        l.push_status(j.status),
                        j.attempts,
                        j.last_error.clone().unwrap_or_default(),
                        j.status == entity::outbox_job::JobStatus::Failed,
                    )
                }),
                api: market.is_some_and(|m| m.api().is_some()),
                pushable: c.problems.is_empty()
                    && !matches!(c.status, ListingStatus::Live | ListingStatus::InReview),
                is_default: c.row.live_url.is_some()
                    && products.defaults.get(&c.row.product_id) == c.row.live_url.as_ref(),
            }
        })
        .collect();
    Ok(ListingsPage {
        c: s.chrome(),
        l,
        organization: org.name,
        rows,
        products: products.choices,
        marketplaces: crate::marketplace::registry()
            .map(|m| (m.id(), m.name(), m.api().is_some()))
            .collect(),
        form,
        errors,
        saved,
        row_error,
    })
}

pub(super) async fn listings_page(State(state): State<AppState>, s: Signed) -> Response {
    let l = listing_texts(s.lang);
    let saved = match s.q.saved.as_deref() {
        Some("listing") => Some(l.saved),
        Some("queued") => Some(l.queued),
        Some("default") => Some(l.default_saved),
        _ => None,
    };
    let view = listings_view(
        &state,
        &s,
        ListingForm::default(),
        BTreeMap::new(),
        saved,
        None,
    )
    .await;
    s.show(StatusCode::OK, view)
}

/// A whole number of đồng or items typed with or without thousands separators.
fn whole(typed: &str) -> Option<i64> {
    typed
        .trim()
        .replace(['.', ',', ' '], "")
        .parse::<i64>()
        .ok()
        .filter(|v| *v >= 0)
}

#[derive(Deserialize)]
pub struct ListingPost {
    #[serde(flatten)]
    form: ListingForm,
}

pub(super) async fn add_listing(
    State(state): State<AppState>,
    Posted { s, form: post }: Posted<ListingPost>,
) -> Response {
    let (l, t) = (listing_texts(s.lang), s.t());
    let form = post.form;
    let mut errors = BTreeMap::new();
    let product = Uuid::parse_str(form.product_id.trim()).ok();
    let market = crate::marketplace::by_id(form.marketplace.trim());
    if market.is_none() {
        errors.insert("marketplace", l.err_market);
    }
    let price_vnd = whole(&form.price_vnd);
    if price_vnd.is_none() {
        errors.insert("price_vnd", l.err_price);
    }
    let stock = whole(&form.stock);
    if stock.is_none() {
        errors.insert("stock", l.err_stock);
    }
    let sizes = [
        ("weight_g", &form.weight_g),
        ("length_cm", &form.length_cm),
        ("width_cm", &form.width_cm),
        ("height_cm", &form.height_cm),
    ];
    let package = if sizes.iter().all(|(_, v)| v.trim().is_empty()) {
        None
    } else {
        let [w, len, wid, h] = sizes.map(|(field, typed)| {
            let v = number(&mut errors, field, typed, l.err_size);
            if v.is_none_or(|v| v <= 0.0) {
                errors.insert(field, l.err_size);
            }
            v.unwrap_or_default()
        });
        Some(Package {
            weight_g: w,
            length_cm: len,
            width_cm: wid,
            height_cm: h,
        })
    };
    if let (Some(product), Some(marketplace), Some(price_vnd), Some(stock), true) =
        (product, market, price_vnd, stock, errors.is_empty())
    {
        let new = NewListing {
            marketplace,
            batch_id: None,
            sku: None,
            price_vnd,
            stock,
            package,
        };
        let base = &state.settings.public_base_url;
        match listings::create(&state.db, base, &s.who, product, new).await {
            Ok(_) => return Redirect::to(&format!("{BACK}?saved=listing")).into_response(),
            Err(AppError::Conflict { .. }) => {
                errors.insert("marketplace", l.err_taken);
            }
            Err(AppError::NotFound(_)) => {
                errors.insert("_", t.err_product);
            }
            Err(e) => {
                let known = ["price_vnd", "stock"];
                let message = |f: &str, _| {
                    if f == "stock" {
                        l.err_stock
                    } else {
                        l.err_price
                    }
                };
                match form_errors(e, t, &known, "", message) {
                    Ok(e) => errors = e,
                    Err(e) => return e.into_response(),
                }
            }
        }
    } else if product.is_none() {
        errors.insert("_", t.err_product);
    }
    let view = listings_view(&state, &s, form, errors, None, None).await;
    s.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}

fn listing_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound("listing"))
}

/// Shows the page again with a message on one listing's own form.
async fn row_failed(state: &AppState, s: &Signed, id: &str, message: &'static str) -> Response {
    let row_error = Some((id.to_owned(), message));
    let view = listings_view(
        state,
        s,
        ListingForm::default(),
        BTreeMap::new(),
        None,
        row_error,
    )
    .await;
    s.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}

#[derive(Deserialize)]
pub struct ChangePost {
    #[serde(default)]
    price_vnd: String,
    #[serde(default)]
    stock: String,
    #[serde(default)]
    live_url: String,
}

pub(super) async fn change_listing(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Posted { s, form: post }: Posted<ChangePost>,
) -> Response {
    let l = listing_texts(s.lang);
    let Ok(id) = listing_id(&raw) else {
        return AppError::NotFound("listing").into_response();
    };
    let typed = |v: &str, parse: fn(&str) -> Option<i64>| match v.trim() {
        "" => Ok(None),
        t => parse(t).map(Some).ok_or(()),
    };
    let (Ok(price_vnd), Ok(stock)) = (typed(&post.price_vnd, whole), typed(&post.stock, whole))
    else {
        return row_failed(&state, &s, &raw, l.err_price).await;
    };
    let changes = ListingChanges {
        price_vnd,
        stock,
        package: None,
        live_url: Some(post.live_url.trim().to_owned()).filter(|u| !u.is_empty()),
    };
    let base = &state.settings.public_base_url;
    match listings::update(&state.db, base, &s.who, id, changes).await {
        Ok(updated) => {
            state.product_changed(updated.row.product_id);
            Redirect::to(&format!("{BACK}?saved=listing#listing-{id}")).into_response()
        }
        Err(AppError::Validation(problems)) => {
            let message = if problems.iter().any(|p| p.field == "live_url") {
                l.err_live_url
            } else if problems.iter().any(|p| p.field == "stock") {
                l.err_stock
            } else {
                l.err_price
            };
            row_failed(&state, &s, &raw, message).await
        }
        Err(AppError::Forbidden(_)) => row_failed(&state, &s, &raw, s.t().forbidden).await,
        Err(e) => e.into_response(),
    }
}

pub(super) async fn push(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Posted { s, form: _ }: Posted<super::sign_in::CsrfForm>,
) -> Response {
    let l = listing_texts(s.lang);
    let Ok(id) = listing_id(&raw) else {
        return AppError::NotFound("listing").into_response();
    };
    let base = &state.settings.public_base_url;
    match outbox::enqueue(&state.outbox, base, &s.who, id).await {
        Ok(_) => Redirect::to(&format!("{BACK}?saved=queued#listing-{id}")).into_response(),
        Err(AppError::Conflict { .. } | AppError::Validation(_)) => {
            row_failed(&state, &s, &raw, l.err_push).await
        }
        Err(AppError::Forbidden(_)) => row_failed(&state, &s, &raw, s.t().forbidden).await,
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct DefaultPost {
    /// `1`: make the live page the product's default link; anything else: remove it.
    #[serde(default)]
    on: String,
}

/// Makes a live listing's page what a scan of the product's stamps opens, or stops that.
pub(super) async fn default_link(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Posted { s, form }: Posted<DefaultPost>,
) -> Response {
    let Ok(id) = listing_id(&raw) else {
        return AppError::NotFound("listing").into_response();
    };
    let base = &state.settings.public_base_url;
    let changed = async {
        let current = listings::get(&state.db, base, &s.who, id).await?;
        let link = match (form.on.as_str(), &current.row.live_url) {
            ("1", Some(url)) => Some(url::Url::parse(url).map_err(AppError::internal)?),
            ("1", None) => {
                return Err(AppError::conflict(
                    Code::NotLive,
                    "only a live listing's page can be opened by scans",
                ));
            }
            _ => None,
        };
        let changes = crate::services::products::ProductChanges {
            default_link: Some(link),
            ..Default::default()
        };
        crate::services::products::update(&state.db, &s.who, current.row.product_id, changes).await
    }
    .await;
    match changed {
        Ok(product) => {
            state.product_changed(product.id);
            Redirect::to(&format!("{BACK}?saved=default#listing-{id}")).into_response()
        }
        Err(AppError::Forbidden(_)) => row_failed(&state, &s, &raw, s.t().forbidden).await,
        Err(e) => e.into_response(),
    }
}

pub(super) async fn retry(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Posted { s, form: _ }: Posted<super::sign_in::CsrfForm>,
) -> Response {
    let retried = async {
        let job = Uuid::parse_str(&raw).map_err(|_| AppError::NotFound("push"))?;
        outbox::retry(&state.outbox, &s.who, job).await
    }
    .await;
    match retried {
        Ok(job) => {
            Redirect::to(&format!("{BACK}?saved=queued#listing-{}", job.listing_id)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct PackPost {
    #[serde(default)]
    marketplace: String,
}

/// Builds the marketplace's listing pack and sends it as a download.
pub(super) async fn pack(
    State(state): State<AppState>,
    Posted { s, form: post }: Posted<PackPost>,
) -> Response {
    let l = listing_texts(s.lang);
    let Some(market) = crate::marketplace::by_id(post.marketplace.trim()) else {
        return AppError::NotFound("marketplace").into_response();
    };
    let made = async {
        let org = organization_of(&state, &s.who).await?;
        let base = &state.settings.public_base_url;
        listings::export_pack(&state.blobs, base, &s.who, org, market, &[], &|_, _, _| {}).await
    }
    .await;
    match made {
        Ok((file, _)) => {
            let sent = async {
                let key = crate::storage::BlobKey::parse(&file.sha256)?;
                let name = file.original_name.as_deref();
                crate::http::files::stream(&state, &key, &file.content_type, name, "no-store").await
            }
            .await;
            sent.unwrap_or_else(IntoResponse::into_response)
        }
        Err(AppError::Validation(_) | AppError::Conflict { .. }) => {
            let errors = BTreeMap::from([("pack", l.err_pack)]);
            let view = listings_view(&state, &s, ListingForm::default(), errors, None, None).await;
            s.show(StatusCode::UNPROCESSABLE_ENTITY, view)
        }
        Err(e) => e.into_response(),
    }
}
