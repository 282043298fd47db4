//! Identifiers and vocabulary of our EPCIS events.
//!
//! CBV 2.0 terms are used where they mean what happened (packing, shipping, inspecting,
//! commissioning, decommissioning; dispositions active, inactive, in_transit, recalled).
//! Agricultural steps, growing areas, pre-harvest intervals and OCOP certificates have no CBV
//! term: they are our own vocabulary, under `{base}/epcis/voc/` (prefix `ocop`), served as a
//! JSON-LD context at `GET /epcis/voc` with every term explained in Vietnamese and English.

use serde_json::{Value, json};

use crate::domain::batch::EventKind;
use crate::urls::url_under;

/// The GS1 EPCIS 2.0 JSON-LD context every document names first.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// The prefix of our vocabulary in documents.
pub const PREFIX: &str = "ocop";

/// An extension key of our vocabulary (`ocop:{name}`).
pub fn key(name: &str) -> String {
    format!("{PREFIX}:{name}")
}

/// The URIs of our records, under the public base URL.
#[derive(Debug, Clone)]
pub struct Ids {
    base: url::Url,
}

impl Ids {
    pub fn new(base: url::Url) -> Self {
        Self { base }
    }

    fn under(&self, path: &str) -> String {
        url_under(&self.base, path)
    }

    /// Our vocabulary's namespace.
    pub fn vocabulary(&self) -> String {
        self.under("/epcis/voc/")
    }

    /// The `@context` of our documents: GS1's, then our prefix.
    pub fn context(&self) -> Value {
        json!([EPCIS_CONTEXT, { PREFIX: self.vocabulary() }])
    }

    /// A lot: `https://id.gs1.org/01/{gtin}/10/{lot}` when its product has a GTIN and its lot
    /// code is a GS1 lot, otherwise our own URI of the batch.
    pub fn lot(
        &self,
        gtin: Option<&crate::domain::Gtin>,
        lot: Option<&crate::domain::LotCode>,
        batch_id: uuid::Uuid,
    ) -> String {
        match (gtin, lot) {
            (Some(g), Some(l)) => format!(
                "https://id.gs1.org{}",
                crate::stamps::digital_link::lot_path(g, Some(l))
            ),
            _ => self.under(&format!("/id/lot/{batch_id}")),
        }
    }

    /// The batch our own lot URI (`{base}/id/lot/{id}`) names.
    pub fn batch_of(&self, uri: &str) -> Option<uuid::Uuid> {
        uri.strip_prefix(&self.under("/id/lot/"))
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
    }

    /// A product (class of all its lots): `https://id.gs1.org/01/{gtin}`, else ours.
    pub fn product(&self, gtin: Option<&crate::domain::Gtin>, product_id: uuid::Uuid) -> String {
        match gtin {
            Some(g) => format!("https://id.gs1.org/01/{}", g.as_str()),
            None => self.under(&format!("/id/product/{product_id}")),
        }
    }

    /// A stamp: its GS1 Digital Link instance URI on `id.gs1.org` (the QR code carries the
    /// same key on our domain), or the stamp's own URI for a product without a GTIN.
    pub fn stamp(&self, gtin: Option<&crate::domain::Gtin>, serial: &str) -> String {
        match gtin {
            Some(g) => format!("https://id.gs1.org/01/{}/21/{serial}", g.as_str()),
            None => self.under(&format!("/S/{serial}")),
        }
    }

    /// The serial a stamp identifier names: `https://id.gs1.org/01/{gtin}/21/{serial}` (the
    /// canonical form of any Digital Link with a serial) or our `{base}/S/{serial}`.
    pub fn serial_of(&self, epc: &str) -> Option<String> {
        let serial = match epc.strip_prefix(&self.under("/S/")) {
            Some(s) => s.to_owned(),
            None => {
                let canonical = super::hash::canonical(epc);
                let rest = canonical.strip_prefix("https://id.gs1.org/01/")?;
                rest.split_once("/21/")?.1.to_owned()
            }
        };
        (!serial.is_empty() && !serial.contains('/')).then_some(serial)
    }

    pub fn farm(&self, id: uuid::Uuid) -> String {
        self.under(&format!("/id/farm/{id}"))
    }

    pub fn growing_area(&self, id: uuid::Uuid) -> String {
        self.under(&format!("/id/growing-area/{id}"))
    }

    pub fn organization(&self, id: uuid::Uuid) -> String {
        self.under(&format!("/id/organization/{id}"))
    }

    pub fn certificate(&self, id: uuid::Uuid) -> String {
        self.under(&format!("/id/certificate/{id}"))
    }

    pub fn stamp_run(&self, id: uuid::Uuid) -> String {
        self.under(&format!("/id/stamp-run/{id}"))
    }

    pub fn media(&self, sha256: &str) -> String {
        self.under(&format!("/media/{sha256}"))
    }
}

/// Business steps of our vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Planting,
    Fertilizing,
    Spraying,
    Irrigating,
    Harvesting,
    Processing,
    Certifying,
    Recalling,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::Planting,
        Step::Fertilizing,
        Step::Spraying,
        Step::Irrigating,
        Step::Harvesting,
        Step::Processing,
        Step::Certifying,
        Step::Recalling,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Step::Planting => "planting",
            Step::Fertilizing => "fertilizing",
            Step::Spraying => "spraying",
            Step::Irrigating => "irrigating",
            Step::Harvesting => "harvesting",
            Step::Processing => "processing",
            Step::Certifying => "certifying",
            Step::Recalling => "recalling",
        }
    }

    /// Its URI, `{base}/epcis/voc/BizStep-{name}`.
    pub fn term(self, ids: &Ids) -> String {
        format!("{}BizStep-{}", ids.vocabulary(), self.name())
    }

    fn words(self) -> (&'static str, &'static str) {
        match self {
            Step::Planting => ("Gieo trồng, xuống giống", "Sowing or planting"),
            Step::Fertilizing => ("Bón phân", "Applying fertilizer"),
            Step::Spraying => (
                "Phun thuốc bảo vệ thực vật",
                "Applying plant protection products",
            ),
            Step::Irrigating => ("Tưới nước", "Irrigating"),
            Step::Harvesting => ("Thu hoạch", "Harvesting"),
            Step::Processing => ("Sơ chế, chế biến", "Processing"),
            Step::Certifying => (
                "Chứng nhận (OCOP, VietGAP, hữu cơ…)",
                "Certification (OCOP, VietGAP, organic…)",
            ),
            Step::Recalling => ("Thu hồi lô hàng", "Recalling the lot"),
        }
    }
}

/// A CBV business step or one of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BizStep {
    Cbv(&'static str),
    Ours(Step),
}

impl BizStep {
    /// As written in an event: a bare CBV word, or our URI.
    pub fn term(self, ids: &Ids) -> String {
        match self {
            BizStep::Cbv(w) => w.to_owned(),
            BizStep::Ours(s) => s.term(ids),
        }
    }
}

/// A diary event's action, business step and disposition.
pub fn diary_step(kind: EventKind) -> (&'static str, BizStep, Option<&'static str>) {
    use EventKind::*;
    match kind {
        Planting => ("ADD", BizStep::Ours(Step::Planting), None),
        Fertilizing => ("OBSERVE", BizStep::Ours(Step::Fertilizing), None),
        Spraying => ("OBSERVE", BizStep::Ours(Step::Spraying), None),
        Irrigating => ("OBSERVE", BizStep::Ours(Step::Irrigating), None),
        Harvesting => ("OBSERVE", BizStep::Ours(Step::Harvesting), None),
        Processing => ("OBSERVE", BizStep::Ours(Step::Processing), None),
        Packing => ("OBSERVE", BizStep::Cbv("packing"), None),
        Inspection => ("OBSERVE", BizStep::Cbv("inspecting"), None),
        Certification => ("OBSERVE", BizStep::Ours(Step::Certifying), None),
        Shipping => ("OBSERVE", BizStep::Cbv("shipping"), Some("in_transit")),
        Recall => ("OBSERVE", BizStep::Ours(Step::Recalling), Some("recalled")),
        Note => ("OBSERVE", BizStep::Cbv("other"), None),
    }
}

/// A business step as the full URI the index keeps and queries match (`EQ_bizStep` may name
/// a CBV step bare, as `urn:epcglobal:cbv:bizstep:…` or as its Web URI).
pub fn expand_biz_step(step: &str) -> String {
    let s = step.trim();
    if let Some(w) = s.strip_prefix("urn:epcglobal:cbv:bizstep:") {
        format!("https://ref.gs1.org/cbv/BizStep-{w}")
    } else if s.contains(':') {
        s.to_owned()
    } else {
        format!("https://ref.gs1.org/cbv/BizStep-{s}")
    }
}

/// Extension keys of our vocabulary, with their words (Vietnamese, English).
const TERMS: &[(&str, &str, &str)] = &[
    ("description", "Mô tả công việc", "What was done"),
    (
        "place",
        "Nơi thực hiện (ghi tự do)",
        "Where it was done, as written",
    ),
    (
        "reason",
        "Lý do (đính chính, thu hồi)",
        "Reason (correction, recall)",
    ),
    (
        "quantity",
        "Số lượng, khi đơn vị không có mã UN/ECE",
        "Quantity, when its unit has no UN/ECE code",
    ),
    ("unit", "Đơn vị của số lượng đó", "That quantity's unit"),
    (
        "inputs",
        "Vật tư đã dùng (phân bón, thuốc BVTV)",
        "Inputs applied (fertilizers, plant protection products)",
    ),
    (
        "product",
        "Tên thương mại của vật tư",
        "Trade name of the input",
    ),
    ("activeIngredient", "Hoạt chất", "Active ingredient"),
    ("dose", "Liều lượng", "Dose"),
    ("doseUnit", "Đơn vị liều lượng", "Unit of the dose"),
    (
        "preHarvestIntervalDays",
        "Thời gian cách ly (ngày) trước thu hoạch",
        "Pre-harvest interval, in days",
    ),
    (
        "photos",
        "Ảnh công việc (địa chỉ theo SHA-256)",
        "Photos of the work (addressed by SHA-256)",
    ),
    (
        "corrects",
        "Mã sự kiện (event hash ID) mà sự kiện này đính chính",
        "Event hash ID of the event this one corrects",
    ),
    (
        "capturedFrom",
        "Đối tác đã gửi sự kiện qua EPCIS capture",
        "Partner that sent the event through EPCIS capture",
    ),
    (
        "sourceEventID",
        "Mã sự kiện trong hệ thống của đối tác",
        "The event's ID in the partner's system",
    ),
    (
        "sourceLot",
        "Lô hàng mà sự kiện của đối tác nêu (lô của nhà cung cấp)",
        "Lot the partner's event names (a supplier's lot)",
    ),
    (
        "sender",
        "Bên gửi tài liệu EPCIS, như tài liệu khai",
        "Sender of the EPCIS document, as the document declares it",
    ),
    (
        "sourcePhotos",
        "Ảnh công việc, lưu tại hệ thống của đối tác",
        "Photos of the work, kept by the partner's system",
    ),
    ("lot", "Lô hàng của các tem", "Lot the stamps belong to"),
    ("stampRun", "Đợt phát hành tem", "Stamp run"),
    (
        "runPart",
        "Phần của đợt phát hành (mỗi phần tối đa 1000 tem)",
        "Part of the stamp run (at most 1,000 stamps each)",
    ),
    ("voidReason", "Lý do hủy tem", "Why the stamps were voided"),
    ("note", "Ghi chú", "Note"),
    (
        "certifiedParty",
        "Chủ thể được chứng nhận",
        "Party certified",
    ),
    (
        "programme",
        "Chương trình chứng nhận",
        "Certification programme",
    ),
    ("stars", "Số sao OCOP (3–5)", "OCOP stars (3–5)"),
    ("score", "Điểm đánh giá OCOP", "OCOP evaluation score"),
    (
        "decisionNumber",
        "Số quyết định công nhận",
        "Number of the recognition decision",
    ),
    ("decisionDate", "Ngày quyết định", "Date of the decision"),
    ("issuingBody", "Cơ quan ban hành", "Issuing body"),
    (
        "level",
        "Cấp công nhận (tỉnh, trung ương)",
        "Level of recognition (province, national)",
    ),
    ("validUntil", "Hiệu lực đến", "Valid until"),
];

/// The JSON-LD document served at `GET /epcis/voc`: our prefix and every term with its words.
pub fn vocabulary_document(ids: &Ids) -> Value {
    let ns = ids.vocabulary();
    let mut terms: Vec<Value> = TERMS
        .iter()
        .map(|(name, vi, en)| {
            json!({
                "@id": format!("{ns}{name}"),
                "@type": "rdf:Property",
                "rdfs:label": [{"@value": vi, "@language": "vi"}, {"@value": en, "@language": "en"}],
            })
        })
        .collect();
    terms.extend(Step::ALL.iter().map(|s| {
        let (vi, en) = s.words();
        json!({
            "@id": s.term(ids),
            "@type": "cbv:BizStep",
            "rdfs:label": [{"@value": vi, "@language": "vi"}, {"@value": en, "@language": "en"}],
        })
    }));
    json!({
        "@context": {
            PREFIX: ns,
            "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "cbv": "https://ref.gs1.org/cbv/",
        },
        "@graph": terms,
    })
}
