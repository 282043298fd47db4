//! Jobs run under a lease, listing pushes and portal pushes alike: which are due, how one is
//! claimed by one worker of many, and the delay before a retry.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::outbox_job::JobStatus;
use entity::{outbox_job, portal_push};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::shared::LEASE;
use super::shared::MAX_DELAY;
use super::shared::Outbox;
use crate::error::AppError;

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

/// A table of jobs run under a lease: listing pushes (`outbox_jobs`) and portal pushes
/// (`portal_pushes`) are claimed by the same rules.
pub(super) trait Leased: EntityTrait {
    const ID: Self::Column;
    const STATUS: Self::Column;
    const NEXT_ATTEMPT_AT: Self::Column;
    const LEASE_UNTIL: Self::Column;
    const ATTEMPTS: Self::Column;
    const UPDATED_AT: Self::Column;
    fn id(row: &Self::Model) -> Uuid;
}

impl Leased for outbox_job::Entity {
    const ID: Self::Column = outbox_job::Column::Id;
    const STATUS: Self::Column = outbox_job::Column::Status;
    const NEXT_ATTEMPT_AT: Self::Column = outbox_job::Column::NextAttemptAt;
    const LEASE_UNTIL: Self::Column = outbox_job::Column::LeaseUntil;
    const ATTEMPTS: Self::Column = outbox_job::Column::Attempts;
    const UPDATED_AT: Self::Column = outbox_job::Column::UpdatedAt;
    fn id(row: &outbox_job::Model) -> Uuid {
        row.id
    }
}

impl Leased for portal_push::Entity {
    const ID: Self::Column = portal_push::Column::Id;
    const STATUS: Self::Column = portal_push::Column::Status;
    const NEXT_ATTEMPT_AT: Self::Column = portal_push::Column::NextAttemptAt;
    const LEASE_UNTIL: Self::Column = portal_push::Column::LeaseUntil;
    const ATTEMPTS: Self::Column = portal_push::Column::Attempts;
    const UPDATED_AT: Self::Column = portal_push::Column::UpdatedAt;
    fn id(row: &portal_push::Model) -> Uuid {
        row.id
    }
}

/// Due at `t`: pending with its attempt's time come, or running with its lease run out.
pub(super) fn due<E: Leased>(t: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(E::STATUS.eq(JobStatus::Pending.as_str()))
                .add(E::NEXT_ATTEMPT_AT.lte(t)),
        )
        .add(
            Condition::all()
                .add(E::STATUS.eq(JobStatus::Running.as_str()))
                .add(E::LEASE_UNTIL.lte(t)),
        )
}

/// Takes one due job of table `E`: a conditional update of its status and lease, so of two
/// workers (on two nodes) only one sees its update apply.
pub(super) async fn claim_from<E: Leased>(outbox: &Outbox) -> Result<Option<E::Model>, AppError>
where
    E::Model: Sync,
{
    let db = &outbox.db;
    let t = outbox.clock.now();
    let Some(job) = E::find()
        .filter(due::<E>(t))
        .order_by_asc(E::NEXT_ATTEMPT_AT)
        .one(db.read())
        .await?
    else {
        return Ok(None);
    };
    let id = E::id(&job);
    let lease = t + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let txn = db.write_txn().await?;
    let taken = E::update_many()
        .col_expr(E::STATUS, Expr::value(JobStatus::Running.as_str()))
        .col_expr(E::LEASE_UNTIL, Expr::value(lease))
        .col_expr(E::ATTEMPTS, Expr::col(E::ATTEMPTS).add(1))
        .col_expr(E::UPDATED_AT, Expr::value(t))
        .filter(E::ID.eq(id))
        .filter(due::<E>(t))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    if taken.rows_affected != 1 {
        return Ok(None);
    }
    Ok(E::find().filter(E::ID.eq(id)).one(db.read()).await?)
}
