//! Memberships: who belongs to an organization, with which role.

use entity::api_token::{self, Entity as ApiToken};
use entity::membership::{self, Entity as Membership};
use entity::user::{self, Entity as User};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::users::users_by_id;
use crate::auth::{Principal, Scope};
use crate::db::Db;
use crate::domain::ParseError;
use crate::domain::Reason;
use crate::domain::role::{Action, Role};
use crate::error::{AppError, Code};
use crate::services::{Page, PageRequest, load, now, organization, paginate};

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
            ParseError::new(Reason::NotFound, "no such user"),
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
pub(super) async fn revoke_user_tokens<C: ConnectionTrait>(
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
