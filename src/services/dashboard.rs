//! What the console's first page shows an organization: batches still open, OCOP certificates
//! that lapse in the next 90 days, and the stamps scanned in the last 7 days with a warning
//! where the scans look like a copied code.

use chrono::NaiveDate;
use entity::{batch, farm, ocop_certification, organization, product};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use uuid::Uuid;

use super::scans::Thresholds;
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
    /// Stamps scanned in the last 7 days: serial, lot, scans, whether they look copied.
    pub recent_scans: Vec<RecentStamp>,
}

pub struct RecentStamp {
    pub serial: String,
    pub lot_code: String,
    pub scans: i64,
    pub suspicious: bool,
}

#[derive(FromQueryResult)]
struct ScanRow {
    serial: String,
    lot_code: String,
    scans: i64,
}

pub async fn load(
    db: &Db,
    who: &Principal,
    organization_id: Uuid,
    today: NaiveDate,
    thresholds: Thresholds,
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
    // Only the stamps of batches scanned this week (their days' counts say which) are
    // looked at: an organization with millions of stamps and a few batches in the shops
    // reads the scans of those few.
    let rows = ScanRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT s.serial AS serial, b.lot_code AS lot_code, COUNT(*) AS scans \
         FROM scans s JOIN stamps st ON st.serial = s.serial JOIN batches b ON b.id = st.batch_id \
         WHERE b.organization_id = $1 AND s.scanned_at >= $2 \
         AND b.id IN (SELECT batch_id FROM scan_days WHERE day >= $3) \
         GROUP BY s.serial, b.lot_code ORDER BY COUNT(*) DESC, s.serial LIMIT 20",
        [
            org.id.into(),
            week_ago.into(),
            crate::domain::local_time::day_of(week_ago).into(),
        ],
    ))
    .all(conn)
    .await?;
    let recent_scans = rows
        .into_iter()
        .map(|r| RecentStamp {
            suspicious: r.scans.unsigned_abs() >= thresholds.per_week,
            serial: r.serial,
            lot_code: r.lot_code,
            scans: r.scans,
        })
        .collect();
    Ok(Dashboard {
        organization: org,
        farms,
        open_batches,
        expiring,
        recent_scans,
    })
}
