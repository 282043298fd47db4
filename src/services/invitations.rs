//! Inviting people into an organization. An owner names a person by phone or e-mail with a
//! role and gets a one-time link, valid for [`VALID_DAYS`], to pass on. Nobody joins without
//! agreeing: someone who already has an account joins when they open the link and confirm
//! with their own password (guesses limited like a sign-in); anyone else gets an account
//! without a usable password and chooses theirs there. The link's secret is shown once; only
//! its SHA-256 is stored.

use entity::invitation::{self, Entity as Invitation};
use entity::membership::{self, Entity as Membership};
use entity::user::{self, Entity as User};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{now, organization};
use crate::auth::{Principal, password, token};
use crate::db::Db;
use crate::domain::Reason;
use crate::domain::contact::Login;
use crate::domain::role::{Action, Role};
use crate::error::{AppError, Code};

/// How long an invitation link works.
pub const VALID_DAYS: i64 = 7;

/// An invitation made: the link's secret (shown once).
pub struct Invited {
    pub invitation: invitation::Model,
    pub secret: String,
}

async fn ensure_not_member(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    organization_id: Uuid,
) -> Result<(), AppError> {
    let existing = Membership::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::OrganizationId.eq(organization_id))
        .one(txn)
        .await?;
    match existing {
        Some(_) => Err(AppError::conflict(
            Code::AlreadyMember,
            "this person is already a member; change the role instead",
        )),
        None => Ok(()),
    }
}

async fn add_membership(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    organization_id: Uuid,
    role: Role,
) -> Result<membership::Model, AppError> {
    ensure_not_member(txn, user_id, organization_id).await?;
    Ok(membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        organization_id: Set(organization_id),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now()),
    }
    .insert(txn)
    .await?)
}

/// A password hash nobody can match: of 32 random bytes never kept.
async fn unusable_hash() -> Result<String, AppError> {
    let secret = token::generate()
        .map_err(|e| AppError::internal(anyhow::anyhow!("OS random generator: {e}")))?
        .secret;
    tokio::task::spawn_blocking(move || password::hash(&secret))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::Internal)
}

pub async fn invite(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    login: Login,
    name: String,
    role: Role,
) -> Result<Invited, AppError> {
    let hash = unusable_hash().await?;
    let txn = db.write_txn().await?;
    organization(&txn, who, organization_id, Action::ManageOrganization).await?;
    let t = now();
    let (user, existing_account) = match super::accounts::by_login(&txn, &login).await? {
        Some(u) => {
            ensure_not_member(&txn, u.id, organization_id).await?;
            (u, true)
        }
        None => {
            let (email, phone) = match &login {
                Login::Email(e) => (Some(e.as_str().to_owned()), None),
                Login::Phone(p) => (None, Some(p.as_str().to_owned())),
            };
            let user = user::ActiveModel {
                id: Set(Uuid::now_v7()),
                email: Set(email),
                phone: Set(phone),
                name: Set(name),
                password_hash: Set(hash),
                is_admin: Set(false),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(&txn)
            .await?;
            (user, false)
        }
    };
    let fresh = token::generate()
        .map_err(|e| AppError::internal(anyhow::anyhow!("OS random generator: {e}")))?;
    let invitation = invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(fresh.hash),
        user_id: Set(user.id),
        organization_id: Set(organization_id),
        role: Set(role.as_str().to_owned()),
        created_by: Set(who.name.clone()),
        created_at: Set(t),
        expires_at: Set(t + chrono::Duration::days(VALID_DAYS)),
        accepted_at: Set(None),
        existing_account: Set(existing_account),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Invited {
        invitation,
        secret: fresh.secret,
    })
}

/// The invitation a link's secret opens, with the person and the organization's name, while
/// it is unused and in time; any other secret is "not found".
pub async fn open(
    db: &Db,
    secret: &str,
) -> Result<(invitation::Model, user::Model, String), AppError> {
    let gone = || AppError::NotFound("invitation");
    if !token::looks_valid(secret) {
        return Err(gone());
    }
    let conn = db.read();
    let inv = Invitation::find()
        .filter(invitation::Column::TokenHash.eq(token::hash(secret)))
        .one(conn)
        .await?
        .filter(|i| i.accepted_at.is_none() && i.expires_at > now())
        .ok_or_else(gone)?;
    let user = User::find_by_id(inv.user_id)
        .one(conn)
        .await?
        .ok_or_else(gone)?;
    let org = entity::organization::Entity::find_by_id(inv.organization_id)
        .one(conn)
        .await?
        .ok_or_else(gone)?;
    Ok((inv, user, org.name))
}

/// Accepts an invitation, once: a new person's `password` becomes theirs; a person who had an
/// account proves it is them with their current `password` (wrong guesses count against the
/// same limits as signing in, from `client`). Then they are a member.
pub async fn accept(
    db: &Db,
    secret: &str,
    password: String,
    client: std::net::IpAddr,
) -> Result<user::Model, AppError> {
    let (inv, user, _) = open(db, secret).await?;
    let new_hash = if inv.existing_account {
        let login = user
            .phone
            .as_deref()
            .map(Login::parse)
            .or_else(|| user.email.as_deref().map(Login::parse))
            .transpose()
            .map_err(|e| AppError::internal(anyhow::anyhow!("stored login: {e}")))?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("a user without a login")))?;
        let attempt = super::sign_in_limits::Attempt::new(&login, client);
        attempt.check(db).await?;
        let stored = user.password_hash.clone();
        let ok = tokio::task::spawn_blocking(move || password::verify(&password, &stored))
            .await
            .map_err(AppError::internal)?;
        if !ok {
            attempt.failed(db).await?;
            return Err(AppError::validation(
                "password",
                crate::domain::ParseError::new(
                    Reason::WrongPassword,
                    "not this account's password",
                ),
            ));
        }
        attempt.succeeded(db).await?;
        None
    } else {
        password::check_policy(&password).map_err(|e| AppError::validation("password", e))?;
        let hash = tokio::task::spawn_blocking(move || password::hash(&password))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::Internal)?;
        Some(hash)
    };
    let txn = db.write_txn().await?;
    // Claimed in the transaction: a second use of the link finds it accepted.
    let claimed = Invitation::update_many()
        .col_expr(
            invitation::Column::AcceptedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::NotFound("invitation"));
    }
    let role = Role::parse(&inv.role).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
    add_membership(&txn, user.id, inv.organization_id, role).await?;
    let user = match new_hash {
        Some(hash) => {
            let mut row: user::ActiveModel = user.into();
            row.password_hash = Set(hash);
            row.updated_at = Set(now());
            row.update(&txn).await?
        }
        None => user,
    };
    txn.commit().await?;
    Ok(user)
}

/// The organization's invitations not yet accepted, newest first, with the person invited.
pub async fn pending(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
) -> Result<Vec<(invitation::Model, user::Model)>, AppError> {
    use sea_orm::QueryOrder;
    let conn = db.read();
    organization(conn, who, organization_id, Action::ManageOrganization).await?;
    let invitations = Invitation::find()
        .filter(invitation::Column::OrganizationId.eq(organization_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .order_by_desc(invitation::Column::Id)
        .all(conn)
        .await?;
    let ids = invitations.iter().map(|i| i.user_id).collect();
    let mut users = super::accounts::users_by_id(conn, ids).await?;
    Ok(invitations
        .into_iter()
        .filter_map(|i| users.remove(&i.user_id).map(|u| (i, u)))
        .collect())
}
