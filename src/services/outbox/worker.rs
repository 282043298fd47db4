//! The worker: claims due jobs under a lease, records each attempt before sending, finishes it with backoff, and runs until stopped.

use std::time::Duration;

use entity::outbox_job::JobStatus;
use entity::{listing, outbox_attempt, outbox_job};
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::accounts::connection;
use super::accounts::store_tokens;
use super::lease::{backoff, claim_from};
use super::reviews::defer;
use super::reviews::poll_reviews;
use super::reviews::review_under_way;
use super::shared::MAX_ATTEMPTS;
use super::shared::Outbox;
use super::shared::Sent;
use super::shared::clip;
use super::shared::secrets;
use crate::error::AppError;
use crate::marketplace::Listing;
use crate::marketplace::api::{PushError, Pushed};
use crate::services::ledger;

/// Takes one due listing push (or one whose worker's lease ran out), or `None`.
pub async fn claim(outbox: &Outbox) -> Result<Option<outbox_job::Model>, AppError> {
    claim_from::<outbox_job::Entity>(outbox).await
}

/// What one attempt came to.
pub(super) enum Outcome {
    Done(Pushed, &'static str),
    Retry(PushError),
    Failed(String, Option<u16>),
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
        started_at: Set(outbox.clock.now()),
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
    let t = outbox.clock.now();
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

/// Runs due jobs until there is none (listing pushes, the updates of changes made before it
/// included, then portal pushes).
pub async fn drain(outbox: &Outbox) -> Result<(), AppError> {
    super::queue::requeued(outbox).await;
    while let Some(job) = claim(outbox).await? {
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
                j.updated_at = Set(outbox.clock.now());
                let txn = outbox.db.write_txn().await?;
                j.update(&txn).await?;
                txn.commit().await?;
            }
        }
    }
    super::portal_worker::drain_portal(outbox).await
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
