//! Trace codes entered by hand for records the registry holds no key for (issue 19): a product
//! without a GTIN, an organization's premises, a farm. Checked by `domain::TraceCode`, one per
//! record, sealed in the ledger (`trace_codes.created` / `.updated`); the Circular 02 data set
//! shows them in place of our URIs.

use std::collections::HashMap;

use entity::{farm, product, trace_code};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::{ledger, load, organization};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::role::Action;
use crate::domain::trace_code::{Identifies, TraceCode};
use crate::error::{AppError, Code};

/// The record a trace code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Traced {
    Product,
    Organization,
    Farm,
}

impl Traced {
    pub fn table(self) -> &'static str {
        match self {
            Traced::Product => "products",
            Traced::Organization => "organizations",
            Traced::Farm => "farms",
        }
    }

    fn identifies(self) -> Identifies {
        match self {
            Traced::Product => Identifies::Product,
            Traced::Organization | Traced::Farm => Identifies::Place,
        }
    }
}

/// Sets (or corrects) the trace code of a record the caller manages.
pub async fn set(
    db: &Db,
    who: &Principal,
    what: Traced,
    id: Uuid,
    code: &str,
) -> Result<trace_code::Model, AppError> {
    let code =
        TraceCode::parse(code, what.identifies()).map_err(|e| AppError::validation("code", e))?;
    let owner = match what {
        Traced::Product => {
            let p =
                load::<product::Entity, _>(db.read(), who, id, Action::ManageRegistry, "product")
                    .await?;
            if let Some(gtin) = p.gtin {
                return Err(AppError::conflict(
                    Code::TraceCodeFromGtin,
                    format!("the product's GTIN is its trace code: (01){gtin}"),
                ));
            }
            p.organization_id
        }
        Traced::Farm => {
            load::<farm::Entity, _>(db.read(), who, id, Action::ManageRegistry, "farm")
                .await?
                .organization_id
        }
        Traced::Organization => {
            organization(db.read(), who, id, Action::ManageRegistry)
                .await?
                .id
        }
    };
    let t = crate::services::now();
    let txn = db.write_txn().await?;
    let existing = trace_code::Entity::find()
        .filter(trace_code::Column::Subject.eq(what.table()))
        .filter(trace_code::Column::SubjectId.eq(id))
        .one(&txn)
        .await?;
    let (row, verb) = match existing {
        Some(row) if row.code == code.as_str() => return Ok(row),
        Some(row) => {
            let mut a: trace_code::ActiveModel = row.into();
            a.code = Set(code.as_str().to_owned());
            a.updated_at = Set(t);
            (a.update(&txn).await?, "updated")
        }
        None => (
            trace_code::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(owner),
                subject: Set(what.table().to_owned()),
                subject_id: Set(id),
                code: Set(code.as_str().to_owned()),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(&txn)
            .await?,
            "created",
        ),
    };
    ledger::append(&txn, verb, &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// The trace codes entered for `records`, by record (for a caller already allowed to read them).
pub async fn of(
    db: &Db,
    records: &[(Traced, Uuid)],
) -> Result<HashMap<(Traced, Uuid), String>, AppError> {
    let rows = trace_code::Entity::find()
        .filter(trace_code::Column::SubjectId.is_in(records.iter().map(|(_, id)| *id)))
        .all(db.read())
        .await?;
    Ok(records
        .iter()
        .filter_map(|(what, id)| {
            rows.iter()
                .find(|r| r.subject_id == *id && r.subject == what.table())
                .map(|r| ((*what, *id), r.code.clone()))
        })
        .collect())
}
