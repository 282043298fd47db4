//! Our records as EPCIS 2.0 events (JSON-LD), each with its event hash ID as `eventID`.
//!
//! The builders take plain facts (what services read from the registry), never rows, and
//! return the event as JSON. The mapping is documented with an example per kind in
//! `docs/EPCIS.md`.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::hash::{HashError, Namespaces, event_hash_id};
use super::vocab::{self, Ids};
use crate::domain::batch::{EventDetails, EventKind};

/// Vietnam's offset, written in every event: our producers record local times.
pub const TIME_ZONE_OFFSET: &str = "+07:00";

/// How many stamps one commissioning event lists: a stamp run of a million stamps is a
/// thousand events of a bounded size, each with its own ID.
pub const COMMISSION_CHUNK: i64 = 1000;

/// What kind of record an event comes from; with the record's id and a part number (the chunk
/// of a stamp run), it names the event in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Diary,
    Commissioning,
    Decommissioning,
    Certification,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Diary => "diary",
            Source::Commissioning => "commissioning",
            Source::Decommissioning => "decommissioning",
            Source::Certification => "certification",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Source::Diary,
            Source::Commissioning,
            Source::Decommissioning,
            Source::Certification,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// An event and the fields the index keeps of it.
#[derive(Debug, Clone)]
pub struct Built {
    pub event: Value,
    pub event_id: String,
    pub event_type: &'static str,
    pub biz_step: String,
    pub event_time: DateTime<Utc>,
    pub biz_location: Option<String>,
}

/// Millisecond precision, UTC: what the hash reads back unchanged.
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn finish(
    ids: &Ids,
    mut event: Map<String, Value>,
    record_time: DateTime<Utc>,
    event_time: DateTime<Utc>,
) -> Result<Built, HashError> {
    let value = Value::Object(event.clone());
    let ns = Namespaces::new().with(vocab::PREFIX, &ids.vocabulary());
    let event_id = event_hash_id(&value, &ns)?;
    let biz_step = event
        .get("bizStep")
        .and_then(Value::as_str)
        .map(vocab::expand_biz_step)
        .unwrap_or_default();
    let biz_location = event
        .get("bizLocation")
        .and_then(|l| l.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    event.insert("eventID".into(), Value::String(event_id.clone()));
    event.insert("recordTime".into(), Value::String(time(record_time)));
    Ok(Built {
        event: Value::Object(event),
        event_id,
        event_type: "ObjectEvent",
        biz_step,
        event_time,
        biz_location,
    })
}

fn object_event(action: &str, event_time: DateTime<Utc>, biz_step: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!("ObjectEvent"));
    m.insert("eventTime".into(), json!(time(event_time)));
    m.insert("eventTimeZoneOffset".into(), json!(TIME_ZONE_OFFSET));
    m.insert("action".into(), json!(action));
    m.insert("bizStep".into(), json!(biz_step));
    m
}

/// What a lot is, as events name it.
#[derive(Debug, Clone)]
pub struct LotFacts {
    /// The lot's class-level identifier ([`Ids::lot`]).
    pub lot_uri: String,
    /// Where it grows: its growing area, else its farm ([`Ids::growing_area`], [`Ids::farm`]).
    pub location: Option<String>,
}

/// A production-diary entry.
#[derive(Debug, Clone)]
pub struct DiaryFact {
    pub kind: EventKind,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub details: EventDetails,
    /// The event this one corrects, by its event hash ID.
    pub corrects: Option<String>,
}

/// UN/ECE Recommendation 20 codes for the units producers write.
pub fn uom(unit: &str) -> Option<&'static str> {
    match unit.trim().to_lowercase().as_str() {
        "kg" | "kilogram" | "kilôgam" => Some("KGM"),
        "g" | "gram" | "gam" => Some("GRM"),
        "t" | "tấn" | "tan" | "tonne" => Some("TNE"),
        "l" | "lít" | "lit" | "litre" | "liter" => Some("LTR"),
        "ml" => Some("MLT"),
        "ha" => Some("HAR"),
        "m2" | "m²" => Some("MTK"),
        _ => None,
    }
}

pub fn diary(ids: &Ids, lot: &LotFacts, fact: &DiaryFact) -> Result<Built, HashError> {
    let (action, step, disposition) = vocab::diary_step(fact.kind);
    let mut e = object_event(action, fact.occurred_at, &step.term(ids));
    if let Some(d) = disposition {
        e.insert("disposition".into(), json!(d));
    }
    let mut quantity = json!({"epcClass": lot.lot_uri});
    let d = &fact.details;
    let mut extensions = Map::new();
    if let Some(q) = d.quantity {
        match d.unit.as_deref().and_then(uom) {
            Some(code) => {
                quantity["quantity"] = json!(q);
                quantity["uom"] = json!(code);
            }
            None => {
                extensions.insert(vocab::key("quantity"), json!(q));
                if let Some(u) = &d.unit {
                    extensions.insert(vocab::key("unit"), json!(u));
                }
            }
        }
    }
    e.insert("quantityList".into(), json!([quantity]));
    if let Some(l) = &lot.location {
        e.insert("bizLocation".into(), json!({ "id": l }));
    }
    if let Some(text) = &d.description {
        extensions.insert(vocab::key("description"), json!(text));
    }
    if let Some(text) = &d.location {
        extensions.insert(vocab::key("place"), json!(text));
    }
    if let Some(text) = &d.reason {
        extensions.insert(vocab::key("reason"), json!(text));
    }
    if !d.inputs.is_empty() {
        let inputs: Vec<Value> = d
            .inputs
            .iter()
            .map(|i| {
                let mut m = Map::new();
                m.insert(vocab::key("product"), json!(i.product));
                if let Some(a) = &i.active_ingredient {
                    m.insert(vocab::key("activeIngredient"), json!(a));
                }
                if let Some(v) = i.dose {
                    m.insert(vocab::key("dose"), json!(v));
                }
                if let Some(u) = &i.dose_unit {
                    m.insert(vocab::key("doseUnit"), json!(u));
                }
                if let Some(p) = i.phi_days {
                    m.insert(vocab::key("preHarvestIntervalDays"), json!(p));
                }
                Value::Object(m)
            })
            .collect();
        extensions.insert(vocab::key("inputs"), Value::Array(inputs));
    }
    if !d.photos.is_empty() {
        let photos: Vec<Value> = d.photos.iter().map(|p| json!(ids.media(p))).collect();
        extensions.insert(vocab::key("photos"), Value::Array(photos));
    }
    if let Some(c) = &fact.corrects {
        extensions.insert(vocab::key("corrects"), json!(c));
    }
    // Sent by a partner through capture: who, and what the event was called there.
    if let Some(c) = &d.captured {
        extensions.insert(vocab::key("capturedFrom"), json!(c.partner));
        extensions.insert(vocab::key("sourceEventID"), json!(c.event_id));
        if let Some(l) = &c.source_lot {
            extensions.insert(vocab::key("sourceLot"), json!(l));
        }
        if let Some(sender) = &c.sender {
            extensions.insert(vocab::key("sender"), json!(sender));
        }
        if !c.photos.is_empty() {
            extensions.insert(vocab::key("sourcePhotos"), json!(c.photos));
        }
    }
    e.extend(extensions);
    finish(ids, e, fact.recorded_at, fact.occurred_at)
}

/// A part of a stamp run: the stamps commissioned, as instance identifiers of the lot.
#[derive(Debug, Clone)]
pub struct CommissionFact {
    pub created_at: DateTime<Utc>,
    pub stamps: Vec<String>,
    /// Which part of the run this is (from 0) and how many parts it has.
    pub part: i64,
    pub parts: i64,
    /// The stamp run, as [`Ids::stamp_run`].
    pub run_uri: String,
}

pub fn commissioning(ids: &Ids, lot: &LotFacts, fact: &CommissionFact) -> Result<Built, HashError> {
    let mut e = object_event("ADD", fact.created_at, "commissioning");
    e.insert("disposition".into(), json!("active"));
    e.insert("epcList".into(), json!(fact.stamps));
    if let Some(l) = &lot.location {
        e.insert("bizLocation".into(), json!({ "id": l }));
    }
    e.insert(vocab::key("lot"), json!(lot.lot_uri));
    e.insert(vocab::key("stampRun"), json!(fact.run_uri));
    e.insert(
        vocab::key("runPart"),
        json!(format!("{}/{}", fact.part + 1, fact.parts)),
    );
    finish(ids, e, fact.created_at, fact.created_at)
}

/// Stamps taken out of use (misprinted, lost, recalled).
#[derive(Debug, Clone)]
pub struct VoidFact {
    pub created_at: DateTime<Utc>,
    pub stamps: Vec<String>,
    pub reason: String,
    pub note: Option<String>,
    pub run_uri: String,
}

pub fn decommissioning(ids: &Ids, lot: &LotFacts, fact: &VoidFact) -> Result<Built, HashError> {
    let mut e = object_event("DELETE", fact.created_at, "decommissioning");
    e.insert("disposition".into(), json!("inactive"));
    e.insert("epcList".into(), json!(fact.stamps));
    e.insert(vocab::key("lot"), json!(lot.lot_uri));
    e.insert(vocab::key("stampRun"), json!(fact.run_uri));
    e.insert(vocab::key("voidReason"), json!(fact.reason));
    if let Some(n) = &fact.note {
        e.insert(vocab::key("note"), json!(n));
    }
    finish(ids, e, fact.created_at, fact.created_at)
}

/// An OCOP certificate of a product.
#[derive(Debug, Clone)]
pub struct CertificateFact {
    pub product_uri: String,
    pub certificate_uri: String,
    pub producer_uri: String,
    pub stars: i16,
    pub score: Option<i16>,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub issuing_body: String,
    pub level: String,
    pub valid_until: NaiveDate,
    pub created_at: DateTime<Utc>,
}

pub fn certification(ids: &Ids, fact: &CertificateFact) -> Result<Built, HashError> {
    // The decision's date, at the start of its day in Vietnam.
    let at = fact
        .decision_date
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc() - chrono::Duration::hours(7))
        .unwrap_or(fact.created_at);
    let mut e = object_event("OBSERVE", at, &vocab::Step::Certifying.term(ids));
    e.insert(
        "quantityList".into(),
        json!([{ "epcClass": fact.product_uri }]),
    );
    e.insert("certificationInfo".into(), json!(fact.certificate_uri));
    e.insert(vocab::key("certifiedParty"), json!(fact.producer_uri));
    e.insert(vocab::key("programme"), json!("OCOP"));
    e.insert(vocab::key("stars"), json!(fact.stars));
    if let Some(s) = fact.score {
        e.insert(vocab::key("score"), json!(s));
    }
    e.insert(vocab::key("decisionNumber"), json!(fact.decision_number));
    e.insert(
        vocab::key("decisionDate"),
        json!(fact.decision_date.to_string()),
    );
    e.insert(vocab::key("issuingBody"), json!(fact.issuing_body));
    e.insert(vocab::key("level"), json!(fact.level));
    e.insert(
        vocab::key("validUntil"),
        json!(fact.valid_until.to_string()),
    );
    finish(ids, e, fact.created_at, at)
}

/// The EPCIS document of a list of events.
pub fn document(ids: &Ids, created: DateTime<Utc>, events: Vec<Value>) -> Value {
    json!({
        "@context": ids.context(),
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": time(created),
        "epcisBody": { "eventList": events },
    })
}

/// The answer to a query (`GET /epcis/events`): an EPCIS query document.
pub fn query_document(ids: &Ids, created: DateTime<Utc>, events: Vec<Value>) -> Value {
    json!({
        "@context": ids.context(),
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": time(created),
        "epcisBody": { "queryResults": {
            "queryName": "SimpleEventQuery",
            "resultsBody": { "eventList": events },
        }},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::batch::InputUse;

    fn ids() -> Ids {
        Ids::new(url::Url::parse("https://ocop.example/").unwrap())
    }

    fn lot() -> LotFacts {
        LotFacts {
            lot_uri: "https://id.gs1.org/01/08930000000012/10/L1".into(),
            location: Some("https://ocop.example/id/growing-area/1".into()),
        }
    }

    #[test]
    fn a_spraying_event_names_the_lot_its_place_its_inputs_and_their_pre_harvest_interval() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T08:30:00.123456+07:00")
            .unwrap()
            .with_timezone(&Utc);
        let fact = DiaryFact {
            kind: EventKind::Spraying,
            occurred_at: at,
            recorded_at: at,
            details: EventDetails {
                inputs: vec![InputUse {
                    product: "Anvil 5SC".into(),
                    active_ingredient: Some("Hexaconazole".into()),
                    dose: Some(1.5),
                    dose_unit: Some("ml/l".into()),
                    phi_days: Some(7),
                }],
                quantity: Some(2.0),
                unit: Some("ha".into()),
                ..Default::default()
            },
            corrects: None,
        };
        let b = diary(&ids(), &lot(), &fact).unwrap();
        let e = &b.event;
        assert_eq!(e["eventTime"], "2026-03-01T01:30:00.123Z");
        assert_eq!(
            e["bizStep"],
            "https://ocop.example/epcis/voc/BizStep-spraying"
        );
        assert_eq!(
            e["quantityList"][0]["epcClass"],
            "https://id.gs1.org/01/08930000000012/10/L1"
        );
        assert_eq!(e["quantityList"][0]["uom"], "HAR");
        assert_eq!(e["ocop:inputs"][0]["ocop:preHarvestIntervalDays"], 7);
        assert_eq!(e["eventID"], json!(b.event_id));
        assert!(b.event_id.starts_with("ni:///sha-256;"));
        assert_eq!(
            b.biz_location.as_deref(),
            Some("https://ocop.example/id/growing-area/1")
        );
    }

    #[test]
    fn standard_steps_are_bare_cbv_words_and_ours_are_our_uris() {
        let at = Utc::now();
        let base = DiaryFact {
            kind: EventKind::Packing,
            occurred_at: at,
            recorded_at: at,
            details: EventDetails::default(),
            corrects: None,
        };
        let packing = diary(&ids(), &lot(), &base).unwrap();
        assert_eq!(packing.event["bizStep"], "packing");
        assert_eq!(packing.biz_step, "https://ref.gs1.org/cbv/BizStep-packing");
        let recall = diary(
            &ids(),
            &lot(),
            &DiaryFact {
                kind: EventKind::Recall,
                ..base
            },
        )
        .unwrap();
        assert_eq!(recall.event["disposition"], "recalled");
    }
}
