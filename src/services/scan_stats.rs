//! Scans of a batch's stamps per day, for the console's chart, from the counts the scan
//! writer keeps (`scan_days`).

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{batch, scan_day};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::load;
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::role::Action;
use crate::error::AppError;

/// Days a chart covers, ending today.
pub const DAYS: u32 = 30;

/// Scans of the batch's stamps on each of the [`DAYS`] days ending `today`, days as they are
/// in Vietnam, oldest first.
pub async fn per_day(
    db: &Db,
    who: &Principal,
    batch_id: Uuid,
    today: NaiveDate,
) -> Result<Vec<(NaiveDate, u64)>, AppError> {
    let conn = db.read();
    load::<batch::Entity, _>(conn, who, batch_id, Action::Read, "batch").await?;
    let first = today - chrono::Duration::days(i64::from(DAYS) - 1);
    // One row a day, kept by the scan writer (`scan_days`): 30 rows read whatever the batch's
    // traffic, and counts that outlive the scans retention deletes.
    let counted: HashMap<NaiveDate, i64> = scan_day::Entity::find()
        .filter(scan_day::Column::BatchId.eq(batch_id))
        .filter(scan_day::Column::Day.gte(first))
        .filter(scan_day::Column::Day.lte(today))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.day, d.scans))
        .collect();
    Ok(first
        .iter_days()
        .take(DAYS as usize)
        .map(|day| {
            let n = counted.get(&day).copied().unwrap_or(0);
            (day, u64::try_from(n).unwrap_or(0))
        })
        .collect())
}
