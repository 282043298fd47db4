//! What the ledger records about each table: the canonical payload of a row.
//!
//! Writes and `verify` both build payloads here, so a row's payload is recomputable from the
//! row alone. Every column is covered except the event's own `hash`, which is derived from
//! the payload. Times are RFC 3339 with microseconds (what both databases store).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

pub trait Recorded {
    /// The table, also the first part of the entry kind (`farms.created`).
    const TABLE: &'static str;
    fn subject_id(&self) -> Uuid;
    fn batch_id(&self) -> Option<Uuid> {
        None
    }
    fn payload(&self) -> Value;
}

fn t(d: &DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn hex(b: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(b)
}

impl Recorded for entity::organization::Model {
    const TABLE: &'static str = "organizations";
    fn subject_id(&self) -> Uuid {
        self.id
    }
    fn payload(&self) -> Value {
        json!({
            "id": self.id, "kind": self.kind, "name": self.name, "tax_code": self.tax_code,
            "address": self.address, "province_code": self.province_code, "commune_code": self.commune_code,
            "phone": self.phone, "email": self.email, "website": self.website,
            "gs1_company_prefix": self.gs1_company_prefix,
            "created_at": t(&self.created_at), "updated_at": t(&self.updated_at),
        })
    }
}

impl Recorded for entity::farm::Model {
    const TABLE: &'static str = "farms";
    fn subject_id(&self) -> Uuid {
        self.id
    }
    fn payload(&self) -> Value {
        json!({
            "id": self.id, "organization_id": self.organization_id, "name": self.name, "address": self.address,
            "commune_code": self.commune_code, "latitude": self.latitude, "longitude": self.longitude,
            "created_at": t(&self.created_at), "updated_at": t(&self.updated_at),
        })
    }
}

impl Recorded for entity::growing_area::Model {
    const TABLE: &'static str = "growing_areas";
    fn subject_id(&self) -> Uuid {
        self.id
    }
    fn payload(&self) -> Value {
        json!({
            "id": self.id, "organization_id": self.organization_id, "farm_id": self.farm_id, "code": self.code,
            "scope": self.scope, "target_market": self.target_market, "crop": self.crop, "variety": self.variety,
            "area_ha": self.area_ha, "issuer": self.issuer,
            "issued_on": self.issued_on.map(|d| d.to_string()), "valid_until": self.valid_until.map(|d| d.to_string()),
            "status": self.status, "boundary": self.boundary, "certificates": self.certificates,
            "created_at": t(&self.created_at), "updated_at": t(&self.updated_at),
        })
    }
}

impl Recorded for entity::product::Model {
    const TABLE: &'static str = "products";
    fn subject_id(&self) -> Uuid {
        self.id
    }
    fn payload(&self) -> Value {
        json!({
            "id": self.id, "organization_id": self.organization_id, "name": self.name, "name_en": self.name_en,
            "ocop_group": self.ocop_group, "ocop_subgroup": self.ocop_subgroup, "gtin": self.gtin, "unit": self.unit,
            "net_weight_g": self.net_weight_g, "net_volume_ml": self.net_volume_ml,
            "shelf_life_days": self.shelf_life_days, "description": self.description,
            "default_link": self.default_link,
            "created_at": t(&self.created_at), "updated_at": t(&self.updated_at),
        })
    }
}

impl Recorded for entity::ocop_certification::Model {
    const TABLE: &'static str = "ocop_certifications";
    fn subject_id(&self) -> Uuid {
        self.id
    }
    fn payload(&self) -> Value {
        json!({
            "id": self.id, "organization_id": self.organization_id, "product_id": self.product_id,
            "stars": self.stars, "score": self.score, "decision_number": self.decision_number,
            "decision_date": self.decision_date.to_string(), "issuing_body": self.issuing_body,
            "level": self.level, "valid_until": self.valid_until.to_string(), "created_at": t(&self.created_at),
        })
    }
}

impl Recorded for entity::batch::Model {
    const TABLE: &'static str = "batches";
    fn subject_id(&self) -> Uuid {
        self.id
    }
    fn batch_id(&self) -> Option<Uuid> {
        Some(self.id)
    }
    fn payload(&self) -> Value {
        json!({
            "id": self.id, "organization_id": self.organization_id, "product_id": self.product_id,
            "growing_area_id": self.growing_area_id, "lot_code": self.lot_code, "quantity": self.quantity,
            "unit": self.unit, "harvested_on": self.harvested_on.map(|d| d.to_string()),
            "produced_on": self.produced_on.map(|d| d.to_string()), "expires_on": self.expires_on.map(|d| d.to_string()),
            "status": self.status, "created_at": t(&self.created_at), "updated_at": t(&self.updated_at),
        })
    }
}

impl Recorded for entity::batch_event::Model {
    const TABLE: &'static str = "batch_events";
    fn subject_id(&self) -> Uuid {
        self.id
    }
    fn batch_id(&self) -> Option<Uuid> {
        Some(self.batch_id)
    }
    fn payload(&self) -> Value {
        json!({
            "id": self.id, "organization_id": self.organization_id, "batch_id": self.batch_id, "kind": self.kind,
            "occurred_at": t(&self.occurred_at), "recorded_at": t(&self.recorded_at), "actor": self.actor,
            "details": self.details, "corrects": self.corrects, "prev_hash": hex(&self.prev_hash),
        })
    }
}

/// A run's payload commits to its stamps through `root` (and to the batch's chain through
/// `prev_head`); `verify` recomputes both from the stamp rows.
impl Recorded for entity::stamp_run::Model {
    const TABLE: &'static str = "stamp_runs";
    fn subject_id(&self) -> Uuid {
        self.id
    }
    fn batch_id(&self) -> Option<Uuid> {
        Some(self.batch_id)
    }
    fn payload(&self) -> Value {
        let mut p = json!({
            "id": self.id, "organization_id": self.organization_id, "batch_id": self.batch_id,
            "count": self.count, "first_index": self.first_index, "prev_head": hex(&self.prev_head),
            "last_hash": hex(&self.last_hash), "root": hex(&self.root), "created_by": self.created_by,
            "created_at": t(&self.created_at), "with_pin": self.with_pin,
        });
        // Only where there is one, so that runs recorded before it still match their entries.
        if let Some(r) = &self.pin_root {
            p["pin_root"] = json!(hex(r));
        }
        p
    }
}

/// A void names its serials (sorted) or none for the whole run; `verify` checks that exactly
/// the stamps its voids name are `void`.
impl Recorded for entity::stamp_void::Model {
    const TABLE: &'static str = "stamp_voids";
    fn subject_id(&self) -> Uuid {
        self.id
    }
    fn batch_id(&self) -> Option<Uuid> {
        Some(self.batch_id)
    }
    fn payload(&self) -> Value {
        json!({
            "id": self.id, "organization_id": self.organization_id, "batch_id": self.batch_id,
            "run_id": self.run_id, "reason": self.reason, "note": self.note, "serials": self.serials,
            "count": self.count, "created_by": self.created_by, "created_at": t(&self.created_at),
        })
    }
}

impl Recorded for entity::blob::Model {
    const TABLE: &'static str = "blobs";
    // The ledger's subject is the row itself; the blob's own `subject_id` is what it is
    // attached to.
    #[allow(clippy::misnamed_getters)]
    fn subject_id(&self) -> Uuid {
        self.id
    }
    fn payload(&self) -> Value {
        json!({
            "id": self.id, "organization_id": self.organization_id, "kind": self.kind,
            "subject_id": self.subject_id, "sha256": self.sha256, "content_type": self.content_type,
            "size": self.size, "width": self.width, "height": self.height,
            "thumb_sha256": self.thumb_sha256, "original_name": self.original_name,
            "variant": self.variant, "created_by": self.created_by,
            "created_at": t(&self.created_at), "removed_at": self.removed_at.as_ref().map(t),
        })
    }
}

impl Recorded for entity::listing::Model {
    const TABLE: &'static str = "listings";
    fn subject_id(&self) -> Uuid {
        self.id
    }
    fn payload(&self) -> Value {
        json!({
            "id": self.id, "organization_id": self.organization_id, "product_id": self.product_id,
            "batch_id": self.batch_id, "marketplace": self.marketplace, "sku": self.sku,
            "price_vnd": self.price_vnd, "stock": self.stock, "package": self.package,
            "exported": self.exported, "exported_at": self.exported_at.as_ref().map(t),
            "live_url": self.live_url, "external_id": self.external_id,
            "created_at": t(&self.created_at), "updated_at": t(&self.updated_at),
        })
    }
}

impl Recorded for entity::trace_code::Model {
    const TABLE: &'static str = "trace_codes";
    // The ledger's subject is the row itself; the row's `subject_id` is what it names.
    #[allow(clippy::misnamed_getters)]
    fn subject_id(&self) -> Uuid {
        self.id
    }
    fn payload(&self) -> Value {
        json!({
            "id": self.id, "organization_id": self.organization_id, "subject": self.subject,
            "subject_id": self.subject_id, "code": self.code,
            "created_at": t(&self.created_at), "updated_at": t(&self.updated_at),
        })
    }
}
