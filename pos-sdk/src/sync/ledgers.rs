//! Pulled gift-card, store-credit and loyalty-point movements applied on the
//! till, so a card issued or loaded at another till (or on the web) is
//! spendable here after a pull, and points earned or spent elsewhere show in
//! the balance. Each movement is an operation keyed by the server's movement
//! id, so applying it again changes nothing. The changes arrive checked
//! (see `pulled`), so these functions take pos-core's types.

use super::pulled::PointsMovement;
use crate::SdkError;
use crate::register::{put_stored_value_account, stored_value_account};
use chrono::{DateTime, Utc};
use pos_core::Money;
use pos_core::ids::OperationId;
use pos_core::stored_value::{GiftCardCode, StoredValueAccount};
use rusqlite::Transaction;
use rust_decimal::Decimal;

/// Applies a card issued on another device (a pulled `{account, document}`
/// change): created here if unknown (its balance includes the issue, so the
/// issue's own delta is not applied).
pub(crate) fn apply_card_account(
    tx: &Transaction<'_>,
    account: &StoredValueAccount,
    now: DateTime<Utc>,
) -> Result<(), SdkError> {
    if stored_value_account(tx, account.code().reveal())?.is_none() {
        put_stored_value_account(tx, account, now)?;
    }
    Ok(())
}

/// Applies a load (positive `delta`) or a spend (negative) made on another
/// device (a pulled `{account, delta}` change, checked by the caller). A
/// spend larger than what this till holds empties the card here; the
/// server's ledger keeps the exact figure. A card unknown here or refused by
/// the domain (expired) is left alone: the server remains the reference.
pub(crate) fn apply_card_movement(
    tx: &Transaction<'_>,
    code: &GiftCardCode,
    op: OperationId,
    delta: Decimal,
    now: DateTime<Utc>,
) -> Result<(), SdkError> {
    let Some(mut account) = stored_value_account(tx, code.reveal())? else {
        return Ok(());
    };
    if account.ops().iter().any(|o| o.id == op) {
        return Ok(());
    }
    let currency = account.balance().currency();
    let applied = if delta > Decimal::ZERO {
        account.load(op, now, Money::new(delta, currency), None)
    } else {
        let amount = delta.abs().min(account.balance().amount());
        if amount <= Decimal::ZERO {
            return Ok(());
        }
        account.redeem(op, now, Money::new(amount, currency), None)
    };
    if applied.is_err() {
        return Ok(());
    }
    put_stored_value_account(tx, &account, now)
}

/// Applies points earned (positive `delta`) or spent (negative) on another
/// device, keyed by the feed's movement `key`. A gain is a lot expiring as
/// the program says for points earned now; a loss is taken from the oldest
/// lots, never below zero (the server's ledger keeps the exact figure).
/// Creates the customer's account here if it has none.
pub(crate) fn apply_points(
    tx: &Transaction<'_>,
    points: PointsMovement,
    key: &str,
    now: DateTime<Utc>,
    program: Option<&pos_core::loyalty::LoyaltyProgram>,
) -> Result<(), SdkError> {
    use crate::register::{load_loyalty, save_loyalty};
    use pos_core::loyalty::LoyaltyAccount;
    let PointsMovement {
        customer,
        op,
        lot,
        delta,
    } = points;
    let mut account =
        load_loyalty(tx, &customer)?.unwrap_or_else(|| LoyaltyAccount::new(customer.clone()));
    let before = account.entries().len();
    let expires_at = match program.and_then(|p| p.expiry_days) {
        Some(days) => Some(
            now.checked_add_signed(chrono::TimeDelta::days(i64::from(days)))
                .ok_or(pos_core::CoreError::Overflow)?,
        ),
        None => None,
    };
    let applied = account.apply_remote(op, lot, now, expires_at, delta)?;
    if applied {
        save_loyalty(tx, &account, before, None, || format!("remote:{key}"))?;
    }
    Ok(())
}
