//! Pulled gift-card, store-credit and loyalty-point movements applied on the
//! till, so a card issued or loaded at another till (or on the web) is
//! spendable here after a pull, and points earned or spent elsewhere show in
//! the balance. Each movement is an operation keyed by the server's movement
//! id, so applying it again changes nothing.

use crate::SdkError;
use crate::register::{put_stored_value_account, stored_value_account};
use chrono::{DateTime, Utc};
use pos_core::Money;
use pos_core::ids::OperationId;
use pos_core::stored_value::StoredValueAccount;
use pos_sync::wire::Change;
use rusqlite::Transaction;
use rust_decimal::Decimal;
use std::str::FromStr;

fn bad() -> SdkError {
    SdkError::Corrupt {
        what: "pulled stored-value change",
    }
}

/// Applies one pulled `stored_value` change from another device.
///
/// - `{account, document}`: a card issued elsewhere; created here if unknown
///   (its balance includes the issue, so the issue's own delta is skipped).
/// - `{account, delta}`: a load (positive) or a spend (negative). A spend
///   larger than what this till holds empties the card here; the server's
///   ledger keeps the exact figure. A card unknown here or refused by the
///   domain (expired) is left alone: the server remains the reference.
pub(crate) fn apply_stored_value(
    tx: &Transaction<'_>,
    c: &Change,
    now: DateTime<Utc>,
) -> Result<(), SdkError> {
    let code = c
        .data
        .get("account")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(bad)?;
    if let Some(doc) = c.data.get("document") {
        if stored_value_account(tx, code)?.is_none() {
            let account: StoredValueAccount =
                serde_json::from_value(doc.clone()).map_err(|_| bad())?;
            put_stored_value_account(tx, &account, now)?;
        }
        return Ok(());
    }
    if c.key.ends_with("/issue") {
        return Ok(());
    }
    let delta = c
        .data
        .get("delta")
        .and_then(serde_json::Value::as_str)
        .and_then(|d| Decimal::from_str(d).ok())
        .ok_or_else(bad)?;
    let Some(mut account) = stored_value_account(tx, code)? else {
        return Ok(());
    };
    let op = OperationId::new(&c.key)?;
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

/// Applies one pulled `loyalty` change from another device: `{account:
/// customer id, delta: points}`. A gain is a lot expiring as the program
/// says for points earned now; a loss is taken from the oldest lots, never
/// below zero (the server's ledger keeps the exact figure). Creates the
/// customer's account here if it has none.
pub(crate) fn apply_points(
    tx: &Transaction<'_>,
    c: &Change,
    now: DateTime<Utc>,
    program: Option<&pos_core::loyalty::LoyaltyProgram>,
) -> Result<(), SdkError> {
    use crate::register::{load_loyalty, save_loyalty};
    use pos_core::ids::{CustomerId, TicketId};
    use pos_core::loyalty::LoyaltyAccount;
    let customer = c
        .data
        .get("account")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(bad)?;
    let delta = c
        .data
        .get("delta")
        .and_then(serde_json::Value::as_str)
        .and_then(|d| Decimal::from_str(d).ok())
        .filter(|d| d.fract().is_zero())
        .and_then(|d| rust_decimal::prelude::ToPrimitive::to_i64(&d))
        .ok_or_else(bad)?;
    let customer = CustomerId::new(customer)?;
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
    let applied = account.apply_remote(
        OperationId::new(&c.key)?,
        TicketId::new(&c.key)?,
        now,
        expires_at,
        delta,
    )?;
    if applied {
        save_loyalty(tx, &account, before, None, || format!("remote:{}", c.key))?;
    }
    Ok(())
}
