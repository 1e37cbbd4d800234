//! The web shop's side: available stock, web and click & collect orders
//! that reserve stock, and their state changes. Orders reserve inside the
//! same transaction that reads availability, so two buyers (or a buyer and
//! a till asking online) cannot both get the last item.

use super::store::{StoredOrder, Tx};
use crate::error::{Result, ServerError, SyncError};
use crate::validate::{self, Field};
use crate::wire::ChangeKind;
use chrono::{DateTime, Utc};
use pos_core::ids::{LocationId, Sku};
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
    /// Unit price, tax included, in the shop's currency (`"19.90"`): needed
    /// when the order is paid online, so the back office counts its revenue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Decimal>,
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
    /// Paid on the web shop: its revenue is the web channel's on the day it
    /// is received. An order paid at pickup counts through the till's ticket.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paid_online: bool,
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

/// Checks an order with pos-core's types: ids, location and SKUs as its
/// newtypes (1 to 64 printable characters), quantities as stock quantities,
/// the pickup time as RFC 3339 (from a day before `now` to a year after,
/// when there is a clock).
fn check(o: &WebOrder, now: Option<DateTime<Utc>>) -> Result<()> {
    let bad = |rule| {
        ServerError::from(SyncError::Invalid {
            message: "web order",
            rule,
        })
    };
    validate::order_id(&o.id)?;
    if o.channel != "web" && o.channel != "click_collect" {
        return Err(bad("channel is `web` or `click_collect`"));
    }
    LocationId::new(o.location.as_str())
        .map_err(|_| validate::refuse(Field::Location, "1 to 64 printable characters"))?;
    if o.lines.is_empty() || o.lines.len() > 500 {
        return Err(validate::refuse(Field::OrderLines, "1 to 500 lines"));
    }
    for l in &o.lines {
        Sku::new(l.sku.as_str())
            .map_err(|_| validate::refuse(Field::Sku, "1 to 64 printable characters"))?;
        if l.quantity <= Decimal::ZERO || l.quantity.normalize().scale() > 3 {
            return Err(validate::refuse(
                Field::Quantity,
                "quantities are positive with at most 3 decimals",
            ));
        }
        if l.quantity > Decimal::from(1_000_000) {
            return Err(validate::refuse(
                Field::Quantity,
                "at most 1 000 000 per line",
            ));
        }
    }
    if let Some(p) = &o.pickup_at {
        validate::pickup_at(p, now)?;
    }
    crate::web_sales::check_prices(o)?;
    Ok(())
}

/// Creates an order and reserves its stock, all or nothing. Creating the
/// same order id again returns the stored one (idempotent). `now` (the
/// request's time) bounds the pickup time.
pub fn create_order(
    tx: &mut dyn Tx,
    store: &str,
    o: &WebOrder,
    now: Option<DateTime<Utc>>,
) -> Result<StoredOrder> {
    check(o, now)?;
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
        let reserved = reserved.checked_add(l.quantity).ok_or(validate::refuse(
            Field::Quantity,
            "the reservation stays within range",
        ))?;
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
    if o.paid_online {
        crate::web_sales::record(tx, store, o, now)?;
    }
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
