//! RGPD tools over one transaction: the export of everything held on a
//! customer, the erasure that keeps every fiscal record verifiable (the
//! fiscal chain only holds the pseudonymous id; the customer document
//! loses its personal fields, keeps its id and purchase totals, and the
//! erasure goes out to the tills as a `customer` change with
//! `erased: true`, the shape `customer_erased` events already produce),
//! retention (customers inactive for a period are anonymised; `now` comes
//! in) and the personal-data access log.

use super::model::{AccessEntry, BackOfficeFailure};
use super::service::at;
use crate::error::{Result, ServerError, SyncError};
use crate::store::Tx;
use crate::wire::ChangeKind;
use crate::{POINTS, STORED_VALUE};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Format tag of an export.
pub const EXPORT_FORMAT: &str = "pos-sync.customer-export/1";
/// Default inactivity before anonymisation: three years.
pub const DEFAULT_RETENTION_DAYS: i64 = 3 * 365;

/// Every event of a store, oldest first.
fn all_events(tx: &mut dyn Tx, store: &str) -> Result<Vec<super::StoredEvent>> {
    tx.bo_events(store, "", "\u{10FFFF}")
}

fn event_json(e: &super::StoredEvent) -> Result<Value> {
    serde_json::from_str(&e.json)
        .map_err(|_| ServerError::from(SyncError::Corrupt { what: "event" }))
}

fn customer_doc(tx: &mut dyn Tx, store: &str, customer: &str) -> Result<Value> {
    let (json, _) = tx
        .document("customer", store, customer)?
        .ok_or(SyncError::NotFound { what: "customer" })?;
    serde_json::from_str(&json)
        .map_err(|_| ServerError::from(SyncError::Corrupt { what: "customer" }))
}

/// Everything the server holds on a customer of a store, as one JSON
/// document: the customer document (profile, consents and their history),
/// purchase history from the synced tickets, the loyalty ledger, the
/// stored-value ledgers of cards they paid with, and their orders.
pub fn export(tx: &mut dyn Tx, store: &str, customer: &str, now: DateTime<Utc>) -> Result<Value> {
    let doc = customer_doc(tx, store, customer)?;
    let mut purchases = Vec::new();
    let mut cards: BTreeSet<String> = BTreeSet::new();
    for e in all_events(tx, store)? {
        if !matches!(e.kind.as_str(), "sale" | "refund" | "exchange") {
            continue;
        }
        let v = event_json(&e)?;
        let ticket = at(&v, "/payload/ticket");
        if at(ticket, "/customer").as_str() != Some(customer) {
            continue;
        }
        for p in at(ticket, "/payments").as_array().into_iter().flatten() {
            let method = at(p, "/method/method").as_str();
            if !matches!(method, Some("gift_card" | "store_credit")) {
                continue;
            }
            // Cards are booked under the code as pos-core normalises it
            // (as typed at the till, `gc-1234 5678` is `GC12345678`).
            if let Some(code) = at(p, "/method/reference")
                .as_str()
                .and_then(|r| pos_core::stored_value::GiftCardCode::new(r).ok())
            {
                cards.insert(code.reveal().to_owned());
            }
        }
        purchases.push(json!({
            "event_id": e.event_id,
            "kind": e.kind,
            "till": e.device,
            "created_at": e.created_at,
            "fiscal": at(&v, "/payload/fiscal"),
            "ticket": ticket,
        }));
    }
    let ledger = |tx: &mut dyn Tx, name: &str, account: &str| -> Result<Value> {
        let entries = tx.bo_ledger_entries(name, store, account)?;
        let balance = tx.ledger_balance(name, store, account)?;
        Ok(json!({
            "account": account,
            "balance": balance.to_string(),
            "movements": entries
                .iter()
                .map(|(id, d)| json!({ "id": id, "delta": d.to_string() }))
                .collect::<Vec<_>>(),
        }))
    };
    let loyalty = ledger(tx, POINTS, customer)?;
    let mut stored_value = Vec::new();
    for c in &cards {
        stored_value.push(ledger(tx, STORED_VALUE, c)?);
    }
    let orders: Vec<Value> = tx
        .bo_orders(store)?
        .into_iter()
        .filter_map(|o| serde_json::from_str::<Value>(&o.json).ok())
        .filter(|o| at(o, "/customer").as_str() == Some(customer))
        .collect();
    Ok(json!({
        "format": EXPORT_FORMAT,
        "generated_at": now.to_rfc3339(),
        "store": store,
        "customer": customer,
        "document": doc,
        "consents": at(&doc, "/consents"),
        "consent_history": at(&doc, "/consent_history"),
        "purchases": purchases,
        "loyalty": loyalty,
        "stored_value": stored_value,
        "orders": orders,
    }))
}

/// Erases a customer's personal data; false if already erased. The
/// document keeps its id, creation time and purchase totals; the fiscal
/// records are untouched (they never held personal data).
pub fn erase(tx: &mut dyn Tx, store: &str, customer: &str, now: DateTime<Utc>) -> Result<bool> {
    let doc = customer_doc(tx, store, customer)?;
    if at(&doc, "/erased").as_bool() == Some(true) {
        return Ok(false);
    }
    let purchases: Vec<Value> = at(&doc, "/purchases")
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            json!({
                "ticket_id": at(p, "/ticket_id"),
                "at": at(p, "/at"),
                "total": at(p, "/total"),
            })
        })
        .collect();
    let kept = json!({
        "id": customer,
        "erased": true,
        "erased_at": now.to_rfc3339(),
        "created_at": at(&doc, "/created_at"),
        "purchases": purchases,
    })
    .to_string();
    tx.put_document("customer", store, customer, &kept, "{}")?;
    tx.add_change(store, ChangeKind::Customer, customer, None, &kept)?;
    crate::retail_queries::erase_in_other_stores(tx, store, customer, &kept)?;
    Ok(true)
}

fn parse_time(v: &Value) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// The last time each customer of a store was seen: their document's
/// creation and purchases, and the synced tickets naming them.
pub fn last_activity(tx: &mut dyn Tx, store: &str) -> Result<BTreeMap<String, DateTime<Utc>>> {
    let mut last: BTreeMap<String, DateTime<Utc>> = BTreeMap::new();
    let mut see = |id: &str, t: DateTime<Utc>| {
        let e = last.entry(id.to_owned()).or_insert(t);
        if t > *e {
            *e = t;
        }
    };
    for (id, json) in tx.bo_documents("customer", store)? {
        let doc: Value =
            serde_json::from_str(&json).map_err(|_| SyncError::Corrupt { what: "customer" })?;
        if let Some(t) = parse_time(at(&doc, "/created_at")) {
            see(&id, t);
        }
        for p in at(&doc, "/purchases").as_array().into_iter().flatten() {
            if let Some(t) = parse_time(at(p, "/at")) {
                see(&id, t);
            }
        }
    }
    for e in all_events(tx, store)? {
        if !matches!(e.kind.as_str(), "sale" | "refund" | "exchange") {
            continue;
        }
        let v = event_json(&e)?;
        if let (Some(c), Some(t)) = (
            at(&v, "/payload/ticket/customer").as_str(),
            parse_time(&Value::String(e.created_at.clone())),
        ) {
            see(c, t);
        }
    }
    Ok(last)
}

/// Anonymises every customer of the retailer's stores not seen since
/// `now - inactive_days`, logging each as an `anonymise` access by
/// `actor`; returns (store, customer) pairs anonymised.
pub fn apply_retention(
    tx: &mut dyn Tx,
    retailer: &str,
    actor: &str,
    inactive_days: i64,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String)>> {
    if tx.bo_retailer(retailer)?.is_none() {
        return Err(BackOfficeFailure::UnknownRetailer.into());
    }
    let cutoff = now
        .checked_sub_signed(chrono::Duration::days(inactive_days.max(1)))
        .ok_or(SyncError::Overflow {
            what: "retention period",
        })?;
    let mut done = Vec::new();
    for store in tx.bo_stores(retailer)? {
        let erased: BTreeSet<String> = tx
            .bo_documents("customer", &store)?
            .into_iter()
            .filter(|(_, j)| {
                serde_json::from_str::<Value>(j)
                    .is_ok_and(|d| at(&d, "/erased").as_bool() == Some(true))
            })
            .map(|(id, _)| id)
            .collect();
        for (customer, seen) in last_activity(tx, &store)? {
            if seen >= cutoff || erased.contains(&customer) {
                continue;
            }
            if tx.document("customer", &store, &customer)?.is_none() {
                continue;
            }
            if erase(tx, &store, &customer, now)? {
                log(tx, retailer, actor, &store, &customer, "anonymise", now)?;
                done.push((store.clone(), customer));
            }
        }
    }
    Ok(done)
}

/// Records one access to a customer's personal data.
pub fn log(
    tx: &mut dyn Tx,
    retailer: &str,
    username: &str,
    store: &str,
    customer: &str,
    action: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.bo_log_access(&AccessEntry {
        at: now.to_rfc3339(),
        retailer: retailer.to_owned(),
        username: username.to_owned(),
        store: store.to_owned(),
        customer: customer.to_owned(),
        action: action.to_owned(),
    })
}
