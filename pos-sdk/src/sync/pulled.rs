//! One pulled change decoded and checked with pos-core's own types before the
//! till applies it: stock movements validated as pos-core validates them,
//! customer, order and operation ids as pos-core's newtypes, gift-card codes
//! normalised as pos-core does, amounts as money in the till's currency,
//! order states by name, catalogs imported. A change that fails here is never
//! applied: the caller records it and moves on.

use super::skipped::{Skip, SkipReason};
use pos_core::catalog::Catalog;
use pos_core::customer::Customer;
use pos_core::ids::{CustomerId, OperationId, OrderId, TicketId};
use pos_core::money::parse_decimal;
use pos_core::order::OrderStatus;
use pos_core::stock::StockMovement;
use pos_core::stored_value::{GiftCardCode, StoredValueAccount};
use pos_core::{Currency, Money};
use pos_sync::wire::{Change, ChangeKind};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// A pulled change in pos-core's types, ready to apply.
#[derive(Debug)]
pub(crate) enum Pulled {
    /// Nothing to apply: the till's own change coming back, or a card's
    /// issue (already in the balance of the card's document).
    Nothing,
    /// A stock movement from elsewhere.
    Stock(Box<StockMovement>),
    /// A customer erased elsewhere (RGPD).
    Erasure(CustomerId),
    /// A customer's merged document (stored as pulled).
    Customer(CustomerId),
    /// A card issued elsewhere.
    CardAccount(Box<StoredValueAccount>),
    /// A load (positive) or spend (negative) on a card.
    CardMovement {
        code: GiftCardCode,
        op: OperationId,
        delta: Decimal,
    },
    /// Points earned (positive) or spent (negative) elsewhere.
    Points(PointsMovement),
    /// An order and its state.
    Order {
        id: OrderId,
        state: OrderStatus,
        pickup_at: Option<String>,
    },
    /// A new catalog (JSON that pos-core imports).
    Catalog(String),
    /// Lines of a ticket of this store refunded at another till.
    Refund(Box<pos_sync::refunds::RefundedElsewhere>),
    /// An operator made or changed in the back office, checked, with the
    /// back office's revision.
    Operator(
        Box<(
            pos_core::operator::Operator,
            pos_core::operator::PinHash,
            i64,
        )>,
    ),
}

/// A pulled points movement.
#[derive(Debug)]
pub(crate) struct PointsMovement {
    /// Whose account.
    pub(crate) customer: CustomerId,
    /// The feed's movement id as an operation (idempotency).
    pub(crate) op: OperationId,
    /// The lot a gain becomes.
    pub(crate) lot: TicketId,
    /// Signed points.
    pub(crate) delta: i64,
}

fn text<'a>(data: &'a serde_json::Value, field: &str) -> Option<&'a str> {
    data.get(field).and_then(serde_json::Value::as_str)
}

/// Decodes and validates one change for the till `me` keeping `currency`.
pub(crate) fn decode(c: &Change, me: &str, currency: Currency) -> Result<Pulled, Skip> {
    let mine = c.origin.as_deref() == Some(me);
    match c.kind {
        ChangeKind::Stock
        | ChangeKind::Customer
        | ChangeKind::StoredValue
        | ChangeKind::Loyalty
        | ChangeKind::Refund
            if mine =>
        {
            Ok(Pulled::Nothing)
        }
        ChangeKind::Stock => stock(c),
        ChangeKind::Customer => customer(c),
        ChangeKind::StoredValue => stored_value(c, currency),
        ChangeKind::Loyalty => points(c),
        ChangeKind::Order => order(c),
        ChangeKind::Catalog => catalog(c),
        ChangeKind::Refund => crate::register::refund_anywhere::decode_pulled(c)
            .map(|r| Pulled::Refund(Box::new(r)))
            .ok_or_else(|| SkipReason::Undecodable.into()),
        ChangeKind::Operator => operator(c),
    }
}

fn operator(c: &Change) -> Result<Pulled, Skip> {
    let change: pos_sync::operators::OperatorChange =
        serde_json::from_value(c.data.clone()).map_err(|_| SkipReason::Undecodable)?;
    let (operator, hash) = change
        .validate(&c.key)
        .map_err(|e| Skip::because(SkipReason::Refused, e.kind()))?;
    Ok(Pulled::Operator(Box::new((
        operator,
        hash,
        change.revision,
    ))))
}

fn stock(c: &Change) -> Result<Pulled, Skip> {
    let m: StockMovement =
        serde_json::from_value(c.data.clone()).map_err(|_| SkipReason::Undecodable)?;
    m.validate()
        .map_err(|e| Skip::because(SkipReason::InvalidStockMovement, e.kind()))?;
    Ok(Pulled::Stock(Box::new(m)))
}

fn customer(c: &Change) -> Result<Pulled, Skip> {
    let id = CustomerId::new(c.key.as_str()).map_err(|_| SkipReason::InvalidCustomerId);
    if c.data.get("erased").and_then(serde_json::Value::as_bool) == Some(true) {
        return Ok(Pulled::Erasure(id?));
    }
    let doc: Customer =
        serde_json::from_value(c.data.clone()).map_err(|_| SkipReason::Undecodable)?;
    let id = id?;
    if doc.id() != &id {
        return Err(Skip::because(
            SkipReason::InvalidCustomerId,
            "document_of_another_customer",
        ));
    }
    Ok(Pulled::Customer(id))
}

/// A card's code as pos-core normalises it (upper case, spaces and dashes
/// dropped), so the till finds the card it stored.
fn card_code(data: &serde_json::Value) -> Result<GiftCardCode, Skip> {
    let code = text(data, "account").ok_or(SkipReason::InvalidCardCode)?;
    GiftCardCode::new(code).map_err(|_| SkipReason::InvalidCardCode.into())
}

/// A non-zero amount in whole minor units of `currency` (as a string: floats
/// never enter).
fn amount(data: &serde_json::Value, currency: Currency) -> Result<Decimal, Skip> {
    let delta = text(data, "delta").ok_or(SkipReason::InvalidAmount)?;
    let delta = parse_decimal(delta).map_err(|_| SkipReason::InvalidAmount)?;
    if delta.is_zero() {
        return Err(SkipReason::InvalidAmount.into());
    }
    Money::new(delta, currency)
        .to_minor_units()
        .map_err(|e| Skip::because(SkipReason::InvalidAmount, e.kind()))?;
    Ok(delta)
}

fn stored_value(c: &Change, currency: Currency) -> Result<Pulled, Skip> {
    let code = card_code(&c.data)?;
    if let Some(doc) = c.data.get("document") {
        let account: StoredValueAccount =
            serde_json::from_value(doc.clone()).map_err(|_| SkipReason::Undecodable)?;
        if account.code() != &code {
            return Err(Skip::because(
                SkipReason::InvalidCardCode,
                "document_of_another_card",
            ));
        }
        return Ok(Pulled::CardAccount(Box::new(account)));
    }
    if c.key.ends_with("/issue") {
        return Ok(Pulled::Nothing);
    }
    let delta = amount(&c.data, currency)?;
    let op = OperationId::new(&c.key).map_err(|_| SkipReason::InvalidKey)?;
    Ok(Pulled::CardMovement { code, op, delta })
}

fn points(c: &Change) -> Result<Pulled, Skip> {
    let customer = text(&c.data, "account")
        .and_then(|a| CustomerId::new(a).ok())
        .ok_or(SkipReason::InvalidCustomerId)?;
    let delta = text(&c.data, "delta")
        .and_then(|d| parse_decimal(d).ok())
        .filter(|d| d.fract().is_zero())
        .and_then(|d| d.to_i64())
        .ok_or(SkipReason::InvalidPoints)?;
    let op = OperationId::new(&c.key).map_err(|_| SkipReason::InvalidKey)?;
    let lot = TicketId::new(&c.key).map_err(|_| SkipReason::InvalidKey)?;
    Ok(Pulled::Points(PointsMovement {
        customer,
        op,
        lot,
        delta,
    }))
}

fn order(c: &Change) -> Result<Pulled, Skip> {
    let id = OrderId::new(c.key.as_str()).map_err(|_| SkipReason::InvalidOrderId)?;
    if !c.data.is_object() {
        return Err(SkipReason::Undecodable.into());
    }
    let state = text(&c.data, "state")
        .and_then(|s| OrderStatus::ALL.into_iter().find(|k| k.as_str() == s))
        .ok_or(SkipReason::InvalidOrderState)?;
    let pickup_at = match c.data.get("pickup_at") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => {
            Some(s.clone())
        }
        Some(_) => return Err(SkipReason::InvalidPickupTime.into()),
    };
    Ok(Pulled::Order {
        id,
        state,
        pickup_at,
    })
}

fn catalog(c: &Change) -> Result<Pulled, Skip> {
    let json = c
        .data
        .get("catalog")
        .ok_or(SkipReason::InvalidCatalog)?
        .to_string();
    Catalog::from_json(&json).map_err(|e| Skip::because(SkipReason::InvalidCatalog, e.kind()))?;
    Ok(Pulled::Catalog(json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(
        kind: ChangeKind,
        key: &str,
        origin: Option<&str>,
        data: serde_json::Value,
    ) -> Change {
        Change {
            cursor: 1,
            kind,
            key: key.to_owned(),
            origin: origin.map(str::to_owned),
            data,
        }
    }

    /// The code a change is skipped with, or `ok:<what it decodes to>`.
    fn verdict(kind: ChangeKind, key: &str, data: serde_json::Value) -> String {
        match decode(
            &change(kind, key, Some("till-b"), data),
            "till-a",
            Currency::EUR,
        ) {
            Ok(Pulled::Nothing) => "ok:nothing".into(),
            Ok(Pulled::Stock(_)) => "ok:stock".into(),
            Ok(Pulled::Erasure(_)) => "ok:erasure".into(),
            Ok(Pulled::Customer(_)) => "ok:customer".into(),
            Ok(Pulled::CardAccount(_)) => "ok:card_account".into(),
            Ok(Pulled::CardMovement { .. }) => "ok:card_movement".into(),
            Ok(Pulled::Points(_)) => "ok:points".into(),
            Ok(Pulled::Order { .. }) => "ok:order".into(),
            Ok(Pulled::Catalog(_)) => "ok:catalog".into(),
            Ok(Pulled::Refund(_)) => "ok:refund".into(),
            Ok(Pulled::Operator(_)) => "ok:operator".into(),
            Err(skip) => skip.reason.code().into(),
        }
    }

    fn movement(quantity: &str, reason: &str) -> serde_json::Value {
        json!({
            "id": "mv-1", "reason": reason, "sku": "BAG-TRAD", "location": "shop",
            "quantity": quantity, "operator": "bob", "at": "2026-09-01T07:00:00Z",
            "reference": null,
        })
    }

    #[test]
    fn stock_movements_are_checked_as_pos_core_checks_them() {
        use ChangeKind::Stock;
        assert_eq!(verdict(Stock, "mv-1", movement("5", "receipt")), "ok:stock");
        assert_eq!(
            verdict(Stock, "mv-1", movement("1.125", "receipt")),
            "ok:stock"
        );
        assert_eq!(verdict(Stock, "mv-1", movement("-2", "sale")), "ok:stock");
        for (quantity, reason) in [("0", "receipt"), ("1.2345", "receipt"), ("2", "sale")] {
            assert_eq!(
                verdict(Stock, "mv-1", movement(quantity, reason)),
                "invalid_stock_movement",
                "{quantity} {reason}"
            );
        }
        let mut bad_sku = movement("1", "receipt");
        bad_sku["sku"] = json!("");
        assert_eq!(verdict(Stock, "mv-1", bad_sku), "undecodable");
        assert_eq!(verdict(Stock, "mv-1", json!("junk")), "undecodable");
        assert_eq!(
            verdict(Stock, "mv-1", movement("1", "teleport")),
            "undecodable"
        );
    }

    #[test]
    fn the_tills_own_changes_are_not_applied_again() {
        let own = change(ChangeKind::Stock, "mv-1", Some("till-a"), json!("junk"));
        assert!(matches!(
            decode(&own, "till-a", Currency::EUR),
            Ok(Pulled::Nothing)
        ));
        // Orders and catalogs come from the server: always checked.
        let order = change(ChangeKind::Order, "web-1", Some("till-a"), json!("junk"));
        assert!(decode(&order, "till-a", Currency::EUR).is_err());
    }

    #[test]
    fn customers_and_erasures_name_a_valid_customer_id() {
        use ChangeKind::Customer;
        let erased = |id: &str| json!({ "id": id, "erased": true });
        assert_eq!(verdict(Customer, "c-1", erased("c-1")), "ok:erasure");
        let long = "c".repeat(65);
        assert_eq!(
            verdict(Customer, &long, erased(&long)),
            "invalid_customer_id"
        );
        assert_eq!(
            verdict(Customer, "bad\u{7}id", erased("x")),
            "invalid_customer_id"
        );
        assert_eq!(
            verdict(Customer, "c-1", json!({ "id": "c-1" })),
            "undecodable"
        );
        let doc = serde_json::to_value(
            pos_core::customer::Customer::new(
                CustomerId::new("c-1").unwrap(),
                chrono::DateTime::UNIX_EPOCH,
                pos_core::customer::PersonalData::default(),
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(verdict(Customer, "c-1", doc.clone()), "ok:customer");
        assert_eq!(verdict(Customer, "c-2", doc), "invalid_customer_id");
    }

    #[test]
    fn card_changes_carry_a_normalised_code_and_whole_cents() {
        use ChangeKind::StoredValue;
        let card = |account: &str, delta: &str| json!({ "account": account, "delta": delta });
        assert_eq!(
            verdict(StoredValue, "op-1", card("GIFT00007731", "5.00")),
            "ok:card_movement"
        );
        assert_eq!(
            verdict(StoredValue, "op-1", card("gift-0000 7731", "-5")),
            "ok:card_movement"
        );
        assert_eq!(
            verdict(StoredValue, "ev/issue", card("GIFT00007731", "5")),
            "ok:nothing"
        );
        assert_eq!(
            verdict(StoredValue, "op-1", card("x", "5.00")),
            "invalid_card_code"
        );
        assert_eq!(
            verdict(StoredValue, "op-1", json!({ "delta": "5.00" })),
            "invalid_card_code"
        );
        for delta in [
            "0",
            "0.00",
            "5.001",
            "abc",
            "",
            "1e3",
            "79228162514264337593543950335",
        ] {
            assert_eq!(
                verdict(StoredValue, "op-1", card("GIFT00007731", delta)),
                "invalid_amount",
                "{delta}"
            );
        }
        assert_eq!(
            verdict(
                StoredValue,
                "op-1",
                json!({ "account": "GIFT00007731", "delta": 5 })
            ),
            "invalid_amount"
        );
        assert_eq!(
            verdict(StoredValue, &"k".repeat(65), card("GIFT00007731", "5")),
            "invalid_key"
        );
        assert_eq!(
            verdict(
                StoredValue,
                "ev/account",
                json!({ "account": "GIFT00007731", "document": 1 })
            ),
            "undecodable"
        );
    }

    #[test]
    fn points_are_whole_and_name_a_customer() {
        use ChangeKind::Loyalty;
        let points = |account: &str, delta: &str| json!({ "account": account, "delta": delta });
        assert_eq!(verdict(Loyalty, "p-1", points("c-1", "10")), "ok:points");
        assert_eq!(verdict(Loyalty, "p-1", points("c-1", "-3")), "ok:points");
        assert_eq!(
            verdict(Loyalty, "p-1", points("c-1", "1.5")),
            "invalid_points"
        );
        assert_eq!(
            verdict(Loyalty, "p-1", points("c-1", "many")),
            "invalid_points"
        );
        assert_eq!(
            verdict(Loyalty, "p-1", points("", "1")),
            "invalid_customer_id"
        );
    }

    #[test]
    fn orders_have_a_valid_id_state_and_pickup_time() {
        use ChangeKind::Order;
        let ok = json!({ "state": "ready", "pickup_at": "2026-09-01T17:00:00Z" });
        assert_eq!(verdict(Order, "web-1", ok.clone()), "ok:order");
        assert_eq!(
            verdict(Order, "web-1", json!({ "state": "received" })),
            "ok:order"
        );
        assert_eq!(verdict(Order, "", ok), "invalid_order_id");
        assert_eq!(verdict(Order, "web-1", json!("junk")), "undecodable");
        assert_eq!(
            verdict(Order, "web-1", json!({ "state": "Ready" })),
            "invalid_order_state"
        );
        assert_eq!(verdict(Order, "web-1", json!({})), "invalid_order_state");
        assert_eq!(
            verdict(
                Order,
                "web-1",
                json!({ "state": "ready", "pickup_at": "17:00" })
            ),
            "invalid_pickup_time"
        );
    }

    #[test]
    fn catalogs_must_import() {
        use ChangeKind::Catalog;
        let sample: serde_json::Value =
            serde_json::from_str(pos_core::catalog::sample_catalog_json()).unwrap();
        assert_eq!(
            verdict(Catalog, "v2", json!({ "catalog": sample })),
            "ok:catalog"
        );
        assert_eq!(
            verdict(Catalog, "v2", json!({ "catalog": { "products": 5 } })),
            "invalid_catalog"
        );
        assert_eq!(verdict(Catalog, "v2", json!({})), "invalid_catalog");
    }

    #[test]
    fn every_code_is_distinct_and_no_message_is_empty() {
        use SkipReason as R;
        let all = [
            R::Undecodable,
            R::InvalidStockMovement,
            R::InvalidCustomerId,
            R::InvalidCardCode,
            R::InvalidAmount,
            R::InvalidPoints,
            R::InvalidKey,
            R::InvalidOrderId,
            R::InvalidOrderState,
            R::InvalidPickupTime,
            R::InvalidCatalog,
            R::Refused,
            R::StorageRefused,
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(SkipReason::code).collect();
        assert_eq!(codes.len(), all.len());
        assert!(all.iter().all(|r| !r.message().is_empty()));
    }

    #[test]
    fn a_refund_elsewhere_names_a_ticket_and_positive_lines() {
        use ChangeKind::Refund;
        let id = "0190a5f2-7c1e-7abc-8def-0123456789ab";
        let data = |line: u32, q: &str| {
            json!({ "original": id, "refund_ticket": "r", "device": "s/B1",
                    "lines": [{ "line": line, "quantity": q }] })
        };
        assert_eq!(verdict(Refund, "e:1", data(1, "1")), "ok:refund");
        assert_eq!(verdict(Refund, "e:1", data(0, "1")), "undecodable");
        assert_eq!(verdict(Refund, "e:1", data(1, "-1")), "undecodable");
        assert_eq!(verdict(Refund, "e:1", data(1, "0.0001")), "undecodable");
        let mut other = data(1, "1");
        other["original"] = json!("T42");
        assert_eq!(verdict(Refund, "e:1", other), "undecodable");
        let mine = change(Refund, "e:1", Some("till-a"), data(1, "1"));
        assert!(matches!(
            decode(&mine, "till-a", Currency::EUR),
            Ok(Pulled::Nothing)
        ));
    }
}
