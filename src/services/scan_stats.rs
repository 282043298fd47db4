//! Scans of a batch's stamps per day, for the console's chart.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{batch, scan, stamp};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
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
    // From the start of the first day in Vietnam (17:00 UTC the day before).
    let since = first
        .and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(crate::domain::local_time::VIETNAM)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default();
    let times: Vec<DateTime<Utc>> = scan::Entity::find()
        .select_only()
        .column(scan::Column::ScannedAt)
        .filter(
            scan::Column::Serial.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(stamp::Column::Serial)
                    .from(stamp::Entity)
                    .and_where(stamp::Column::BatchId.eq(batch_id))
                    .to_owned(),
            ),
        )
        .filter(scan::Column::ScannedAt.gte(since))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(bucket(&times, first))
}

/// Counts `times` into the [`DAYS`] days from `first`.
fn bucket(times: &[DateTime<Utc>], first: NaiveDate) -> Vec<(NaiveDate, u64)> {
    let mut days: Vec<(NaiveDate, u64)> = first
        .iter_days()
        .take(DAYS as usize)
        .map(|d| (d, 0))
        .collect();
    for t in times {
        let offset = (crate::domain::local_time::day_of(*t) - first).num_days();
        if let Some(day) = usize::try_from(offset).ok().and_then(|i| days.get_mut(i)) {
            day.1 += 1;
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_fall_on_the_day_they_were_made_in_vietnam() {
        let first = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let times: Vec<DateTime<Utc>> = [
            "2026-10-31T16:59:00Z", // 23:59 on 31 October in Vietnam: before the chart
            "2026-10-31T17:00:00Z", // midnight, 1 November
            "2026-11-01T16:59:59Z", // 23:59:59, 1 November
            "2026-11-01T17:00:00Z", // 2 November
            "2026-11-30T16:00:00Z", // 30 November, the last day
            "2026-11-30T17:00:00Z", // 1 December: after
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let days = bucket(&times, first);
        assert_eq!(days.len(), 30);
        assert_eq!(days[0], (first, 2));
        assert_eq!(days[1].1, 1);
        assert_eq!(
            days[29],
            (NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), 1)
        );
        assert_eq!(days.iter().map(|d| d.1).sum::<u64>(), 4);
    }
}
