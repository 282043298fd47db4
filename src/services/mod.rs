//! Use-cases: one public function per thing a caller can do, each in one database
//! transaction when it writes.
//!
//! Services take parsed domain values (never raw strings), check access through
//! [`Principal::authorize`], and return entity models that the HTTP layer maps to views.
//! The tamper-evident ledger appends inside these same transactions.

pub mod accounts;
pub mod batch_chain;
pub mod batches;
pub mod blobs;
pub mod certifications;
pub mod checkpoints;
pub mod clock;
pub mod dashboard;
pub mod dataset;
pub mod diary_writer;
pub mod epcis;
pub mod epcis_capture;
pub mod epcis_index;
pub mod events;
pub mod farms;
pub mod growing_areas;
pub mod idempotency;
pub mod in_flight;
pub mod invitations;
pub mod ledger;
pub mod listings;
pub mod log_size;
pub mod organizations;
pub mod outbox;
pub mod pin_claims;
pub mod print_files;
pub mod products;
pub mod records;
pub mod requests;
pub mod resolve;
pub mod resolve_cache;
pub mod resolved;
pub mod scan_journal;
pub mod scan_news;
pub mod scan_retention;
pub mod scan_rows;
pub mod scan_stats;
pub mod scans;
pub mod sign_in_limits;
pub mod stamp_proof;
pub mod stamp_reads;
pub mod stamp_rows;
pub mod stamp_voids;
pub mod stamps;
pub mod storage_check;
pub mod stored;
pub mod tile_cache;
pub mod trace_codes;
pub mod verify;
pub mod witnessing;

use sea_orm::sea_query::IntoValueTuple;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::domain::role::Action;
use crate::error::AppError;

/// A page of a list, ordered by id (UUIDv7, so creation order).
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: u64,
    pub after: Option<Uuid>,
}

pub const DEFAULT_PAGE: u64 = 50;
pub const MAX_PAGE: u64 = 200;

#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Id of the last item when more follow.
    pub next: Option<Uuid>,
}

/// A row with a UUIDv7 id, so it can be paginated by id.
pub trait Keyed {
    fn id(&self) -> Uuid;
}

/// A row that belongs to one organization.
pub trait Owned: Keyed {
    fn organization_id(&self) -> Uuid;
}

macro_rules! owned {
    ($($module:ident),+) => {$(
        impl Keyed for entity::$module::Model {
            fn id(&self) -> Uuid { self.id }
        }
        impl Owned for entity::$module::Model {
            fn organization_id(&self) -> Uuid { self.organization_id }
        }
    )+};
}
owned!(
    farm,
    growing_area,
    product,
    ocop_certification,
    batch,
    batch_event,
    membership,
    listing
);

impl Keyed for entity::organization::Model {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Owned for entity::organization::Model {
    fn organization_id(&self) -> Uuid {
        self.id
    }
}

impl Keyed for entity::stamp_run::Model {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Keyed for entity::api_token::Model {
    fn id(&self) -> Uuid {
        self.id
    }
}

/// Loads a row by id and checks that `who` may perform `action` on it. Rows of organizations
/// the caller cannot see are reported exactly as absent rows are.
pub async fn load<E, C>(
    conn: &C,
    who: &Principal,
    id: Uuid,
    action: Action,
    what: &'static str,
) -> Result<E::Model, AppError>
where
    E: EntityTrait,
    E::Model: Owned,
    C: ConnectionTrait,
    Uuid: IntoValueTuple + Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
{
    let row = E::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound(what))?;
    who.authorize(row.organization_id(), action, what)?;
    Ok(row)
}

/// Loads an organization the caller may perform `action` on (404 if it is not visible).
pub async fn organization<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    id: Uuid,
    action: Action,
) -> Result<entity::organization::Model, AppError> {
    load::<entity::organization::Entity, _>(conn, who, id, action, "organization").await
}

/// Runs a keyset-paginated query ordered by `id_col`.
pub async fn paginate<E, C>(
    conn: &C,
    select: Select<E>,
    id_col: E::Column,
    page: PageRequest,
) -> Result<Page<E::Model>, AppError>
where
    E: EntityTrait,
    E::Model: Keyed,
    C: ConnectionTrait,
{
    let mut q = select.order_by_asc(id_col).limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(id_col.gt(after));
    }
    let mut items = q.all(conn).await?;
    let next = if items.len() as u64 > page.limit {
        items.truncate(page.limit as usize);
        items.last().map(Keyed::id)
    } else {
        None
    };
    Ok(Page { items, next })
}

/// The current time, truncated to microseconds so that what is returned equals what
/// PostgreSQL stores and reads back.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let t = chrono::Utc::now();
    chrono::DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// Today in Vietnam (UTC+7): OCOP decisions, harvest and production dates are Vietnamese
/// calendar days, so a certificate valid until a date is in force to its end there, and a
/// producer entering today's date at 6 in the morning is not told it is in the future.
pub fn today() -> chrono::NaiveDate {
    crate::domain::local_time::day_of(chrono::Utc::now())
}
