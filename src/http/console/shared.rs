//! What every console page shares: the signed-in request ([`Signed`]: session cookie,
//! language, CSRF check), the organization a page shows, form-error mapping, and the imports
//! every page module takes (`use super::shared::*`).

pub(super) use crate::auth::Principal;
pub(super) use crate::domain::contact::Login;
pub(super) use crate::error::{AppError, Code};
pub(super) use crate::http::extract::ClientAddr;
pub(super) use crate::http::public_page::html;
pub(super) use crate::i18n::Lang;
pub(super) use crate::services::accounts::{self, SESSION_HOURS};
pub(super) use crate::services::requests::farms::CreateFarm;
pub(super) use crate::state::AppState;
pub(super) use crate::web::console_view::{
    AreaForm, AreaRow, AreasPage, CertificationForm, Chrome, DashboardPage, FarmForm, FarmRow,
    FarmsPage, ProductForm, ProductRow, ProductsPage, SignInPage, area_error, farm_error,
    product_error, texts,
};
pub(super) use crate::web::scan_view::stars;
pub(super) use axum::extract::DefaultBodyLimit;
pub(super) use axum::extract::Query;
pub(super) use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
pub(super) use axum::response::{IntoResponse, Redirect, Response};
pub(super) use axum::routing::{get, post};
pub(super) use serde::Deserialize;
pub(super) use std::collections::BTreeMap;

pub(super) const SESSION_COOKIE: &str = "ocop_session";
pub(super) const LANG_COOKIE: &str = "ocop_lang";

#[derive(Deserialize, Default)]
pub struct LangQuery {
    pub(super) lang: Option<String>,
    pub(super) saved: Option<String>,
    /// A growing-area code to explain.
    pub(super) code: Option<String>,
    /// What an import brings in, and how many rows it just wrote.
    pub(super) kind: Option<String>,
    pub(super) imported: Option<usize>,
}

pub(super) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A cookie of the console's (`Path=/console`, `SameSite=Lax`) as a `Set-Cookie` value.
fn console_cookie(
    name: &str,
    value: &str,
    max_age: i64,
    http_only: bool,
    secure: bool,
) -> Option<HeaderValue> {
    let c = cookie::Cookie::build((name, value))
        .path("/console")
        .max_age(cookie::time::Duration::seconds(max_age))
        .same_site(cookie::SameSite::Lax)
        .http_only(http_only)
        .secure(secure);
    HeaderValue::from_str(&c.to_string()).ok()
}

/// `?lang=` first, then the remembered choice, then `Accept-Language`.
pub(super) fn lang(q: &LangQuery, headers: &HeaderMap) -> Lang {
    let remembered = cookie(headers, LANG_COOKIE);
    Lang::choose(
        q.lang.as_deref().or(remembered.as_deref()),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Remembers an explicit `?lang=` choice.
pub(super) fn remember_lang(res: &mut Response, q: &LangQuery) {
    if let Some(l @ ("vi" | "en")) = q.lang.as_deref()
        && let Some(v) = console_cookie(LANG_COOKIE, l, 31_536_000, false, false)
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub(super) fn session_cookie(state: &AppState, secret: &str, max_age: i64) -> Option<HeaderValue> {
    let https = state.settings.public_base_url.scheme() == "https";
    console_cookie(SESSION_COOKIE, secret, max_age, true, https)
}

pub(super) fn csrf_mac(secret: &str) -> hmac::Hmac<sha2::Sha256> {
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
pub(super) fn origin_ok(headers: &HeaderMap) -> bool {
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
pub(super) async fn session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(Principal, String), Response> {
    let to_sign_in = || Redirect::to("/console/sign-in").into_response();
    let secret = cookie(headers, SESSION_COOKIE).ok_or_else(to_sign_in)?;
    match accounts::session(&state.db, &secret).await {
        Ok(who) => Ok((who, secret)),
        Err(AppError::Unauthenticated { .. }) => Err(to_sign_in()),
        Err(e) => Err(e.into_response()),
    }
}

/// The organization whose pages a principal sees: its own, or for a platform administrator
/// the first one registered.
pub(super) async fn organization_of(
    state: &AppState,
    who: &Principal,
) -> Result<uuid::Uuid, AppError> {
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

pub(super) fn page(res: Response, q: &LangQuery) -> Response {
    let mut res = res;
    remember_lang(&mut res, q);
    res
}

/// One page as long as a page may be: the console lists an organization's records whole.
pub(super) fn everything() -> crate::services::PageRequest {
    crate::services::PageRequest {
        limit: crate::services::MAX_PAGE,
        after: None,
    }
}

/// The organization a principal works in, as a record.
pub(super) async fn current_org(
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
    pub(super) who: Principal,
    pub(super) secret: String,
    pub(super) lang: Lang,
    pub(super) q: LangQuery,
    pub(super) same_origin: bool,
    /// The console section the page belongs to (`/console/farms`), for its tab.
    pub(super) section: &'static str,
}

/// The console section of `path`: the longest tab path that starts it.
fn section_of(path: &str) -> &'static str {
    crate::web::console_view::SECTIONS
        .iter()
        .filter(|s| path == **s || path.strip_prefix(**s).is_some_and(|r| r.starts_with('/')))
        .max_by_key(|s| s.len())
        .copied()
        .unwrap_or("")
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
            section: section_of(parts.uri.path()),
            who,
            secret,
            q,
        })
    }
}

impl Signed {
    pub(super) fn t(&self) -> &'static crate::web::console_view::ConsoleTexts {
        texts(self.lang)
    }

    pub(super) fn chrome(&self) -> Chrome {
        let mut c = Chrome::new(
            self.lang,
            csrf_token(&self.secret),
            Some(self.who.name.clone()),
        );
        c.section = self.section;
        c
    }

    /// A form's POST is this site's: its CSRF token matches the session's and its origin is
    /// this host.
    pub(super) fn posted_here(&self, csrf: Option<&str>) -> bool {
        use hmac::Mac;
        self.same_origin
            && csrf
                .and_then(|g| data_encoding::HEXLOWER.decode(g.as_bytes()).ok())
                .is_some_and(|g| csrf_mac(&self.secret).verify_slice(&g).is_ok())
    }

    /// Shows a page with `status`, remembering an explicit language choice, or the error.
    pub(super) fn show(
        &self,
        status: StatusCode,
        view: Result<impl askama::Template, AppError>,
    ) -> Response {
        match view {
            Ok(view) => page(html(status, view), &self.q),
            Err(e) => e.into_response(),
        }
    }
}

pub(super) fn forbidden() -> Response {
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
pub(super) async fn org_and_farms(
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
pub(super) struct ProductNames {
    pub(super) choices: Vec<(String, String)>,
    pub(super) by_id: std::collections::HashMap<uuid::Uuid, String>,
    /// Each product's default link, where it has one.
    pub(super) defaults: std::collections::HashMap<uuid::Uuid, String>,
}

impl ProductNames {
    pub(super) async fn of(
        state: &AppState,
        who: &Principal,
        org: uuid::Uuid,
    ) -> Result<Self, AppError> {
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

    pub(super) fn name(&self, id: &uuid::Uuid) -> String {
        self.by_id.get(id).cloned().unwrap_or_default()
    }
}

/// The organization's name, its farms, and its growing areas (with `status`, when given),
/// each with its farm: three queries however many farms there are.
pub(super) async fn farms_and_areas(
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
pub(super) fn field_of(
    field: &str,
    known: &[&'static str],
    prefix: &'static str,
) -> Option<&'static str> {
    let name = crate::error::FieldPath::parse(field).name()?;
    known
        .iter()
        .copied()
        .find(|k| k.strip_prefix(prefix) == Some(name))
}

/// What a failed write says on the page: each problem next to its field, a refused role at the
/// top; anything else is an error page.
pub(super) fn form_errors(
    e: AppError,
    t: &'static crate::web::console_view::ConsoleTexts,
    known: &[&'static str],
    prefix: &'static str,
    message: impl Fn(&str, crate::domain::Reason) -> &'static str,
) -> Result<BTreeMap<&'static str, &'static str>, AppError> {
    match e {
        AppError::Validation(problems) => Ok(problems
            .iter()
            .filter_map(|p| field_of(&p.field, known, prefix).map(|f| (f, message(f, p.code))))
            .collect()),
        AppError::Forbidden(_) => Ok(BTreeMap::from([("_", t.forbidden)])),
        other => Err(other),
    }
}
