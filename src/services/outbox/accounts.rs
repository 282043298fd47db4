//! Shops on API marketplaces: an organization's credentials, sealed, and the connection a push uses.

use entity::marketplace_account;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::shared::Outbox;
use super::shared::api_of;
use super::shared::opened;
use super::shared::sealed;
use crate::auth::Principal;
use crate::domain::role::Action;
use crate::error::AppError;
use crate::error::Code;
use crate::marketplace::Marketplace;
use crate::marketplace::api::{Account, ApiClient, ApiConfig};

/// Saves an organization's shop credentials on an API marketplace.
pub async fn set_account(
    outbox: &Outbox,
    who: &Principal,
    organization_id: Uuid,
    marketplace: &'static dyn Marketplace,
    account: Account,
) -> Result<(), AppError> {
    api_of(marketplace)?;
    let db = &outbox.db;
    let access_token = sealed(outbox, &account.access_token)?;
    let refresh_token = account
        .refresh_token
        .as_deref()
        .map(|t| sealed(outbox, t))
        .transpose()?;
    let txn = db.write_txn().await?;
    crate::services::organization(&txn, who, organization_id, Action::ManageOrganization).await?;
    let existing = marketplace_account::Entity::find()
        .filter(marketplace_account::Column::OrganizationId.eq(organization_id))
        .filter(marketplace_account::Column::Marketplace.eq(marketplace.id()))
        .one(&txn)
        .await?;
    let t = outbox.clock.now();
    match existing {
        Some(row) => {
            let mut row: marketplace_account::ActiveModel = row.into();
            row.shop_id = Set(account.shop_id);
            row.access_token = Set(access_token);
            row.refresh_token = Set(refresh_token);
            row.updated_at = Set(t);
            row.update(&txn).await?;
        }
        None => {
            marketplace_account::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(organization_id),
                marketplace: Set(marketplace.id().to_owned()),
                shop_id: Set(account.shop_id),
                access_token: Set(access_token),
                refresh_token: Set(refresh_token),
                created_at: Set(t),
                updated_at: Set(t),
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// The marketplace's client, this service's credentials with it, and the organization's shop.
pub(super) async fn connection(
    outbox: &Outbox,
    organization_id: Uuid,
    marketplace: &str,
) -> Result<(&'static dyn ApiClient, ApiConfig, Account), AppError> {
    let market = crate::marketplace::by_id(marketplace)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown marketplace")))?;
    let client = api_of(market)?;
    let config =
        outbox.apis.get(market.id()).cloned().ok_or_else(|| {
            AppError::conflict(Code::MarketplaceNotConfigured, "no API credentials")
        })?;
    let account = marketplace_account::Entity::find()
        .filter(marketplace_account::Column::OrganizationId.eq(organization_id))
        .filter(marketplace_account::Column::Marketplace.eq(market.id()))
        .one(outbox.db.read())
        .await?
        .ok_or_else(|| {
            AppError::conflict(Code::NoMarketplaceAccount, "the shop is not connected")
        })?;
    let account = Account {
        access_token: opened(outbox, &account.access_token)?,
        refresh_token: account
            .refresh_token
            .as_deref()
            .map(|t| opened(outbox, t))
            .transpose()?,
        shop_id: account.shop_id,
    };
    Ok((client, config, account))
}

/// Stores a shop's renewed tokens, sealed.
pub(super) async fn store_tokens(
    outbox: &Outbox,
    txn: &sea_orm::DatabaseTransaction,
    organization_id: Uuid,
    marketplace: &str,
    acc: &Account,
) -> Result<(), AppError> {
    let Some(row) = marketplace_account::Entity::find()
        .filter(marketplace_account::Column::OrganizationId.eq(organization_id))
        .filter(marketplace_account::Column::Marketplace.eq(marketplace))
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let mut row: marketplace_account::ActiveModel = row.into();
    row.access_token = Set(sealed(outbox, &acc.access_token)?);
    row.refresh_token = Set(acc
        .refresh_token
        .as_deref()
        .map(|r| sealed(outbox, r))
        .transpose()?);
    row.updated_at = Set(outbox.clock.now());
    row.update(txn).await?;
    Ok(())
}
