//! Pushes of a batch's EPCIS events to the traceability portal (issue 19): queued here, run by
//! the outbox's worker (`portal_worker.rs`) under the same lease, attempt and backoff rules
//! as listing pushes.
//!
//! A push sends every event of the batch that the portal does not have yet: the events it
//! accepted are kept by their event hash ID (`portal_deliveries`), so pushing a batch again
//! sends only what was recorded (or corrected) since; the portal itself deduplicates by the
//! same ID, so an attempt whose answer was lost is simply sent again.

use entity::portal_push::JobStatus;
use entity::{batch, portal_push, portal_push_attempt};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::shared::Outbox;
use super::shared::PortalConfig;
use crate::auth::Principal;
use crate::domain::role::Action;
use crate::error::AppError;
use crate::error::Code;
use crate::services::load;

/// A push and its attempts, oldest attempt first.
pub type PortalPush = (portal_push::Model, Vec<portal_push_attempt::Model>);

pub(super) fn configured(outbox: &Outbox) -> Result<&PortalConfig, AppError> {
    outbox.portal.as_ref().ok_or_else(|| {
        AppError::conflict(
            Code::PortalNotConfigured,
            "this service has no traceability portal configured (OCOP_PORTAL_CAPTURE_URL, see README)",
        )
    })
}

/// Queues a push of the batch's events to the portal; while one is waiting or running, that
/// one is returned instead of a second.
pub async fn push_batch(
    outbox: &Outbox,
    who: &Principal,
    batch_id: Uuid,
) -> Result<portal_push::Model, AppError> {
    let db = &outbox.db;
    let b =
        load::<batch::Entity, _>(db.read(), who, batch_id, Action::ManageRegistry, "batch").await?;
    let portal = configured(outbox)?.capture_url.to_string();
    let txn = db.write_txn().await?;
    if let Some(open) = portal_push::Entity::find()
        .filter(portal_push::Column::BatchId.eq(b.id))
        .filter(portal_push::Column::Portal.eq(&portal))
        .filter(portal_push::Column::Status.is_in([JobStatus::Pending, JobStatus::Running]))
        .one(&txn)
        .await?
    {
        return Ok(open);
    }
    let t = outbox.clock.now();
    let push = portal_push::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(b.organization_id),
        batch_id: Set(b.id),
        portal: Set(portal),
        status: Set(JobStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(t),
        lease_until: Set(None),
        last_error: Set(None),
        events_sent: Set(0),
        done_at: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    outbox.wake.notify_one();
    Ok(push)
}

/// The batch's pushes to the portal, newest first, each with its attempts; `limit` of them.
pub async fn portal_pushes(
    outbox: &Outbox,
    who: &Principal,
    batch_id: Uuid,
    limit: u64,
) -> Result<Vec<PortalPush>, AppError> {
    use sea_orm::QuerySelect;
    let db = &outbox.db;
    load::<batch::Entity, _>(db.read(), who, batch_id, Action::Read, "batch").await?;
    let pushes = portal_push::Entity::find()
        .filter(portal_push::Column::BatchId.eq(batch_id))
        .order_by_desc(portal_push::Column::Id)
        .limit(limit)
        .all(db.read())
        .await?;
    let mut attempts: std::collections::HashMap<Uuid, Vec<portal_push_attempt::Model>> =
        std::collections::HashMap::new();
    let rows = portal_push_attempt::Entity::find()
        .filter(portal_push_attempt::Column::PushId.is_in(pushes.iter().map(|p| p.id)))
        .order_by_asc(portal_push_attempt::Column::Attempt)
        .all(db.read())
        .await?;
    for a in rows {
        attempts.entry(a.push_id).or_default().push(a);
    }
    Ok(pushes
        .into_iter()
        .map(|p| {
            let tried = attempts.remove(&p.id).unwrap_or_default();
            (p, tried)
        })
        .collect())
}
