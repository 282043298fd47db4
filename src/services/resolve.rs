//! Resolving a scanned stamp: from a GS1 Digital Link path to everything its scan page shows.
//! Public: the serial (80 random bits) is the capability; nothing here needs a token.

use std::sync::Arc;

use entity::{
    batch, batch_event, blob, farm, growing_area, ocop_certification, organization, product, stamp,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::blobs::BlobKind;
use super::stamps::Identity;
use super::today;
use crate::db::Db;
use crate::domain::ParseError;
use crate::domain::batch::BatchStatus;
use crate::domain::ocop;
use crate::domain::stamp::StampStatus;
use crate::error::AppError;
use crate::stamps::{DigitalLink, Serial, digital_link};

/// Why a resolver request fails.
#[derive(Debug)]
pub enum ResolveError {
    /// The path is not a Digital Link this resolver knows (400).
    Malformed(ParseError),
    /// No such stamp, or the GTIN or lot in the path is not the stamp's (404).
    Unknown,
    /// A valid link to a lot or a product, not to one stamp (answered by their own pages).
    Broader(DigitalLink),
    App(AppError),
}

impl From<AppError> for ResolveError {
    fn from(e: AppError) -> Self {
        ResolveError::App(e)
    }
}

impl From<sea_orm::DbErr> for ResolveError {
    fn from(e: sea_orm::DbErr) -> Self {
        ResolveError::App(e.into())
    }
}

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

/// A product's certificates, newest decision first, each marked in force today or not.
pub async fn certificates<C: sea_orm::ConnectionTrait>(
    conn: &C,
    product: uuid::Uuid,
) -> Result<Vec<Certificate>, sea_orm::DbErr> {
    let day = today();
    Ok(ocop_certification::Entity::find()
        .filter(ocop_certification::Column::ProductId.eq(product))
        .order_by_desc(ocop_certification::Column::DecisionDate)
        .all(conn)
        .await?
        .into_iter()
        .map(|c| Certificate {
            in_force: c.decision_date <= day
                && ocop::status_on(c.valid_until, day) == ocop::CertificationStatus::Valid,
            model: c,
        })
        .collect())
}

/// What a product's public page shows.
pub struct PublicProduct {
    pub product: product::Model,
    pub producer: organization::Model,
    pub certificates: Vec<Certificate>,
    pub photo: Option<blob::Model>,
    pub links: Vec<(String, String)>,
}

/// A product's public page: anyone may see what a marketplace listing links to.
pub async fn public_product(db: &Db, id: uuid::Uuid) -> Result<PublicProduct, AppError> {
    let conn = db.read();
    let product = product::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("product"))?;
    let producer = organization::Entity::find_by_id(product.organization_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("product"))?;
    let photo = blob::Entity::find()
        .filter(blob::Column::SubjectId.eq(product.id))
        .filter(blob::Column::Kind.eq(BlobKind::ProductImage.as_str()))
        .filter(blob::Column::RemovedAt.is_null())
        .order_by_asc(blob::Column::Id)
        .one(conn)
        .await?;
    Ok(PublicProduct {
        certificates: certificates(conn, product.id).await?,
        links: super::listings::live_links(db, product.id).await?,
        photo,
        producer,
        product,
    })
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

/// Everything a scan page shows: the stamp, and its lot.
pub struct Resolved {
    pub serial: Serial,
    /// The stamp's canonical URI (what its QR code holds).
    pub uri: String,
    /// That URI's part below the public base URL: the one path its page is served at.
    pub path: String,
    pub stamp: stamp::Model,
    /// Shared by every stamp of the batch resolved at the same ledger size.
    pub lot: Arc<Lot>,
    pub standing: Standing,
}

/// Resolved stamps, kept while the ledger does not grow.
///
/// Everything a scan page shows from the registry (product, producer, certificates, diary,
/// voids, recalls) is written together with a ledger entry, so an entry cached at ledger size
/// `n` is current for as long as the log has `n` entries: one read of the log head replaces
/// the dozen queries of a resolution. Scan and PIN counters are not in the ledger and are
/// never taken from here. Entries also expire at midnight (certificates run out by date).
///
/// A lot (everything but the stamp itself) is kept once per batch under the same rule, so a
/// stamp of a batch whose lot is current costs one read of the stamp: real traffic scans each
/// stamp a few times in its life, so most requests are for stamps not seen before.
pub struct ResolveCache {
    stamps: Kept<String, Resolved>,
    lots: Kept<uuid::Uuid, Lot>,
}

impl Default for ResolveCache {
    fn default() -> Self {
        Self {
            // A few hundred bytes a stamp beside its shared lot.
            stamps: Kept::new(20_000),
            // A diary and its photos' rows, a few KB a lot.
            lots: Kept::new(2_000),
        }
    }
}

/// Values by key, each with the ledger size it was read at, for today only; past `limit`
/// entries the map starts over.
struct Kept<K, V> {
    map: dashmap::DashMap<K, (u64, chrono::NaiveDate, Arc<V>)>,
    limit: usize,
}

impl<K: Eq + std::hash::Hash, V> Kept<K, V> {
    fn new(limit: usize) -> Self {
        Self {
            map: dashmap::DashMap::new(),
            limit,
        }
    }

    /// Today's value under `key`, whatever ledger size it was read at, with that size.
    fn any_size<Q>(&self, key: &Q) -> Option<(u64, Arc<V>)>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + std::hash::Hash + ?Sized,
    {
        let day = today();
        self.map
            .get(key)
            .filter(|e| e.1 == day)
            .map(|e| (e.0, e.2.clone()))
    }

    /// Today's value under `key` if read at ledger size `size`.
    fn at<Q>(&self, key: &Q, size: u64) -> Option<Arc<V>>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + std::hash::Hash + ?Sized,
    {
        self.any_size(key)
            .filter(|(at, _)| *at == size)
            .map(|(_, v)| v)
    }

    fn put(&self, key: K, size: u64, value: Arc<V>) {
        if self.map.len() >= self.limit {
            self.map.clear();
        }
        self.map.insert(key, (size, today(), value));
    }
}

/// The serial a Digital Link path names, and the link.
pub fn parse(path: &str) -> Result<(DigitalLink, Serial), ResolveError> {
    let link = DigitalLink::parse_path(path).map_err(ResolveError::Malformed)?;
    let Some(raw_serial) = link.serial.as_deref() else {
        return Err(ResolveError::Broader(link));
    };
    let serial = Serial::parse(raw_serial).map_err(ResolveError::Malformed)?;
    Ok((link, serial))
}

/// The GTIN and lot in the path, when given, must be the stamp's own.
pub fn matches(link: &DigitalLink, r: &Resolved) -> bool {
    (link.gtin.is_none() || link.gtin == r.lot.gtin)
        && (link.lot.is_none() || link.lot == r.lot.lot)
}

impl ResolveCache {
    /// A cached resolution whatever its age, with the ledger size it was made at; the caller
    /// checks that size against a current one before trusting it.
    pub fn peek(&self, serial: &Serial) -> Option<(u64, Arc<Resolved>)> {
        self.peek_str(serial.as_str())
    }

    /// [`peek`](Self::peek) by a serial as written, unparsed: only an exact match is found.
    pub fn peek_str(&self, serial: &str) -> Option<(u64, Arc<Resolved>)> {
        self.stamps.any_size(serial)
    }
}

/// Resolves afresh and caches the result under `size`, a ledger size read before this call.
pub async fn refresh(
    db: &Db,
    cache: &ResolveCache,
    link: &DigitalLink,
    serial: Serial,
    base: &url::Url,
    size: u64,
) -> Result<Arc<Resolved>, ResolveError> {
    let r = Arc::new(resolve_serial(db, cache, link, serial, base, size).await?);
    cache
        .stamps
        .put(r.serial.as_str().to_owned(), size, r.clone());
    Ok(r)
}

/// Resolves the stamp a Digital Link path names, through the cache.
pub async fn resolve_cached(
    db: &Db,
    cache: &ResolveCache,
    path: &str,
    base: &url::Url,
) -> Result<Arc<Resolved>, ResolveError> {
    let (link, serial) = parse(path)?;
    // Read the log's size first: a write racing with this resolution leaves it tagged with
    // the older size, so the next request resolves again.
    let size = super::ledger::head(db.read(), false).await?.size;
    if let Some(r) = cache.stamps.at(serial.as_str(), size) {
        return if matches(&link, &r) {
            Ok(r)
        } else {
            Err(ResolveError::Unknown)
        };
    }
    refresh(db, cache, &link, serial, base, size).await
}

/// Finds the stamp a Digital Link path names, its lot from `cache` when read at ledger size
/// `size`. The GTIN and lot in the path, when given, must be the stamp's own; a serial is read
/// in upper case (Crockford: `o`→`0`, `i`/`l`→`1`).
async fn resolve_serial(
    db: &Db,
    cache: &ResolveCache,
    link: &DigitalLink,
    serial: Serial,
    base: &url::Url,
    size: u64,
) -> Result<Resolved, ResolveError> {
    let conn = db.read();
    let stamp = stamp::Entity::find_by_id(serial.as_str().to_owned())
        .one(conn)
        .await?
        .ok_or(ResolveError::Unknown)?;
    let lot = match cache.lots.at(&stamp.batch_id, size) {
        Some(lot) => lot,
        None => {
            let batch = batch::Entity::find_by_id(stamp.batch_id)
                .one(conn)
                .await?
                .ok_or(ResolveError::Unknown)?;
            let product = product::Entity::find_by_id(batch.product_id)
                .one(conn)
                .await?
                .ok_or(ResolveError::Unknown)?;
            let identity = Identity::of(&batch, &product)?;
            let lot = Arc::new(load_lot(db, identity, batch, product).await?);
            cache.lots.put(lot.batch.id, size, lot.clone());
            lot
        }
    };
    if (link.gtin.is_some() && link.gtin != lot.gtin) || (link.lot.is_some() && link.lot != lot.lot)
    {
        return Err(ResolveError::Unknown);
    }
    let standing = if lot.recalled() {
        Standing::Recalled
    } else if StampStatus::from(stamp.status) == StampStatus::Void {
        Standing::Void
    } else {
        Standing::Genuine
    };
    Ok(Resolved {
        uri: digital_link::stamp_uri(base, lot.gtin.as_ref(), lot.lot.as_ref(), &serial),
        path: digital_link::stamp_path(lot.gtin.as_ref(), lot.lot.as_ref(), &serial),
        serial,
        stamp,
        lot,
        standing,
    })
}

/// The lot `/01/{gtin}/10/{lot}` names: 404 when no product has that GTIN or it has no batch
/// of that lot code.
pub async fn resolve_lot(
    db: &Db,
    gtin: &crate::domain::Gtin,
    lot: &crate::domain::LotCode,
) -> Result<Lot, ResolveError> {
    let product = product_by_gtin(db, gtin).await?;
    let batch = batch::Entity::find()
        .filter(batch::Column::ProductId.eq(product.id))
        .filter(batch::Column::LotCode.eq(lot.as_str()))
        .one(db.read())
        .await?
        .ok_or(ResolveError::Unknown)?;
    let identity = Identity::of(&batch, &product)?;
    load_lot(db, identity, batch, product).await
}

/// The product a GTIN names (GTINs are unique among products).
pub async fn product_by_gtin(
    db: &Db,
    gtin: &crate::domain::Gtin,
) -> Result<product::Model, ResolveError> {
    product::Entity::find()
        .filter(product::Column::Gtin.eq(gtin.as_str()))
        .one(db.read())
        .await?
        .ok_or(ResolveError::Unknown)
}

/// Everything else a lot's pages show, read for a batch and its product.
async fn load_lot(
    db: &Db,
    identity: Identity,
    batch: batch::Model,
    product: product::Model,
) -> Result<Lot, ResolveError> {
    let conn = db.read();
    let producer = organization::Entity::find_by_id(batch.organization_id)
        .one(conn)
        .await?
        .ok_or(ResolveError::Unknown)?;
    let growing_area = match batch.growing_area_id {
        Some(id) => growing_area::Entity::find_by_id(id).one(conn).await?,
        None => None,
    };
    let farm = match &growing_area {
        Some(a) => farm::Entity::find_by_id(a.farm_id).one(conn).await?,
        None => None,
    };
    let certificates = certificates(conn, product.id).await?;
    let events = batch_event::Entity::find()
        .filter(batch_event::Column::BatchId.eq(batch.id))
        .order_by_asc(batch_event::Column::OccurredAt)
        .order_by_asc(batch_event::Column::Id)
        .all(conn)
        .await?;
    let files = |kind: BlobKind, subject: uuid::Uuid| {
        blob::Entity::find()
            .filter(blob::Column::SubjectId.eq(subject))
            .filter(blob::Column::Kind.eq(kind.as_str()))
            .filter(blob::Column::RemovedAt.is_null())
            .order_by_asc(blob::Column::Id)
            .all(conn)
    };
    let photos = files(BlobKind::ProductImage, product.id).await?;
    let diary_photos = files(BlobKind::DiaryPhoto, batch.id).await?;
    let links = super::listings::live_links(db, product.id).await?;
    Ok(Lot {
        gtin: identity.gtin,
        lot: identity.lot,
        batch,
        product,
        producer,
        farm,
        growing_area,
        photos,
        diary_photos,
        links,
        certificates,
        events,
    })
}
