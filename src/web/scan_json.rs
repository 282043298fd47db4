//! The scan page's facts as JSON, for apps and for the page's own checks.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::GrowingAreaCode;
use crate::domain::batch::BatchStatus;
use crate::domain::growing_area::AreaStatus;
use crate::domain::growing_area_code::ParsedCode;
use crate::services::resolve::{Lot, Resolved, Standing};
use crate::services::scans::Live;

#[derive(Serialize)]
pub struct ScanJson {
    pub serial: String,
    pub uri: String,
    pub status: Standing,
    #[serde(flatten)]
    pub lot: LotJson,
    pub scan_count: i64,
    pub first_scanned_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
    /// Where the stamp's proof bundle is (checked by the page with WebCrypto).
    pub proof: String,
}

/// A lot's own JSON form (`/01/{gtin}/10/{lot}` asked for JSON).
#[derive(Serialize)]
pub struct LotPageJson {
    pub uri: String,
    /// `genuine` or `recalled`.
    pub status: Standing,
    #[serde(flatten)]
    pub lot: LotJson,
}

/// What a lot's JSON form holds (`/01/{gtin}/10/{lot}`, and every stamp of the lot).
#[derive(Serialize)]
pub struct LotJson {
    pub product: ProductJson,
    /// The OCOP certificate in force with the most stars; null when none is in force.
    pub ocop: Option<CertificateJson>,
    pub certificates: Vec<CertificateJson>,
    pub producer: ProducerJson,
    pub farm: Option<FarmJson>,
    pub growing_area: Option<GrowingAreaJson>,
    pub batch: BatchJson,
    pub events: Vec<EventJson>,
}

#[derive(Serialize)]
pub struct ProductJson {
    pub name: String,
    pub name_en: Option<String>,
    pub gtin: Option<String>,
    pub unit: String,
    pub net_weight_g: Option<f64>,
    pub net_volume_ml: Option<f64>,
    pub description: Option<String>,
    /// Photos: full-size and thumbnail URLs.
    pub images: Vec<ImageJson>,
}

#[derive(Serialize)]
pub struct ImageJson {
    pub url: String,
    pub thumbnail_url: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

impl ImageJson {
    fn of(b: &entity::blob::Model, base: &url::Url) -> Self {
        let at = |sha: &str| crate::urls::url_under(base, &crate::storage::media_path(sha));
        ImageJson {
            url: at(&b.sha256),
            thumbnail_url: at(b.thumb_sha256.as_deref().unwrap_or(&b.sha256)),
            width: b.width,
            height: b.height,
        }
    }
}

#[derive(Serialize)]
pub struct CertificateJson {
    pub stars: i16,
    pub level: String,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub issuing_body: String,
    pub valid_until: NaiveDate,
    pub in_force: bool,
}

#[derive(Serialize)]
pub struct ProducerJson {
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub address: String,
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
}

#[derive(Serialize)]
pub struct FarmJson {
    pub name: String,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Serialize)]
pub struct GrowingAreaJson {
    pub code: String,
    pub parsed_code: Option<ParsedCode>,
    pub scope: String,
    pub crop: String,
    pub variety: Option<String>,
    pub status: AreaStatus,
}

#[derive(Serialize)]
pub struct BatchJson {
    pub lot_code: String,
    pub quantity: f64,
    pub unit: String,
    pub harvested_on: Option<NaiveDate>,
    pub produced_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub status: BatchStatus,
}

#[derive(Serialize)]
pub struct EventJson {
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub details: serde_json::Value,
    pub corrects: Option<Uuid>,
}

impl ScanJson {
    pub fn build(r: &Resolved, live: &Live, base: &url::Url) -> Self {
        Self {
            serial: r.serial.as_str().to_owned(),
            uri: r.uri.clone(),
            status: r.standing,
            lot: LotJson::build(&r.lot, base),
            scan_count: live.scan_count,
            first_scanned_at: live.first_scanned_at,
            claimed_at: live.claimed_at,
            proof: crate::urls::url_under(
                base,
                &format!("/api/v1/stamps/{}/proof", r.serial.as_str()),
            ),
        }
    }
}

impl LotJson {
    pub fn build(r: &Lot, base: &url::Url) -> Self {
        let cert = |c: &entity::ocop_certification::Model, in_force: bool| CertificateJson {
            stars: c.stars,
            level: c.level.clone(),
            decision_number: c.decision_number.clone(),
            decision_date: c.decision_date,
            issuing_body: c.issuing_body.clone(),
            valid_until: c.valid_until,
            in_force,
        };
        let p = &r.product;
        let o = &r.producer;
        let b = &r.batch;
        Self {
            product: ProductJson {
                name: p.name.clone(),
                name_en: p.name_en.clone(),
                gtin: p.gtin.clone(),
                unit: p.unit.clone(),
                net_weight_g: p.net_weight_g,
                net_volume_ml: p.net_volume_ml,
                description: p.description.clone(),
                images: r.photos.iter().map(|b| ImageJson::of(b, base)).collect(),
            },
            ocop: r.current_certificate().map(|c| cert(c, true)),
            certificates: r
                .certificates
                .iter()
                .map(|c| cert(&c.model, c.in_force))
                .collect(),
            producer: ProducerJson {
                id: o.id,
                kind: o.kind.clone(),
                name: o.name.clone(),
                address: o.address.clone(),
                province_code: o.province_code.clone(),
                commune_code: o.commune_code.clone(),
                phone: o.phone.clone(),
                website: o.website.clone(),
            },
            farm: r.farm.as_ref().map(|f| FarmJson {
                name: f.name.clone(),
                address: f.address.clone(),
                latitude: f.latitude,
                longitude: f.longitude,
            }),
            growing_area: r.growing_area.as_ref().map(|a| GrowingAreaJson {
                code: a.code.clone(),
                parsed_code: GrowingAreaCode::parse(&a.code)
                    .ok()
                    .map(|c| c.parsed().clone()),
                scope: a.scope.clone(),
                crop: a.crop.clone(),
                variety: a.variety.clone(),
                status: a.status.into(),
            }),
            batch: BatchJson {
                lot_code: b.lot_code.clone(),
                quantity: b.quantity,
                unit: b.unit.clone(),
                harvested_on: b.harvested_on,
                produced_on: b.produced_on,
                expires_on: b.expires_on,
                status: b.status.into(),
            },
            events: r
                .events
                .iter()
                .map(|e| EventJson {
                    kind: e.kind.clone(),
                    occurred_at: e.occurred_at,
                    details: e.details.clone(),
                    corrects: e.corrects,
                })
                .collect(),
        }
    }
}
