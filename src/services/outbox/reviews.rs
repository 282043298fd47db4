//! Marketplaces that review items before sale (Tiki): jobs wait for the decision, which is polled.

use entity::outbox_job::JobStatus;
use entity::{listing, outbox_job};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};

use super::accounts::connection;
use super::accounts::store_tokens;
use super::shared::Outbox;
use super::shared::clip;
use super::shared::secrets;
use crate::db::Db;
use crate::error::AppError;
use crate::error::Code;
use crate::marketplace::api::Review;

/// The state of the marketplace's review of the listing's earlier push, while it is not over:
/// an item under review cannot be changed, so the job waits for the decision.
pub(super) async fn review_under_way(
    db: &Db,
    job: &outbox_job::Model,
) -> Result<Option<String>, AppError> {
    Ok(listing::Entity::find_by_id(job.listing_id)
        .one(db.read())
        .await?
        .and_then(|l| l.review_state)
        .filter(|state| Review::settles(state).is_none()))
}

/// Puts a claimed job back without an attempt, to run after the marketplace's review.
pub(super) async fn defer(
    outbox: &Outbox,
    job: outbox_job::Model,
    state: &str,
) -> Result<(), AppError> {
    let t = outbox.clock.now();
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

/// Asks the marketplaces that review items before sale (Tiki) how each pending review stands,
/// for listings not asked about for `review_every`. A decision releases the listing's waiting
/// jobs at once.
pub async fn poll_reviews(outbox: &Outbox) -> Result<(), AppError> {
    let t = outbox.clock.now();
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
        l.review_checked_at = Set(Some(outbox.clock.now()));
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
                .col_expr(
                    outbox_job::Column::NextAttemptAt,
                    Expr::value(outbox.clock.now()),
                )
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
