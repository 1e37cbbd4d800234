//! Pulled gift-card and store-credit movements applied on the till, so a
//! card issued or loaded at another till (or on the web) is spendable here
//! after a pull. Each movement is an operation of the card keyed by the
//! server's movement id, so applying it again changes nothing.

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
