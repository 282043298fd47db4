//! Users, memberships and API tokens.

use entity::api_token::{self, Entity as ApiToken};
use entity::membership::{self, Entity as Membership};
use entity::organization::Entity as Organization;
use entity::user::{self, Entity as User};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{Page, PageRequest, load, now, organization, paginate, sign_in_limits};
use crate::auth::{Principal, Scope, password, token};
use crate::db::Db;
use crate::domain::ParseError;
use crate::domain::contact::{Email, Login, Phone};
use crate::domain::role::{Action, Role};
use crate::error::{AppError, Code};

// ---- authentication -------------------------------------------------------------------

/// Resolves a bearer token to its principal. Unknown, malformed and revoked tokens are all
/// the same 401, so a caller learns nothing about which tokens exist.
pub async fn authenticate(db: &Db, secret: &str) -> Result<Principal, AppError> {
    let invalid = || AppError::Unauthenticated {
        code: Code::InvalidToken,
        detail: "the API token is unknown, revoked or expired".into(),
    };
    if !token::looks_valid(secret) {
        return Err(invalid());
    }
    let row = ApiToken::find()
        .filter(api_token::Column::TokenHash.eq(token::hash(secret)))
        .filter(api_token::Column::RevokedAt.is_null())
        .filter(
            sea_orm::Condition::any()
                .add(api_token::Column::ExpiresAt.is_null())
                .add(api_token::Column::ExpiresAt.gt(now())),
        )
        .one(db.read())
        .await?
        .ok_or_else(invalid)?;
    let scope = match row.organization_id {
        None if row.role == "admin" => Scope::Admin,
        Some(id) => Scope::Organization {
            id,
            role: Role::parse(&row.role).map_err(|_| invalid())?,
        },
        None => return Err(invalid()),
    };
    Ok(Principal {
        token_id: row.id,
        user_id: row.user_id,
        name: row.name,
        scope,
    })
}

// ---- tokens -----------------------------------------------------------------------------

/// What a new token may do.
#[derive(Debug, Clone, Copy)]
pub enum TokenGrant {
    Admin,
    Organization { id: Uuid, role: Role },
}

pub struct IssuedToken {
    pub row: api_token::Model,
    /// The secret, shown once and never stored.
    pub secret: String,
}

async fn insert_token<C: ConnectionTrait>(
    conn: &C,
    name: String,
    grant: TokenGrant,
    person: Option<(Uuid, chrono::TimeDelta)>,
) -> Result<IssuedToken, AppError> {
    let fresh = token::generate()
        .map_err(|e| AppError::internal(anyhow::anyhow!("OS random generator: {e}")))?;
    let (organization_id, role) = match grant {
        TokenGrant::Admin => (None, "admin".to_owned()),
        TokenGrant::Organization { id, role } => (Some(id), role.as_str().to_owned()),
    };
    let row = api_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        token_hash: Set(fresh.hash),
        organization_id: Set(organization_id),
        user_id: Set(person.map(|(id, _)| id)),
        role: Set(role),
        created_at: Set(now()),
        revoked_at: Set(None),
        expires_at: Set(person.map(|(_, life)| now() + life)),
    }
    .insert(conn)
    .await?;
    Ok(IssuedToken {
        row,
        secret: fresh.secret,
    })
}

/// Creates a token without a caller: used by the `token create` command, which runs with
/// the operator's access to the server.
pub async fn bootstrap_token(
    db: &Db,
    name: String,
    grant: TokenGrant,
) -> Result<IssuedToken, AppError> {
    let txn = db.write_txn().await?;
    if let TokenGrant::Organization { id, .. } = grant
        && Organization::find_by_id(id).one(&txn).await?.is_none()
    {
        return Err(AppError::NotFound("organization"));
    }
    let issued = insert_token(&txn, name, grant, None).await?;
    txn.commit().await?;
    Ok(issued)
}

/// An owner (or an administrator) creates a token for their organization, with any role up
/// to owner: the owner role is the most an organization-scoped token can hold.
pub async fn create_token(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    name: String,
    role: Role,
) -> Result<IssuedToken, AppError> {
    let txn = db.write_txn().await?;
    organization(&txn, who, organization_id, Action::ManageOrganization).await?;
    let issued = insert_token(
        &txn,
        name,
        TokenGrant::Organization {
            id: organization_id,
            role,
        },
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(issued)
}

pub async fn list_tokens(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    page: PageRequest,
) -> Result<Page<api_token::Model>, AppError> {
    organization(db.read(), who, organization_id, Action::ManageOrganization).await?;
    let q = ApiToken::find().filter(api_token::Column::OrganizationId.eq(organization_id));
    paginate(db.read(), q, api_token::Column::Id, page).await
}

/// Revokes a token. Revoking twice is harmless.
pub async fn revoke_token(db: &Db, who: &Principal, token_id: Uuid) -> Result<(), AppError> {
    let txn = db.write_txn().await?;
    let row = ApiToken::find_by_id(token_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("token"))?;
    match row.organization_id {
        Some(org) => who.authorize(org, Action::ManageOrganization, "token")?,
        None => who
            .require_admin()
            .map_err(|_| AppError::NotFound("token"))?,
    }
    if row.revoked_at.is_none() {
        let mut row: api_token::ActiveModel = row.into();
        row.revoked_at = Set(Some(now()));
        row.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

// ---- users and sign-in ------------------------------------------------------------------

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
            ParseError::new("login_required", "give an e-mail address or a phone number"),
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
                    "organization_required",
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

/// Argon2id hash (same parameters as real ones) of a string nobody types; used only to make
/// a sign-in for an unknown login cost as much as one for a known login.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    password::hash("no such user: equalise timing").unwrap_or_default()
});

// ---- memberships ------------------------------------------------------------------------

pub async fn add_member(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> Result<membership::Model, AppError> {
    // Nobody is made a member without agreeing: an owner invites (the person accepts with
    // their own password); only the service's operator adds an account directly.
    if !matches!(who.scope, Scope::Admin) {
        return Err(AppError::Forbidden(
            "only the service's administrator adds an account directly; invite the person \
             (console, Members) and they join when they accept",
        ));
    }
    let txn = db.write_txn().await?;
    organization(&txn, who, organization_id, Action::ManageOrganization).await?;
    if User::find_by_id(user_id).one(&txn).await?.is_none() {
        return Err(AppError::validation(
            "user_id",
            ParseError::new("not_found", "no such user"),
        ));
    }
    let existing = Membership::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .one(&txn)
        .await?;
    if existing.is_some() {
        return Err(AppError::conflict(
            Code::AlreadyMember,
            "this user is already a member; change the role instead",
        ));
    }
    let row = membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        organization_id: Set(organization_id),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn list_members(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    page: PageRequest,
) -> Result<Page<membership::Model>, AppError> {
    organization(db.read(), who, organization_id, Action::Read).await?;
    let q = Membership::find().filter(membership::Column::OrganizationId.eq(organization_id));
    paginate(db.read(), q, membership::Column::Id, page).await
}

/// Revokes the user's tokens for the organization: they were issued for the old role.
async fn revoke_user_tokens<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    organization_id: Uuid,
) -> Result<(), AppError> {
    ApiToken::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now()))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::OrganizationId.eq(organization_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn change_role(
    db: &Db,
    who: &Principal,
    membership_id: Uuid,
    role: Role,
) -> Result<membership::Model, AppError> {
    let txn = db.write_txn().await?;
    let m = load::<Membership, _>(
        &txn,
        who,
        membership_id,
        Action::ManageOrganization,
        "membership",
    )
    .await?;
    revoke_user_tokens(&txn, m.user_id, m.organization_id).await?;
    let mut row: membership::ActiveModel = m.into();
    row.role = Set(role.as_str().to_owned());
    let row = row.update(&txn).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn remove_member(db: &Db, who: &Principal, membership_id: Uuid) -> Result<(), AppError> {
    let txn = db.write_txn().await?;
    let m = load::<Membership, _>(
        &txn,
        who,
        membership_id,
        Action::ManageOrganization,
        "membership",
    )
    .await?;
    revoke_user_tokens(&txn, m.user_id, m.organization_id).await?;
    Membership::delete_by_id(m.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

// ---- console sessions -------------------------------------------------------------------

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
            ParseError::new("wrong_password", "the current password is wrong"),
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

/// The organization's members with their accounts, oldest first.
pub async fn members_with_users(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
) -> Result<Vec<(membership::Model, user::Model)>, AppError> {
    use sea_orm::QueryOrder;
    let conn = db.read();
    organization(conn, who, organization_id, Action::Read).await?;
    let members = Membership::find()
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .order_by_asc(membership::Column::Id)
        .all(conn)
        .await?;
    let mut users = users_by_id(conn, members.iter().map(|m| m.user_id).collect()).await?;
    Ok(members
        .into_iter()
        .filter_map(|m| users.remove(&m.user_id).map(|u| (m, u)))
        .collect())
}
