//! Issuing stamps: a run of serials chained to the batch's history, recorded as one ledger
//! entry, in one transaction (whole or absent).

use entity::batch::{self, Entity as Batch};
use entity::stamp_run;
use entity::{product, stamp};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::batches::status_of;
use super::{Page, PageRequest, ledger, load, now, paginate, stamp_rows};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::Reason;
use crate::domain::batch::BatchStatus;
use crate::domain::role::Action;
use crate::domain::{Gtin, ParseError};
use crate::error::{AppError, Code};
use crate::stamps::pin::PinKey;
use crate::stamps::{Serial, chain};

/// Most stamps in one run.
pub const MAX_RUN: u64 = 1_000_000;

pub fn check_count(count: u64) -> Result<u64, ParseError> {
    if (1..=MAX_RUN).contains(&count) {
        Ok(count)
    } else {
        Err(ParseError::new(
            Reason::CountRange,
            format!("a run has 1 to {MAX_RUN} stamps; issue several runs for more"),
        ))
    }
}

/// What to issue.
pub struct NewRun<'a> {
    pub count: u64,
    /// Give every stamp a scratch PIN derived with this key.
    pub pins: Option<&'a PinKey>,
    /// The client's `Idempotency-Key`: a run already issued with it is answered again.
    pub idempotency: Option<&'a super::idempotency::Claim>,
}

/// Issues a run of stamps for a batch, calling `progress` with the number of stamps written
/// so far.
pub async fn issue(
    db: &Db,
    who: &Principal,
    batch_id: Uuid,
    new: NewRun<'_>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<stamp_run::Model, AppError> {
    let count = check_count(new.count).map_err(|e| AppError::validation("count", e))?;
    let serials = Serial::generate_many(count as usize)
        .map_err(|e| AppError::internal(anyhow::anyhow!("OS random generator: {e}")))?;
    let txn = db.write_txn().await?;
    // Lock the batch first, then (in the ledger append) the log head: the order every write uses.
    let batch = Batch::find_by_id(batch_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("batch"))?;
    who.authorize(batch.organization_id, Action::RecordDiary, "batch")?;
    // Under the batch's lock, so two retries with the same key cannot both issue.
    if let Some(claim) = new.idempotency
        && let Some(id) = claim.earlier(&txn).await?
    {
        return stamp_run::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("stamp run"));
    }
    if status_of(&batch) == BatchStatus::Recalled {
        return Err(AppError::conflict(
            Code::BatchRecalled,
            "a recalled batch cannot get new stamps",
        ));
    }
    let product = product::Entity::find_by_id(batch.product_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("product"))?;
    if let Some(g) = &product.gtin {
        Gtin::parse(g).map_err(|e| {
            AppError::conflict(
                Code::ProductGtinInvalid,
                format!("the product's GTIN {g} is invalid: {e}"),
            )
        })?;
    }
    let head = crate::ledger::from_slice(&batch.chain_head).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "batch {} has a malformed chain head",
            batch.id
        ))
    })?;
    let first_index = u64::try_from(batch.stamps_issued).map_err(AppError::internal)?;
    let run_chain = chain::chain_run(head, &serials, batch.id, first_index);
    let last = *run_chain
        .head()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("empty run")))?;
    let run = stamp_run::Model {
        id: Uuid::now_v7(),
        organization_id: batch.organization_id,
        batch_id: batch.id,
        count: count as i64,
        first_index: first_index as i64,
        prev_head: head.0.to_vec(),
        last_hash: last.0.to_vec(),
        root: run_chain.root.0.to_vec(),
        created_by: who.name.clone(),
        created_at: now(),
        with_pin: new.pins.is_some(),
        pins_released_at: None,
        pins_delivered_at: None,
        pins_attempts: 0,
        block_roots: Some(run_chain.blocks.iter().flat_map(|h| h.0).collect()),
        pin_root: None,
    };
    run.clone()
        .into_active_model()
        .reset_all()
        .insert(&txn)
        .await?;
    let shared = stamp_rows::Shared {
        run: run.id,
        batch: batch.id,
        organization: batch.organization_id,
    };
    let previous = std::iter::once(&head).chain(&run_chain.hashes);
    // The PIN hashes' root, built as the rows go out: the ledger commits to every PIN hash.
    let mut pin_tree = crate::ledger::merkle::Frontier::default();
    let rows = serials
        .iter()
        .zip(previous.zip(&run_chain.hashes))
        .enumerate()
        .map(|(offset, (serial, (prev_hash, hash)))| {
            let pin_hash = new.pins.map(|k| k.hash(serial, &k.pin(serial)));
            if let Some(h) = &pin_hash {
                pin_tree.append(crate::ledger::chain::leaf(h));
            }
            stamp_rows::Row {
                serial,
                index: (first_index + offset as u64) as i64,
                prev_hash,
                hash,
                pin_hash,
            }
        });
    stamp_rows::insert(&txn, &shared, rows, progress).await?;
    let mut run = run;
    if new.pins.is_some() {
        run.pin_root = Some(pin_tree.root().0.to_vec());
        stamp_run::Entity::update_many()
            .col_expr(
                stamp_run::Column::PinRoot,
                sea_orm::sea_query::Expr::value(run.pin_root.clone()),
            )
            .filter(stamp_run::Column::Id.eq(run.id))
            .exec(&txn)
            .await?;
    }
    ledger::append(&txn, "created", &run).await?;
    if let Some(claim) = new.idempotency {
        claim.record(&txn, run.id).await?;
    }
    let mut b: batch::ActiveModel = batch.into();
    b.chain_head = Set(last.0.to_vec());
    b.stamps_issued = Set((first_index + count) as i64);
    b.update(&txn).await?;
    txn.commit().await?;
    Ok(run)
}

pub async fn get_run(db: &Db, who: &Principal, id: Uuid) -> Result<stamp_run::Model, AppError> {
    let run = stamp_run::Entity::find_by_id(id)
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("stamp run"))?;
    who.authorize(run.organization_id, Action::Read, "stamp run")?;
    Ok(run)
}

pub async fn list_runs(
    db: &Db,
    who: &Principal,
    batch_id: Uuid,
    page: PageRequest,
) -> Result<Page<stamp_run::Model>, AppError> {
    load::<Batch, _>(db.read(), who, batch_id, Action::Read, "batch").await?;
    let q = stamp_run::Entity::find().filter(stamp_run::Column::BatchId.eq(batch_id));
    paginate(db.read(), q, stamp_run::Column::Id, page).await
}

/// A run's stamps in index order, `limit` at a time after index `after`.
pub async fn stamps_of_run(
    db: &Db,
    who: &Principal,
    run_id: Uuid,
    after: Option<i64>,
    limit: u64,
) -> Result<(stamp_run::Model, Vec<stamp::Model>), AppError> {
    let run = get_run(db, who, run_id).await?;
    let rows = stamp::Entity::find()
        .filter(in_run_after(&run, after))
        .order_by_asc(stamp::Column::IndexInBatch)
        .limit(limit)
        .all(db.read())
        .await?;
    Ok((run, rows))
}

/// A run's stamps: a contiguous range of its batch's stamp indexes, read through the
/// `(batch_id, index_in_batch)` index. Every query about a run's stamps goes through this.
pub fn in_run(run: &stamp_run::Model) -> sea_orm::Condition {
    in_run_after(run, None)
}

/// The stamps of `run` after index `after` (all of them without one), for paging.
///
/// Exactly one lower and one upper bound on the index: given both the run's lower bound and
/// the page's, SQLite picks one without knowing which is tighter and scanned every page from
/// the run's first stamp (a page of a 1,000,000-stamp run cost as much as half the run).
pub fn in_run_after(run: &stamp_run::Model, after: Option<i64>) -> sea_orm::Condition {
    let from = after.map_or(run.first_index, |a| {
        a.saturating_add(1).max(run.first_index)
    });
    sea_orm::Condition::all()
        .add(stamp::Column::BatchId.eq(run.batch_id))
        .add(stamp::Column::IndexInBatch.gte(from))
        .add(stamp::Column::IndexInBatch.lt(run.first_index.saturating_add(run.count)))
}

/// What a stamp's URI is built from: the product's GTIN and the batch's lot code.
pub struct Identity {
    pub gtin: Option<Gtin>,
    pub lot: Option<crate::domain::LotCode>,
}

impl Identity {
    /// From rows already loaded; stored identifiers that no longer parse are a 500.
    pub fn of(batch: &batch::Model, product: &product::Model) -> Result<Self, AppError> {
        let corrupt = |e: ParseError| AppError::internal(anyhow::anyhow!("stored identifier: {e}"));
        Ok(Identity {
            gtin: product
                .gtin
                .as_deref()
                .map(Gtin::parse)
                .transpose()
                .map_err(corrupt)?,
            lot: Some(crate::domain::LotCode::parse(&batch.lot_code).map_err(corrupt)?),
        })
    }
}

pub async fn identity_of_batch(db: &Db, batch_id: Uuid) -> Result<Identity, AppError> {
    let batch = Batch::find_by_id(batch_id)
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("batch"))?;
    let product = product::Entity::find_by_id(batch.product_id)
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("product"))?;
    Identity::of(&batch, &product)
}

/// One stamp, for a caller who may read its organization.
pub async fn get_stamp(
    db: &Db,
    who: &Principal,
    serial: &Serial,
) -> Result<stamp::Model, AppError> {
    let s = stamp::Entity::find_by_id(serial.as_str().to_owned())
        .one(db.read())
        .await?
        .ok_or(AppError::NotFound("stamp"))?;
    who.authorize(s.organization_id, Action::Read, "stamp")?;
    Ok(s)
}

/// Finds a batch by id, or by lot code when exactly one batch has it.
pub async fn find_batch(db: &Db, id_or_lot: &str) -> Result<batch::Model, AppError> {
    if let Ok(id) = Uuid::parse_str(id_or_lot) {
        return Batch::find_by_id(id)
            .one(db.read())
            .await?
            .ok_or(AppError::NotFound("batch"));
    }
    let mut found = Batch::find()
        .filter(batch::Column::LotCode.eq(id_or_lot))
        .limit(2)
        .all(db.read())
        .await?;
    match found.len() {
        0 => Err(AppError::NotFound("batch")),
        1 => Ok(found.remove(0)),
        _ => Err(AppError::conflict(
            Code::LotCodeAmbiguous,
            format!("several products have a batch with lot {id_or_lot}; give the batch id"),
        )),
    }
}
