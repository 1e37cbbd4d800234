//! Applying one pushed event to the server's state (inside the push's
//! transaction). Ledgers add deltas keyed by movement id (a replay adds
//! nothing), customers merge fields by HLC, orders follow their state
//! machine.

use super::store::{Device, StoredOrder, Tx};
use crate::error::{Result, ServerError, SyncError};
use crate::merge::{LwwFields, order_status, order_transition};
use crate::wire::{ChangeKind, Hlc, WireEvent};
use pos_core::stock::StockMovement;
use pos_core::tender::TenderMethod;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Ledger name of loyalty points.
pub const POINTS: &str = "points";
/// Ledger name of stored value (gift cards, credit).
pub const STORED_VALUE: &str = "stored_value";

fn bad(rule: &'static str) -> ServerError {
    ServerError::from(SyncError::Invalid {
        message: "event payload",
        rule,
    })
}

/// Applies an event's effects. An error leaves the event stored but its
/// effects unapplied; the caller reports it as a rejection.
pub fn apply_event(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    match e.kind.as_str() {
        "sale" | "refund" => apply_sale(tx, dev, e),
        "stock" => apply_movements(tx, dev, &e.payload),
        "customer" => apply_customer(tx, dev, e),
        "customer_erased" => apply_erasure(tx, dev, e),
        "stored_value" => apply_stored_value_account(tx, dev, e),
        "stored_value_load" => apply_stored_value_load(tx, dev, e),
        "loyalty_reward" => apply_loyalty_reward(tx, dev, e),
        "order_state" => apply_order_state(tx, &dev.store, Some(&dev.id), &e.payload),
        // Unknown kinds are kept (stored with the event) for a later version.
        _ => Ok(()),
    }
}

/// The parts of a ticket the server reads (the whole ticket is kept with
/// the event).
#[derive(serde::Deserialize)]
struct TicketView {
    store: String,
    #[serde(default)]
    customer: Option<String>,
    #[serde(default)]
    payments: Vec<TenderView>,
}

#[derive(serde::Deserialize)]
struct TenderView {
    method: TenderMethod,
    applied: pos_core::Money,
}

fn apply_sale(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    let ticket: TicketView = serde_json::from_value(
        e.payload
            .get("ticket")
            .cloned()
            .ok_or(bad("a sale carries its ticket"))?,
    )
    .map_err(|_| bad("a sale carries a valid ticket"))?;
    if ticket.store != dev.store {
        return Err(crate::error::AuthFailure::WrongStore.into());
    }
    apply_movements(tx, dev, &e.payload)?;
    let points = e
        .payload
        .get("loyalty_points")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0);
    if points != 0
        && let Some(c) = &ticket.customer
    {
        let id = format!("{}/points", e.event_id);
        add_ledger(tx, dev, POINTS, &id, c, Decimal::from(points))?;
    }
    for (n, p) in ticket.payments.iter().enumerate() {
        let card = match &p.method {
            TenderMethod::GiftCard { reference } | TenderMethod::StoreCredit { reference } => {
                reference
            }
            _ => continue,
        };
        // A payment spends the card (negative); a refund tender credits it.
        let delta = Decimal::ZERO
            .checked_sub(p.applied.amount())
            .ok_or(SyncError::Overflow {
                what: "stored value",
            })?;
        let id = format!("{}/sv/{n}", e.event_id);
        add_ledger(tx, dev, STORED_VALUE, &id, card.as_str(), delta)?;
    }
    // ---- digital receipts ----
    crate::digital::capture::on_sale(tx, dev, &e.payload)?;
    Ok(())
}

fn add_ledger(
    tx: &mut dyn Tx,
    dev: &Device,
    ledger: &'static str,
    id: &str,
    account: &str,
    delta: Decimal,
) -> Result<()> {
    if tx.defer_ledger(ledger, id, &dev.store, account, delta, Some(&dev.id))? {
        return Ok(());
    }
    if tx.insert_ledger(ledger, id, &dev.store, account, delta)? {
        let kind = if ledger == POINTS {
            ChangeKind::Loyalty
        } else {
            ChangeKind::StoredValue
        };
        let data = serde_json::json!({ "account": account, "delta": delta.to_string() });
        tx.append_change(&dev.store, kind, id, Some(&dev.id), &data.to_string())?;
    }
    Ok(())
}

/// Adds stock movements to the ledger and the levels; returns how many were new.
pub fn add_stock(
    tx: &mut dyn Tx,
    store: &str,
    origin: Option<&str>,
    movements: &[StockMovement],
) -> Result<usize> {
    let mut added = 0usize;
    for m in movements {
        let id = m.id.to_string();
        if !tx.insert_stock_movement(
            &id,
            store,
            m.sku.as_str(),
            m.location.as_str(),
            m.quantity,
            origin,
        )? {
            continue;
        }
        let (on_hand, reserved) = tx.stock_level(store, m.sku.as_str(), m.location.as_str())?;
        let on_hand = on_hand.checked_add(m.quantity).ok_or(SyncError::Overflow {
            what: "stock level",
        })?;
        tx.set_stock_level(
            store,
            m.sku.as_str(),
            m.location.as_str(),
            on_hand,
            reserved,
        )?;
        let data = serde_json::to_string(m).map_err(|_| SyncError::Corrupt { what: "movement" })?;
        tx.append_change(store, ChangeKind::Stock, &id, origin, &data)?;
        added = added.saturating_add(1);
    }
    Ok(added)
}

fn apply_movements(tx: &mut dyn Tx, dev: &Device, payload: &serde_json::Value) -> Result<()> {
    let Some(v) = payload.get("stock_movements") else {
        return Ok(());
    };
    let movements: Vec<StockMovement> =
        serde_json::from_value(v.clone()).map_err(|_| bad("stock movements are well-formed"))?;
    if !tx.defer_stock_movements(&dev.store, Some(&dev.id), &movements)? {
        add_stock(tx, &dev.store, Some(&dev.id), &movements)?;
    }
    Ok(())
}

fn stamps_of(s: &str) -> Result<BTreeMap<String, Hlc>> {
    serde_json::from_str(s).map_err(|_| ServerError::from(SyncError::Corrupt { what: "stamps" }))
}

fn apply_customer(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    let id = e
        .payload
        .get("id")
        .and_then(serde_json::Value::as_str)
        .ok_or(bad("a customer has an id"))?
        .to_owned();
    let mut lww = LwwFields::default();
    if let Some((json, stamps)) = tx.document("customer", &dev.store, &id)? {
        let doc: serde_json::Value =
            serde_json::from_str(&json).map_err(|_| SyncError::Corrupt { what: "customer" })?;
        if doc.get("erased").and_then(serde_json::Value::as_bool) == Some(true) {
            // An erasure (RGPD) is final: later field writes are dropped.
            return Ok(());
        }
        let stamps = stamps_of(&stamps)?;
        if let Some(obj) = doc.as_object() {
            for (k, v) in obj {
                let s = stamps.get(k).cloned().unwrap_or_default();
                lww.fields.insert(k.clone(), (v.clone(), s));
            }
        }
    }
    if lww.merge_object(&e.payload, &e.hlc) {
        let stamps: BTreeMap<&String, &Hlc> = lww.fields.iter().map(|(k, (_, s))| (k, s)).collect();
        let doc = lww.document().to_string();
        let stamps =
            serde_json::to_string(&stamps).map_err(|_| SyncError::Corrupt { what: "stamps" })?;
        tx.put_document("customer", &dev.store, &id, &doc, &stamps)?;
        tx.append_change(&dev.store, ChangeKind::Customer, &id, Some(&dev.id), &doc)?;
    }
    Ok(())
}

fn apply_erasure(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    let id = e
        .payload
        .get("customer")
        .and_then(serde_json::Value::as_str)
        .ok_or(bad("an erasure names the customer"))?;
    let doc = serde_json::json!({ "id": id, "erased": true }).to_string();
    tx.put_document("customer", &dev.store, id, &doc, "{}")?;
    tx.append_change(&dev.store, ChangeKind::Customer, id, Some(&dev.id), &doc)?;
    Ok(())
}

fn apply_stored_value_account(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    let account: pos_core::stored_value::StoredValueAccount =
        serde_json::from_value(e.payload.clone())
            .map_err(|_| bad("a valid stored-value account"))?;
    // The full code keys the ledger (Display masks it).
    let code = account.code().reveal().to_owned();
    let json = e.payload.to_string();
    if tx.document("stored_value", &dev.store, &code)?.is_none() {
        tx.put_document("stored_value", &dev.store, &code, &json, "{}")?;
        // Other tills create the card from its document (the issue's
        // ledger delta follows; they skip it).
        let data = serde_json::json!({ "account": code, "document": e.payload });
        tx.append_change(
            &dev.store,
            ChangeKind::StoredValue,
            &format!("{}/account", e.event_id),
            Some(&dev.id),
            &data.to_string(),
        )?;
        // The issue is the account's first movement.
        let id = format!("{}/issue", e.event_id);
        add_ledger(
            tx,
            dev,
            STORED_VALUE,
            &id,
            &code,
            account.balance().amount(),
        )?;
    }
    Ok(())
}

/// A load of a gift card or store credit made at a till: adds to its ledger.
fn apply_stored_value_load(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Load {
        code: String,
        amount: pos_core::Money,
    }
    let load: Load = serde_json::from_value(e.payload.clone())
        .map_err(|_| bad("a load names the card and the amount"))?;
    if load.amount.is_negative() {
        return Err(bad("a load adds a positive amount"));
    }
    let id = format!("{}/load", e.event_id);
    add_ledger(tx, dev, STORED_VALUE, &id, &load.code, load.amount.amount())
}

/// Points burned for a loyalty reward at a till: takes them off the ledger.
fn apply_loyalty_reward(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    let customer = e
        .payload
        .get("customer")
        .and_then(serde_json::Value::as_str)
        .ok_or(bad("a reward names the customer"))?;
    let points = e
        .payload
        .get("points")
        .and_then(serde_json::Value::as_i64)
        .filter(|p| *p >= 0)
        .ok_or(bad("a reward costs zero or more points"))?;
    let id = format!("{}/reward", e.event_id);
    add_ledger(
        tx,
        dev,
        POINTS,
        &id,
        customer,
        Decimal::from(
            points
                .checked_neg()
                .ok_or(SyncError::Overflow { what: "points" })?,
        ),
    )
}

/// Moves an order to a new state under its state machine, releasing its
/// reservations when it leaves the states that hold stock.
pub fn apply_order_state(
    tx: &mut dyn Tx,
    store: &str,
    origin: Option<&str>,
    payload: &serde_json::Value,
) -> Result<()> {
    let id = payload
        .get("order")
        .and_then(serde_json::Value::as_str)
        .ok_or(bad("an order change names the order"))?;
    let to = order_status(
        payload
            .get("state")
            .and_then(serde_json::Value::as_str)
            .ok_or(bad("an order change names the state"))?,
    )?;
    let mut o: StoredOrder = tx
        .order(store, id)?
        .ok_or(SyncError::NotFound { what: "order" })?;
    let from = order_status(&o.state)?;
    if !order_transition(from, to)? {
        return Ok(());
    }
    // A web order reserves from creation until it reaches a final state.
    if !closes(from) && closes(to) {
        super::web::release(tx, &o)?;
    }
    o.state = to.as_str().to_owned();
    let mut doc: serde_json::Value =
        serde_json::from_str(&o.json).map_err(|_| SyncError::Corrupt { what: "order" })?;
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("state".into(), serde_json::Value::String(o.state.clone()));
    }
    o.json = doc.to_string();
    tx.put_order(&o)?;
    tx.append_change(store, ChangeKind::Order, id, origin, &o.json)?;
    Ok(())
}

/// States after which an order holds no stock (picked up, cancelled, refunded).
fn closes(s: pos_core::order::OrderStatus) -> bool {
    use pos_core::order::OrderStatus as O;
    matches!(s, O::Collected | O::Cancelled | O::Refunded)
}
