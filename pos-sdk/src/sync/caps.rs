//! Offline spending caps on the till. While the till is offline (a JET 70
//! period is open), the stored value it lets a customer spend per card is
//! capped (pos-sync's [`OfflineCaps`]), so a card cannot be emptied twice on
//! two offline tills; loyalty points burned for rewards are capped the same
//! way per customer.
//! What was spent offline is kept in the till file (meta key) and counted
//! in the same transaction as the sale, so a refused or failed sale
//! changes nothing; the count is cleared when the offline period ends.

use crate::{Register, SdkError, db};
use pos_core::tender::TenderMethod;
use pos_core::ticket::Ticket;
use pos_sync::merge::OfflineCaps;
use rusqlite::Transaction;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::str::FromStr;

const CAPS_KEY: &str = "sync.offline_caps";
const SPENT_KEY: &str = "sync.offline_spent";

/// Ledger name of gift cards and store credit (as on the server).
pub const STORED_VALUE: &str = "stored_value";

/// Ledger name of loyalty points (as on the server).
pub const POINTS: &str = "points";

#[derive(Debug, Default, Serialize, Deserialize)]
struct CapsDoc {
    stored_value: String,
    points: i64,
}

/// Spent offline per ledger and account, as decimal strings.
type Spent = BTreeMap<String, BTreeMap<String, String>>;

fn corrupt() -> SdkError {
    SdkError::Corrupt {
        what: "offline spending",
    }
}

fn caps_tx(tx: &Transaction<'_>) -> Result<OfflineCaps, SdkError> {
    match db::meta_get(tx, CAPS_KEY)? {
        None => Ok(OfflineCaps::default()),
        Some(s) => {
            let doc: CapsDoc = serde_json::from_str(&s).map_err(|_| corrupt())?;
            Ok(OfflineCaps {
                stored_value: Decimal::from_str(&doc.stored_value).map_err(|_| corrupt())?,
                points: doc.points,
            })
        }
    }
}

fn spent_tx(tx: &Transaction<'_>) -> Result<Spent, SdkError> {
    db::meta_get(tx, SPENT_KEY)?
        .map(|s| serde_json::from_str(&s).map_err(|_| corrupt()))
        .transpose()
        .map(Option::unwrap_or_default)
}

fn offline(tx: &Transaction<'_>) -> Result<bool, SdkError> {
    Ok(db::meta_get(tx, super::OFFLINE_KEY)?.is_some())
}

fn spent_of(spent: &Spent, ledger: &str, account: &str) -> Result<Decimal, SdkError> {
    spent
        .get(ledger)
        .and_then(|m| m.get(account))
        .map(|s| Decimal::from_str(s).map_err(|_| corrupt()))
        .transpose()
        .map(Option::unwrap_or_default)
}

/// Adds `amount` to what `account` spent offline, refusing it beyond the
/// ledger's cap (the app tells the cashier to sync or take another tender).
fn charge(
    tx: &Transaction<'_>,
    spent: &mut Spent,
    caps: &OfflineCaps,
    ledger: &'static str,
    account: &str,
    amount: Decimal,
) -> Result<(), SdkError> {
    let already = spent_of(spent, ledger, account)?;
    let total = already
        .checked_add(amount)
        .ok_or(pos_core::CoreError::Overflow)?;
    let cap = if ledger == POINTS {
        Decimal::from(caps.points)
    } else {
        caps.stored_value
    };
    if total > cap {
        return Err(SdkError::OfflineCapReached { ledger });
    }
    spent
        .entry(ledger.to_owned())
        .or_default()
        .insert(account.to_owned(), total.to_string());
    let json = serde_json::to_string(spent).map_err(|_| corrupt())?;
    db::meta_set(tx, SPENT_KEY, &json)
}

/// Sale hook (inside the sale's transaction): while offline, counts the
/// gift-card and store-credit tenders against the per-card cap. Refusing
/// returns an error before anything is written, and the caller's
/// transaction rolls back.
pub(crate) fn charge_sale(tx: &Transaction<'_>, ticket: &Ticket) -> Result<(), SdkError> {
    if !offline(tx)? {
        return Ok(());
    }
    let caps = caps_tx(tx)?;
    let mut spent = spent_tx(tx)?;
    for p in ticket.payments() {
        let (TenderMethod::GiftCard { reference } | TenderMethod::StoreCredit { reference }) =
            &p.method
        else {
            continue;
        };
        if p.applied.is_negative() {
            continue; // a refund credits the card: no cap
        }
        charge(
            tx,
            &mut spent,
            &caps,
            STORED_VALUE,
            reference.as_str(),
            p.applied.amount(),
        )?;
    }
    Ok(())
}

/// Reward hook (inside the redemption's transaction): while offline, counts
/// the points burned against the per-customer cap.
pub(crate) fn charge_points(
    tx: &Transaction<'_>,
    customer: &str,
    points: u64,
) -> Result<(), SdkError> {
    if !offline(tx)? {
        return Ok(());
    }
    let caps = caps_tx(tx)?;
    let mut spent = spent_tx(tx)?;
    charge(
        tx,
        &mut spent,
        &caps,
        POINTS,
        customer,
        Decimal::from(points),
    )
}

/// Forgets what was spent offline (the offline period ended: the server has
/// the movements now).
pub(crate) fn clear(tx: &Transaction<'_>) -> Result<(), SdkError> {
    tx.execute("DELETE FROM meta WHERE key = ?1", [SPENT_KEY])?;
    Ok(())
}

/// Sets this till's offline caps (the store's policy; default
/// [`OfflineCaps::default`]).
pub fn set_offline_caps(register: &mut Register, caps: &OfflineCaps) -> Result<(), SdkError> {
    if caps.stored_value < Decimal::ZERO || caps.points < 0 {
        return Err(SdkError::InvalidInput {
            field: "offline caps",
            expected: "amounts of zero or more",
        });
    }
    let doc = CapsDoc {
        stored_value: caps.stored_value.to_string(),
        points: caps.points,
    };
    let json = serde_json::to_string(&doc).map_err(|_| corrupt())?;
    let tx = register.connection().unchecked_transaction()?;
    db::meta_set(&tx, CAPS_KEY, &json)?;
    tx.commit()?;
    Ok(())
}

/// What the gift card or store credit `card` may still spend on this till
/// while offline; `None` while online (no cap applies).
pub fn offline_allowance(register: &mut Register, card: &str) -> Result<Option<Decimal>, SdkError> {
    let tx = register.connection().unchecked_transaction()?;
    if !offline(&tx)? {
        return Ok(None);
    }
    let cap = caps_tx(&tx)?.stored_value;
    let spent = spent_of(&spent_tx(&tx)?, STORED_VALUE, card)?;
    Ok(Some(
        cap.checked_sub(spent)
            .ok_or(pos_core::CoreError::Overflow)?
            .max(Decimal::ZERO),
    ))
}
