//! `/console`: the producer console, server-rendered pages on the same services as the API.
//!
//! - A session is an API token made at sign-in and kept in an HttpOnly, SameSite=Lax cookie
//!   (Secure when the service is served over HTTPS), valid for
//!   [`SESSION_HOURS`](crate::services::accounts::SESSION_HOURS); signing out revokes it.
//! - Every form that changes something carries a CSRF token derived from the session's secret
//!   (which a page of another site can neither read nor guess); a POST whose `Origin` names
//!   another host is refused too.
//! - Sign-in attempts are limited per client address.
//! - Vietnamese by default; `?lang=en` switches and is remembered in a cookie.
//! - A form with mistakes comes back with what was typed and a message next to each field.

use std::collections::BTreeMap;

use axum::extract::DefaultBodyLimit;
use axum::extract::Query;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

mod batches;
mod dashboard;
mod farms;
mod growing_areas;
mod import;
mod listings;
mod members;
mod multipart;
mod organization;
mod print;
mod products;
mod sign_in;

use serde::Deserialize;

use super::extract::ClientAddr;
use super::scan::html;
use crate::auth::Principal;
use crate::domain::contact::Login;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::accounts::{self, SESSION_HOURS};
use crate::services::requests::farms::CreateFarm;
use crate::state::AppState;
use crate::web::console_view::{
    AreaForm, AreaRow, AreasPage, CertificationForm, Chrome, DashboardPage, FarmForm, FarmRow,
    FarmsPage, ProductForm, ProductRow, ProductsPage, SignInPage, area_error, farm_error,
    product_error, texts,
};
use crate::web::scan_view::stars;

const SESSION_COOKIE: &str = "ocop_session";
const LANG_COOKIE: &str = "ocop_lang";

/// The console's routes; a diary entry may carry a photo of up to `upload_max_bytes`.
pub fn router(upload_max_bytes: usize) -> axum::Router<AppState> {
    // Room for the multipart framing and the form's other fields around the file.
    let upload_limit = upload_max_bytes.saturating_add(64 * 1024);
    axum::Router::new()
        .route("/console", get(dashboard::home))
        .route(
            "/console/",
            get(|| async { Redirect::permanent("/console") }),
        )
        .route(
            "/console/sign-in",
            get(sign_in::sign_in_page).post(sign_in::sign_in),
        )
        .route("/console/sign-out", post(sign_in::sign_out))
        .route(
            "/console/farms",
            get(farms::farms_page).post(farms::add_farm),
        )
        .route(
            "/console/growing-areas",
            get(growing_areas::areas_page).post(growing_areas::add_area),
        )
        .route(
            "/console/products",
            get(products::products_page).post(products::add_product),
        )
        .route(
            "/console/products/certifications",
            post(products::add_certification),
        )
        .route(
            "/console/growing-areas/explain",
            get(growing_areas::explain),
        )
        .route(
            "/console/batches",
            get(batches::batches_page).post(batches::add_batch),
        )
        .route("/console/batches/{id}", get(batches::batch_page))
        .route(
            "/console/batches/{id}/events",
            post(batches::add_event).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/console/batches/{id}/seal", post(batches::seal))
        .route("/console/batches/{id}/stamps", post(batches::issue_stamps))
        .route(
            "/console/stamp-runs/{id}/labels.pdf",
            get(print::labels_pdf).post(print::labels_pdf_with_pins),
        )
        .route(
            "/console/stamp-runs/{id}/stamps.csv",
            get(print::stamps_csv),
        )
        .route(
            "/console/import",
            get(import::import_page)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/console/import/confirm",
            // The checked sheet comes back as JSON text in a form field.
            post(import::confirm).layer(DefaultBodyLimit::max(upload_limit.saturating_mul(3))),
        )
        .route("/console/import/template.csv", get(import::template))
        .route(
            "/console/listings",
            get(listings::listings_page).post(listings::add_listing),
        )
        .route("/console/listings/{id}", post(listings::change_listing))
        .route("/console/listings/{id}/push", post(listings::push))
        .route(
            "/console/listings/{id}/default",
            post(listings::default_link),
        )
        .route("/console/pushes/{id}/retry", post(listings::retry))
        .route("/console/listing-packs", post(listings::pack))
        .route("/console/account", get(members::account_page))
        .route("/console/account/password", post(members::change_password))
        .route(
            "/console/account/organization",
            post(members::switch_organization),
        )
        .route(
            "/console/organization",
            get(organization::organization_page).post(organization::save_organization),
        )
        .route(
            "/console/members",
            get(members::members_page).post(members::invite),
        )
        .route("/console/members/{id}/role", post(members::change_role))
        .route(
            "/console/invitations/{secret}",
            get(members::invitation).post(members::accept),
        )
        .layer(axum::middleware::map_response(error_pages))
        .route("/static/console.js", get(js))
        .route("/static/console.css", get(css))
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
    saved: Option<String>,
    /// A growing-area code to explain.
    code: Option<String>,
    /// What an import brings in, and how many rows it just wrote.
    kind: Option<String>,
    imported: Option<usize>,
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// `?lang=` first, then the remembered choice, then `Accept-Language`.
fn lang(q: &LangQuery, headers: &HeaderMap) -> Lang {
    let chosen = q.lang.as_deref().or_else(|| cookie(headers, LANG_COOKIE));
    Lang::choose(
        chosen,
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Remembers an explicit `?lang=` choice.
fn remember_lang(res: &mut Response, q: &LangQuery) {
    if let Some(l @ ("vi" | "en")) = q.lang.as_deref()
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={l}; Path=/console; Max-Age=31536000; SameSite=Lax"
        ))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn secure_flag(state: &AppState) -> &'static str {
    if state.settings.public_base_url.scheme() == "https" {
        "; Secure"
    } else {
        ""
    }
}

fn session_cookie(state: &AppState, secret: &str, max_age: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; Path=/console; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
        secure_flag(state)
    ))
    .ok()
}

fn csrf_mac(secret: &str) -> hmac::Hmac<sha2::Sha256> {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(b"ocop-console-csrf");
    mac
}

/// The CSRF token of a session: an HMAC keyed with its secret, which only pages of this site
/// can show.
pub fn csrf_token(secret: &str) -> String {
    use hmac::Mac;
    data_encoding::HEXLOWER.encode(&csrf_mac(secret).finalize().into_bytes())
}

/// The `Origin` of a POST, when the browser sends one, names this host.
fn origin_ok(headers: &HeaderMap) -> bool {
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            url::Url::parse(origin).is_ok_and(|u| {
                let o = match u.port() {
                    Some(p) => format!("{}:{p}", u.host_str().unwrap_or_default()),
                    None => u.host_str().unwrap_or_default().to_owned(),
                };
                o.eq_ignore_ascii_case(host)
            })
        }
    }
}

/// The signed-in person, or the way to the sign-in page.
async fn session(state: &AppState, headers: &HeaderMap) -> Result<(Principal, String), Response> {
    let to_sign_in = || Redirect::to("/console/sign-in").into_response();
    let secret = cookie(headers, SESSION_COOKIE).ok_or_else(to_sign_in)?;
    match accounts::session(&state.db, secret).await {
        Ok(who) => Ok((who, secret.to_owned())),
        Err(AppError::Unauthenticated { .. }) => Err(to_sign_in()),
        Err(e) => Err(e.into_response()),
    }
}

/// The organization whose pages a principal sees: its own, or for a platform administrator
/// the first one registered.
async fn organization_of(state: &AppState, who: &Principal) -> Result<uuid::Uuid, AppError> {
    if let Some(id) = who.organization() {
        return Ok(id);
    }
    use sea_orm::{EntityTrait, QueryOrder};
    entity::organization::Entity::find()
        .order_by_asc(entity::organization::Column::Id)
        .one(state.db.read())
        .await?
        .map(|o| o.id)
        .ok_or(AppError::NotFound("organization"))
}

fn page(res: Response, q: &LangQuery) -> Response {
    let mut res = res;
    remember_lang(&mut res, q);
    res
}

/// One page as long as a page may be: the console lists an organization's records whole.
fn everything() -> crate::services::PageRequest {
    crate::services::PageRequest {
        limit: crate::services::MAX_PAGE,
        after: None,
    }
}

/// The organization a principal works in, as a record.
async fn current_org(
    state: &AppState,
    who: &Principal,
) -> Result<entity::organization::Model, AppError> {
    let id = organization_of(state, who).await?;
    crate::services::organization(state.db.read(), who, id, crate::domain::role::Action::Read).await
}

/// A signed-in console request: who, the session's secret (which keys the forms' CSRF
/// token), the language, and whether the request came from a page of this host. Without a
/// live session the request is sent to the sign-in page.
pub struct Signed {
    who: Principal,
    secret: String,
    lang: Lang,
    q: LangQuery,
    same_origin: bool,
}

impl axum::extract::FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        // A query that does not parse only loses its language choice.
        let q = Query::<LangQuery>::try_from_uri(&parts.uri)
            .map(|Query(q)| q)
            .unwrap_or_default();
        let (who, secret) = session(state, &parts.headers).await?;
        Ok(Self {
            lang: lang(&q, &parts.headers),
            same_origin: origin_ok(&parts.headers),
            who,
            secret,
            q,
        })
    }
}

impl Signed {
    fn t(&self) -> &'static crate::web::console_view::ConsoleTexts {
        texts(self.lang)
    }

    fn chrome(&self) -> Chrome {
        Chrome::new(
            self.lang,
            csrf_token(&self.secret),
            Some(self.who.name.clone()),
        )
    }

    /// A form's POST is this site's: its CSRF token matches the session's and its origin is
    /// this host.
    fn posted_here(&self, csrf: Option<&str>) -> bool {
        use hmac::Mac;
        self.same_origin
            && csrf
                .and_then(|g| data_encoding::HEXLOWER.decode(g.as_bytes()).ok())
                .is_some_and(|g| csrf_mac(&self.secret).verify_slice(&g).is_ok())
    }

    /// Shows a page with `status`, remembering an explicit language choice, or the error.
    fn show(&self, status: StatusCode, view: Result<impl askama::Template, AppError>) -> Response {
        match view {
            Ok(view) => page(html(status, view), &self.q),
            Err(e) => e.into_response(),
        }
    }
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "Yêu cầu không hợp lệ (thiếu mã bảo vệ biểu mẫu). Hãy tải lại trang và thử lại.\n\
         Invalid request (form protection code missing). Reload the page and try again.",
    )
        .into_response()
}

/// An optional decimal typed in a form (a comma taken as the decimal point); a message under
/// `field` when it is not a number.
pub(crate) fn number(
    errors: &mut BTreeMap<&'static str, &'static str>,
    field: &'static str,
    typed: &str,
    message: &'static str,
) -> Option<f64> {
    crate::domain::text::decimal(typed).unwrap_or_else(|()| {
        errors.insert(field, message);
        None
    })
}

/// The organization's name and farms, for the pages that list or choose farms.
async fn org_and_farms(
    state: &AppState,
    who: &Principal,
) -> Result<(String, Vec<entity::farm::Model>), AppError> {
    let org = current_org(state, who).await?;
    let list = crate::services::farms::list(
        &state.db,
        who,
        org.id,
        crate::services::farms::FarmFilter { commune_code: None },
        everything(),
    )
    .await?;
    Ok((org.name, list.items))
}

/// The organization's products for a form's choice (id, name), and their names by id for
/// lists that name each row's product.
struct ProductNames {
    choices: Vec<(String, String)>,
    by_id: std::collections::HashMap<uuid::Uuid, String>,
    /// Each product's default link, where it has one.
    defaults: std::collections::HashMap<uuid::Uuid, String>,
}

impl ProductNames {
    async fn of(state: &AppState, who: &Principal, org: uuid::Uuid) -> Result<Self, AppError> {
        let list = crate::services::products::list(&state.db, who, org, everything()).await?;
        Ok(Self {
            by_id: list.items.iter().map(|p| (p.id, p.name.clone())).collect(),
            defaults: list
                .items
                .iter()
                .filter_map(|p| p.default_link.clone().map(|d| (p.id, d)))
                .collect(),
            choices: list
                .items
                .into_iter()
                .map(|p| (p.id.to_string(), p.name))
                .collect(),
        })
    }

    fn name(&self, id: &uuid::Uuid) -> String {
        self.by_id.get(id).cloned().unwrap_or_default()
    }
}

/// The organization's name, its farms, and its growing areas (with `status`, when given),
/// each with its farm: three queries however many farms there are.
async fn farms_and_areas(
    state: &AppState,
    who: &Principal,
    status: Option<crate::domain::growing_area::AreaStatus>,
) -> Result<
    (
        String,
        Vec<entity::farm::Model>,
        Vec<(entity::farm::Model, entity::growing_area::Model)>,
    ),
    AppError,
> {
    let (name, farms) = org_and_farms(state, who).await?;
    let Some(org) = farms.first().map(|f| f.organization_id) else {
        return Ok((name, farms, Vec::new()));
    };
    let areas = crate::services::growing_areas::list_in_organization(&state.db, who, org, status)
        .await?
        .into_iter()
        .filter_map(|a| {
            let farm = farms.iter().find(|f| f.id == a.farm_id)?.clone();
            Some((farm, a))
        })
        .collect();
    Ok((name, farms, areas))
}

/// The field of a form a problem of the API's request names, as the page knows it.
fn field_of(field: &str, known: &[&'static str], prefix: &'static str) -> Option<&'static str> {
    known
        .iter()
        .copied()
        .find(|k| k.strip_prefix(prefix) == Some(field))
}

/// What a failed write says on the page: each problem next to its field, a refused role at the
/// top; anything else is an error page.
fn form_errors(
    e: AppError,
    t: &'static crate::web::console_view::ConsoleTexts,
    known: &[&'static str],
    prefix: &'static str,
    message: impl Fn(&str, &str) -> &'static str,
) -> Result<BTreeMap<&'static str, &'static str>, AppError> {
    match e {
        AppError::Validation(problems) => Ok(problems
            .iter()
            .filter_map(|p| field_of(&p.field, known, prefix).map(|f| (f, message(f, &p.code))))
            .collect()),
        AppError::Forbidden(_) => Ok(BTreeMap::from([("_", t.forbidden)])),
        other => Err(other),
    }
}

const JS: &str = include_str!("../../../static/console.js");

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
        .into_response()
}

const CSS: &str = include_str!("../../../static/console.css");

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// Largest problem body read to show its detail.
const PROBLEM_BYTES: usize = 16 * 1024;

/// Turns the service's problem+json answers into a page a person can read, with a way back.
async fn error_pages(res: Response) -> Response {
    let problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !problem {
        return res;
    }
    let (parts, body) = res.into_parts();
    let detail = axum::body::to_bytes(body, PROBLEM_BYTES)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
        .unwrap_or_default();
    let view = crate::web::console_view::ErrorPage::new(parts.status.as_u16(), detail);
    html(parts.status, view)
}
