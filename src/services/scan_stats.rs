//! Scans of a batch's stamps per day, for the console's chart.

use chrono::{NaiveDate, Utc};
use entity::{batch, scan, stamp};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::load;
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::local_time;
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
        .and_local_timezone(local_time::VIETNAM)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default();
    // Counted by the database, one row per day: a popular batch has millions of scans a month.
    let counts: Vec<(String, i64)> = scan::Entity::find()
        .select_only()
        .column_as(
            Expr::cust(day_in_vietnam(conn.get_database_backend())),
            "day",
        )
        .column_as(Expr::cust("COUNT(*)"), "n")
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
        .group_by(Expr::cust("1"))
        .into_tuple()
        .all(conn)
        .await?;
    let counts = counts.into_iter().filter_map(|(day, n)| {
        let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").ok()?;
        Some((day, u64::try_from(n).ok()?))
    });
    Ok(bucket(counts, first))
}

/// The SQL for a scan's day in Vietnam, as `YYYY-MM-DD`. SQLite holds the time as RFC 3339
/// text in UTC; it is cut to whole seconds first, because SQLite rounds to milliseconds and
/// would put 23:59:59.9995 on the next day.
fn day_in_vietnam(backend: DbBackend) -> String {
    let offset = local_time::VIETNAM.local_minus_utc();
    match backend {
        DbBackend::Postgres => format!(
            "to_char((scanned_at AT TIME ZONE 'UTC') + interval '{offset} seconds', 'YYYY-MM-DD')"
        ),
        _ => format!("date(substr(scanned_at, 1, 19), '{offset:+} seconds')"),
    }
}

/// Spreads per-day counts over the [`DAYS`] days from `first`; days outside are dropped.
fn bucket(
    counts: impl IntoIterator<Item = (NaiveDate, u64)>,
    first: NaiveDate,
) -> Vec<(NaiveDate, u64)> {
    let mut days: Vec<(NaiveDate, u64)> = first
        .iter_days()
        .take(DAYS as usize)
        .map(|d| (d, 0))
        .collect();
    for (day, n) in counts {
        let offset = (day - first).num_days();
        if let Some(slot) = usize::try_from(offset).ok().and_then(|i| days.get_mut(i)) {
            slot.1 += n;
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_outside_the_chart_are_dropped() {
        let first = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let counts = [
            (NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(), 5),
            (day(1), 2),
            (day(2), 1),
            (day(30), 7),
            (NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), 9),
        ];
        let days = bucket(counts, first);
        assert_eq!(days.len(), 30);
        assert_eq!(days[0], (first, 2));
        assert_eq!(days[1], (day(2), 1));
        assert_eq!(days[29], (day(30), 7));
        assert_eq!(days.iter().map(|d| d.1).sum::<u64>(), 10);
    }
}
