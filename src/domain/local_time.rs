//! Vietnam's time (UTC+7, no daylight saving): the zone in which producers type times and
//! shoppers read them. Stored times are UTC.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// UTC+7.
pub const VIETNAM: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(tz) => tz,
    None => panic!("+07:00 is a valid offset"),
};

/// The day a moment falls on in Vietnam.
pub fn day_of(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&VIETNAM).date_naive()
}

/// A moment as a form's `datetime-local` value: `2026-11-24T07:30`.
pub fn input_value(t: DateTime<Utc>) -> String {
    t.with_timezone(&VIETNAM)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A time typed in Vietnam, as forms and spreadsheets hold it: `2026-11-24T07:30` (a form),
/// `2026-11-24 07:30`, `24/11/2026 07:30`, a date alone (midnight), or RFC 3339 with its own
/// offset.
pub fn parse(typed: &str) -> Option<DateTime<Utc>> {
    let typed = typed.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(typed) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%d/%m/%Y %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(typed, f).ok())
    .or_else(|| {
        ["%Y-%m-%d", "%d/%m/%Y"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(typed, f).ok())
            .map(|d| d.and_time(chrono::NaiveTime::MIN))
    })?;
    naive
        .and_local_timezone(VIETNAM)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_typed_in_vietnam_are_read_in_utc_and_shown_back() {
        let t = |s: &str| parse(s).map(|t| t.to_rfc3339());
        let half_past_seven = Some("2026-11-20T00:30:00+00:00".to_owned());
        assert_eq!(t("2026-11-20T07:30"), half_past_seven);
        assert_eq!(t("2026-11-20 07:30"), half_past_seven);
        assert_eq!(t("20/11/2026 07:30"), half_past_seven);
        assert_eq!(t("2026-11-20T07:30:00+07:00"), half_past_seven);
        assert_eq!(
            t("2026-11-20").as_deref(),
            Some("2026-11-19T17:00:00+00:00")
        );
        assert_eq!(t("hôm qua"), None);
        let back = parse("2026-11-20T07:30").unwrap();
        assert_eq!(input_value(back), "2026-11-20T07:30");
        assert_eq!(
            day_of("2026-11-19T17:00:00Z".parse().unwrap()).to_string(),
            "2026-11-20"
        );
    }
}
