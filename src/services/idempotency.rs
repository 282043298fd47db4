//! `Idempotency-Key`: a client that lost the answer to a write sends it again with the same
//! key and gets the first answer instead of a second write. The key is recorded in the
//! write's own transaction (so a write that committed always has its key) with a hash of the
//! request; the same key with another request is refused.

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sha2::Digest;
use uuid::Uuid;

use super::now;
use crate::auth::{Principal, Scope};
use crate::domain::ParseError;
use crate::domain::Reason;
use crate::error::AppError;

fn table() -> Alias {
    Alias::new("idempotency_keys")
}

/// A write's key, checked, with whose it is and what was asked.
#[derive(Clone)]
pub struct Claim {
    owner: String,
    route: &'static str,
    key: String,
    request: String,
}

impl Claim {
    /// `key` as sent in the header: 1–200 visible ASCII characters. Keys belong to the
    /// organization (so any of its clients retrying finds it), or to the token for an
    /// administrator. `request` identifies what was asked, to refuse a key used again for
    /// something else.
    pub fn new(
        who: &Principal,
        route: &'static str,
        key: &str,
        request: &str,
    ) -> Result<Claim, AppError> {
        if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::validation(
                "Idempotency-Key",
                ParseError::new(
                    Reason::IdempotencyKeyFormat,
                    "1 to 200 visible ASCII characters, e.g. a UUID",
                ),
            ));
        }
        let owner = match who.scope {
            Scope::Organization { id, .. } => id.to_string(),
            Scope::Admin => format!("admin:{}", who.token_id),
        };
        let request = data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(request.as_bytes()));
        Ok(Claim {
            owner,
            route,
            key: key.to_owned(),
            request,
        })
    }

    /// What the first request with this key created; 422 if that request was another one.
    pub async fn earlier<C: ConnectionTrait>(&self, conn: &C) -> Result<Option<Uuid>, AppError> {
        let q = Query::select()
            .columns([Alias::new("request_hash"), Alias::new("resource_id")])
            .from(table())
            .and_where(Expr::col(Alias::new("owner")).eq(&self.owner))
            .and_where(Expr::col(Alias::new("route")).eq(self.route))
            .and_where(Expr::col(Alias::new("key")).eq(&self.key))
            .to_owned();
        let Some(row) = conn.query_one(&q).await? else {
            return Ok(None);
        };
        let request: String = row.try_get("", "request_hash")?;
        if request != self.request {
            return Err(AppError::validation(
                "Idempotency-Key",
                ParseError::new(
                    Reason::IdempotencyKeyReused,
                    "this key was used for a different request; use a new key for a new request",
                ),
            ));
        }
        Ok(Some(row.try_get("", "resource_id")?))
    }

    /// Records the key with what the write created, inside the write's transaction.
    pub async fn record<C: ConnectionTrait>(
        &self,
        conn: &C,
        resource: Uuid,
    ) -> Result<(), AppError> {
        let q = Query::insert()
            .into_table(table())
            .columns(
                [
                    "owner",
                    "route",
                    "key",
                    "request_hash",
                    "resource_id",
                    "created_at",
                ]
                .map(Alias::new),
            )
            .values([
                self.owner.clone().into(),
                self.route.into(),
                self.key.clone().into(),
                self.request.clone().into(),
                resource.into(),
                now().into(),
            ])
            .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?
            .to_owned();
        conn.execute(&q).await?;
        Ok(())
    }
}
