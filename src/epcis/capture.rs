//! Reading an EPCIS 2.0 document a partner sends to `POST /epcis/capture` as production-diary
//! entries: checked against GS1's EPCIS 2.0 JSON schema, then event by event against the
//! inverse of our mapping ([`vocab::diary_step`]). Pure: which batch a lot names, and whether
//! the caller may write to it, is `services/epcis_capture.rs`.
//!
//! What the partner sent is kept whole: each event is sealed with its diary entry
//! (`details.captured.original`), so fields we do not map (a `readPoint`, sensor data, an
//! `epcList`) are not lost, and an auditor can read exactly what arrived.

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sha2::Digest;

use super::hash::{self, Namespaces};
use super::vocab::{self, Ids};
use crate::domain::batch::{Captured, EventDetails, EventKind, InputUse};
use crate::domain::{ParseError, Reason, text};
use crate::error::FieldProblem;

/// Most events one document may carry (sent as `GS1-EPCIS-Capture-Limit`).
pub const CAPTURE_LIMIT: usize = 500;

/// Largest event, as JSON, that capture seals with its diary entry.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// Longest identifier or name a partner's event may carry into the sealed record and onto the
/// scan page (`sender`, `eventID`, a lot URI, a photo URL).
const MAX_ID_CHARS: usize = 500;

/// Most photo links one captured event keeps.
const MAX_PHOTOS: usize = crate::domain::batch::MAX_PHOTOS;

/// Most schema problems reported for one document: the first ones say what is wrong.
const MAX_SCHEMA_PROBLEMS: usize = 50;

/// GS1's EPCIS 2.0 JSON schema (gs1/EPCIS, see `tests/contract/gs1/SOURCE.md`): the same file
/// the contract tests check our own documents against.
const SCHEMA: &str = include_str!("../../tests/contract/gs1/EPCIS-JSON-Schema.json");

static VALIDATOR: LazyLock<Result<jsonschema::Validator, String>> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(SCHEMA).map_err(|e| e.to_string())?;
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| e.to_string())
});

/// One diary entry read from a partner's event.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// Its place in `epcisBody.eventList`.
    pub index: usize,
    pub kind: EventKind,
    pub occurred_at: DateTime<Utc>,
    /// The lot the event names (its `quantityList` class, or `ocop:lot`), canonical.
    pub lot: String,
    /// The batch, when the lot is named by our own URI (`…/id/lot/{id}`).
    pub batch: Option<uuid::Uuid>,
    /// What the diary records; `captured` is filled but for `partner`, which the service
    /// sets from the caller.
    pub details: EventDetails,
    /// The event hash ID (or other event ID) of an event this one corrects (`ocop:corrects`).
    pub corrects: Option<String>,
}

impl Incoming {
    /// The event's ID in the partner's system.
    pub fn event_id(&self) -> &str {
        self.details
            .captured
            .as_ref()
            .map_or("", |c| c.event_id.as_str())
    }
}

/// A document's events, in order, without the ones repeated in it.
#[derive(Debug, Clone)]
pub struct Document {
    pub events: Vec<Incoming>,
}

fn problem(field: String, reason: Reason, message: impl Into<String>) -> FieldProblem {
    FieldProblem::new(field, ParseError::new(reason, message))
}

/// `/epcisBody/eventList/3/bizStep` as `epcisBody.eventList[3].bizStep`.
fn path_of(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}

/// Checks a document against GS1's EPCIS 2.0 JSON schema: every problem (up to 50) with where
/// it is. `Err` of the outer result is the schema itself failing to load (a bug).
pub fn check_schema(doc: &Value) -> Result<Vec<FieldProblem>, String> {
    let validator = VALIDATOR.as_ref().map_err(Clone::clone)?;
    Ok(validator
        .iter_errors(doc)
        .take(MAX_SCHEMA_PROBLEMS)
        .map(|e| {
            let field = path_of(&e.instance_path().to_string());
            // A message quoting a whole event would bury the point: keep it short.
            problem(
                if field.is_empty() {
                    "document".into()
                } else {
                    field
                },
                Reason::SchemaViolation,
                format!(
                    "EPCIS 2.0 JSON schema: {}",
                    shorten(&e.masked().to_string(), 300)
                ),
            )
        })
        .collect())
}

/// Reads a document that passed [`check_schema`]: every event a diary entry, or every
/// problem found.
pub fn read(doc: &Value, ids: &Ids) -> Result<Document, Vec<FieldProblem>> {
    if doc.get("type").and_then(Value::as_str) != Some("EPCISDocument") {
        return Err(vec![problem(
            "type".into(),
            Reason::UnknownValue,
            "capture takes an EPCISDocument (with epcisBody.eventList)",
        )]);
    }
    let Some(list) = doc
        .get("epcisBody")
        .and_then(|b| b.get("eventList"))
        .and_then(Value::as_array)
    else {
        return Err(vec![problem(
            "epcisBody.eventList".into(),
            Reason::MissingField,
            "the document has no eventList",
        )]);
    };
    if list.is_empty() {
        return Err(vec![problem(
            "epcisBody.eventList".into(),
            Reason::Empty,
            "the document has no events",
        )]);
    }
    if list.len() > CAPTURE_LIMIT {
        return Err(vec![problem(
            "epcisBody.eventList".into(),
            Reason::TooMany,
            format!(
                "{} events; send at most {CAPTURE_LIMIT} per document",
                list.len()
            ),
        )]);
    }
    let ns = Namespaces::of_context(doc.get("@context").unwrap_or(&Value::Null));
    let mut problems = Vec::new();
    let sender = match doc.get("sender").and_then(Value::as_str) {
        None => None,
        Some(s) => match text::line(s, 1, MAX_ID_CHARS) {
            Ok(s) => Some(s),
            Err(e) => {
                problems.push(FieldProblem::new("sender", e));
                None
            }
        },
    };
    let mut seen = HashSet::new();
    let mut events = Vec::new();
    for (index, event) in list.iter().enumerate() {
        match read_event(index, event, &ns, ids, sender.as_deref()) {
            Ok(e) => {
                // An event sent twice in one document is recorded once.
                if seen.insert(e.event_id().to_owned()) {
                    events.push(e);
                }
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    if problems.is_empty() {
        Ok(Document { events })
    } else {
        Err(problems)
    }
}

/// An event's keys of our vocabulary (however the document's context prefixes them), by
/// local name.
fn ours<'a>(obj: &'a Map<String, Value>, ns: &Namespaces, ids: &Ids) -> Vec<(String, &'a Value)> {
    let voc = ids.vocabulary();
    obj.iter()
        .filter_map(|(k, v)| {
            let full = ns.expand(k);
            full.strip_prefix(&voc).map(|local| (local.to_owned(), v))
        })
        .collect()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Units the diary writes, for the UN/ECE Recommendation 20 codes [`super::event::uom`] knows.
fn unit_of(uom: &str) -> String {
    match uom {
        "KGM" => "kg",
        "GRM" => "g",
        "TNE" => "t",
        "LTR" => "l",
        "MLT" => "ml",
        "HAR" => "ha",
        "MTK" => "m2",
        other => other,
    }
    .to_owned()
}

/// The diary kind of a business step: the inverse of [`vocab::diary_step`].
fn kind_of(step: &str, ns: &Namespaces, ids: &Ids) -> Option<EventKind> {
    let full = vocab::expand_biz_step(&ns.expand(step));
    EventKind::ALL
        .iter()
        .copied()
        .find(|k| vocab::expand_biz_step(&vocab::diary_step(*k).1.term(ids)) == full)
}

fn read_event(
    index: usize,
    event: &Value,
    doc_ns: &Namespaces,
    ids: &Ids,
    sender: Option<&str>,
) -> Result<Incoming, Vec<FieldProblem>> {
    let at = |key: &str| format!("epcisBody.eventList[{index}].{key}");
    let Some(obj) = event.as_object() else {
        return Err(vec![problem(
            format!("epcisBody.eventList[{index}]"),
            Reason::InvalidType,
            "an event is a JSON object",
        )]);
    };
    let size = event.to_string().len();
    if size > MAX_EVENT_BYTES {
        return Err(vec![problem(
            format!("epcisBody.eventList[{index}]"),
            Reason::SizeRange,
            format!("{size} bytes as JSON; an event is at most {MAX_EVENT_BYTES}"),
        )]);
    }
    // An event may define prefixes of its own.
    let mut ns = doc_ns.clone();
    if let Some(c) = obj.get("@context") {
        for (p, iri) in Namespaces::of_context(c).pairs() {
            ns = ns.with(p, iri);
        }
    }
    let mut problems = Vec::new();
    if obj.get("type").and_then(Value::as_str) != Some("ObjectEvent") {
        problems.push(problem(
            at("type"),
            Reason::UnknownValue,
            "only ObjectEvents naming a lot are recorded as diary entries",
        ));
    }
    if obj.get("action").and_then(Value::as_str) == Some("DELETE") {
        problems.push(problem(
            at("action"),
            Reason::UnknownValue,
            "a diary entry adds or observes (ADD, OBSERVE); stamps are taken out of use by this service only",
        ));
    }
    let steps: Vec<String> = EventKind::ALL
        .iter()
        .map(|k| vocab::diary_step(*k).1.term(ids))
        .collect();
    let kind = match obj.get("bizStep").and_then(Value::as_str) {
        None => {
            problems.push(problem(
                at("bizStep"),
                Reason::MissingField,
                "a diary entry needs a business step",
            ));
            None
        }
        Some(step) => {
            let k = kind_of(step, &ns, ids);
            if k.is_none() {
                problems.push(problem(
                    at("bizStep"),
                    Reason::UnknownValue,
                    format!(
                        "`{}` is not a step of the production diary; use one of: {}",
                        shorten(step, 100),
                        steps.join(", ")
                    ),
                ));
            }
            k
        }
    };
    let occurred_at = obj
        .get("eventTime")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    if occurred_at.is_none() {
        problems.push(problem(
            at("eventTime"),
            Reason::InvalidValue,
            "an RFC 3339 time with its offset",
        ));
    }
    let ext = ours(obj, &ns, ids);
    let ext_get = |name: &str| ext.iter().find(|(k, _)| k == name).map(|(_, v)| *v);

    // The lot: the classes of quantityList, or ocop:lot.
    let quantities: Vec<&Value> = obj
        .get("quantityList")
        .and_then(Value::as_array)
        .map(|l| l.iter().collect())
        .unwrap_or_default();
    let mut lots: Vec<String> = quantities
        .iter()
        .filter_map(|q| q.get("epcClass").and_then(Value::as_str))
        .chain(ext_get("lot").and_then(Value::as_str))
        .map(|l| hash::canonical(&ns.expand(l.trim())))
        .collect();
    lots.sort();
    lots.dedup();
    let lot = match lots.as_slice() {
        [one] => Some(one.clone()),
        [] => {
            problems.push(problem(
                at("quantityList"),
                Reason::MissingField,
                "name the lot as a quantityList element's epcClass (https://id.gs1.org/01/{gtin}/10/{lot} or this service's lot URI)",
            ));
            None
        }
        _ => {
            problems.push(problem(
                at("quantityList"),
                Reason::InvalidValue,
                "a diary entry belongs to one lot; this event names several",
            ));
            None
        }
    };

    let mut details = EventDetails::default();
    if let Some(q) = quantities.first() {
        details.quantity = q.get("quantity").and_then(Value::as_f64);
        details.unit = q.get("uom").and_then(Value::as_str).map(unit_of);
    }
    if details.quantity.is_none() {
        details.quantity = ext_get("quantity").and_then(Value::as_f64);
        details.unit = ext_get("unit").and_then(text);
    }
    details.description = ext_get("description").and_then(text);
    details.location = ext_get("place").and_then(text);
    details.reason = ext_get("reason").and_then(text);
    if let Some(list) = ext_get("inputs") {
        match read_inputs(list, &ns, ids) {
            Ok(inputs) => details.inputs = inputs,
            Err((i, msg)) => problems.push(problem(
                at(&format!("ocop:inputs[{i}]")),
                Reason::InvalidValue,
                msg,
            )),
        }
    }
    let photos: Vec<String> = ext_get("photos")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(text).collect())
        .unwrap_or_default();
    if photos.len() > MAX_PHOTOS {
        problems.push(problem(
            at("ocop:photos"),
            Reason::TooManyPhotos,
            format!("at most {MAX_PHOTOS} photos per event"),
        ));
    }
    let corrects = ext_get("corrects").and_then(text);

    let event_id = match obj.get("eventID").and_then(Value::as_str) {
        Some(id) if !id.trim().is_empty() => id.trim().to_owned(),
        _ => hash::event_hash_id(event, &ns).unwrap_or_else(|_| {
            // Events the hash does not cover yet (business transactions, sources): a digest
            // of the event as sent, so that the same event sent again is still recognized.
            let digest = sha2::Sha256::digest(event.to_string().as_bytes());
            format!("ni:///sha-256;{}", data_encoding::HEXLOWER.encode(&digest))
        }),
    };
    // What is sealed with the entry and may be shown on the scan page stays a short line.
    let ids_to_check = [
        ("eventID", Some(&event_id)),
        ("quantityList", lot.as_ref()),
        ("ocop:corrects", corrects.as_ref()),
    ];
    for (field, value) in ids_to_check {
        if let Some(Err(e)) = value.map(|v| text::line(v, 1, MAX_ID_CHARS)) {
            problems.push(FieldProblem::new(at(field), e));
        }
    }
    for (i, p) in photos.iter().enumerate() {
        if let Err(e) = text::line(p, 1, MAX_ID_CHARS) {
            problems.push(FieldProblem::new(at(&format!("ocop:photos[{i}]")), e));
        }
    }

    let (Some(kind), Some(occurred_at), Some(lot), true) =
        (kind, occurred_at, lot, problems.is_empty())
    else {
        return Err(problems);
    };
    details.captured = Some(Captured {
        partner: String::new(),
        sender: sender.map(str::to_owned),
        event_id,
        source_lot: None,
        photos,
        original: event.clone(),
    });
    Ok(Incoming {
        index,
        kind,
        occurred_at,
        batch: ids.batch_of(&lot),
        lot,
        details,
        corrects,
    })
}

fn read_inputs(list: &Value, ns: &Namespaces, ids: &Ids) -> Result<Vec<InputUse>, (usize, String)> {
    let Some(items) = list.as_array() else {
        return Err((0, "ocop:inputs is a list".into()));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let obj = item
                .as_object()
                .ok_or((i, "an input is an object".into()))?;
            let f = ours(obj, ns, ids);
            let get = |name: &str| f.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
            let product = get("product")
                .and_then(text)
                .ok_or((i, "an input names its product (ocop:product)".into()))?;
            let phi_days = match get("preHarvestIntervalDays") {
                None => None,
                Some(v) => Some(
                    v.as_u64()
                        .and_then(|d| u32::try_from(d).ok())
                        .ok_or((i, "a pre-harvest interval is a whole number of days".into()))?,
                ),
            };
            Ok(InputUse {
                product,
                active_ingredient: get("activeIngredient").and_then(text),
                dose: get("dose").and_then(Value::as_f64),
                dose_unit: get("doseUnit").and_then(text),
                phi_days,
            })
        })
        .collect()
}

/// A diary field as the partner's event names it, for problems found after reading
/// (`details.inputs[0].phi_days` → `ocop:inputs[0].ocop:preHarvestIntervalDays`).
pub fn event_field(index: usize, field: &str) -> String {
    let field = field.strip_prefix("details.").unwrap_or(field);
    let named = [
        ("description", "ocop:description"),
        ("location", "ocop:place"),
        ("reason", "ocop:reason"),
        ("quantity", "quantityList[0].quantity"),
        ("unit", "quantityList[0].uom"),
        ("occurred_at", "eventTime"),
        ("kind", "bizStep"),
        ("corrects", "ocop:corrects"),
    ];
    let mapped = if let Some(rest) = field.strip_prefix("inputs") {
        let rest = rest
            .replace(".product", ".ocop:product")
            .replace(".active_ingredient", ".ocop:activeIngredient")
            .replace(".dose_unit", ".ocop:doseUnit")
            .replace(".dose", ".ocop:dose")
            .replace(".phi_days", ".ocop:preHarvestIntervalDays");
        format!("ocop:inputs{rest}")
    } else {
        named
            .iter()
            .find(|(ours, _)| *ours == field)
            .map_or(field.to_owned(), |(_, theirs)| (*theirs).to_owned())
    };
    format!("epcisBody.eventList[{index}].{mapped}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids() -> Ids {
        Ids::new(url::Url::parse("https://ocop.example/").unwrap())
    }

    fn doc(events: Vec<Value>) -> Value {
        json!({
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                         {"voc": "https://ocop.example/epcis/voc/"}],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-03-02T00:00:00Z",
            "sender": "urn:epc:id:pgln:8930000.00001",
            "epcisBody": {"eventList": events},
        })
    }

    fn spraying() -> Value {
        json!({
            "type": "ObjectEvent",
            "eventTime": "2026-03-01T08:30:00+07:00",
            "eventTimeZoneOffset": "+07:00",
            "action": "OBSERVE",
            "bizStep": "voc:BizStep-spraying",
            "quantityList": [{"epcClass": "https://id.gs1.org/01/08930000000012/10/L1",
                              "quantity": 2, "uom": "HAR"}],
            "readPoint": {"id": "urn:epc:id:sgln:8930000.00001.0"},
            "voc:inputs": [{"voc:product": "Anvil 5SC", "voc:preHarvestIntervalDays": 7}],
        })
    }

    #[test]
    fn gs1s_schema_loads_and_takes_a_partners_document() {
        let d = doc(vec![spraying()]);
        assert_eq!(check_schema(&d).unwrap(), vec![]);
        let mut bad = d.clone();
        bad["epcisBody"]["eventList"][0]["eventTime"] = json!("yesterday");
        let problems = check_schema(&bad).unwrap();
        assert!(
            problems
                .iter()
                .any(|p| p.field.starts_with("epcisBody.eventList[0]")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_partners_event_reads_as_a_diary_entry_whatever_prefix_it_gives_our_vocabulary() {
        let d = read(&doc(vec![spraying(), spraying()]), &ids()).unwrap();
        assert_eq!(d.events.len(), 1, "the same event twice is recorded once");
        let e = &d.events[0];
        assert_eq!(e.kind, EventKind::Spraying);
        assert_eq!(e.lot, "https://id.gs1.org/01/08930000000012/10/L1");
        assert_eq!(e.details.inputs[0].phi_days, Some(7));
        assert_eq!(e.details.unit.as_deref(), Some("ha"));
        let c = e.details.captured.as_ref().unwrap();
        assert!(c.event_id.starts_with("ni:///sha-256;"));
        assert_eq!(c.sender.as_deref(), Some("urn:epc:id:pgln:8930000.00001"));
        assert_eq!(
            c.original["readPoint"]["id"],
            "urn:epc:id:sgln:8930000.00001.0"
        );
    }

    #[test]
    fn every_bad_event_is_named_with_its_field() {
        let mut unknown = spraying();
        unknown["bizStep"] = json!("receiving");
        let mut deleting = spraying();
        deleting["action"] = json!("DELETE");
        deleting["eventTime"] = json!("2026-03-02T08:30:00+07:00");
        let problems = read(&doc(vec![spraying(), unknown, deleting]), &ids()).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "epcisBody.eventList[1].bizStep",
                "epcisBody.eventList[2].action"
            ]
        );
    }

    #[test]
    fn what_a_partner_names_stays_bounded() {
        let mut big = spraying();
        big["voc:description"] = json!("x".repeat(MAX_EVENT_BYTES));
        let mut photos = spraying();
        photos["eventTime"] = json!("2026-03-02T08:30:00+07:00");
        photos["voc:photos"] = json!(vec!["https://partner.example/p.jpg"; MAX_PHOTOS + 1]);
        let mut d = doc(vec![big, photos]);
        d["sender"] = json!("a\nb");
        let problems = read(&d, &ids()).unwrap_err();
        let found: Vec<(&str, Reason)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.code))
            .collect();
        assert_eq!(
            found,
            [
                ("sender", Reason::TextMultiline),
                ("epcisBody.eventList[0]", Reason::SizeRange),
                ("epcisBody.eventList[1].ocop:photos", Reason::TooManyPhotos),
            ]
        );
    }

    #[test]
    fn cbv_steps_and_their_urn_and_uri_forms_map_to_the_same_kind() {
        let ns = Namespaces::new();
        for s in [
            "packing",
            "urn:epcglobal:cbv:bizstep:packing",
            "https://ref.gs1.org/cbv/BizStep-packing",
        ] {
            assert_eq!(kind_of(s, &ns, &ids()), Some(EventKind::Packing), "{s}");
        }
        assert_eq!(kind_of("commissioning", &ns, &ids()), None);
    }

    #[test]
    fn diary_fields_are_named_as_the_partner_wrote_them() {
        assert_eq!(
            event_field(2, "details.inputs[0].phi_days"),
            "epcisBody.eventList[2].ocop:inputs[0].ocop:preHarvestIntervalDays"
        );
        assert_eq!(
            event_field(0, "details.reason"),
            "epcisBody.eventList[0].ocop:reason"
        );
    }
}
