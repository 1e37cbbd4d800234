//! Applying one pushed event to the server's state (inside the push's
//! transaction). Ledgers add deltas keyed by movement id (a replay adds
//! nothing), customers merge fields by HLC, orders follow their state
//! machine.

use super::store::{Device, StoredOrder, Tx};
use crate::error::{Result, ServerError, SyncError};
use crate::merge::{LwwFields, order_status, order_transition};
use crate::validate::{self, Field};
use crate::wire::{ChangeKind, Hlc, WireEvent};
use pos_core::ids::CustomerId;
use pos_core::stock::StockMovement;
use pos_core::stored_value::GiftCardCode;
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

/// Applies an event's effects. Every part of the event is decoded into
/// pos-core's types and checked FIRST (see [`crate::validate`]); only then
/// is anything written, so a refused event leaves no effect and reaches no
/// other till's feed. An error leaves the event stored but its effects
/// unapplied; the caller reports it as a rejection.
pub fn apply_event(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    match e.kind.as_str() {
        "sale" | "refund" | "exchange" => {
            let sale = check_sale(dev, e)?;
            write_sale(tx, dev, sale)?;
            crate::refunds::on_ticket(tx, dev, e)
        }
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

/// A sale's effects, checked and ready to write.
struct CheckedSale {
    movements: Vec<StockMovement>,
    /// (key, customer, points).
    points: Option<(String, CustomerId, i64)>,
    /// (key, card, delta).
    cards: Vec<(String, GiftCardCode, Decimal)>,
    receipt: Option<crate::digital::StoredReceipt>,
}

fn check_sale(dev: &Device, e: &WireEvent) -> Result<CheckedSale> {
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
    let customer = ticket
        .customer
        .as_deref()
        .map(validate::customer_id)
        .transpose()?;
    let movements = match e.payload.get("stock_movements") {
        Some(v) => validate::movements(v)?,
        None => Vec::new(),
    };
    let points = match e.payload.get("loyalty_points") {
        None | Some(serde_json::Value::Null) => 0,
        Some(v) => v
            .as_i64()
            .ok_or(validate::refuse(Field::Points, "a whole number of points"))?,
    };
    let points = match (points, customer) {
        (0, _) => None,
        (p, Some(c)) => Some((validate::effect_key(&e.event_id, "points")?, c, p)),
        (_, None) => {
            return Err(validate::refuse(
                Field::Customer,
                "points are earned by a customer",
            ));
        }
    };
    let mut cards = Vec::new();
    for (n, p) in ticket.payments.iter().enumerate() {
        let card = match &p.method {
            TenderMethod::GiftCard { reference } | TenderMethod::StoreCredit { reference } => {
                validate::card_code(reference)?
            }
            _ => continue,
        };
        validate::money_scale(&p.applied)?;
        if p.applied.is_zero() {
            continue;
        }
        // A payment spends the card (negative); a refund tender credits it.
        let delta = p.applied.negated().amount();
        cards.push((
            validate::effect_key(&e.event_id, &format!("sv/{n}"))?,
            card,
            delta,
        ));
    }
    let receipt = crate::digital::capture::check(dev, &e.payload)?;
    Ok(CheckedSale {
        movements,
        points,
        cards,
        receipt,
    })
}

fn write_sale(tx: &mut dyn Tx, dev: &Device, s: CheckedSale) -> Result<()> {
    write_movements(tx, dev, &s.movements)?;
    if let Some((key, customer, points)) = &s.points {
        add_ledger(
            tx,
            dev,
            POINTS,
            key,
            customer.as_str(),
            Decimal::from(*points),
        )?;
    }
    for (key, card, delta) in &s.cards {
        // The normalised code keys the ledger, as the card's issue does.
        add_ledger(tx, dev, STORED_VALUE, key, card.reveal(), *delta)?;
    }
    // ---- digital receipts ----
    if let Some(r) = &s.receipt {
        crate::digital::capture::keep(tx, r)?;
    }
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

/// The level after one movement, by pos-core's effect of its reason (a
/// reservation moves `reserved`, not on hand); reserved never goes below
/// zero.
fn level_after(level: (Decimal, Decimal), m: &StockMovement) -> Result<(Decimal, Decimal)> {
    let (d_hand, d_reserved) = m.effect();
    let range = || validate::refuse(Field::Quantity, "the stock level stays within range");
    let on_hand = level.0.checked_add(d_hand).ok_or_else(range)?;
    let reserved = level.1.checked_add(d_reserved).ok_or_else(range)?;
    if reserved.is_sign_negative() && !reserved.is_zero() {
        return Err(validate::refuse(
            Field::Quantity,
            "a release or consumption takes at most what is reserved",
        ));
    }
    Ok((on_hand.normalize(), reserved.normalize()))
}

/// Adds stock movements to the ledger and the levels; returns how many were
/// new. Every movement is validated and every resulting level checked
/// before anything is written (all or nothing).
pub fn add_stock(
    tx: &mut dyn Tx,
    store: &str,
    origin: Option<&str>,
    movements: &[StockMovement],
) -> Result<usize> {
    let mut levels: BTreeMap<(&str, &str), (Decimal, Decimal)> = BTreeMap::new();
    for m in movements {
        validate::check_movement(m)?;
        let key = (m.sku.as_str(), m.location.as_str());
        let level = match levels.get(&key) {
            Some(l) => *l,
            None => tx.stock_level(store, key.0, key.1)?,
        };
        levels.insert(key, level_after(level, m)?);
    }
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
        let level = tx.stock_level(store, m.sku.as_str(), m.location.as_str())?;
        let (on_hand, reserved) = level_after(level, m)?;
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
    let movements = validate::movements(v)?;
    write_movements(tx, dev, &movements)
}

/// Writes checked movements: deferred to commit where the back end can,
/// except those that move reservations (their level must be checked now).
fn write_movements(tx: &mut dyn Tx, dev: &Device, movements: &[StockMovement]) -> Result<()> {
    if movements.is_empty() {
        return Ok(());
    }
    let touches_reserved = movements.iter().any(|m| !m.effect().1.is_zero());
    if touches_reserved || !tx.defer_stock_movements(&dev.store, Some(&dev.id), movements)? {
        add_stock(tx, &dev.store, Some(&dev.id), movements)?;
    }
    Ok(())
}

fn stamps_of(s: &str) -> Result<BTreeMap<String, Hlc>> {
    serde_json::from_str(s).map_err(|_| ServerError::from(SyncError::Corrupt { what: "stamps" }))
}

/// A customer document as pos-core reads it, for the customer `id`.
fn check_customer_doc(doc: &serde_json::Value, id: &CustomerId) -> Result<()> {
    let c: pos_core::customer::Customer = serde_json::from_value(doc.clone()).map_err(|_| {
        validate::refuse(
            Field::CustomerDocument,
            "decodes as pos-core's customer record",
        )
    })?;
    if c.id() != id {
        return Err(validate::refuse(
            Field::Customer,
            "the document is the customer's own",
        ));
    }
    Ok(())
}

fn apply_customer(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    let id = validate::customer_id(
        e.payload
            .get("id")
            .and_then(serde_json::Value::as_str)
            .ok_or(validate::refuse(Field::Customer, "a customer has an id"))?,
    )?;
    check_customer_doc(&e.payload, &id)?;
    // Every store of the retailer keeps the customer (chain retail).
    for store in crate::retail_queries::customer_stores(tx, &dev.store)? {
        merge_customer(tx, dev, &store, &id, e)?;
    }
    Ok(())
}

fn merge_customer(
    tx: &mut dyn Tx,
    dev: &Device,
    store: &str,
    id: &CustomerId,
    e: &WireEvent,
) -> Result<()> {
    let mut lww = LwwFields::default();
    if let Some((json, stamps)) = tx.document("customer", store, id.as_str())? {
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
        let merged = lww.document();
        // The merge of two valid records must still be one (else nothing).
        check_customer_doc(&merged, id)?;
        let stamps: BTreeMap<&String, &Hlc> = lww.fields.iter().map(|(k, (_, s))| (k, s)).collect();
        let doc = merged.to_string();
        let stamps =
            serde_json::to_string(&stamps).map_err(|_| SyncError::Corrupt { what: "stamps" })?;
        tx.put_document("customer", store, id.as_str(), &doc, &stamps)?;
        tx.append_change(
            store,
            ChangeKind::Customer,
            id.as_str(),
            Some(&dev.id),
            &doc,
        )?;
    }
    Ok(())
}

fn apply_erasure(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    let id = validate::customer_id(
        e.payload
            .get("customer")
            .and_then(serde_json::Value::as_str)
            .ok_or(validate::refuse(
                Field::Customer,
                "an erasure names the customer",
            ))?,
    )?;
    let id = id.as_str();
    let doc = serde_json::json!({ "id": id, "erased": true }).to_string();
    for store in crate::retail_queries::customer_stores(tx, &dev.store)? {
        tx.put_document("customer", &store, id, &doc, "{}")?;
        tx.append_change(&store, ChangeKind::Customer, id, Some(&dev.id), &doc)?;
    }
    Ok(())
}

fn apply_stored_value_account(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    let account: pos_core::stored_value::StoredValueAccount =
        serde_json::from_value(e.payload.clone())
            .map_err(|_| bad("a valid stored-value account"))?;
    // The code as pos-core normalised it keys the ledger (Display masks it).
    let code = account.code().reveal().to_owned();
    let balance = validate::money_scale(&account.balance())?;
    if balance.is_negative() {
        return Err(validate::refuse(
            Field::Amount,
            "a card is issued with zero or more",
        ));
    }
    let account_key = validate::effect_key(&e.event_id, "account")?;
    let issue_key = validate::effect_key(&e.event_id, "issue")?;
    let json = e.payload.to_string();
    if tx.document("stored_value", &dev.store, &code)?.is_none() {
        tx.put_document("stored_value", &dev.store, &code, &json, "{}")?;
        // Other tills create the card from its document (the issue's
        // ledger delta follows; they skip it).
        let data = serde_json::json!({ "account": code, "document": e.payload });
        tx.append_change(
            &dev.store,
            ChangeKind::StoredValue,
            &account_key,
            Some(&dev.id),
            &data.to_string(),
        )?;
        // The issue is the account's first movement.
        add_ledger(tx, dev, STORED_VALUE, &issue_key, &code, balance.amount())?;
    }
    Ok(())
}

/// A load of a gift card or store credit made at a till: adds to its ledger
/// (under the code as pos-core normalises it, as its issue and payments).
fn apply_stored_value_load(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    #[derive(serde::Deserialize)]
    struct Load {
        code: String,
        amount: pos_core::Money,
    }
    let load: Load = serde_json::from_value(e.payload.clone())
        .map_err(|_| bad("a load names the card and the amount"))?;
    let code = validate::card_code(&load.code)?;
    let amount = validate::positive_amount(&load.amount)?;
    let id = validate::effect_key(&e.event_id, "load")?;
    add_ledger(tx, dev, STORED_VALUE, &id, code.reveal(), amount.amount())
}

/// Points burned for a loyalty reward at a till: takes them off the ledger.
fn apply_loyalty_reward(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    let customer = validate::customer_id(
        e.payload
            .get("customer")
            .and_then(serde_json::Value::as_str)
            .ok_or(validate::refuse(
                Field::Customer,
                "a reward names the customer",
            ))?,
    )?;
    let points = e
        .payload
        .get("points")
        .and_then(serde_json::Value::as_i64)
        .filter(|p| *p >= 0)
        .ok_or(validate::refuse(
            Field::Points,
            "a reward costs a whole number of points, zero or more",
        ))?;
    let id = validate::effect_key(&e.event_id, "reward")?;
    if points == 0 {
        return Ok(());
    }
    add_ledger(
        tx,
        dev,
        POINTS,
        &id,
        customer.as_str(),
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
        .ok_or(validate::refuse(
            Field::OrderId,
            "an order change names the order",
        ))?;
    validate::order_id(id)?;
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
    if matches!(
        to,
        pos_core::order::OrderStatus::Cancelled | pos_core::order::OrderStatus::Refunded
    ) {
        crate::web_sales::void(tx, store, id)?;
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
