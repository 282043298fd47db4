//! Confirming an item with its scratch PIN. A first correct PIN confirms it; a later correct
//! one is a warning (the PIN was seen before: the item, or its label, may be a copy). Wrong
//! PINs are rate-limited per stamp and per client, in the database, so the limits hold
//! across app nodes and restarts; 10⁸ PINs at 5 tries an hour cannot be guessed.

use chrono::{DateTime, Duration, Utc};
use entity::{pin_attempt, stamp};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use super::now;
use crate::db::Db;
use crate::error::AppError;
use crate::stamps::Serial;
use crate::stamps::pin::PinKey;

/// Wrong PINs per stamp per hour before entries are refused.
pub const WRONG_PER_STAMP_PER_HOUR: u64 = 5;
/// PIN entries per client per hour.
pub const PER_CLIENT_PER_HOUR: u64 = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Correct, and the first time: the item is confirmed.
    First,
    /// Correct, but confirmed before (at this time): a warning.
    Again(DateTime<Utc>),
    Wrong,
    /// Too many attempts; nothing was checked or recorded.
    Limited,
}

/// The digits of a typed PIN (spaces and hyphens ignored), if there are exactly eight.
pub fn normalise(input: &str) -> Option<String> {
    let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

pub async fn claim(
    db: &Db,
    key: &PinKey,
    serial: &Serial,
    input: &str,
    client_hash: [u8; 32],
) -> Result<Outcome, AppError> {
    let at = now();
    let hour_ago = at - Duration::hours(1);
    let txn = db.write_txn().await?;
    let wrong_for_stamp = pin_attempt::Entity::find()
        .filter(pin_attempt::Column::Serial.eq(serial.as_str()))
        .filter(pin_attempt::Column::At.gte(hour_ago))
        .filter(pin_attempt::Column::Ok.eq(false))
        .limit(WRONG_PER_STAMP_PER_HOUR)
        .count(&txn)
        .await?;
    let for_client = pin_attempt::Entity::find()
        .filter(pin_attempt::Column::ClientHash.eq(client_hash.to_vec()))
        .filter(pin_attempt::Column::At.gte(hour_ago))
        .limit(PER_CLIENT_PER_HOUR)
        .count(&txn)
        .await?;
    if wrong_for_stamp >= WRONG_PER_STAMP_PER_HOUR || for_client >= PER_CLIENT_PER_HOUR {
        return Ok(Outcome::Limited);
    }
    let stamp = stamp::Entity::find_by_id(serial.as_str().to_owned())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound("stamp"))?;
    let ok = match (normalise(input), &stamp.pin_hash) {
        (Some(pin), Some(stored)) => key.check(serial, &pin, stored),
        _ => false,
    };
    pin_attempt::Model {
        id: Uuid::now_v7(),
        serial: serial.as_str().to_owned(),
        at,
        client_hash: client_hash.to_vec(),
        ok,
    }
    .into_active_model()
    .reset_all()
    .insert(&txn)
    .await?;
    let outcome = if !ok {
        Outcome::Wrong
    } else {
        stamp::Entity::update_many()
            .col_expr(
                stamp::Column::ClaimCount,
                Expr::col(stamp::Column::ClaimCount).add(1),
            )
            .col_expr(
                stamp::Column::ClaimedAt,
                Expr::col(stamp::Column::ClaimedAt).if_null(at),
            )
            .filter(stamp::Column::Serial.eq(serial.as_str()))
            .exec(&txn)
            .await?;
        match stamp.claimed_at {
            None => Outcome::First,
            Some(first) => Outcome::Again(first),
        }
    };
    txn.commit().await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    #[test]
    fn typed_pins_are_read_leniently_but_must_be_eight_digits() {
        assert_eq!(super::normalise("1234 5678").as_deref(), Some("12345678"));
        assert_eq!(super::normalise("1234-5678").as_deref(), Some("12345678"));
        assert_eq!(super::normalise("1234567"), None);
        assert_eq!(super::normalise("1234567a"), None);
        assert_eq!(
            super::normalise("１２３４５６７８"),
            None,
            "full-width digits are not ASCII"
        );
    }
}
