//! Queueing pushes: one job per listing version, re-queued after a product changes, listed, retried.

use entity::outbox_job::JobStatus;
use entity::{listing, marketplace_account, outbox_attempt, outbox_job};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::shared::Outbox;
use super::shared::api_of;
use super::shared::version_key;
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::role::Action;
use crate::error::Code;
use crate::error::{AppError, FieldProblem};
use crate::services::load;

/// Queues the listing's current version for its marketplace. The same version queued again
/// returns the existing job.
pub async fn enqueue(
    outbox: &Outbox,
    base: &url::Url,
    who: &Principal,
    listing_id: Uuid,
) -> Result<outbox_job::Model, AppError> {
    let db = &outbox.db;
    let row = load::<listing::Entity, _>(
        db.read(),
        who,
        listing_id,
        Action::ManageRegistry,
        "listing",
    )
    .await?;
    let current = crate::services::listings::build(db, base, &row).await?;
    let market = crate::marketplace::by_id(&row.marketplace)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown marketplace")))?;
    api_of(market)?;
    if !current.problems.is_empty() {
        return Err(AppError::Validation(
            current
                .problems
                .iter()
                .map(|p| FieldProblem {
                    field: format!("listing.{}", p.field),
                    code: p.code,
                    message: p.message.clone(),
                })
                .collect(),
        ));
    }
    if !outbox.apis.contains_key(market.id()) {
        return Err(AppError::conflict(
            Code::MarketplaceNotConfigured,
            format!(
                "this service has no {} API credentials (see README)",
                market.name()
            ),
        ));
    }
    let account = marketplace_account::Entity::find()
        .filter(marketplace_account::Column::OrganizationId.eq(row.organization_id))
        .filter(marketplace_account::Column::Marketplace.eq(market.id()))
        .one(db.read())
        .await?;
    if account.is_none() {
        return Err(AppError::conflict(
            Code::NoMarketplaceAccount,
            format!(
                "connect the organization's {} shop first (PUT /api/v1/organizations/{{id}}/marketplace-accounts/{})",
                market.name(),
                market.id()
            ),
        ));
    }
    let key = version_key(row.id, &current.listing)?;
    let txn = db.write_txn().await?;
    if let Some(job) = outbox_job::Entity::find()
        .filter(outbox_job::Column::IdempotencyKey.eq(&key))
        .one(&txn)
        .await?
    {
        return Ok(job);
    }
    let t = outbox.clock.now();
    let job = outbox_job::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(row.organization_id),
        listing_id: Set(row.id),
        marketplace: Set(market.id().to_owned()),
        idempotency_key: Set(key),
        listing: Set(serde_json::json!(current.listing)),
        status: Set(JobStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(t),
        lease_until: Set(None),
        last_error: Set(None),
        external_id: Set(None),
        done_at: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    outbox.wake.notify_one();
    Ok(job)
}

/// After a change to a product (its text, certification, photos, or a listing's price and
/// stock): queues an update of every listing of it that an API marketplace already has and
/// that is now stale. Runs in the background; a listing that cannot be queued (a problem, no
/// credentials) simply stays `stale` for people to see.
pub fn requeue_changed(outbox: &Outbox, base: &url::Url, product_id: Uuid) {
    let (tasks, outbox, base) = (outbox.requeues.clone(), outbox.clone(), base.clone());
    tasks.spawn(async move {
        if let Err(e) = requeue(&outbox, &base, product_id).await {
            tracing::warn!(product.id = %product_id, error = %e.into_anyhow(), "could not queue marketplace updates");
        }
    });
}

/// Waits until the updates queued by changes made so far are queued.
pub(super) async fn requeued(outbox: &Outbox) {
    outbox.requeues.idle().await;
}

pub(super) async fn requeue(
    outbox: &Outbox,
    base: &url::Url,
    product_id: Uuid,
) -> Result<(), AppError> {
    let rows = listing::Entity::find()
        .filter(listing::Column::ProductId.eq(product_id))
        .filter(listing::Column::ExternalId.is_not_null())
        .all(outbox.db.read())
        .await?;
    let operator = Principal::system("ocop-trace (marketplace sync)");
    for current in crate::services::listings::build_all(&outbox.db, base, &rows).await? {
        if current.status == crate::services::listings::ListingStatus::Stale
            && current.problems.is_empty()
        {
            match enqueue(outbox, base, &operator, current.row.id).await {
                Ok(_) | Err(AppError::Conflict { .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// A listing's pushes, newest first, each with its attempts.
pub async fn pushes(
    db: &Db,
    who: &Principal,
    listing_id: Uuid,
) -> Result<Vec<(outbox_job::Model, Vec<outbox_attempt::Model>)>, AppError> {
    load::<listing::Entity, _>(db.read(), who, listing_id, Action::Read, "listing").await?;
    let jobs = outbox_job::Entity::find()
        .filter(outbox_job::Column::ListingId.eq(listing_id))
        .order_by_desc(outbox_job::Column::Id)
        .all(db.read())
        .await?;
    // Every job's attempts in one query per 500 jobs, not one query per job.
    let mut attempts: std::collections::HashMap<Uuid, Vec<outbox_attempt::Model>> =
        std::collections::HashMap::new();
    for part in jobs.chunks(500) {
        let rows = outbox_attempt::Entity::find()
            .filter(outbox_attempt::Column::JobId.is_in(part.iter().map(|j| j.id)))
            .order_by_asc(outbox_attempt::Column::Attempt)
            .all(db.read())
            .await?;
        for a in rows {
            attempts.entry(a.job_id).or_default().push(a);
        }
    }
    let mut out = Vec::with_capacity(jobs.len());
    for j in jobs {
        let tried = attempts.remove(&j.id).unwrap_or_default();
        out.push((j, tried));
    }
    Ok(out)
}

/// Gives a failed job a new round of attempts.
pub async fn retry(
    outbox: &Outbox,
    who: &Principal,
    job_id: Uuid,
) -> Result<outbox_job::Model, AppError> {
    let txn = outbox.db.write_txn().await?;
    let job = outbox_job::Entity::find_by_id(job_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("push"))?;
    who.authorize(job.organization_id, Action::ManageRegistry, "push")?;
    if job.status != JobStatus::Failed {
        return Err(AppError::conflict(
            Code::NotFailed,
            format!(
                "only a failed push can be retried; this one is {}",
                job.status.as_str()
            ),
        ));
    }
    let mut row: outbox_job::ActiveModel = job.into();
    row.status = Set(JobStatus::Pending);
    row.attempts = Set(0);
    row.next_attempt_at = Set(outbox.clock.now());
    row.updated_at = Set(outbox.clock.now());
    let job = row.update(&txn).await?;
    txn.commit().await?;
    outbox.wake.notify_one();
    Ok(job)
}

/// The latest push of each of `listings` that has one, in one query per 500 listings, each
/// reading one job per listing off the (listing_id, id) index.
pub async fn latest_pushes(
    db: &Db,
    listings: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, outbox_job::Model>, AppError> {
    let mut latest = std::collections::HashMap::new();
    for part in listings.chunks(500) {
        let jobs = outbox_job::Entity::find()
            .filter(outbox_job::Column::ListingId.is_in(part.iter().copied()))
            // Ids are time-ordered: a listing's greatest is its newest.
            .filter(Expr::cust(
                r#""outbox_jobs"."id" = (SELECT "j"."id" FROM "outbox_jobs" AS "j" WHERE "j"."listing_id" = "outbox_jobs"."listing_id" ORDER BY "j"."id" DESC LIMIT 1)"#,
            ))
            .all(db.read())
            .await?;
        latest.extend(jobs.into_iter().map(|j| (j.listing_id, j)));
    }
    Ok(latest)
}
