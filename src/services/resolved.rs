//! What a resolution holds: a lot (everything the pages of a batch's stamps share) and a
//! stamp resolved with its lot. Read by `resolve.rs`, kept current by `resolve_cache.rs`.

use std::sync::Arc;

use entity::{
    batch, batch_event, blob, farm, growing_area, ocop_certification, organization, product, stamp,
};

use crate::domain::batch::BatchStatus;
use crate::stamps::{Serial, digital_link};

/// Whether the item may be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Genuine,
    /// The stamp was voided (misprint, loss, recall of its run).
    Void,
    /// The batch was recalled.
    Recalled,
}

/// A certificate as a shopper should read it today.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub model: ocop_certification::Model,
    pub in_force: bool,
}

/// Everything about a lot (a batch) that its public pages show: the same for every stamp of
/// the batch, and what the lot's own page (`/01/{gtin}/10/{lot}`) shows.
pub struct Lot {
    pub gtin: Option<crate::domain::Gtin>,
    pub lot: Option<crate::domain::LotCode>,
    pub batch: batch::Model,
    pub product: product::Model,
    pub producer: organization::Model,
    pub farm: Option<farm::Model>,
    pub growing_area: Option<growing_area::Model>,
    pub certificates: Vec<Certificate>,
    /// The diary, oldest first.
    pub events: Vec<batch_event::Model>,
    /// The product's photos, first uploaded first.
    pub photos: Vec<blob::Model>,
    /// Photos uploaded to the batch's diary (events name them by hash).
    pub diary_photos: Vec<blob::Model>,
    /// Live marketplace pages of the product: (marketplace name, URL).
    pub links: Vec<(String, String)>,
    /// The day (in Vietnam) whose certificates are marked in force: a lot is current only on
    /// that day.
    pub day: chrono::NaiveDate,
}

impl Lot {
    /// The certificate in force with the most stars, if any.
    pub fn current_certificate(&self) -> Option<&ocop_certification::Model> {
        self.certificates
            .iter()
            .filter(|c| c.in_force)
            .map(|c| &c.model)
            .max_by_key(|c| (c.stars, c.decision_date))
    }

    /// Whether the lot's pages show the record `id`: its batch, product, producer, farm or
    /// growing area (certificates, listings and photos are named by their product or batch).
    pub fn shows(&self, id: uuid::Uuid) -> bool {
        self.batch.id == id
            || self.product.id == id
            || self.producer.id == id
            || self.farm.as_ref().is_some_and(|f| f.id == id)
            || self.growing_area.as_ref().is_some_and(|a| a.id == id)
    }

    /// About how many bytes the lot holds (its rows and their text), for the cache's budget.
    pub fn approx_bytes(&self) -> u64 {
        let json = |v: &serde_json::Value| v.to_string().len();
        let events: usize = self
            .events
            .iter()
            .map(|e| 256 + e.kind.len() + json(&e.details) + e.actor.len())
            .sum();
        let files = (self.photos.len() + self.diary_photos.len()) * 384;
        let certificates = self.certificates.len() * 320;
        let links: usize = self.links.iter().map(|(a, b)| 64 + a.len() + b.len()).sum();
        let text = self.product.description.as_deref().map_or(0, str::len)
            + self.producer.address.len()
            + self.product.name.len();
        (std::mem::size_of::<Self>() + 2048 + events + files + certificates + links + text) as u64
    }

    pub fn recalled(&self) -> bool {
        BatchStatus::from(self.batch.status) == BatchStatus::Recalled
    }

    /// The lot's own Digital Link path, `/01/{gtin}/10/{lot}`; none for a product without a
    /// GTIN.
    pub fn path(&self) -> Option<String> {
        self.gtin
            .as_ref()
            .map(|g| digital_link::lot_path(g, self.lot.as_ref()))
    }
}

impl Resolved {
    /// About how many bytes the resolution holds besides its shared lot.
    pub fn approx_bytes(&self) -> u64 {
        (std::mem::size_of::<Self>()
            + 512
            + self.uri.len()
            + self.path.len()
            + self.counters.recent.len() * std::mem::size_of::<chrono::DateTime<chrono::Utc>>())
            as u64
    }
}

/// Everything a scan page shows: the stamp, and its lot.
pub struct Resolved {
    pub serial: Serial,
    /// The stamp's canonical URI (what its QR code holds).
    pub uri: String,
    /// That URI's part below the public base URL: the one path its page is served at.
    pub path: String,
    pub stamp: stamp::Model,
    /// Its scan counters, PIN claim and latest scan times, read with it.
    pub counters: super::scan_rows::Counters,
    /// When `stamp` and `counters` were read from the database.
    pub read_at: std::time::Instant,
    /// Shared by every stamp of the batch while nothing its pages show changes.
    pub lot: Arc<Lot>,
    pub standing: Standing,
}
