//! API tokens: who a bearer token is, issuing, listing and revoking them.

use entity::api_token::{self, Entity as ApiToken};
use entity::organization::Entity as Organization;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::auth::{Principal, Scope, token};
use crate::db::Db;
use crate::domain::role::{Action, Role};
use crate::error::{AppError, Code};
use crate::services::{Page, PageRequest, now, organization, paginate};

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

pub(super) async fn insert_token<C: ConnectionTrait>(
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
