//! The EPCIS 2.0 simple event query as `GET /epcis/events` takes it (REST bindings): the
//! standard parameter names, lists separated by `|`, pages of `perPage` events continued by
//! `nextPageToken`.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::hash::canonical;
use super::vocab::expand_biz_step;
use crate::domain::{ParseError, Reason};
use crate::error::{AppError, Problems};

/// Events per page unless `perPage` says otherwise (the standard's default).
pub const DEFAULT_PER_PAGE: u64 = 30;
/// The most events one page holds.
pub const MAX_PER_PAGE: u64 = 500;

/// The query parameters as sent.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RawQuery {
    /// Event types, `|`-separated (this service records `ObjectEvent`s).
    #[serde(rename = "eventType")]
    pub event_type: Option<String>,
    /// Events at or after this time (RFC 3339).
    #[serde(rename = "GE_eventTime")]
    pub ge_event_time: Option<String>,
    /// Events before this time (RFC 3339).
    #[serde(rename = "LT_eventTime")]
    pub lt_event_time: Option<String>,
    /// Events recorded at or after this time (RFC 3339).
    #[serde(rename = "GE_recordTime")]
    pub ge_record_time: Option<String>,
    /// Events recorded before this time (RFC 3339).
    #[serde(rename = "LT_recordTime")]
    pub lt_record_time: Option<String>,
    /// Business steps, `|`-separated: CBV words (`shipping`), CBV URIs, or our vocabulary's.
    #[serde(rename = "EQ_bizStep")]
    pub eq_biz_step: Option<String>,
    /// Business locations (farms, growing areas), `|`-separated URIs.
    #[serde(rename = "EQ_bizLocation")]
    pub eq_biz_location: Option<String>,
    /// Stamps, `|`-separated GS1 Digital Link URIs (any domain) or our `/S/` URIs.
    #[serde(rename = "MATCH_anyEPC")]
    pub match_any_epc: Option<String>,
    /// Lots or products, `|`-separated class URIs (`https://id.gs1.org/01/{gtin}/10/{lot}`).
    #[serde(rename = "MATCH_epcClass")]
    pub match_epc_class: Option<String>,
    /// The event hash ID of one event.
    #[serde(rename = "EQ_eventID")]
    pub eq_event_id: Option<String>,
    /// Events per page, 1–500 (default 30).
    #[serde(rename = "perPage")]
    pub per_page: Option<String>,
    /// The token of the `Link: …; rel="next"` header of the page before.
    #[serde(rename = "nextPageToken")]
    pub next_page_token: Option<String>,
}

/// A checked query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventQuery {
    /// Only object events are recorded: a query for other types matches nothing.
    pub no_object_events: bool,
    pub ge_event_time: Option<DateTime<Utc>>,
    pub lt_event_time: Option<DateTime<Utc>>,
    pub ge_record_time: Option<DateTime<Utc>>,
    pub lt_record_time: Option<DateTime<Utc>>,
    pub biz_steps: Option<Vec<String>>,
    pub biz_locations: Option<Vec<String>>,
    pub any_epc: Option<Vec<String>>,
    pub epc_classes: Option<Vec<String>>,
    pub event_id: Option<String>,
    pub per_page: u64,
    pub after: Option<Uuid>,
}

/// How far an event's time may run ahead of its recording (a phone's clock; the diary's
/// tolerance is 10 minutes) plus how far two nodes' clocks may disagree: the margin of
/// [`EventQuery::id_floor`].
pub const CLOCK_MARGIN: chrono::TimeDelta = chrono::TimeDelta::hours(1);

impl EventQuery {
    /// The least index row id an answer can have, from the query's lower time bounds: a row
    /// is written (its UUIDv7 id taken) after its record was recorded, and a record is
    /// recorded after its event happened, both within [`CLOCK_MARGIN`]. Bounding the id lets
    /// the database start a time query where its answers start, instead of at the first row.
    pub fn id_floor(&self) -> Option<Uuid> {
        let from = self.ge_event_time.max(self.ge_record_time)? - CLOCK_MARGIN;
        let ms = u64::try_from(from.timestamp_millis()).unwrap_or(0);
        let mut bytes = [0u8; 16];
        bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
        Some(Uuid::from_bytes(bytes))
    }
}

fn list(raw: &str) -> Vec<String> {
    raw.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn timestamp(raw: String) -> Result<DateTime<Utc>, ParseError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            ParseError::new(
                Reason::Invalid,
                format!("`{raw}` is not an RFC 3339 time such as 2026-03-01T08:00:00+07:00"),
            )
        })
}

fn uris(raw: String) -> Result<Vec<String>, ParseError> {
    let items = list(&raw);
    if items.is_empty() || items.len() > 100 {
        return Err(ParseError::new(
            Reason::Invalid,
            "give 1 to 100 URIs separated by `|`",
        ));
    }
    for i in &items {
        if url::Url::parse(i).is_err() && !i.starts_with("urn:") {
            return Err(ParseError::new(
                Reason::Invalid,
                format!("`{i}` is not a URI"),
            ));
        }
    }
    Ok(items)
}

impl RawQuery {
    pub fn parse(self) -> Result<EventQuery, AppError> {
        let mut p = Problems::default();
        let no_object_events = self
            .event_type
            .as_deref()
            .map(list)
            .is_some_and(|types| !types.iter().any(|t| t == "ObjectEvent"));
        let q = EventQuery {
            no_object_events,
            ge_event_time: p
                .check_opt("GE_eventTime", self.ge_event_time, timestamp)
                .flatten(),
            lt_event_time: p
                .check_opt("LT_eventTime", self.lt_event_time, timestamp)
                .flatten(),
            ge_record_time: p
                .check_opt("GE_recordTime", self.ge_record_time, timestamp)
                .flatten(),
            lt_record_time: p
                .check_opt("LT_recordTime", self.lt_record_time, timestamp)
                .flatten(),
            biz_steps: p
                .check_opt("EQ_bizStep", self.eq_biz_step, |raw| {
                    let steps = list(&raw);
                    if steps.is_empty() {
                        return Err(ParseError::new(Reason::Invalid, "name a business step"));
                    }
                    Ok(steps.iter().map(|s| expand_biz_step(s)).collect())
                })
                .flatten(),
            biz_locations: p
                .check_opt("EQ_bizLocation", self.eq_biz_location, uris)
                .flatten(),
            any_epc: p
                .check_opt("MATCH_anyEPC", self.match_any_epc, |raw| {
                    uris(raw).map(|v| v.iter().map(|u| canonical(u)).collect())
                })
                .flatten(),
            epc_classes: p
                .check_opt("MATCH_epcClass", self.match_epc_class, |raw| {
                    uris(raw).map(|v| v.iter().map(|u| canonical(u)).collect())
                })
                .flatten(),
            event_id: self.eq_event_id.map(|s| s.trim().to_owned()),
            per_page: p
                .check_opt("perPage", self.per_page, |raw| {
                    raw.trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                        .ok_or_else(|| {
                            ParseError::new(
                                Reason::Invalid,
                                format!("perPage is a whole number from 1 to {MAX_PER_PAGE}"),
                            )
                        })
                })
                .flatten()
                .unwrap_or(DEFAULT_PER_PAGE),
            after: p
                .check_opt("nextPageToken", self.next_page_token, |raw| {
                    Uuid::parse_str(raw.trim()).map_err(|_| {
                        ParseError::new(
                            Reason::Invalid,
                            "this nextPageToken was not given by this service",
                        )
                    })
                })
                .flatten(),
        };
        p.finish()?;
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_parameters_are_read_and_normalised() {
        let q = RawQuery {
            eq_biz_step: Some("shipping|https://x.example/epcis/voc/BizStep-planting".into()),
            match_epc_class: Some("https://ocop.example/01/8930000000012/10/L1".into()),
            ge_event_time: Some("2026-03-01T08:00:00+07:00".into()),
            per_page: Some("2".into()),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(
            q.biz_steps.unwrap(),
            vec![
                "https://ref.gs1.org/cbv/BizStep-shipping",
                "https://x.example/epcis/voc/BizStep-planting"
            ]
        );
        assert_eq!(
            q.epc_classes.unwrap(),
            vec!["https://id.gs1.org/01/08930000000012/10/L1"]
        );
        assert_eq!(
            q.ge_event_time.unwrap().to_rfc3339(),
            "2026-03-01T01:00:00+00:00"
        );
        assert_eq!(q.per_page, 2);
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let err = RawQuery {
            ge_event_time: Some("yesterday".into()),
            per_page: Some("0".into()),
            next_page_token: Some("x".into()),
            match_any_epc: Some("not a uri".into()),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let AppError::Validation(problems) = err else {
            panic!("{err:?}")
        };
        assert_eq!(problems.len(), 4);
    }

    #[test]
    fn other_event_types_match_nothing() {
        let q = RawQuery {
            event_type: Some("AggregationEvent".into()),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert!(q.no_object_events);
    }

    #[test]
    fn the_id_floor_is_below_every_row_written_after_the_time_less_the_margin() {
        let t = chrono::Utc::now();
        let q = EventQuery {
            ge_event_time: Some(t),
            ..Default::default()
        };
        let floor = q.id_floor().unwrap();
        // A row written now for an event of 10 minutes from now (a phone ahead), and one
        // written by a node whose clock is 50 minutes behind.
        assert!(floor <= Uuid::now_v7());
        let behind = uuid::Timestamp::from_unix(
            uuid::NoContext,
            u64::try_from((t - chrono::TimeDelta::minutes(50)).timestamp()).unwrap(),
            0,
        );
        assert!(floor <= Uuid::new_v7(behind));
        // Rows written more than the margin before it are below it.
        let old = uuid::Timestamp::from_unix(
            uuid::NoContext,
            u64::try_from((t - chrono::TimeDelta::hours(2)).timestamp()).unwrap(),
            0,
        );
        assert!(Uuid::new_v7(old) < floor);
        assert_eq!(EventQuery::default().id_floor(), None);
        let ancient = EventQuery {
            ge_record_time: Some(chrono::DateTime::UNIX_EPOCH),
            ..Default::default()
        };
        assert_eq!(ancient.id_floor(), Some(Uuid::nil()));
    }
}
