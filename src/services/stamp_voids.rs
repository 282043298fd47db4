//! Voiding stamps (recall, misprint, loss): a record appended to the ledger, and the stamps'
//! status set to `void`. Nothing is deleted, and a void is never undone.

use std::collections::BTreeSet;

use entity::batch::Entity as Batch;
use entity::{stamp, stamp_run, stamp_void};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::stamps::in_run;
use super::{ledger, now};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::ParseError;
use crate::domain::Reason;
use crate::domain::role::Action;
use crate::domain::stamp::{StampStatus, VoidReason};
use crate::error::{AppError, Code};
use crate::stamps::Serial;

/// What to void.
pub struct NewVoid {
    pub reason: VoidReason,
    pub note: Option<String>,
    /// Some stamps of the run; `None` voids every stamp of the run still active.
    pub serials: Option<BTreeSet<Serial>>,
}

/// `IN (...)` lists stay well under SQLite's bound-value limit.
const IN_CHUNK: usize = 500;

pub async fn void(
    db: &Db,
    who: &Principal,
    run_id: Uuid,
    new: NewVoid,
) -> Result<stamp_void::Model, AppError> {
    let txn = db.write_txn().await?;
    let run = stamp_run::Entity::find_by_id(run_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("stamp run"))?;
    who.authorize(run.organization_id, Action::RecordDiary, "stamp run")?;
    // Lock the batch first, as every write to a batch's records does.
    Batch::find_by_id(run.batch_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("batch"))?;
    let active = StampStatus::Active.as_str();
    let (serials, count) = match &new.serials {
        None => {
            let count = stamp::Entity::find()
                .filter(in_run(&run))
                .filter(stamp::Column::Status.eq(active))
                .count(&txn)
                .await?;
            (None, count)
        }
        Some(wanted) => {
            let to_void = active_among(&txn, &run, wanted).await?;
            (Some(to_void), 0)
        }
    };
    let count = serials.as_ref().map_or(count, |s| s.len() as u64);
    if count == 0 {
        return Err(AppError::conflict(
            Code::AlreadyVoid,
            "every stamp named is already void",
        ));
    }
    let record = stamp_void::Model {
        id: Uuid::now_v7(),
        organization_id: run.organization_id,
        batch_id: run.batch_id,
        run_id: run.id,
        reason: new.reason.as_str().to_owned(),
        note: new.note,
        serials: serials.as_ref().map(|s| {
            serde_json::Value::Array(
                s.iter()
                    .map(|x| serde_json::Value::String(x.as_str().to_owned()))
                    .collect(),
            )
        }),
        count: count as i64,
        created_by: who.name.clone(),
        created_at: now(),
    };
    record
        .clone()
        .into_active_model()
        .reset_all()
        .insert(&txn)
        .await?;
    let set_void = |cond: sea_orm::Condition| {
        stamp::Entity::update_many()
            .col_expr(
                stamp::Column::Status,
                Expr::value(StampStatus::Void.as_str()),
            )
            .filter(in_run(&run))
            .filter(stamp::Column::Status.eq(active))
            .filter(cond)
    };
    match &serials {
        None => {
            set_void(sea_orm::Condition::all()).exec(&txn).await?;
        }
        Some(list) => {
            let list: Vec<&str> = list.iter().map(Serial::as_str).collect();
            for part in list.chunks(IN_CHUNK) {
                set_void(
                    sea_orm::Condition::all()
                        .add(stamp::Column::Serial.is_in(part.iter().copied())),
                )
                .exec(&txn)
                .await?;
            }
        }
    }
    ledger::append(&txn, "created", &record).await?;
    txn.commit().await?;
    Ok(record)
}

/// The named serials that are active stamps of the run; a 422 naming those that are not
/// stamps of this run at all.
async fn active_among<C: ConnectionTrait>(
    conn: &C,
    run: &stamp_run::Model,
    wanted: &BTreeSet<Serial>,
) -> Result<BTreeSet<Serial>, AppError> {
    let list: Vec<&str> = wanted.iter().map(Serial::as_str).collect();
    let mut found = BTreeSet::new();
    let mut active = BTreeSet::new();
    for part in list.chunks(IN_CHUNK) {
        let rows = stamp::Entity::find()
            .filter(in_run(run))
            .filter(stamp::Column::Serial.is_in(part.iter().copied()))
            .all(conn)
            .await?;
        for r in rows {
            if StampStatus::from(r.status) == StampStatus::Active {
                active.insert(r.serial.clone());
            }
            found.insert(r.serial);
        }
    }
    let missing: Vec<&str> = list
        .iter()
        .copied()
        .filter(|s| !found.contains(*s))
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).copied().collect();
        return Err(AppError::validation(
            "serials",
            ParseError::new(
                Reason::NotInRun,
                format!(
                    "{} serial(s) are not stamps of this run: {}{}",
                    missing.len(),
                    shown.join(", "),
                    if missing.len() > shown.len() {
                        ", …"
                    } else {
                        ""
                    }
                ),
            ),
        ));
    }
    Ok(wanted
        .iter()
        .filter(|s| active.contains(s.as_str()))
        .cloned()
        .collect())
}

/// The run's voids, oldest first.
pub async fn of_run_records<C: ConnectionTrait>(
    conn: &C,
    run_id: Uuid,
) -> Result<Vec<stamp_void::Model>, AppError> {
    Ok(stamp_void::Entity::find()
        .filter(stamp_void::Column::RunId.eq(run_id))
        .order_by_asc(stamp_void::Column::Id)
        .all(conn)
        .await?)
}

/// Which stamps of a run its void records cover.
pub enum Voided {
    All,
    Some(BTreeSet<String>),
}

impl Voided {
    pub fn from_records(records: &[stamp_void::Model]) -> Self {
        let mut some = BTreeSet::new();
        for r in records {
            match &r.serials {
                None => return Voided::All,
                Some(v) => some.extend(
                    v.as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.as_str().map(str::to_owned)),
                ),
            }
        }
        Voided::Some(some)
    }

    pub fn contains(&self, serial: &str) -> bool {
        match self {
            Voided::All => true,
            Voided::Some(s) => s.contains(serial),
        }
    }
}
