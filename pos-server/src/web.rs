//! The web shop's side: available stock, web and click & collect orders
//! that reserve stock, and their state changes. Orders reserve inside the
//! same transaction that reads availability, so two buyers (or a buyer and
//! a till asking online) cannot both get the last item.

use super::store::{StoredOrder, Tx};
use crate::error::{Result, ServerError, SyncError};
use crate::wire::ChangeKind;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One line of a web order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebOrderLine {
    /// The item.
    pub sku: String,
    /// Quantity (positive, at most 3 decimals).
    pub quantity: Decimal,
}

/// A web or click & collect order as the web shop sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebOrder {
    /// The shop's id for it (idempotency key).
    pub id: String,
    /// `web` (shipped) or `click_collect` (picked up at the store).
    pub channel: String,
    /// Where the stock is reserved (and picked up).
    pub location: String,
    /// Lines.
    pub lines: Vec<WebOrderLine>,
    /// Pickup time for click & collect (RFC 3339).
    #[serde(default)]
    pub pickup_at: Option<String>,
}

/// Available stock: on hand minus reserved.
pub fn available(
    tx: &mut dyn Tx,
    store: &str,
    sku: &str,
    location: &str,
) -> Result<(Decimal, Decimal, Decimal)> {
    let (on_hand, reserved) = tx.stock_level(store, sku, location)?;
    let avail = on_hand.checked_sub(reserved).ok_or(SyncError::Overflow {
        what: "available stock",
    })?;
    Ok((on_hand, reserved, avail))
}

fn check(o: &WebOrder) -> Result<()> {
    let bad = |rule| {
        ServerError::from(SyncError::Invalid {
            message: "web order",
            rule,
        })
    };
    if o.id.is_empty() || o.id.len() > 128 {
        return Err(bad("id is 1 to 128 characters"));
    }
    if o.channel != "web" && o.channel != "click_collect" {
        return Err(bad("channel is `web` or `click_collect`"));
    }
    if o.lines.is_empty() || o.lines.len() > 500 {
        return Err(bad("1 to 500 lines"));
    }
    for l in &o.lines {
        if l.quantity <= Decimal::ZERO || l.quantity.scale() > 3 || l.sku.is_empty() {
            return Err(bad("quantities are positive with at most 3 decimals"));
        }
    }
    Ok(())
}

/// Creates an order and reserves its stock, all or nothing. Creating the
/// same order id again returns the stored one (idempotent).
pub fn create_order(tx: &mut dyn Tx, store: &str, o: &WebOrder) -> Result<StoredOrder> {
    check(o)?;
    if let Some(existing) = tx.order(store, &o.id)? {
        return Ok(existing);
    }
    for l in &o.lines {
        let (on_hand, reserved, avail) = available(tx, store, &l.sku, &o.location)?;
        if l.quantity > avail {
            return Err(ServerError::from(SyncError::InsufficientStock {
                sku: l.sku.clone(),
                available: avail,
                requested: l.quantity,
            }));
        }
        let reserved = reserved
            .checked_add(l.quantity)
            .ok_or(SyncError::Overflow {
                what: "reservation",
            })?;
        tx.set_stock_level(store, &l.sku, &o.location, on_hand, reserved)?;
    }
    let mut doc = serde_json::to_value(o).map_err(|_| SyncError::Corrupt { what: "order" })?;
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("state".into(), "received".into());
    }
    let stored = StoredOrder {
        id: o.id.clone(),
        store: store.to_owned(),
        state: "received".into(),
        json: doc.to_string(),
    };
    tx.put_order(&stored)?;
    tx.append_change(store, ChangeKind::Order, &o.id, None, &stored.json)?;
    Ok(stored)
}

/// Releases an order's reservations (cancelled, collected, refunded).
pub fn release(tx: &mut dyn Tx, o: &StoredOrder) -> Result<()> {
    let order: WebOrder = serde_json::from_str(&o.json)
        .or_else(|_| {
            // The stored document carries `state` too: strip it.
            let mut v: serde_json::Value = serde_json::from_str(&o.json)?;
            if let Some(obj) = v.as_object_mut() {
                obj.remove("state");
            }
            serde_json::from_value(v)
        })
        .map_err(|_| SyncError::Corrupt { what: "order" })?;
    for l in &order.lines {
        let (on_hand, reserved) = tx.stock_level(&o.store, &l.sku, &order.location)?;
        let reserved = reserved
            .checked_sub(l.quantity)
            .ok_or(SyncError::Overflow {
                what: "reservation",
            })?
            .max(Decimal::ZERO);
        tx.set_stock_level(&o.store, &l.sku, &order.location, on_hand, reserved)?;
    }
    Ok(())
}
