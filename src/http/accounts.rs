//! Users, sign-in, memberships and API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{AppJson, AppQuery, ClientAddr, PathId};
use super::{List, PageParams};
use crate::auth::{Principal, Scope, password};
use crate::domain::Reason;
use crate::domain::contact::Login;
use crate::domain::contact::{Email, Phone};
use crate::domain::role::Role;
use crate::domain::{ParseError, text};
use crate::error::{AppError, Problems};
use crate::services::accounts::{self as service, IssuedToken, NewUser};
use crate::state::AppState;

// ---- users ------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: String,
    /// At least 8 characters.
    pub password: String,
    #[serde(default)]
    pub is_admin: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub name: String,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
}

/// Create a user account (platform administrators). Give an e-mail address, a phone number or both.
#[utoipa::path(post, path = "/api/v1/users", operation_id = "create_user", tag = "accounts", request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 403), (status = 409), (status = 422)))]
pub async fn create_user(
    State(state): State<AppState>,
    who: Principal,
    AppJson(body): AppJson<CreateUser>,
) -> Result<(StatusCode, Json<UserView>), AppError> {
    let mut p = Problems::default();
    let email = p.check_opt("email", body.email.as_deref(), Email::parse);
    let phone = p.check_opt("phone", body.phone.as_deref(), Phone::parse);
    let name = p.check("name", text::line(&body.name, 1, 200));
    p.check("password", password::check_policy(&body.password));
    let (Some(email), Some(phone), Some(name)) = (email, phone, name) else {
        return Err(p.into_error());
    };
    p.finish()?;
    let new = NewUser {
        email,
        phone,
        name,
        password: body.password,
        is_admin: body.is_admin,
    };
    let u = service::create_user(&state.db, &who, new).await?;
    let view = UserView {
        id: u.id,
        email: u.email,
        phone: u.phone,
        name: u.name,
        is_admin: u.is_admin,
        created_at: u.created_at,
    };
    Ok((StatusCode::CREATED, Json(view)))
}

// ---- sign-in ----------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// E-mail address or phone number.
    pub login: String,
    pub password: String,
    /// Organization to act for; administrators may omit it.
    pub organization_id: Option<Uuid>,
    /// Label for the token, e.g. the device ("Điện thoại của Lan").
    pub token_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub name: String,
    pub organization_id: Option<Uuid>,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When a token of a person (exchanged for a password) stops working; absent for tokens
    /// that live until revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new token: `token` is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenView {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenView,
}

impl From<entity::api_token::Model> for TokenView {
    fn from(t: entity::api_token::Model) -> Self {
        Self {
            id: t.id,
            name: t.name,
            organization_id: t.organization_id,
            role: t.role,
            created_at: t.created_at,
            revoked_at: t.revoked_at,
            expires_at: t.expires_at,
        }
    }
}

impl From<IssuedToken> for NewTokenView {
    fn from(t: IssuedToken) -> Self {
        Self {
            token: t.secret,
            info: t.row.into(),
        }
    }
}

/// Exchange a password for an API token scoped to one organization, with your role there.
#[utoipa::path(post, path = "/api/v1/auth/tokens", operation_id = "sign_in", tag = "accounts", request_body = SignIn, security(),
    responses((status = 201, body = NewTokenView), (status = 401, description = "wrong login or password"), (status = 422), (status = 429, description = "too many wrong passwords for this login or from this address; see Retry-After")))]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AppJson(body): AppJson<SignIn>,
) -> Result<(StatusCode, Json<NewTokenView>), AppError> {
    let login = Login::parse(&body.login).map_err(|_| {
        AppError::validation(
            "login",
            ParseError::new(
                Reason::LoginFormat,
                "give the e-mail address or phone number you registered",
            ),
        )
    })?;
    let name = match body.token_name.as_deref() {
        Some(n) => text::line(n, 1, 100).map_err(|e| AppError::validation("token_name", e))?,
        None => "sign-in".to_owned(),
    };
    let issued = service::sign_in(
        &state.db,
        service::SignIn {
            login,
            password: body.password,
            client,
            organization_id: body.organization_id,
            token_name: name,
            life: state.settings.password_token_life,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(issued.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub token_id: Uuid,
    pub token_name: String,
    pub user_id: Option<Uuid>,
    pub admin: bool,
    pub organization_id: Option<Uuid>,
    pub role: Option<Role>,
}

/// Who the presented token acts as.
#[utoipa::path(get, path = "/api/v1/me", operation_id = "get_me", tag = "accounts", responses((status = 200, body = MeView), (status = 401)))]
pub async fn me(who: Principal) -> Json<MeView> {
    let (organization_id, role) = match who.scope {
        Scope::Admin => (None, None),
        Scope::Organization { id, role } => (Some(id), Some(role)),
    };
    Json(MeView {
        token_id: who.token_id,
        token_name: who.name,
        user_id: who.user_id,
        admin: organization_id.is_none(),
        organization_id,
        role,
    })
}

// ---- memberships -----------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMember {
    pub user_id: Uuid,
    pub role: Role,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRole {
    pub role: Role,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipView {
    pub id: Uuid,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

impl From<entity::membership::Model> for MembershipView {
    fn from(m: entity::membership::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            organization_id: m.organization_id,
            role: m.role,
            created_at: m.created_at,
        }
    }
}

/// Add an existing account to an organization with a role: the service's administrators only.
/// An owner invites the person instead (console, Members; or `ocop-trace invite`), and they
/// join when they accept with their own password.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/memberships", operation_id = "add_membership", tag = "accounts", params(("id" = Uuid, Path, description = "organization")),
    request_body = AddMember, responses((status = 201, body = MembershipView), (status = 404), (status = 409), (status = 422)))]
pub async fn add_member(
    State(state): State<AppState>,
    who: Principal,
    PathId(organization_id): PathId,
    AppJson(body): AppJson<AddMember>,
) -> Result<(StatusCode, Json<MembershipView>), AppError> {
    let m = service::add_member(&state.db, &who, organization_id, body.user_id, body.role).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}/memberships", operation_id = "list_memberships", tag = "accounts", params(("id" = Uuid, Path, description = "organization"), PageParams),
    responses((status = 200, body = List<MembershipView>), (status = 404)))]
pub async fn list_members(
    State(state): State<AppState>,
    who: Principal,
    PathId(organization_id): PathId,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<Json<List<MembershipView>>, AppError> {
    let page = service::list_members(&state.db, &who, organization_id, page.page()?).await?;
    Ok(Json(List::from_page(page, Into::into)))
}

/// Change a member's role; their existing tokens for the organization are revoked.
#[utoipa::path(patch, path = "/api/v1/memberships/{id}", operation_id = "change_membership_role", tag = "accounts", params(("id" = Uuid, Path)), request_body = ChangeRole,
    responses((status = 200, body = MembershipView), (status = 404)))]
pub async fn change_role(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
    AppJson(body): AppJson<ChangeRole>,
) -> Result<Json<MembershipView>, AppError> {
    Ok(Json(
        service::change_role(&state.db, &who, id, body.role)
            .await?
            .into(),
    ))
}

/// Remove a member; their tokens for the organization are revoked.
#[utoipa::path(delete, path = "/api/v1/memberships/{id}", operation_id = "remove_membership", tag = "accounts", params(("id" = Uuid, Path)), responses((status = 204), (status = 404)))]
pub async fn remove_member(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<StatusCode, AppError> {
    service::remove_member(&state.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- tokens -------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// What the token is for, e.g. "máy in tem" or "ERP sync".
    pub name: String,
    pub role: Role,
}

/// Create an API token for an organization (owners and administrators).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/tokens", operation_id = "create_token", tag = "accounts", params(("id" = Uuid, Path, description = "organization")),
    request_body = CreateToken, responses((status = 201, body = NewTokenView), (status = 403), (status = 404)))]
pub async fn create_token(
    State(state): State<AppState>,
    who: Principal,
    PathId(organization_id): PathId,
    AppJson(body): AppJson<CreateToken>,
) -> Result<(StatusCode, Json<NewTokenView>), AppError> {
    let name = text::line(&body.name, 1, 100).map_err(|e| AppError::validation("name", e))?;
    let issued = service::create_token(&state.db, &who, organization_id, name, body.role).await?;
    Ok((StatusCode::CREATED, Json(issued.into())))
}

/// The organization's tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/tokens", operation_id = "list_tokens", tag = "accounts", params(("id" = Uuid, Path, description = "organization"), PageParams),
    responses((status = 200, body = List<TokenView>), (status = 404)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    who: Principal,
    PathId(organization_id): PathId,
    AppQuery(page): AppQuery<PageParams>,
) -> Result<Json<List<TokenView>>, AppError> {
    let page = service::list_tokens(&state.db, &who, organization_id, page.page()?).await?;
    Ok(Json(List::from_page(page, Into::into)))
}

/// Revoke a token; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", operation_id = "revoke_token", tag = "accounts", params(("id" = Uuid, Path)), responses((status = 204), (status = 404)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    who: Principal,
    PathId(id): PathId,
) -> Result<StatusCode, AppError> {
    service::revoke_token(&state.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
