//! The push outbox: a listing version sent to a marketplace's seller API is a job row, and a
//! worker sends it — durably and at most once per version.
//!
//! - One job per listing version: the idempotency key is the listing id and the SHA-256 of
//!   the version's JSON, unique in the table, so pushing the same version again returns the
//!   same job and never sends it twice after it succeeded.
//! - A worker claims a due job with a lease (a conditional update, so two app nodes never take
//!   the same job) and records the attempt **before** sending. If the process stops while the
//!   request is in flight, the attempt stays without an outcome and the lease runs out; the
//!   next worker then asks the marketplace whether the item exists (by SKU) before sending
//!   again, so a crash can neither lose the job nor create the item twice.
//! - Failures are retried with exponential backoff and jitter (a 429's `Retry-After` is
//!   honoured), up to [`MAX_ATTEMPTS`]; a refusal fails the job at once. Every attempt is a row.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::outbox_job::JobStatus;
use entity::{listing, marketplace_account, outbox_attempt, outbox_job};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::{ledger, load, now};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::role::Action;
use crate::error::Code;
use crate::error::{AppError, FieldProblem};
use crate::marketplace::api::{Account, ApiClient, ApiConfig, PushError, Pushed, Review};
use crate::marketplace::{Listing, Marketplace};

/// Attempts before a job is given up (failed; retry it through the API).
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a worker holds a claimed job.
pub const LEASE: Duration = Duration::from_secs(120);
const MAX_DELAY: Duration = Duration::from_secs(3600);

/// What the worker needs.
#[derive(Clone)]
pub struct Outbox {
    pub db: Db,
    pub http: reqwest::Client,
    pub apis: Arc<std::collections::BTreeMap<&'static str, ApiConfig>>,
    pub retry_base: Duration,
    /// How often a pending marketplace review (Tiki) is asked about.
    pub review_every: Duration,
    pub wake: Arc<tokio::sync::Notify>,
    /// Where the listings' images are (clients that upload images send their bytes).
    pub store: Arc<dyn crate::storage::BlobStore>,
    /// Seals shops' tokens in the database.
    pub secrets: crate::secrets::SecretBox,
}

fn sealed(outbox: &Outbox, plain: &str) -> Result<String, AppError> {
    outbox.secrets.seal(plain).map_err(AppError::internal)
}

fn opened(outbox: &Outbox, sealed: &str) -> Result<String, AppError> {
    outbox.secrets.open(sealed).map_err(|e| {
        AppError::conflict(
            Code::MarketplaceAccountUnreadable,
            format!("{e}: connect the shop again"),
        )
    })
}

/// A successful attempt: what the marketplace said, and how it was reached.
#[doc(hidden)]
pub type Sent = (Pushed, &'static str);

fn version_key(listing_id: Uuid, l: &Listing) -> Result<String, AppError> {
    use sha2::Digest;
    let json = serde_json::to_vec(l).map_err(AppError::internal)?;
    let digest = sha2::Sha256::digest(&json);
    Ok(format!(
        "{listing_id}:{}",
        data_encoding::HEXLOWER.encode(&digest)
    ))
}

fn api_of(m: &'static dyn Marketplace) -> Result<&'static dyn ApiClient, AppError> {
    m.api().ok_or_else(|| {
        AppError::conflict(
            Code::NoSellerApi,
            format!(
                "{} has no seller API: export a listing pack and record the live URL",
                m.name()
            ),
        )
    })
}

/// Saves an organization's shop credentials on an API marketplace.
pub async fn set_account(
    outbox: &Outbox,
    who: &Principal,
    organization_id: Uuid,
    marketplace: &'static dyn Marketplace,
    account: Account,
) -> Result<(), AppError> {
    api_of(marketplace)?;
    let db = &outbox.db;
    let access_token = sealed(outbox, &account.access_token)?;
    let refresh_token = account
        .refresh_token
        .as_deref()
        .map(|t| sealed(outbox, t))
        .transpose()?;
    let txn = db.write_txn().await?;
    super::organization(&txn, who, organization_id, Action::ManageOrganization).await?;
    let existing = marketplace_account::Entity::find()
        .filter(marketplace_account::Column::OrganizationId.eq(organization_id))
        .filter(marketplace_account::Column::Marketplace.eq(marketplace.id()))
        .one(&txn)
        .await?;
    let t = now();
    match existing {
        Some(row) => {
            let mut row: marketplace_account::ActiveModel = row.into();
            row.shop_id = Set(account.shop_id);
            row.access_token = Set(access_token);
            row.refresh_token = Set(refresh_token);
            row.updated_at = Set(t);
            row.update(&txn).await?;
        }
        None => {
            marketplace_account::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(organization_id),
                marketplace: Set(marketplace.id().to_owned()),
                shop_id: Set(account.shop_id),
                access_token: Set(access_token),
                refresh_token: Set(refresh_token),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

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
    let current = super::listings::build(db, base, &row).await?;
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
                    code: p.code.clone(),
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
    let t = now();
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
    let (outbox, base) = (outbox.clone(), base.clone());
    tokio::spawn(async move {
        if let Err(e) = requeue(&outbox, &base, product_id).await {
            tracing::warn!(product.id = %product_id, error = %e.into_anyhow(), "could not queue marketplace updates");
        }
    });
}

async fn requeue(outbox: &Outbox, base: &url::Url, product_id: Uuid) -> Result<(), AppError> {
    let rows = listing::Entity::find()
        .filter(listing::Column::ProductId.eq(product_id))
        .filter(listing::Column::ExternalId.is_not_null())
        .all(outbox.db.read())
        .await?;
    let operator = Principal::system("ocop-trace (marketplace sync)");
    for current in super::listings::build_all(&outbox.db, base, &rows).await? {
        if current.status == super::listings::ListingStatus::Stale && current.problems.is_empty() {
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
    row.next_attempt_at = Set(now());
    row.updated_at = Set(now());
    let job = row.update(&txn).await?;
    txn.commit().await?;
    outbox.wake.notify_one();
    Ok(job)
}

/// The delay before attempt `attempts + 1`: the marketplace's `Retry-After` when it gave one,
/// otherwise `base · 2^(attempts-1)` up to an hour, plus up to 50 % jitter.
pub fn backoff(base: Duration, attempts: i32, retry_after: Option<Duration>) -> Duration {
    if let Some(after) = retry_after {
        return after.min(MAX_DELAY);
    }
    let exp = base.saturating_mul(1u32 << attempts.clamp(1, 20).saturating_sub(1));
    let delay = exp.min(MAX_DELAY);
    let mut b = [0u8; 2];
    let jitter = if getrandom::fill(&mut b).is_ok() {
        f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX) * 0.5
    } else {
        0.25
    };
    delay.mul_f64(1.0 + jitter)
}

fn due(t: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(outbox_job::Column::Status.eq(JobStatus::Pending))
                .add(outbox_job::Column::NextAttemptAt.lte(t)),
        )
        .add(
            Condition::all()
                .add(outbox_job::Column::Status.eq(JobStatus::Running))
                .add(outbox_job::Column::LeaseUntil.lte(t)),
        )
}

/// Takes one due job (or one whose worker's lease ran out), or `None`.
pub async fn claim(db: &Db) -> Result<Option<outbox_job::Model>, AppError> {
    let t = now();
    let Some(job) = outbox_job::Entity::find()
        .filter(due(t))
        .order_by_asc(outbox_job::Column::NextAttemptAt)
        .one(db.read())
        .await?
    else {
        return Ok(None);
    };
    let lease = t + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let txn = db.write_txn().await?;
    // Conditional: of two workers, only one sees its update apply.
    let taken = outbox_job::Entity::update_many()
        .col_expr(
            outbox_job::Column::Status,
            Expr::value(JobStatus::Running.as_str()),
        )
        .col_expr(outbox_job::Column::LeaseUntil, Expr::value(lease))
        .col_expr(
            outbox_job::Column::Attempts,
            Expr::col(outbox_job::Column::Attempts).add(1),
        )
        .col_expr(outbox_job::Column::UpdatedAt, Expr::value(t))
        .filter(outbox_job::Column::Id.eq(job.id))
        .filter(due(t))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    if taken.rows_affected != 1 {
        return Ok(None);
    }
    Ok(outbox_job::Entity::find_by_id(job.id)
        .one(db.read())
        .await?)
}

/// What one attempt came to.
enum Outcome {
    Done(Pushed, &'static str),
    Retry(PushError),
    Failed(String, Option<u16>),
}

/// The marketplace's client, this service's credentials with it, and the organization's shop.
async fn connection(
    outbox: &Outbox,
    organization_id: Uuid,
    marketplace: &str,
) -> Result<(&'static dyn ApiClient, ApiConfig, Account), AppError> {
    let market = crate::marketplace::by_id(marketplace)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown marketplace")))?;
    let client = api_of(market)?;
    let config =
        outbox.apis.get(market.id()).cloned().ok_or_else(|| {
            AppError::conflict(Code::MarketplaceNotConfigured, "no API credentials")
        })?;
    let account = marketplace_account::Entity::find()
        .filter(marketplace_account::Column::OrganizationId.eq(organization_id))
        .filter(marketplace_account::Column::Marketplace.eq(market.id()))
        .one(outbox.db.read())
        .await?
        .ok_or_else(|| {
            AppError::conflict(Code::NoMarketplaceAccount, "the shop is not connected")
        })?;
    let account = Account {
        access_token: opened(outbox, &account.access_token)?,
        refresh_token: account
            .refresh_token
            .as_deref()
            .map(|t| opened(outbox, t))
            .transpose()?,
        shop_id: account.shop_id,
    };
    Ok((client, config, account))
}

/// Sends a claimed job, recording the attempt before the request leaves. Returns the attempt
/// row and the raw push result; [`finish`] records it.
#[doc(hidden)]
pub async fn send(
    outbox: &Outbox,
    job: &outbox_job::Model,
) -> Result<(outbox_attempt::Model, Result<Sent, PushError>), AppError> {
    let db = &outbox.db;
    let (client, config, account) =
        connection(outbox, job.organization_id, &job.marketplace).await?;
    let listing: Listing =
        serde_json::from_value(job.listing.clone()).map_err(AppError::internal)?;
    let mut images = Vec::with_capacity(listing.images.len());
    for img in &listing.images {
        let key = crate::storage::BlobKey::parse(&img.sha256)?;
        images.push(crate::storage::read_all(outbox.store.get(&key).await?).await?);
    }
    // An earlier attempt without an outcome was in flight when its process stopped.
    let interrupted = outbox_attempt::Entity::find()
        .filter(outbox_attempt::Column::JobId.eq(job.id))
        .filter(
            Condition::any()
                .add(outbox_attempt::Column::Outcome.is_null())
                .add(outbox_attempt::Column::Outcome.eq("unknown")),
        )
        .one(db.read())
        .await?
        .is_some();
    let txn = db.write_txn().await?;
    let attempt = outbox_attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        job_id: Set(job.id),
        attempt: Set(job.attempts),
        started_at: Set(now()),
        finished_at: Set(None),
        outcome: Set(None),
        http_status: Set(None),
        detail: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    // An item the marketplace has already is updated, never created again.
    let existing = listing::Entity::find_by_id(job.listing_id)
        .one(db.read())
        .await?
        .and_then(|l| l.external_id);
    let result = async {
        if let Some(id) = &existing {
            return client
                .update(&outbox.http, &config, &account, id, &listing, &images)
                .await
                .map(|p| (p, "updated"));
        }
        if interrupted
            && let Some(id) = client
                .find(&outbox.http, &config, &account, &listing.sku)
                .await?
        {
            // Where the marketplace reviews items, where the found one stands.
            let review = client.review(&outbox.http, &config, &account, &id).await?;
            let found = Pushed {
                external_id: id,
                review: review.as_ref().map(|r| r.state.clone()),
                account: review.and_then(|r| r.account),
            };
            return Ok((found, "found the item an interrupted attempt had created"));
        }
        client
            .push(
                &outbox.http,
                &config,
                &account,
                &listing,
                &images,
                &job.idempotency_key,
            )
            .await
            .map(|p| (p, "created"))
    }
    .await;
    // Whatever the marketplace or the HTTP client said goes into rows an inspector reads:
    // never with the shop's tokens or the app's secret in it.
    let result = result.map_err(|e| e.redacted(&secrets(&config, &account)));
    Ok((attempt, result))
}

/// Records an attempt's result on the attempt, the job and (on success) the listing.
#[doc(hidden)]
pub async fn finish(
    outbox: &Outbox,
    job: outbox_job::Model,
    attempt: outbox_attempt::Model,
    result: Result<Sent, PushError>,
) -> Result<(), AppError> {
    let mut renewed = None;
    let outcome = match result {
        Ok((mut pushed, how)) => {
            renewed = pushed.account.take();
            Outcome::Done(pushed, how)
        }
        Err(e @ PushError::Retry { .. }) if job.attempts < MAX_ATTEMPTS => Outcome::Retry(e),
        Err(e) => Outcome::Failed(e.to_string(), e.status()),
    };
    let t = now();
    let txn = outbox.db.write_txn().await?;
    let mut a: outbox_attempt::ActiveModel = attempt.into();
    a.finished_at = Set(Some(t));
    let mut j: outbox_job::ActiveModel = job.clone().into();
    j.updated_at = Set(t);
    j.lease_until = Set(None);
    match &outcome {
        Outcome::Done(pushed, how) => {
            let id = &pushed.external_id;
            a.outcome = Set(Some("ok".into()));
            a.detail = Set(Some(match &pushed.review {
                Some(state) => format!("{how}; the marketplace's review: {state}"),
                None => (*how).into(),
            }));
            j.status = Set(JobStatus::Done);
            j.external_id = Set(Some(id.clone()));
            j.done_at = Set(Some(t));
            j.last_error = Set(None);
            if let Some(l) = listing::Entity::find_by_id(job.listing_id)
                .one(&txn)
                .await?
            {
                let mut l: listing::ActiveModel = l.into();
                l.external_id = Set(Some(id.clone()));
                l.exported = Set(Some(job.listing.clone()));
                l.exported_at = Set(Some(t));
                l.updated_at = Set(t);
                l.review_checked_at = Set(pushed.review.as_ref().map(|_| t));
                l.review_state = Set(pushed.review.clone());
                l.review_detail = Set(None);
                let l = l.update(&txn).await?;
                ledger::append(&txn, "pushed", &l).await?;
            }
        }
        Outcome::Retry(e) => {
            let (after, status) = match e {
                PushError::Retry { after, status, .. } => (*after, *status),
                PushError::Refused { status, .. } => (None, *status),
            };
            // No answer at all (a timeout, a dropped connection): the marketplace may have
            // created the item; the next attempt asks before sending.
            a.outcome = Set(Some(
                if status.is_none() { "unknown" } else { "retry" }.into(),
            ));
            a.http_status = Set(status.map(i32::from));
            a.detail = Set(Some(clip(&e.to_string())));
            j.status = Set(JobStatus::Pending);
            j.last_error = Set(Some(clip(&e.to_string())));
            let delay = backoff(outbox.retry_base, job.attempts, after);
            j.next_attempt_at = Set(t + chrono::Duration::from_std(delay).unwrap_or_default());
        }
        Outcome::Failed(msg, status) => {
            a.outcome = Set(Some("failed".into()));
            a.http_status = Set(status.map(i32::from));
            a.detail = Set(Some(clip(msg)));
            j.status = Set(JobStatus::Failed);
            j.last_error = Set(Some(clip(msg)));
        }
    }
    if let Some(acc) = renewed {
        store_tokens(outbox, &txn, job.organization_id, &job.marketplace, &acc).await?;
    }
    a.update(&txn).await?;
    j.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Stores a shop's renewed tokens, sealed.
async fn store_tokens(
    outbox: &Outbox,
    txn: &sea_orm::DatabaseTransaction,
    organization_id: Uuid,
    marketplace: &str,
    acc: &Account,
) -> Result<(), AppError> {
    let Some(row) = marketplace_account::Entity::find()
        .filter(marketplace_account::Column::OrganizationId.eq(organization_id))
        .filter(marketplace_account::Column::Marketplace.eq(marketplace))
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let mut row: marketplace_account::ActiveModel = row.into();
    row.access_token = Set(sealed(outbox, &acc.access_token)?);
    row.refresh_token = Set(acc
        .refresh_token
        .as_deref()
        .map(|r| sealed(outbox, r))
        .transpose()?);
    row.updated_at = Set(now());
    row.update(txn).await?;
    Ok(())
}

/// What no stored or logged error may show.
fn secrets<'a>(config: &'a ApiConfig, account: &'a Account) -> [Option<&'a str>; 3] {
    [
        Some(account.access_token.as_str()),
        account.refresh_token.as_deref(),
        Some(config.secret.as_str()),
    ]
}

fn clip(s: &str) -> String {
    s.chars().take(1_900).collect()
}

/// The state of the marketplace's review of the listing's earlier push, while it is not over:
/// an item under review cannot be changed, so the job waits for the decision.
async fn review_under_way(db: &Db, job: &outbox_job::Model) -> Result<Option<String>, AppError> {
    Ok(listing::Entity::find_by_id(job.listing_id)
        .one(db.read())
        .await?
        .and_then(|l| l.review_state)
        .filter(|state| Review::settles(state).is_none()))
}

/// Puts a claimed job back without an attempt, to run after the marketplace's review.
async fn defer(outbox: &Outbox, job: outbox_job::Model, state: &str) -> Result<(), AppError> {
    let t = now();
    let mut j: outbox_job::ActiveModel = job.clone().into();
    j.status = Set(JobStatus::Pending);
    j.attempts = Set(Ord::max(job.attempts - 1, 0));
    j.lease_until = Set(None);
    j.next_attempt_at =
        Set(t + chrono::Duration::from_std(outbox.review_every).unwrap_or_default());
    j.last_error = Set(Some(format!(
        "waiting for the marketplace's review of the earlier push ({state})"
    )));
    j.updated_at = Set(t);
    let txn = outbox.db.write_txn().await?;
    j.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Runs due jobs until there is none.
pub async fn drain(outbox: &Outbox) -> Result<(), AppError> {
    while let Some(job) = claim(&outbox.db).await? {
        if let Some(state) = review_under_way(&outbox.db, &job).await? {
            defer(outbox, job, &state).await?;
            continue;
        }
        match send(outbox, &job).await {
            Ok((attempt, result)) => finish(outbox, job, attempt, result).await?,
            Err(e) => {
                // Configuration or account missing: fail the job with the reason.
                let mut j: outbox_job::ActiveModel = job.into();
                j.status = Set(JobStatus::Failed);
                j.last_error = Set(Some(clip(&e.to_string())));
                j.lease_until = Set(None);
                j.updated_at = Set(now());
                let txn = outbox.db.write_txn().await?;
                j.update(&txn).await?;
                txn.commit().await?;
            }
        }
    }
    Ok(())
}

/// Asks the marketplaces that review items before sale (Tiki) how each pending review stands,
/// for listings not asked about for `review_every`. A decision releases the listing's waiting
/// jobs at once.
pub async fn poll_reviews(outbox: &Outbox) -> Result<(), AppError> {
    let t = now();
    let asked_before = t - chrono::Duration::from_std(outbox.review_every).unwrap_or_default();
    let rows = listing::Entity::find()
        .filter(listing::Column::ReviewState.is_not_null())
        .filter(
            listing::Column::ReviewState
                .is_not_in(std::iter::once(Review::APPROVED).chain(Review::REFUSED)),
        )
        .filter(listing::Column::ExternalId.is_not_null())
        .filter(
            Condition::any()
                .add(listing::Column::ReviewCheckedAt.is_null())
                .add(listing::Column::ReviewCheckedAt.lte(asked_before)),
        )
        .all(outbox.db.read())
        .await?;
    for row in rows {
        let Some(external_id) = row.external_id.clone() else {
            continue;
        };
        let asked = async {
            let (client, config, account) =
                connection(outbox, row.organization_id, &row.marketplace).await?;
            client
                .review(&outbox.http, &config, &account, &external_id)
                .await
                .map_err(|e| {
                    let e = e.redacted(&secrets(&config, &account));
                    AppError::conflict(Code::MarketplaceReview, e.to_string())
                })
        }
        .await;
        let txn = outbox.db.write_txn().await?;
        let mut l: listing::ActiveModel = row.clone().into();
        l.review_checked_at = Set(Some(now()));
        let mut decided = false;
        match asked {
            Ok(Some(review)) => {
                if let Some(acc) = &review.account {
                    store_tokens(outbox, &txn, row.organization_id, &row.marketplace, acc).await?;
                }
                decided = Review::settles(&review.state).is_some();
                if row.review_state.as_deref() != Some(review.state.as_str()) {
                    tracing::info!(listing.id = %row.id, marketplace = %row.marketplace, state = %review.state, "marketplace review");
                }
                l.review_state = Set(Some(review.state));
                l.review_detail = Set(review.reason.map(|r| clip(&r)));
            }
            Ok(None) => l.review_state = Set(None),
            Err(e) => {
                tracing::warn!(listing.id = %row.id, error = %e.into_anyhow(), "could not ask how a marketplace review stands");
            }
        }
        l.update(&txn).await?;
        if decided {
            outbox_job::Entity::update_many()
                .col_expr(outbox_job::Column::NextAttemptAt, Expr::value(now()))
                .filter(outbox_job::Column::ListingId.eq(row.id))
                .filter(outbox_job::Column::Status.eq(JobStatus::Pending))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        if decided {
            outbox.wake.notify_one();
        }
    }
    Ok(())
}

/// The worker: drains due jobs and follows pending reviews, then sleeps until woken or a
/// second has passed.
pub async fn run(outbox: Outbox) {
    let mut reviews_asked: Option<std::time::Instant> = None;
    loop {
        if let Err(e) = drain(&outbox).await {
            tracing::warn!(error = %e.into_anyhow(), "marketplace outbox");
        }
        if reviews_asked.is_none_or(|at| at.elapsed() >= outbox.review_every) {
            reviews_asked = Some(std::time::Instant::now());
            if let Err(e) = poll_reviews(&outbox).await {
                tracing::warn!(error = %e.into_anyhow(), "marketplace reviews");
            }
        }
        let wait = outbox.review_every.min(Duration::from_secs(1));
        let _ = tokio::time::timeout(wait, outbox.wake.notified()).await;
    }
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
