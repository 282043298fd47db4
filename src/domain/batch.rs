//! Batches and their production diary.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{ParseError, string_enum};
use crate::domain::Reason;

string_enum! {
    /// Life of a batch: open while it is produced, sealed once packed, recalled if withdrawn.
    BatchStatus {
        Open => "open",
        Sealed => "sealed",
        Recalled => "recalled",
    }
}

string_enum! {
    /// Kinds of production-diary events (DESIGN §4).
    EventKind {
        Planting => "planting",
        Fertilizing => "fertilizing",
        Spraying => "spraying",
        Irrigating => "irrigating",
        Harvesting => "harvesting",
        Processing => "processing",
        Packing => "packing",
        Inspection => "inspection",
        Certification => "certification",
        Shipping => "shipping",
        Recall => "recall",
        Note => "note",
    }
}

impl BatchStatus {
    /// Status changes made directly (not through an event). A recall is recorded as a
    /// `recall` diary event, so that the reason is part of the history.
    pub fn change_to(self, to: BatchStatus) -> Result<BatchStatus, ParseError> {
        match (self, to) {
            (a, b) if a == b => Ok(b),
            (BatchStatus::Open, BatchStatus::Sealed) => Ok(to),
            (_, BatchStatus::Recalled) => Err(ParseError::new(
                Reason::RecallNeedsEvent,
                "a batch is recalled by appending a `recall` diary event with the reason",
            )),
            _ => Err(ParseError::new(
                Reason::InvalidStatusTransition,
                format!("a {self} batch cannot become {to}"),
            )),
        }
    }

    /// Which diary events a batch in this status still accepts.
    pub fn accepts(self, kind: EventKind) -> bool {
        use EventKind::*;
        match self {
            BatchStatus::Open => true,
            BatchStatus::Sealed => {
                matches!(kind, Inspection | Certification | Shipping | Recall | Note)
            }
            BatchStatus::Recalled => matches!(kind, Note | Inspection),
        }
    }

    /// The status a batch moves to after an event of `kind`.
    pub fn after(self, kind: EventKind) -> BatchStatus {
        if kind == EventKind::Recall {
            BatchStatus::Recalled
        } else {
            self
        }
    }
}

/// One input applied in a fertilizing or spraying event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InputUse {
    /// Trade name of the product applied.
    pub product: String,
    pub active_ingredient: Option<String>,
    pub dose: Option<f64>,
    pub dose_unit: Option<String>,
    /// Pre-harvest interval (thời gian cách ly) in days.
    pub phi_days: Option<u32>,
}

/// Structured details of a diary event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventDetails {
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<InputUse>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub location: Option<String>,
    /// Reason, for corrections and recalls.
    pub reason: Option<String>,
    /// Photos of the work, by the `sha256` their upload to the batch returned. The event's
    /// ledger entry commits to these hashes, so a photo cannot be swapped afterwards.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<String>,
    /// Set by EPCIS capture only (`POST /epcis/capture`): which partner sent the event and
    /// what it was called there. Refused in any other request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only)]
    pub captured: Option<Captured>,
}

/// Where a captured diary event came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Captured {
    /// Who sent it: the name of the API token that posted the EPCIS document.
    pub partner: String,
    /// The document's `sender`, as the document declares it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// The event's ID in the partner's system: its `eventID`, else its CBV 2.0 event hash ID.
    pub event_id: String,
    /// The lot the partner's event names, when it is not this batch's own identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_lot: Option<String>,
    /// Photos the event links to, left where the partner keeps them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<String>,
    /// The event exactly as the partner sent it, sealed with the entry.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    #[schema(value_type = Object)]
    pub original: serde_json::Value,
}

/// Most photos one diary event can carry.
pub const MAX_PHOTOS: usize = 10;

/// Longest pre-harvest interval any input can declare.
pub const MAX_PHI_DAYS: u32 = 365;

/// Most inputs one fertilizing or spraying event can list.
pub const MAX_INPUTS: usize = 50;

/// Earliest date a diary event or a batch date can carry: catches years typed short
/// (`0202` for `2025`) without refusing any real OCOP record.
pub fn earliest_date() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(chrono::NaiveDate::MIN)
}

impl EventDetails {
    /// Returns the offending path (relative to `details`) and the problem.
    pub fn validate(&self, kind: EventKind) -> Result<(), (String, ParseError)> {
        if self.inputs.len() > MAX_INPUTS {
            return Err((
                "inputs".into(),
                ParseError::new(
                    Reason::TooManyInputs,
                    format!("at most {MAX_INPUTS} inputs per event"),
                ),
            ));
        }
        for (i, input) in self.inputs.iter().enumerate() {
            let texts = [
                ("product", Some(&input.product), 200),
                ("active_ingredient", input.active_ingredient.as_ref(), 200),
                ("dose_unit", input.dose_unit.as_ref(), 32),
            ];
            for (field, value, max) in texts {
                if let Some(v) = value {
                    super::text::line(v, 1, max)
                        .map_err(|e| (format!("inputs[{i}].{field}"), e))?;
                }
            }
            if let Some(d) = input.dose
                && !(d.is_finite() && d > 0.0)
            {
                return Err((
                    format!("inputs[{i}].dose"),
                    ParseError::new(Reason::DoseRange, "a dose is a positive number"),
                ));
            }
            if input.phi_days.is_some_and(|p| p > MAX_PHI_DAYS) {
                return Err((
                    format!("inputs[{i}].phi_days"),
                    ParseError::new(
                        Reason::PhiDaysRange,
                        format!("a pre-harvest interval is 0 to {MAX_PHI_DAYS} days"),
                    ),
                ));
            }
        }
        if !self.inputs.is_empty() && !matches!(kind, EventKind::Fertilizing | EventKind::Spraying)
        {
            return Err((
                "inputs".into(),
                ParseError::new(
                    Reason::InputsNotAllowed,
                    "inputs belong to fertilizing and spraying events",
                ),
            ));
        }
        if let Some(q) = self.quantity
            && !(q.is_finite() && q > 0.0)
        {
            return Err((
                "quantity".into(),
                ParseError::new(Reason::QuantityRange, "a quantity is a positive number"),
            ));
        }
        if self.photos.len() > MAX_PHOTOS {
            return Err((
                "photos".into(),
                ParseError::new(
                    Reason::TooManyPhotos,
                    format!("at most {MAX_PHOTOS} photos per event"),
                ),
            ));
        }
        for (i, p) in self.photos.iter().enumerate() {
            if !(p.len() == 64 && p.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))) {
                return Err((
                    format!("photos[{i}]"),
                    ParseError::new(
                        Reason::InvalidPhoto,
                        "a photo is named by the 64 lower-case hex digits of its sha256",
                    ),
                ));
            }
        }
        if kind == EventKind::Recall && self.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err((
                "reason".into(),
                ParseError::new(Reason::RecallReasonRequired, "a recall needs a reason"),
            ));
        }
        Ok(())
    }
}

/// A harvest that happened before an applied input's pre-harvest interval had passed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PhiWarning {
    pub input: String,
    pub applied_at: DateTime<Utc>,
    pub phi_days: u32,
    /// First moment harvesting was safe.
    pub safe_from: DateTime<Utc>,
}

/// Checks a harvest time against every earlier application of an input with a pre-harvest
/// interval (food-safety rule behind VietGAP record keeping).
pub fn phi_warnings<'a>(
    applications: impl IntoIterator<Item = (DateTime<Utc>, &'a EventDetails)>,
    harvested_at: DateTime<Utc>,
) -> Vec<PhiWarning> {
    let mut out = Vec::new();
    for (applied_at, details) in applications {
        for input in &details.inputs {
            let Some(phi) = input.phi_days else { continue };
            let safe_from = applied_at + Duration::days(i64::from(phi));
            if applied_at <= harvested_at && harvested_at < safe_from {
                out.push(PhiWarning {
                    input: input.product.clone(),
                    applied_at,
                    phi_days: phi,
                    safe_from,
                });
            }
        }
    }
    out
}

/// When an open batch may next be harvested: the end of the longest pre-harvest interval still
/// running at `now` among its applications, or `None` when none is (or the batch is not open).
pub fn harvest_from<'a>(
    status: BatchStatus,
    applications: impl IntoIterator<Item = (DateTime<Utc>, &'a EventDetails)>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if status != BatchStatus::Open {
        return None;
    }
    applications
        .into_iter()
        .flat_map(|(at, d)| {
            d.inputs
                .iter()
                .filter_map(move |i| i.phi_days.map(|p| at + Duration::days(i64::from(p))))
        })
        .max()
        .filter(|safe| *safe > now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_batch_may_be_harvested_once_its_longest_running_interval_ends() {
        let at = |d: u32| chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, d, 8, 0, 0).unwrap();
        let sprayed = EventDetails {
            inputs: vec![
                InputUse {
                    product: "A".into(),
                    active_ingredient: None,
                    dose: None,
                    dose_unit: None,
                    phi_days: Some(7),
                },
                InputUse {
                    product: "B".into(),
                    active_ingredient: None,
                    dose: None,
                    dose_unit: None,
                    phi_days: Some(14),
                },
            ],
            ..Default::default()
        };
        let applications = [(at(1), &sprayed)];
        assert_eq!(
            harvest_from(BatchStatus::Open, applications, at(10)),
            Some(at(15))
        );
        assert_eq!(harvest_from(BatchStatus::Open, applications, at(16)), None);
        assert_eq!(
            harvest_from(BatchStatus::Sealed, applications, at(10)),
            None
        );
    }

    #[test]
    fn only_open_to_sealed_is_a_direct_transition() {
        assert_eq!(
            BatchStatus::Open.change_to(BatchStatus::Sealed).unwrap(),
            BatchStatus::Sealed
        );
        assert_eq!(
            BatchStatus::Sealed
                .change_to(BatchStatus::Open)
                .unwrap_err()
                .code,
            Reason::InvalidStatusTransition
        );
        assert_eq!(
            BatchStatus::Open
                .change_to(BatchStatus::Recalled)
                .unwrap_err()
                .code,
            Reason::RecallNeedsEvent
        );
    }

    #[test]
    fn a_sealed_batch_accepts_only_post_production_events() {
        assert!(BatchStatus::Sealed.accepts(EventKind::Shipping));
        assert!(!BatchStatus::Sealed.accepts(EventKind::Spraying));
        assert!(!BatchStatus::Recalled.accepts(EventKind::Shipping));
        assert_eq!(
            BatchStatus::Sealed.after(EventKind::Recall),
            BatchStatus::Recalled
        );
    }

    #[test]
    fn inputs_are_only_for_fertilizing_and_spraying() {
        let d = EventDetails {
            inputs: vec![InputUse {
                product: "Ridomil Gold".into(),
                active_ingredient: None,
                dose: Some(2.5),
                dose_unit: Some("g/l".into()),
                phi_days: Some(7),
            }],
            ..Default::default()
        };
        assert!(d.validate(EventKind::Spraying).is_ok());
        assert_eq!(d.validate(EventKind::Harvesting).unwrap_err().0, "inputs");
    }

    #[test]
    fn harvesting_inside_a_pre_harvest_interval_is_flagged() {
        let sprayed: DateTime<Utc> = "2026-05-01T07:00:00Z".parse().unwrap();
        let d = EventDetails {
            inputs: vec![InputUse {
                product: "Ridomil Gold".into(),
                active_ingredient: Some("Metalaxyl-M".into()),
                dose: None,
                dose_unit: None,
                phi_days: Some(7),
            }],
            ..Default::default()
        };
        let early = phi_warnings([(sprayed, &d)], "2026-05-05T07:00:00Z".parse().unwrap());
        assert_eq!(early.len(), 1);
        assert_eq!(
            early[0].safe_from,
            "2026-05-08T07:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(phi_warnings([(sprayed, &d)], "2026-05-08T07:00:00Z".parse().unwrap()).is_empty());
    }
}
