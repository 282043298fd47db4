//! Organizations: register, read, list, change.

use entity::organization::{self, Entity as Organization};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::ledger;
use super::{Page, PageRequest, now, organization, paginate};
use crate::auth::Principal;
use crate::db::Db;
use crate::domain::Reason;
use crate::domain::contact::{Email, Phone};
use crate::domain::organization::OrganizationKind;
use crate::domain::role::Action;
use crate::domain::{CommuneCode, ProvinceCode, TaxCode};
use crate::error::{AppError, Code};

pub struct NewOrganization {
    pub kind: OrganizationKind,
    pub name: String,
    pub tax_code: Option<TaxCode>,
    pub address: String,
    pub province_code: Option<ProvinceCode>,
    pub commune_code: Option<CommuneCode>,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub website: Option<url::Url>,
    pub gs1_company_prefix: Option<String>,
}

/// Fields to change; `None` leaves a field as it is. The kind is fixed at registration.
#[derive(Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub tax_code: Option<TaxCode>,
    pub address: Option<String>,
    pub province_code: Option<ProvinceCode>,
    pub commune_code: Option<CommuneCode>,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub website: Option<url::Url>,
    pub gs1_company_prefix: Option<String>,
}

fn check_tax_code_kind(kind: OrganizationKind, tax: &TaxCode) -> Result<(), AppError> {
    use crate::domain::tax_code::TaxCodeKind;
    if tax.kind() == TaxCodeKind::PersonalId && !kind.may_use_personal_id_as_tax_code() {
        return Err(AppError::validation(
            "tax_code",
            crate::domain::ParseError::new(
                Reason::TaxCodePersonalIdNotAllowed,
                "a 12-digit personal id is a tax code only for household businesses and farms",
            ),
        ));
    }
    Ok(())
}

async fn ensure_tax_code_free<C: ConnectionTrait>(
    conn: &C,
    tax: &TaxCode,
    except: Option<Uuid>,
) -> Result<(), AppError> {
    let mut q = Organization::find().filter(organization::Column::TaxCode.eq(tax.as_str()));
    if let Some(id) = except {
        q = q.filter(organization::Column::Id.ne(id));
    }
    if q.one(conn).await?.is_some() {
        return Err(AppError::conflict(
            Code::TaxCodeTaken,
            format!(
                "an organization with tax code {} is already registered",
                tax.as_str()
            ),
        ));
    }
    Ok(())
}

/// Registers an organization. Only platform administrators register organizations; their
/// owners then manage them through organization-scoped tokens.
pub async fn create(
    db: &Db,
    who: &Principal,
    new: NewOrganization,
) -> Result<organization::Model, AppError> {
    who.require_admin()?;
    if let Some(tax) = &new.tax_code {
        check_tax_code_kind(new.kind, tax)?;
    }
    let txn = db.write_txn().await?;
    if let Some(tax) = &new.tax_code {
        ensure_tax_code_free(&txn, tax, None).await?;
    }
    let t = now();
    let row = organization::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(new.kind.as_str().to_owned()),
        name: Set(new.name),
        tax_code: Set(new.tax_code.map(|t| t.as_str().to_owned())),
        address: Set(new.address),
        province_code: Set(new.province_code.map(|c| c.as_str().to_owned())),
        commune_code: Set(new.commune_code.map(|c| c.as_str().to_owned())),
        phone: Set(new.phone.map(|p| p.as_str().to_owned())),
        email: Set(new.email.map(|e| e.as_str().to_owned())),
        website: Set(new.website.map(String::from)),
        gs1_company_prefix: Set(new.gs1_company_prefix),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(&txn)
    .await?;
    ledger::append(&txn, "created", &row).await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn get(db: &Db, who: &Principal, id: Uuid) -> Result<organization::Model, AppError> {
    organization(db.read(), who, id, Action::Read).await
}

pub struct OrganizationFilter {
    pub kind: Option<OrganizationKind>,
}

/// Administrators see every organization; everyone else sees their own.
pub async fn list(
    db: &Db,
    who: &Principal,
    filter: OrganizationFilter,
    page: PageRequest,
) -> Result<Page<organization::Model>, AppError> {
    let mut q = Organization::find();
    if let Some(own) = who.organization() {
        q = q.filter(organization::Column::Id.eq(own));
    }
    if let Some(kind) = filter.kind {
        q = q.filter(organization::Column::Kind.eq(kind.as_str()));
    }
    paginate(db.read(), q, organization::Column::Id, page).await
}

pub async fn update(
    db: &Db,
    who: &Principal,
    id: Uuid,
    changes: OrganizationChanges,
) -> Result<organization::Model, AppError> {
    let txn = db.write_txn().await?;
    let current = organization(&txn, who, id, Action::ManageOrganization).await?;
    let kind = OrganizationKind::parse(&current.kind)
        .map_err(|e| AppError::internal(anyhow::anyhow!(e)))?;
    let mut row: organization::ActiveModel = current.into();
    if let Some(tax) = changes.tax_code {
        check_tax_code_kind(kind, &tax)?;
        ensure_tax_code_free(&txn, &tax, Some(id)).await?;
        row.tax_code = Set(Some(tax.as_str().to_owned()));
    }
    if let Some(v) = changes.name {
        row.name = Set(v);
    }
    if let Some(v) = changes.address {
        row.address = Set(v);
    }
    if let Some(v) = changes.province_code {
        row.province_code = Set(Some(v.as_str().to_owned()));
    }
    if let Some(v) = changes.commune_code {
        row.commune_code = Set(Some(v.as_str().to_owned()));
    }
    if let Some(v) = changes.phone {
        row.phone = Set(Some(v.as_str().to_owned()));
    }
    if let Some(v) = changes.email {
        row.email = Set(Some(v.as_str().to_owned()));
    }
    if let Some(v) = changes.website {
        row.website = Set(Some(v.into()));
    }
    if let Some(v) = changes.gs1_company_prefix {
        row.gs1_company_prefix = Set(Some(v));
    }
    row.updated_at = Set(now());
    let row = row.update(&txn).await?;
    ledger::append(&txn, "updated", &row).await?;
    txn.commit().await?;
    Ok(row)
}
