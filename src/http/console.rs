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

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::extract::ClientAddr;
use super::farms::CreateFarm;
use super::scan::html;
use crate::auth::Principal;
use crate::domain::contact::{Email, Phone};
use crate::error::AppError;
use crate::services::accounts::{self, Login, SESSION_HOURS};
use crate::services::{dashboard, farms};
use crate::state::AppState;
use crate::web::console_view::{
    AreaForm, AreaRow, AreasPage, CertificationForm, Chrome, DashboardPage, FarmForm, FarmRow,
    FarmsPage, ProductForm, ProductRow, ProductsPage, SignInPage, area_error, farm_error,
    product_error, texts,
};
use crate::web::i18n::Lang;
use crate::web::scan_view::stars;

const SESSION_COOKIE: &str = "ocop_session";
const LANG_COOKIE: &str = "ocop_lang";

pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/console", get(home))
        .route(
            "/console/",
            get(|| async { Redirect::permanent("/console") }),
        )
        .route("/console/sign-in", get(sign_in_page).post(sign_in))
        .route("/console/sign-out", axum::routing::post(sign_out))
        .route("/console/farms", get(farms_page).post(add_farm))
        .route("/console/growing-areas", get(areas_page).post(add_area))
        .route("/console/products", get(products_page).post(add_product))
        .route(
            "/console/products/certifications",
            axum::routing::post(add_certification),
        )
        .route("/console/growing-areas/explain", get(explain))
        .route("/static/console.js", get(js))
        .route("/static/console.css", get(css))
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
    saved: Option<String>,
    /// A growing-area code to explain.
    code: Option<String>,
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

async fn sign_in_page(Query(q): Query<LangQuery>, headers: HeaderMap) -> Response {
    let lang = lang(&q, &headers);
    page(
        html(
            StatusCode::OK,
            SignInPage {
                c: Chrome::new(lang, String::new(), None),
                login: String::new(),
                error: None,
            },
        ),
        &q,
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

async fn sign_in(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    Form(form): Form<SignInForm>,
) -> Response {
    let lang = lang(&q, &headers);
    let t = texts(lang);
    let again = |status: StatusCode, error: &'static str, login: String| {
        html(
            status,
            SignInPage {
                c: Chrome::new(lang, String::new(), None),
                login,
                error: Some(error),
            },
        )
    };
    // Before a session there is no token to check; SameSite cookies and the origin guard it.
    if !origin_ok(&headers) {
        return again(StatusCode::FORBIDDEN, t.bad_credentials, form.login);
    }
    if !state.limits.allow_login(client) {
        return again(StatusCode::TOO_MANY_REQUESTS, t.too_many, form.login);
    }
    let typed = form.login.trim();
    let login = if typed.contains('@') {
        Email::parse(typed).map(Login::Email)
    } else {
        Phone::parse(typed).map(Login::Phone)
    };
    let Ok(login) = login else {
        return again(StatusCode::UNAUTHORIZED, t.bad_credentials, form.login);
    };
    match accounts::start_session(&state.db, login, form.password).await {
        Ok(issued) => {
            let mut res = Redirect::to("/console").into_response();
            if let Some(c) = session_cookie(&state, &issued.secret, SESSION_HOURS * 3600) {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            res
        }
        Err(AppError::Unauthenticated { .. } | AppError::NotFound(_) | AppError::Validation(_)) => {
            again(StatusCode::UNAUTHORIZED, t.bad_credentials, form.login)
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

async fn sign_out(
    State(state): State<AppState>,
    s: Signed,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !s.posted_here(form.csrf.as_deref()) {
        return forbidden();
    }
    if let Err(e) = accounts::end_session(&state.db, &s.who).await {
        return e.into_response();
    }
    let mut res = Redirect::to("/console/sign-in").into_response();
    if let Some(c) = session_cookie(&state, "", 0) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "Yêu cầu không hợp lệ (thiếu mã bảo vệ biểu mẫu). Hãy tải lại trang và thử lại.\n\
         Invalid request (form protection code missing). Reload the page and try again.",
    )
        .into_response()
}

async fn home(State(state): State<AppState>, s: Signed) -> Response {
    let view = async {
        let org = current_org(&state, &s.who).await?;
        let d = dashboard::load(
            &state.db,
            &s.who,
            org.id,
            crate::services::today(),
            state.settings.scan_thresholds,
        )
        .await?;
        Ok(DashboardPage {
            c: s.chrome(),
            organization: d.organization.name,
            farms: d.farms,
            batches: d
                .open_batches
                .into_iter()
                .map(|(b, product)| (b.lot_code, product, format!("{} {}", b.quantity, b.unit)))
                .collect(),
            expiring: d
                .expiring
                .into_iter()
                .map(|(c, product)| {
                    (
                        product,
                        stars(c.stars),
                        c.decision_number,
                        s.lang.date(c.valid_until),
                    )
                })
                .collect(),
            scans: d
                .recent_scans
                .into_iter()
                .map(|r| (r.serial, r.lot_code, r.scans, r.suspicious))
                .collect(),
        })
    }
    .await;
    s.show(StatusCode::OK, view)
}

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
        farms: farm_rows.iter().map(FarmRow::of).collect(),
        form,
        errors,
        saved,
    })
}

async fn farms_page(State(state): State<AppState>, signed: Signed) -> Response {
    let saved = signed.q.saved.is_some();
    let view = farms_view(&state, &signed, FarmForm::default(), BTreeMap::new(), saved).await;
    signed.show(StatusCode::OK, view)
}

#[derive(Deserialize)]
pub struct FarmPost {
    csrf: Option<String>,
    #[serde(flatten)]
    form: FarmForm,
}

/// An optional decimal typed in a form (a comma taken as the decimal point); a message under
/// `field` when it is not a number.
fn number(
    errors: &mut BTreeMap<&'static str, &'static str>,
    field: &'static str,
    typed: &str,
    message: &'static str,
) -> Option<f64> {
    let s = typed.trim().replace(',', ".");
    if s.is_empty() {
        return None;
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            errors.insert(field, message);
            None
        }
    }
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

async fn add_farm(
    State(state): State<AppState>,
    signed: Signed,
    Form(post): Form<FarmPost>,
) -> Response {
    if !signed.posted_here(post.csrf.as_deref()) {
        return forbidden();
    }
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

// ---- growing areas ------------------------------------------------------------------------

/// The organization's name and farms, for the pages that list or choose farms.
async fn org_and_farms(
    state: &AppState,
    who: &Principal,
) -> Result<(String, Vec<entity::farm::Model>), AppError> {
    let org = current_org(state, who).await?;
    let list = farms::list(
        &state.db,
        who,
        org.id,
        farms::FarmFilter { commune_code: None },
        everything(),
    )
    .await?;
    Ok((org.name, list.items))
}

async fn areas_view(
    state: &AppState,
    signed: &Signed,
    form: AreaForm,
    errors: BTreeMap<&'static str, &'static str>,
    saved: bool,
) -> Result<AreasPage, AppError> {
    let (who, lang) = (&signed.who, signed.lang);
    use crate::services::growing_areas;
    let (organization, farm_rows) = org_and_farms(state, who).await?;
    let mut areas = Vec::new();
    for f in &farm_rows {
        let page = growing_areas::list(
            &state.db,
            who,
            f.id,
            growing_areas::GrowingAreaFilter { status: None },
            everything(),
        )
        .await?;
        let map_url = FarmRow::of(f).map_url;
        areas.extend(page.items.into_iter().map(|a| AreaRow {
            farm: f.name.clone(),
            meaning: explain_code(&a.code, lang),
            code: a.code,
            crop: a.crop,
            map_url: map_url.clone(),
        }));
    }
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

async fn areas_page(State(state): State<AppState>, signed: Signed) -> Response {
    let saved = signed.q.saved.is_some();
    let view = areas_view(&state, &signed, AreaForm::default(), BTreeMap::new(), saved).await;
    signed.show(StatusCode::OK, view)
}

/// The meaning of a code as it is typed (the form's script asks), as plain text.
async fn explain(signed: Signed) -> Response {
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
    csrf: Option<String>,
    #[serde(flatten)]
    form: AreaForm,
}

/// Reads the typed growing area into the API's request, with a message for each field at
/// fault that the request's own checks cannot name.
fn parse_area(
    form: &AreaForm,
    lang: Lang,
) -> Result<
    (uuid::Uuid, super::growing_areas::CreateGrowingArea),
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
            super::growing_areas::CreateGrowingArea {
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

async fn add_area(
    State(state): State<AppState>,
    signed: Signed,
    Form(post): Form<AreaPost>,
) -> Response {
    if !signed.posted_here(post.csrf.as_deref()) {
        return forbidden();
    }
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
                    BTreeMap::from([("code", area_error(t, "code", code))])
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

// ---- products and OCOP certificates ----------------------------------------------------------

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

async fn products_page(State(state): State<AppState>, signed: Signed) -> Response {
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

#[derive(Deserialize)]
pub struct ProductPost {
    csrf: Option<String>,
    #[serde(flatten)]
    form: ProductForm,
}

async fn add_product(
    State(state): State<AppState>,
    signed: Signed,
    Form(post): Form<ProductPost>,
) -> Response {
    if !signed.posted_here(post.csrf.as_deref()) {
        return forbidden();
    }
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
        let request = super::products::CreateProduct {
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
    csrf: Option<String>,
    #[serde(flatten)]
    form: CertificationForm,
}

async fn add_certification(
    State(state): State<AppState>,
    signed: Signed,
    Form(post): Form<CertificationPost>,
) -> Response {
    if !signed.posted_here(post.csrf.as_deref()) {
        return forbidden();
    }
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
        let request = super::certifications::CreateCertification {
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
                crate::services::outbox::requeue_changed(
                    &state.outbox,
                    &state.settings.public_base_url,
                    product,
                );
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

const JS: &str = include_str!("../../static/console.js");

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

const CSS: &str = include_str!("../../static/console.css");

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
