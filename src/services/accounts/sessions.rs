//! Console sessions: a token kept in a cookie, its life, changing password and organization.

use entity::api_token::{self, Entity as ApiToken};
use entity::membership::{self, Entity as Membership};
use entity::organization::Entity as Organization;
use entity::user::{self, Entity as User};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::tokens::IssuedToken;
use super::tokens::TokenGrant;
use super::tokens::authenticate;
use super::tokens::insert_token;
use super::users::SignIn;
use super::users::by_login;
use super::users::sign_in;
use crate::auth::{Principal, password};
use crate::db::Db;
use crate::domain::ParseError;
use crate::domain::Reason;
use crate::domain::contact::Login;
use crate::domain::role::Role;
use crate::error::{AppError, Code};
use crate::services::now;

/// How long a console session lasts after sign-in.
pub const SESSION_HOURS: i64 = 12;

/// The name a console session's token carries.
pub const SESSION_NAME: &str = "console session";

/// Signs a person in to the console: a session is a token (shown once, kept in an HttpOnly
/// cookie) for the user's first organization, or an admin token for a platform administrator
/// without a membership.
pub async fn start_session(
    db: &Db,
    login: Login,
    password: String,
    client: std::net::IpAddr,
) -> Result<IssuedToken, AppError> {
    let user = by_login(db.read(), &login).await?;
    let organization = match &user {
        Some(u) => {
            use sea_orm::QueryOrder;
            Membership::find()
                .filter(membership::Column::UserId.eq(u.id))
                .order_by_asc(membership::Column::Id)
                .one(db.read())
                .await?
                .map(|m| m.organization_id)
        }
        None => None,
    };
    let s = SignIn {
        login,
        password,
        client,
        organization_id: organization,
        token_name: SESSION_NAME.into(),
        life: chrono::TimeDelta::hours(SESSION_HOURS),
    };
    sign_in(db, s).await
}

/// The principal of a console session's secret: a live, unrevoked session token younger than
/// [`SESSION_HOURS`].
pub async fn session(db: &Db, secret: &str) -> Result<Principal, AppError> {
    let who = authenticate(db, secret).await?;
    let row = ApiToken::find_by_id(who.token_id)
        .one(db.read())
        .await?
        .ok_or(AppError::Unauthenticated {
            code: Code::SessionExpired,
            detail: "sign in again".into(),
        })?;
    if row.name != SESSION_NAME || now() - row.created_at > chrono::Duration::hours(SESSION_HOURS) {
        return Err(AppError::Unauthenticated {
            code: Code::SessionExpired,
            detail: "sign in again".into(),
        });
    }
    Ok(who)
}

/// Ends a console session (any role may sign itself out).
pub async fn end_session(db: &Db, who: &Principal) -> Result<(), AppError> {
    let txn = db.write_txn().await?;
    ApiToken::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now()))
        .filter(api_token::Column::Id.eq(who.token_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Changes the signed-in person's password after checking the current one; every other token
/// it opened (console sessions, API tokens exchanged for it) ends; the one in use goes on.
pub async fn change_password(
    db: &Db,
    who: &Principal,
    current: String,
    new_password: String,
) -> Result<(), AppError> {
    let user_id = who.user_id.ok_or(AppError::Forbidden(
        "this token does not belong to a person",
    ))?;
    password::check_policy(&new_password).map_err(|e| AppError::validation("new_password", e))?;
    let user = User::find_by_id(user_id)
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let stored = user.password_hash.clone();
    let ok = tokio::task::spawn_blocking(move || password::verify(&current, &stored))
        .await
        .map_err(AppError::internal)?;
    if !ok {
        return Err(AppError::validation(
            "current_password",
            ParseError::new(Reason::WrongPassword, "the current password is wrong"),
        ));
    }
    let hash = tokio::task::spawn_blocking(move || password::hash(&new_password))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::Internal)?;
    let txn = db.write_txn().await?;
    let mut row: user::ActiveModel = user.into();
    row.password_hash = Set(hash);
    row.updated_at = Set(now());
    row.update(&txn).await?;
    // Every token the old password opened ends: sessions and API tokens alike.
    ApiToken::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now()))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::Id.ne(who.token_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The organizations a person belongs to, by name, with their role there.
pub async fn organizations_of(
    db: &Db,
    user_id: Uuid,
) -> Result<Vec<(Uuid, String, String)>, AppError> {
    use sea_orm::QueryOrder;
    let conn = db.read();
    let memberships = Membership::find()
        .filter(membership::Column::UserId.eq(user_id))
        .order_by_asc(membership::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = memberships.iter().map(|m| m.organization_id).collect();
    let names: std::collections::HashMap<Uuid, String> = Organization::find()
        .filter(entity::organization::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    Ok(memberships
        .into_iter()
        .filter_map(|m| {
            let name = names.get(&m.organization_id)?.clone();
            Some((m.organization_id, name, m.role))
        })
        .collect())
}

/// Moves a console session to another organization of the same person: a new session for it,
/// the current one revoked.
pub async fn switch_session(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
) -> Result<IssuedToken, AppError> {
    let user_id = who.user_id.ok_or(AppError::NotFound("organization"))?;
    let txn = db.write_txn().await?;
    let m = Membership::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("organization"))?;
    let role = Role::parse(&m.role).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
    let grant = TokenGrant::Organization {
        id: organization_id,
        role,
    };
    let life = chrono::TimeDelta::hours(SESSION_HOURS);
    let issued = insert_token(&txn, SESSION_NAME.into(), grant, Some((user_id, life))).await?;
    ApiToken::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now()))
        .filter(api_token::Column::Id.eq(who.token_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(issued)
}
