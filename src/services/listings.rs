//! Marketplace listings: create one per product and marketplace, see what each marketplace
//! would refuse and whether what it shows is stale, export listing packs, record live URLs.
//!
//! A listing's content is always built from the registry as it is now ([`build`]); what was
//! exported is kept, so a product change (price, text, photos, OCOP validity) shows at once as
//! `stale` until the next export.

use bytes::Bytes;
use entity::{batch, blob, growing_area, listing, organization, product};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::blobs::{BlobKind, Blobs};
use super::{ledger, load, now, today};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::ParseError;
use crate::domain::Reason;
use crate::domain::role::Action;
use crate::error::Code;
use crate::error::{AppError, FieldProblem};
use crate::marketplace::listing::{self as text, ListingImage};
use crate::marketplace::{
    ExportPack, Listing, ListingFacts, Marketplace, PackImage, PackItem, Package, Problem,
};
use crate::storage::BlobKey;

/// Where a listing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    /// The marketplace would refuse it: see `problems`.
    Draft,
    /// Ready to export.
    Ready,
    /// In a pack, not yet recorded as live.
    Exported,
    /// Live on the marketplace (URL recorded) with the current facts.
    Live,
    /// Exported or live, but the product changed since: export again.
    Stale,
    /// Pushed to a marketplace that reviews items before sale (Tiki); not decided yet.
    InReview,
    /// The marketplace's review refused it: see `review.detail`, fix the listing and push
    /// again (Tiki cannot amend a rejected request; the next push is a new one).
    Rejected,
}

/// A listing with its current content, problems and status.
pub struct Current {
    pub row: listing::Model,
    pub listing: Listing,
    pub problems: Vec<Problem>,
    pub status: ListingStatus,
}

pub struct NewListing {
    pub marketplace: &'static dyn Marketplace,
    pub batch_id: Option<Uuid>,
    pub sku: Option<String>,
    pub price_vnd: i64,
    pub stock: i64,
    pub package: Option<Package>,
}

#[derive(Default)]
pub struct ListingChanges {
    pub price_vnd: Option<i64>,
    pub stock: Option<i64>,
    pub package: Option<Package>,
    pub live_url: Option<String>,
}

/// The marketplace of a stored row (ids are written by this service, so a miss is a bug).
fn marketplace_of(row: &listing::Model) -> Result<&'static dyn Marketplace, AppError> {
    crate::marketplace::by_id(&row.marketplace).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("unknown marketplace {}", row.marketplace))
    })
}

/// The public page of a product, which listings link to.
pub fn trace_url(base: &url::Url, product: Uuid) -> String {
    crate::urls::url_under(base, &format!("/p/{product}"))
}

/// The listing as the registry says it should be now.
pub async fn build(db: &Db, base: &url::Url, row: &listing::Model) -> Result<Current, AppError> {
    build_all(db, base, std::slice::from_ref(row))
        .await?
        .pop()
        .ok_or(AppError::NotFound("listing"))
}

/// The distinct ids among `ids`.
fn ids(rows: impl Iterator<Item = Option<Uuid>>) -> Vec<Uuid> {
    let set: std::collections::BTreeSet<Uuid> = rows.flatten().collect();
    set.into_iter().collect()
}

/// [`build`] for many listings, with one query per table rather than per listing.
pub async fn build_all(
    db: &Db,
    base: &url::Url,
    rows: &[listing::Model],
) -> Result<Vec<Current>, AppError> {
    use std::collections::HashMap;
    let conn = db.read();
    let product_ids = ids(rows.iter().map(|r| Some(r.product_id)));
    let products: HashMap<Uuid, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(product_ids.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let producers: HashMap<Uuid, organization::Model> = organization::Entity::find()
        .filter(
            organization::Column::Id.is_in(ids(products.values().map(|p| Some(p.organization_id)))),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let certifications =
        super::products::current_certifications(conn, &product_ids, today()).await?;
    let batches: HashMap<Uuid, batch::Model> = batch::Entity::find()
        .filter(batch::Column::Id.is_in(ids(rows.iter().map(|r| r.batch_id))))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    let areas: HashMap<Uuid, growing_area::Model> = growing_area::Entity::find()
        .filter(growing_area::Column::Id.is_in(ids(batches.values().map(|b| b.growing_area_id))))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut images: HashMap<Uuid, Vec<blob::Model>> = HashMap::new();
    for b in blob::Entity::find()
        .filter(blob::Column::SubjectId.is_in(product_ids))
        .filter(blob::Column::Kind.eq(BlobKind::ProductImage.as_str()))
        .filter(blob::Column::RemovedAt.is_null())
        .order_by_asc(blob::Column::Id)
        .all(conn)
        .await?
    {
        images.entry(b.subject_id).or_default().push(b);
    }
    rows.iter()
        .map(|row| {
            let product = products
                .get(&row.product_id)
                .ok_or(AppError::NotFound("product"))?;
            let producer = producers
                .get(&product.organization_id)
                .ok_or(AppError::NotFound("organization"))?;
            let ocop = certifications
                .get(&product.id)
                .map(|c| (c.stars, c.decision_number.clone(), c.valid_until));
            let batch = row.batch_id.and_then(|id| batches.get(&id));
            let area = batch
                .and_then(|b| b.growing_area_id)
                .and_then(|id| areas.get(&id));
            let images = images.get(&product.id).map(Vec::as_slice).unwrap_or(&[]);
            assemble(base, row, product, producer, ocop, batch, area, images)
        })
        .collect()
}

/// One listing from its facts.
#[allow(clippy::too_many_arguments)]
fn assemble(
    base: &url::Url,
    row: &listing::Model,
    product: &product::Model,
    producer: &organization::Model,
    ocop: Option<(i16, String, chrono::NaiveDate)>,
    batch: Option<&batch::Model>,
    area: Option<&growing_area::Model>,
    images: &[blob::Model],
) -> Result<Current, AppError> {
    let market = marketplace_of(row)?;
    let facts = ListingFacts {
        product_name: product.name.clone(),
        product_description: product.description.clone(),
        unit: product.unit.clone(),
        net_weight_g: product.net_weight_g,
        net_volume_ml: product.net_volume_ml,
        gtin: product
            .gtin
            .as_deref()
            .and_then(|g| crate::domain::Gtin::parse(g).ok())
            .map(|g| g.printed().to_owned()),
        producer: producer.name.clone(),
        producer_address: producer.address.clone(),
        ocop,
        growing_area_code: area.map(|a| a.code.clone()),
        lot: batch.map(|b| b.lot_code.clone()),
        trace_url: trace_url(base, product.id),
    };
    let package = match &row.package {
        Some(p) => Some(serde_json::from_value::<Package>(p.clone()).map_err(AppError::internal)?),
        None => None,
    };
    let listing = Listing {
        sku: row.sku.clone(),
        title: text::title(&facts),
        description: text::describe(&facts),
        price_vnd: row.price_vnd,
        stock: row.stock,
        unit: facts.unit.clone(),
        net_weight_g: facts.net_weight_g,
        package,
        category: product
            .ocop_group
            .as_deref()
            .and_then(|g| market.category(g)),
        gtin: facts.gtin.clone(),
        trace_url: facts.trace_url.clone(),
        ocop_stars: facts.ocop.as_ref().map(|o| o.0),
        images: images
            .iter()
            .map(|b| ListingImage {
                sha256: b.sha256.clone(),
                width: b.width.unwrap_or(0).max(0) as u32,
                height: b.height.unwrap_or(0).max(0) as u32,
            })
            .collect(),
    };
    let problems = market.check(&listing);
    let exported: Option<Listing> = row
        .exported
        .as_ref()
        .and_then(|e| serde_json::from_value(e.clone()).ok());
    let review = row
        .review_state
        .as_deref()
        .map(crate::marketplace::api::Review::settles);
    let status = match (&exported, &row.live_url) {
        (Some(e), _) if *e != listing => ListingStatus::Stale,
        (Some(_), _) if review == Some(None) => ListingStatus::InReview,
        (Some(_), _) if review == Some(Some(false)) => ListingStatus::Rejected,
        (Some(_), Some(_)) => ListingStatus::Live,
        (Some(_), None) if row.external_id.is_some() => ListingStatus::Live,
        (Some(_), None) => ListingStatus::Exported,
        (None, _) if !problems.is_empty() => ListingStatus::Draft,
        (None, _) => ListingStatus::Ready,
    };
    Ok(Current {
        row: row.clone(),
        listing,
        problems,
        status,
    })
}

fn check_amounts(price: Option<i64>, stock: Option<i64>) -> Result<(), AppError> {
    let mut problems = Vec::new();
    if price.is_some_and(|p| p <= 0) {
        problems.push(FieldProblem::new(
            "price_vnd",
            ParseError::new(Reason::PriceRange, "a price is a positive number of đồng"),
        ));
    }
    if stock.is_some_and(|s| s < 0) {
        problems.push(FieldProblem::new(
            "stock",
            ParseError::new(Reason::StockRange, "stock is 0 or more"),
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(problems))
    }
}

pub async fn create(
    db: &Db,
    base: &url::Url,
    who: &Principal,
    product_id: Uuid,
    new: NewListing,
) -> Result<Current, AppError> {
    check_amounts(Some(new.price_vnd), Some(new.stock))?;
    let txn = db.write_txn().await?;
    let product =
        load::<product::Entity, _>(&txn, who, product_id, Action::ManageRegistry, "product")
            .await?;
    if let Some(b) = new.batch_id {
        let found = batch::Entity::find_by_id(b)
            .filter(batch::Column::ProductId.eq(product.id))
            .one(&txn)
            .await?;
        if found.is_none() {
            return Err(AppError::validation(
                "batch_id",
                ParseError::new(Reason::NotFound, "no such batch of this product"),
            ));
        }
    }
    let sku = match new.sku {
        Some(s) => {
            crate::domain::text::line(&s, 1, 64).map_err(|e| AppError::validation("sku", e))?
        }
        None => format!(
            "OCOP-{}",
            &product.id.simple().to_string()[..12].to_uppercase()
        ),
    };
    let taken = listing::Entity::find()
        .filter(listing::Column::ProductId.eq(product.id))
        .filter(listing::Column::Marketplace.eq(new.marketplace.id()))
        .one(&txn)
        .await?;
    if taken.is_some() {
        return Err(AppError::conflict(
            Code::ListingExists,
            format!(
                "this product already has a {} listing",
                new.marketplace.name()
            ),
        ));
    }
    let t = now();
    let row = listing::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(product.organization_id),
        product_id: Set(product.id),
        batch_id: Set(new.batch_id),
        marketplace: Set(new.marketplace.id().to_owned()),
        sku: Set(sku),
        price_vnd: Set(new.price_vnd),
        stock: Set(new.stock),
        package: Set(new.package.map(|p| serde_json::json!(p))),
        exported: Set(None),
        exported_at: Set(None),
        live_url: Set(None),
        external_id: Set(None),
        review_state: Set(None),
        review_detail: Set(None),
        review_checked_at: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(&txn)
    .await?;
    ledger::append(&txn, "created", &row).await?;
    txn.commit().await?;
    build(db, base, &row).await
}

pub async fn get(db: &Db, base: &url::Url, who: &Principal, id: Uuid) -> Result<Current, AppError> {
    let row = load::<listing::Entity, _>(db.read(), who, id, Action::Read, "listing").await?;
    build(db, base, &row).await
}

/// The organization's listings (on one marketplace, when given), oldest first.
pub async fn list(
    db: &Db,
    base: &url::Url,
    who: &Principal,
    organization_id: Uuid,
    marketplace: Option<&str>,
) -> Result<Vec<Current>, AppError> {
    super::organization(db.read(), who, organization_id, Action::Read).await?;
    let mut q = listing::Entity::find().filter(listing::Column::OrganizationId.eq(organization_id));
    if let Some(m) = marketplace {
        q = q.filter(listing::Column::Marketplace.eq(m));
    }
    let rows = q.order_by_asc(listing::Column::Id).all(db.read()).await?;
    build_all(db, base, &rows).await
}

pub async fn update(
    db: &Db,
    base: &url::Url,
    who: &Principal,
    id: Uuid,
    changes: ListingChanges,
) -> Result<Current, AppError> {
    check_amounts(changes.price_vnd, changes.stock)?;
    let txn = db.write_txn().await?;
    let current =
        load::<listing::Entity, _>(&txn, who, id, Action::ManageRegistry, "listing").await?;
    let market = marketplace_of(&current)?;
    let mut row: listing::ActiveModel = current.into();
    if let Some(v) = changes.price_vnd {
        row.price_vnd = Set(v);
    }
    if let Some(v) = changes.stock {
        row.stock = Set(v);
    }
    if let Some(v) = changes.package {
        row.package = Set(Some(serde_json::json!(v)));
    }
    if let Some(url) = changes.live_url {
        let url = market
            .live_url(&url)
            .map_err(|e| AppError::validation("live_url", e))?;
        row.live_url = Set(Some(url));
    }
    row.updated_at = Set(now());
    let row = row.update(&txn).await?;
    ledger::append(&txn, "updated", &row).await?;
    txn.commit().await?;
    build(db, base, &row).await
}

/// A listing pack for the organization's listings on `marketplace` (only those of `products`,
/// when given), stored as a file; every listing must pass the marketplace's rules first.
pub async fn export_pack(
    blobs: &Blobs,
    base: &url::Url,
    who: &Principal,
    organization_id: Uuid,
    marketplace: &'static dyn Marketplace,
    products: &[Uuid],
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> Result<(blob::Model, ExportPack), AppError> {
    let db = &blobs.db;
    let org = super::organization(db.read(), who, organization_id, Action::ManageRegistry).await?;
    let all = list(db, base, who, org.id, Some(marketplace.id())).await?;
    let chosen: Vec<Current> = all
        .into_iter()
        .filter(|c| products.is_empty() || products.contains(&c.row.product_id))
        .collect();
    if chosen.is_empty() {
        return Err(AppError::conflict(
            Code::NothingToExport,
            format!(
                "no {} listing to export; create one first",
                marketplace.name()
            ),
        ));
    }
    let mut problems = Vec::new();
    for (i, c) in chosen.iter().enumerate() {
        for p in &c.problems {
            problems.push(FieldProblem {
                field: format!("listings[{i}].{}", p.field),
                code: p.code,
                message: format!("{} ({}): {}", c.listing.title, c.listing.sku, p.message),
            });
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Validation(problems));
    }
    let total_images: u64 = chosen.iter().map(|c| c.listing.images.len() as u64).sum();
    let mut items = Vec::with_capacity(chosen.len());
    let mut done = 0;
    for c in &chosen {
        let mut images = Vec::with_capacity(c.listing.images.len());
        for img in &c.listing.images {
            let key = BlobKey::parse(&img.sha256)?;
            let bytes = crate::storage::read_all(blobs.store.get(&key).await?).await?;
            images.push(PackImage { bytes });
            done += 1;
            progress("images", done, total_images);
        }
        items.push(PackItem {
            listing: c.listing.clone(),
            images,
        });
    }
    progress("rendering", 0, 1);
    let pack = tokio::task::spawn_blocking(move || marketplace.render(&items))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    progress("rendering", 1, 1);
    let file = blobs
        .store_generated(
            who,
            org.id,
            BlobKind::ListingPack,
            org.id,
            &pack.file_name,
            "application/zip",
            Bytes::from(pack.zip.clone()),
        )
        .await?;
    // What was exported, so later changes show as stale.
    let txn = db.write_txn().await?;
    let t = now();
    for c in chosen {
        let mut row: listing::ActiveModel = c.row.into();
        row.exported = Set(Some(serde_json::json!(c.listing)));
        row.exported_at = Set(Some(t));
        row.updated_at = Set(t);
        let row = row.update(&txn).await?;
        ledger::append(&txn, "exported", &row).await?;
    }
    txn.commit().await?;
    Ok((file, pack))
}

/// Live product pages of a product, by marketplace name (for its public pages).
pub async fn live_links(db: &Db, product_id: Uuid) -> Result<Vec<(String, String)>, AppError> {
    let rows = listing::Entity::find()
        .filter(listing::Column::ProductId.eq(product_id))
        .filter(listing::Column::LiveUrl.is_not_null())
        .order_by_asc(listing::Column::Id)
        .all(db.read())
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let name = crate::marketplace::by_id(&r.marketplace)?.name().to_owned();
            Some((name, r.live_url?))
        })
        .collect())
}
