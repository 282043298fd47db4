//! The account page (password change, switching organization), the members page (roles and
//! invitations, for owners) and the page an invited person opens from their link.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use super::posted::Posted;
use super::shared::*;
use crate::domain::Reason;
use crate::domain::contact::Phone;
use crate::domain::role::{Action, Role};
use crate::services::invitations::{self, Invited};
use crate::web::console_view::members::{
    AccountPage, InvitationPage, InviteForm, MemberRow, MembersPage, member_texts,
};

// ---- account ---------------------------------------------------------------------------------

async fn account_view(
    state: &AppState,
    s: &Signed,
    errors: BTreeMap<&'static str, &'static str>,
    saved: bool,
) -> Result<AccountPage, AppError> {
    let m = member_texts(s.lang);
    let current = s.who.organization();
    let organizations = match s.who.user_id {
        Some(u) => accounts::organizations_of(&state.db, u).await?,
        None => Vec::new(),
    };
    Ok(AccountPage {
        c: s.chrome(),
        m,
        organizations: organizations
            .into_iter()
            .map(|(id, name, role)| {
                (
                    id.to_string(),
                    name,
                    m.role_name(&role),
                    Some(id) == current,
                )
            })
            .collect(),
        errors,
        saved,
    })
}

pub(super) async fn account_page(State(state): State<AppState>, s: Signed) -> Response {
    let saved = s.q.saved.is_some();
    let view = account_view(&state, &s, BTreeMap::new(), saved).await;
    s.show(StatusCode::OK, view)
}

#[derive(Deserialize)]
pub struct PasswordPost {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub(super) async fn change_password(
    State(state): State<AppState>,
    Posted { s, form: post }: Posted<PasswordPost>,
) -> Response {
    let m = member_texts(s.lang);
    let changed =
        accounts::change_password(&state.db, &s.who, post.current_password, post.new_password)
            .await;
    let errors = match changed {
        Ok(()) => return Redirect::to("/console/account?saved=1").into_response(),
        Err(AppError::Validation(problems)) => problems
            .iter()
            .map(|p| match p.field.as_str() {
                "current_password" => ("current_password", m.err_wrong_password),
                _ => ("new_password", m.err_policy),
            })
            .collect(),
        Err(e) => return e.into_response(),
    };
    let view = account_view(&state, &s, errors, false).await;
    s.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}

#[derive(Deserialize)]
pub struct SwitchPost {
    #[serde(default)]
    organization_id: String,
}

/// Moves the session to another organization of the same person.
pub(super) async fn switch_organization(
    State(state): State<AppState>,
    Posted { s, form: post }: Posted<SwitchPost>,
) -> Response {
    let switched = async {
        let org = Uuid::parse_str(post.organization_id.trim())
            .map_err(|_| AppError::NotFound("organization"))?;
        accounts::switch_session(&state.db, &s.who, org).await
    }
    .await;
    match switched {
        Ok(issued) => {
            let mut res = Redirect::to("/console").into_response();
            if let Some(c) = session_cookie(&state, &issued.secret, SESSION_HOURS * 3600) {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            res
        }
        Err(e) => e.into_response(),
    }
}

// ---- members -----------------------------------------------------------------------------

async fn members_view(
    state: &AppState,
    s: &Signed,
    form: InviteForm,
    errors: BTreeMap<&'static str, &'static str>,
    link: Option<String>,
    saved: Option<&'static str>,
) -> Result<MembersPage, AppError> {
    let m = member_texts(s.lang);
    let org = current_org(state, &s.who).await?;
    let owner = s
        .who
        .authorize(org.id, Action::ManageOrganization, "organization")
        .is_ok();
    let members = accounts::members_with_users(&state.db, &s.who, org.id)
        .await?
        .into_iter()
        .map(|(ms, u)| MemberRow {
            id: ms.id.to_string(),
            name: u.name,
            login: u
                .phone
                .as_deref()
                .map(Phone::national)
                .or(u.email)
                .unwrap_or_default(),
            role: ms.role,
        })
        .collect();
    let pending = if owner {
        invitations::pending(&state.db, &s.who, org.id)
            .await?
            .into_iter()
            .map(|(i, u)| {
                (
                    u.name,
                    u.phone
                        .as_deref()
                        .map(Phone::national)
                        .or(u.email)
                        .unwrap_or_default(),
                    m.role_name(&i.role),
                    s.lang.time(i.expires_at),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(MembersPage {
        c: s.chrome(),
        m,
        organization: org.name,
        owner,
        members,
        pending,
        form,
        errors,
        link,
        saved,
    })
}

pub(super) async fn members_page(State(state): State<AppState>, s: Signed) -> Response {
    let m = member_texts(s.lang);
    let saved = match s.q.saved.as_deref() {
        Some("added") => Some(m.added),
        Some("role") => Some(m.role_saved),
        _ => None,
    };
    let view = members_view(
        &state,
        &s,
        InviteForm::default(),
        BTreeMap::new(),
        None,
        saved,
    )
    .await;
    s.show(StatusCode::OK, view)
}

#[derive(Deserialize)]
pub struct InvitePost {
    #[serde(flatten)]
    form: InviteForm,
}

pub(super) async fn invite(
    State(state): State<AppState>,
    Posted { s, form: post }: Posted<InvitePost>,
) -> Response {
    let m = member_texts(s.lang);
    let form = post.form;
    let mut errors = BTreeMap::new();
    let login = crate::domain::contact::Login::parse(&form.login).ok();
    if login.is_none() {
        errors.insert("login", m.err_login);
    }
    let name = crate::domain::text::line(&form.name, 1, 200).ok();
    if name.is_none() {
        errors.insert("name", m.err_name);
    }
    let role = Role::parse(form.role.trim()).ok();
    if role.is_none() {
        errors.insert("role", m.err_role);
    }
    if let (Some(login), Some(name), Some(role)) = (login, name, role) {
        let invited = async {
            let org = organization_of(&state, &s.who).await?;
            invitations::invite(&state.db, &s.who, org, login, name, role).await
        }
        .await;
        match invited {
            Ok(Invited { secret, .. }) => {
                let link = state
                    .settings
                    .public_base_url
                    .join(&format!("/console/invitations/{secret}"))
                    .map(|u| u.to_string())
                    .ok();
                let view =
                    members_view(&state, &s, InviteForm::default(), errors, link, None).await;
                return s.show(StatusCode::OK, view);
            }
            Err(AppError::Conflict { .. }) => {
                errors.insert("login", m.err_already);
            }
            Err(AppError::Forbidden(_)) => {
                errors.insert("_", m.only_owners);
            }
            Err(e) => return e.into_response(),
        }
    }
    let view = members_view(&state, &s, form, errors, None, None).await;
    s.show(StatusCode::UNPROCESSABLE_ENTITY, view)
}

#[derive(Deserialize)]
pub struct RolePost {
    #[serde(default)]
    role: String,
}

pub(super) async fn change_role(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Posted { s, form: post }: Posted<RolePost>,
) -> Response {
    let m = member_texts(s.lang);
    let changed = async {
        let id = Uuid::parse_str(&raw).map_err(|_| AppError::NotFound("membership"))?;
        let role = Role::parse(post.role.trim()).map_err(|e| AppError::validation("role", e))?;
        accounts::change_role(&state.db, &s.who, id, role).await
    }
    .await;
    match changed {
        Ok(_) => Redirect::to("/console/members?saved=role").into_response(),
        Err(AppError::Forbidden(_)) => {
            let errors = BTreeMap::from([("_", m.only_owners)]);
            let view = members_view(&state, &s, InviteForm::default(), errors, None, None).await;
            s.show(StatusCode::FORBIDDEN, view)
        }
        Err(e) => e.into_response(),
    }
}

// ---- an invitation's link ------------------------------------------------------------------

fn invitation_page(
    lang: Lang,
    open: Option<(String, String)>,
    existing: bool,
    error: Option<&'static str>,
    done: bool,
) -> InvitationPage {
    InvitationPage {
        c: Chrome::new(lang, String::new(), None),
        m: member_texts(lang),
        open,
        existing,
        error,
        done,
    }
}

/// (organization, the person's login) of an open invitation, and whether they had an account.
async fn opened(state: &AppState, secret: &str) -> Result<((String, String), bool), AppError> {
    let (inv, user, org) = invitations::open(&state.db, secret).await?;
    let login = user
        .phone
        .as_deref()
        .map(Phone::national)
        .or(user.email)
        .unwrap_or_default();
    Ok(((org, login), inv.existing_account))
}

pub(super) async fn invitation(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = lang(&q, &headers);
    match opened(&state, &secret).await {
        Ok((open, existing)) => {
            let view = invitation_page(lang, Some(open), existing, None, false);
            page(html(StatusCode::OK, view), &q)
        }
        Err(AppError::NotFound(_)) => page(
            html(
                StatusCode::NOT_FOUND,
                invitation_page(lang, None, false, None, false),
            ),
            &q,
        ),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
pub struct AcceptPost {
    #[serde(default)]
    password: String,
}

/// Accepts the invitation: sets a new person's password, or checks an existing account's. The
/// link's secret is the capability; a POST from another site is refused all the same.
pub(super) async fn accept(
    State(state): State<AppState>,
    Path(secret): Path<String>,
    Query(q): Query<LangQuery>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(post): Form<AcceptPost>,
) -> Response {
    let lang = lang(&q, &headers);
    if !origin_ok(&headers) {
        return forbidden();
    }
    let m = member_texts(lang);
    let (status, error) = match invitations::accept(&state.db, &secret, post.password, client).await
    {
        Ok(_) => {
            return page(
                html(
                    StatusCode::OK,
                    invitation_page(lang, None, false, None, true),
                ),
                &q,
            );
        }
        Err(AppError::Validation(p)) if p.iter().any(|f| f.code == Reason::WrongPassword) => {
            (StatusCode::UNPROCESSABLE_ENTITY, m.err_wrong_password)
        }
        Err(AppError::Validation(_)) => (StatusCode::UNPROCESSABLE_ENTITY, m.err_policy),
        Err(AppError::TooManyRequests { .. }) => (StatusCode::TOO_MANY_REQUESTS, m.err_too_many),
        Err(AppError::NotFound(_)) => {
            return page(
                html(
                    StatusCode::NOT_FOUND,
                    invitation_page(lang, None, false, None, false),
                ),
                &q,
            );
        }
        Err(e) => return e.into_response(),
    };
    let (open, existing) = match opened(&state, &secret).await {
        Ok((open, existing)) => (Some(open), existing),
        Err(_) => (None, false),
    };
    let view = invitation_page(lang, open, existing, Some(error), false);
    page(html(status, view), &q)
}
