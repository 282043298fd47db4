//! What the console's first page shows an organization: batches still open, OCOP certificates
//! that lapse in the next 90 days, the batches scanned in the last 7 days, and the stamps whose
//! scans looked like a copied code in that week.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{batch, farm, ocop_certification, organization, product};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use uuid::Uuid;

use super::{now, organization};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::role::Action;
use crate::error::AppError;

/// How far ahead lapsing certificates are shown.
pub const EXPIRY_WINDOW_DAYS: i64 = 90;
const SHOWN: u64 = 20;

pub struct Dashboard {
    pub organization: organization::Model,
    pub farms: u64,
    /// Open batches with their product's name, newest first.
    pub open_batches: Vec<(batch::Model, String)>,
    /// Certificates in force that lapse within the window, soonest first, with the product.
    pub expiring: Vec<(ocop_certification::Model, String)>,
    /// Batches scanned in the last 7 days, most scanned first.
    pub week_batches: Vec<BatchScans>,
    /// Stamps whose scans looked like a copied code in the last 7 days, latest first.
    pub copied: Vec<CopiedStamp>,
}

pub struct BatchScans {
    pub batch_id: Uuid,
    pub lot_code: String,
    pub product: String,
    pub scans: i64,
}

pub struct CopiedStamp {
    pub serial: String,
    pub lot_code: String,
    /// Scans in the stamp's life.
    pub scans: i64,
    pub warned_at: DateTime<Utc>,
}

#[derive(FromQueryResult)]
struct BatchRow {
    id: Uuid,
    lot_code: String,
    product_id: Uuid,
    scans: i64,
}

#[derive(FromQueryResult)]
struct AlertRow {
    serial: String,
    lot_code: String,
    scans: i64,
    warned_at: DateTime<Utc>,
}

pub async fn load(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    today: NaiveDate,
) -> Result<Dashboard, AppError> {
    let conn = db.read();
    let org = organization(conn, who, organization_id, Action::Read).await?;
    let farms = farm::Entity::find()
        .filter(farm::Column::OrganizationId.eq(org.id))
        .count(conn)
        .await?;
    let products: std::collections::HashMap<Uuid, String> = product::Entity::find()
        .filter(product::Column::OrganizationId.eq(org.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let name = |id: &Uuid| products.get(id).cloned().unwrap_or_default();
    let open_batches = batch::Entity::find()
        .filter(batch::Column::OrganizationId.eq(org.id))
        .filter(batch::Column::Status.eq(batch::Status::Open))
        .order_by_desc(batch::Column::Id)
        .limit(SHOWN)
        .all(conn)
        .await?
        .into_iter()
        .map(|b| {
            let n = name(&b.product_id);
            (b, n)
        })
        .collect();
    let expiring = ocop_certification::Entity::find()
        .filter(ocop_certification::Column::OrganizationId.eq(org.id))
        .filter(ocop_certification::Column::ValidUntil.gte(today))
        .filter(
            ocop_certification::Column::ValidUntil
                .lte(today + chrono::Duration::days(EXPIRY_WINDOW_DAYS)),
        )
        .order_by_asc(ocop_certification::Column::ValidUntil)
        .limit(SHOWN)
        .all(conn)
        .await?
        .into_iter()
        .map(|c| {
            let n = name(&c.product_id);
            (c, n)
        })
        .collect();
    let backend = conn.get_database_backend();
    let week_ago = now() - chrono::Duration::days(7);
    // Both lists read a few rows the scan writer keeps (counts per batch and day, stamps past
    // a threshold), never the week's scans: at 100,000,000 scans counting them took 8.45 s.
    let week_batches = BatchRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT b.id AS id, b.lot_code AS lot_code, b.product_id AS product_id, \
         CAST(SUM(d.scans) AS BIGINT) AS scans FROM scan_days d JOIN batches b ON b.id = d.batch_id \
         WHERE b.organization_id = $1 AND d.day >= $2 \
         GROUP BY b.id, b.lot_code, b.product_id ORDER BY SUM(d.scans) DESC, b.lot_code LIMIT 20",
        [
            org.id.into(),
            crate::domain::local_time::day_of(week_ago).into(),
        ],
    ))
    .all(conn)
    .await?
    .into_iter()
    .map(|r| BatchScans {
        product: name(&r.product_id),
        batch_id: r.id,
        lot_code: r.lot_code,
        scans: r.scans,
    })
    .collect();
    let copied = AlertRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT a.serial AS serial, b.lot_code AS lot_code, c.scan_count AS scans, \
         a.warned_at AS warned_at \
         FROM scan_alerts a JOIN batches b ON b.id = a.batch_id \
         JOIN stamp_scans c ON c.serial = a.serial \
         WHERE b.organization_id = $1 AND a.warned_at >= $2 \
         ORDER BY a.warned_at DESC, a.serial LIMIT 20",
        [org.id.into(), week_ago.into()],
    ))
    .all(conn)
    .await?
    .into_iter()
    .map(|r| CopiedStamp {
        serial: r.serial,
        lot_code: r.lot_code,
        scans: r.scans,
        warned_at: r.warned_at,
    })
    .collect();
    Ok(Dashboard {
        organization: org,
        farms,
        open_batches,
        expiring,
        week_batches,
        copied,
    })
}
