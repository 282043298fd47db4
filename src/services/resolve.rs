//! Resolving a scanned stamp: from a GS1 Digital Link path to everything its scan page shows.
//! Public: the serial (80 random bits) is the capability; nothing here needs a token.

use std::sync::Arc;

use entity::{
    batch, batch_event, blob, farm, growing_area, ocop_certification, organization, product,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::blobs::BlobKind;
pub use super::resolve_cache::ResolveCache;
pub use super::resolved::{Certificate, Lot, Resolved, Standing};
use super::stamps::Identity;
use super::today;
use crate::db::Db;
use crate::domain::ParseError;
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

/// A product's certificates, newest decision first, each marked in force on `day` or not.
pub async fn certificates<C: sea_orm::ConnectionTrait>(
    conn: &C,
    product: uuid::Uuid,
    day: chrono::NaiveDate,
) -> Result<Vec<Certificate>, sea_orm::DbErr> {
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
        certificates: certificates(conn, product.id, today()).await?,
        links: super::listings::live_links(db, product.id).await?,
        photo,
        producer,
        product,
    })
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

/// Resolves afresh and keeps the result, under `size`: a ledger size read before this call.
pub async fn refresh(
    db: &Db,
    cache: &ResolveCache,
    link: &DigitalLink,
    serial: Serial,
    base: &url::Url,
    size: u64,
) -> Result<Arc<Resolved>, ResolveError> {
    cache.catch_up(db.read(), size).await?;
    let r = Arc::new(resolve_serial(db, cache, link, serial, base, size).await?);
    cache.put_stamp(size, r.clone());
    Ok(r)
}

/// Resolves the stamp a Digital Link path names, through the cache.
pub async fn resolve_cached(
    db: &Db,
    cache: &ResolveCache,
    path: &str,
    base: &url::Url,
) -> Result<Arc<Resolved>, ResolveError> {
    resolve_cached_at(db, cache, path, base, None).await
}

/// [`resolve_cached`], given the log's size when the caller knows a recent one.
pub async fn resolve_cached_at(
    db: &Db,
    cache: &ResolveCache,
    path: &str,
    base: &url::Url,
    size: Option<u64>,
) -> Result<Arc<Resolved>, ResolveError> {
    let (link, serial) = parse(path)?;
    // The log's size is read first: a write racing with this resolution is applied to the
    // cache by the next request that reads the larger size.
    let size = match size {
        Some(size) => size,
        None => cache.log_size(db).await?,
    };
    cache.catch_up(db.read(), size).await?;
    if let Some(r) = cache.stamp(serial.as_str()) {
        return if matches(&link, &r) {
            Ok(r)
        } else {
            Err(ResolveError::Unknown)
        };
    }
    refresh(db, cache, &link, serial, base, size).await
}

/// Finds the stamp a Digital Link path names, its lot from `cache` when there. The GTIN and
/// lot in the path, when given, must be the stamp's own; a serial is read in upper case
/// (Crockford: `o`→`0`, `i`/`l`→`1`).
async fn resolve_serial(
    db: &Db,
    cache: &ResolveCache,
    link: &DigitalLink,
    serial: Serial,
    base: &url::Url,
    size: u64,
) -> Result<Resolved, ResolveError> {
    let conn = db.read();
    let read_at = std::time::Instant::now();
    let (stamp, counters) = cache
        .stamp_row(db, serial.as_str())
        .await?
        .ok_or(ResolveError::Unknown)?;
    let lot = match cache.lot(stamp.batch_id) {
        Some(lot) => lot,
        None => {
            let _one = cache.loading(stamp.batch_id).await;
            match cache.lot(stamp.batch_id) {
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
                    let lot = Arc::new(load_lot(db, batch, product, cache.today()).await?);
                    cache.put_lot(size, lot.clone());
                    lot
                }
            }
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
        counters,
        read_at,
        lot,
        standing,
    })
}

/// The lot `/01/{gtin}/10/{lot}` names, through the cache (found by its name without a read
/// when it is there): 404 when no product has that GTIN or it has no batch of that lot code.
pub async fn resolve_lot(
    db: &Db,
    cache: &ResolveCache,
    gtin: &crate::domain::Gtin,
    lot: &crate::domain::LotCode,
) -> Result<Arc<Lot>, ResolveError> {
    let size = cache.log_size(db).await?;
    cache.catch_up(db.read(), size).await?;
    if let Some(lot) = cache.lot_named(gtin, lot) {
        return Ok(lot);
    }
    let product = product_by_gtin(db, gtin).await?;
    let batch = batch::Entity::find()
        .filter(batch::Column::ProductId.eq(product.id))
        .filter(batch::Column::LotCode.eq(lot.as_str()))
        .one(db.read())
        .await?
        .ok_or(ResolveError::Unknown)?;
    cache.name_lot(gtin, lot, batch.id);
    if let Some(lot) = cache.lot(batch.id) {
        return Ok(lot);
    }
    let _one = cache.loading(batch.id).await;
    if let Some(lot) = cache.lot(batch.id) {
        return Ok(lot);
    }
    let lot = Arc::new(load_lot(db, batch, product, cache.today()).await?);
    cache.put_lot(size, lot.clone());
    Ok(lot)
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

/// Everything else a lot's pages show on `day`, read for a batch and its product.
pub(crate) async fn load_lot(
    db: &Db,
    batch: batch::Model,
    product: product::Model,
    day: chrono::NaiveDate,
) -> Result<Lot, ResolveError> {
    let identity = Identity::of(&batch, &product)?;
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
    let certificates = certificates(conn, product.id, day).await?;
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
        day,
    })
}
