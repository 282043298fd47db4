//! People: creating accounts, finding one by login, signing in with a password.

use entity::membership::{self, Entity as Membership};
use entity::user::{self, Entity as User};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::tokens::IssuedToken;
use super::tokens::TokenGrant;
use super::tokens::insert_token;
use crate::auth::{Principal, password};
use crate::db::Db;
use crate::domain::ParseError;
use crate::domain::Reason;
use crate::domain::contact::{Email, Login, Phone};
use crate::domain::role::Role;
use crate::error::{AppError, Code};
use crate::services::{now, sign_in_limits};

pub struct NewUser {
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub name: String,
    pub password: String,
    pub is_admin: bool,
}

pub async fn create_user(db: &Db, who: &Principal, new: NewUser) -> Result<user::Model, AppError> {
    who.require_admin()?;
    if new.email.is_none() && new.phone.is_none() {
        return Err(AppError::validation(
            "email",
            ParseError::new(
                Reason::LoginRequired,
                "give an e-mail address or a phone number",
            ),
        ));
    }
    let pw = new.password;
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::Internal)?;
    let txn = db.write_txn().await?;
    if let Some(e) = &new.email
        && User::find()
            .filter(user::Column::Email.eq(e.as_str()))
            .one(&txn)
            .await?
            .is_some()
    {
        return Err(AppError::conflict(
            Code::EmailTaken,
            "a user with this e-mail address exists",
        ));
    }
    if let Some(p) = &new.phone
        && User::find()
            .filter(user::Column::Phone.eq(p.as_str()))
            .one(&txn)
            .await?
            .is_some()
    {
        return Err(AppError::conflict(
            Code::PhoneTaken,
            "a user with this phone number exists",
        ));
    }
    let t = now();
    let row = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(new.email.map(|e| e.as_str().to_owned())),
        phone: Set(new.phone.map(|p| p.as_str().to_owned())),
        name: Set(new.name),
        password_hash: Set(hash),
        is_admin: Set(new.is_admin),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The account with this login, if any.
pub async fn by_login<C: ConnectionTrait>(
    conn: &C,
    login: &Login,
) -> Result<Option<user::Model>, AppError> {
    let q = match login {
        Login::Email(e) => User::find().filter(user::Column::Email.eq(e.as_str())),
        Login::Phone(p) => User::find().filter(user::Column::Phone.eq(p.as_str())),
    };
    Ok(q.one(conn).await?)
}

/// A sign-in: who, from where, into what, for how long.
pub struct SignIn {
    pub login: Login,
    pub password: String,
    pub client: std::net::IpAddr,
    pub organization_id: Option<Uuid>,
    pub token_name: String,
    /// How long the token lives.
    pub life: chrono::TimeDelta,
}

/// Exchanges a password for a token scoped to one organization with the user's role there
/// (or an admin token for a platform administrator who names no organization). Wrong
/// passwords are limited per login and per address ([`sign_in_limits`]): past the limit the
/// answer is 429 before any password is checked.
pub async fn sign_in(db: &Db, s: SignIn) -> Result<IssuedToken, AppError> {
    let SignIn {
        login,
        password: password_given,
        client,
        organization_id,
        token_name,
        life,
    } = s;
    let invalid = || AppError::Unauthenticated {
        code: Code::InvalidCredentials,
        detail: "the login or password is wrong".into(),
    };
    let attempt = sign_in_limits::Attempt::new(&login, client);
    attempt.check(db).await?;
    let user = by_login(db.read(), &login).await?;
    // Verify against a throw-away hash when the user is unknown, so timing does not reveal it.
    let stored = match &user {
        Some(u) => u.password_hash.clone(),
        None => DUMMY_HASH.clone(),
    };
    let ok = tokio::task::spawn_blocking(move || password::verify(&password_given, &stored))
        .await
        .map_err(AppError::internal)?;
    let user = match (ok, user) {
        (true, Some(u)) => u,
        _ => {
            attempt.failed(db).await?;
            return Err(invalid());
        }
    };
    attempt.succeeded(db).await?;
    let grant = match organization_id {
        None if user.is_admin => TokenGrant::Admin,
        None => {
            return Err(AppError::validation(
                "organization_id",
                ParseError::new(
                    Reason::OrganizationRequired,
                    "name the organization to sign in to",
                ),
            ));
        }
        Some(org) => {
            let m = Membership::find()
                .filter(membership::Column::UserId.eq(user.id))
                .filter(membership::Column::OrganizationId.eq(org))
                .one(db.read())
                .await?;
            match (m, user.is_admin) {
                (Some(m), _) => TokenGrant::Organization {
                    id: org,
                    role: Role::parse(&m.role)
                        .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?,
                },
                (None, true) => TokenGrant::Admin,
                (None, false) => return Err(AppError::NotFound("organization")),
            }
        }
    };
    let txn = db.write_txn().await?;
    let issued = insert_token(&txn, token_name, grant, Some((user.id, life))).await?;
    txn.commit().await?;
    Ok(issued)
}

/// Users by id, for lists that show who each row belongs to.
pub(crate) async fn users_by_id<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<Uuid>,
) -> Result<std::collections::HashMap<Uuid, user::Model>, AppError> {
    Ok(User::find()
        .filter(user::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

/// Argon2id hash (same parameters as real ones) of a string nobody types; used only to make
/// a sign-in for an unknown login cost as much as one for a known login.
pub(super) static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    password::hash("no such user: equalise timing").unwrap_or_default()
});
