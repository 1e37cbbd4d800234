//! Every change a till or the web shop sends is decoded into pos-core's own
//! types and checked by pos-core's own rules BEFORE anything is stored or
//! fanned out to other tills: a till that pulls it must be able to apply it
//! (see pos-sdk's `sync/pulled.rs`, which runs the same checks on the till).
//! A refusal is a [`Refusal`] that names the field and the rule; its code
//! (`invalid_<field>`) is what a push lists in its per-event `rejections`.

use crate::error::{Result, ServerError};
use chrono::{DateTime, Utc};
use pos_core::Money;
use pos_core::ids::{CustomerId, LocationId, MovementId, OperationId, OperatorId, OrderId, Sku};
use pos_core::stock::{MovementReason, StockMovement};
use pos_core::stored_value::GiftCardCode;
use rust_decimal::Decimal;

/// The field a refused change got wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// The event id (too long to key its effects).
    EventId,
    /// A stock movement's id.
    MovementId,
    /// A stock movement's reason.
    Reason,
    /// An item (SKU).
    Sku,
    /// A stock location.
    Location,
    /// A stock quantity (non-zero, at most 3 decimals, the reason's sign).
    Quantity,
    /// The operator of a movement.
    Operator,
    /// A date (a movement's time, a pickup time).
    Date,
    /// A movement's reference text.
    Reference,
    /// A stock movement as a whole (does not decode as pos-core's).
    Movement,
    /// A customer id.
    Customer,
    /// A customer document.
    CustomerDocument,
    /// A gift-card or store-credit code.
    CardCode,
    /// A money amount.
    Amount,
    /// Loyalty points.
    Points,
    /// An order id.
    OrderId,
    /// An order's lines.
    OrderLines,
    /// A pickup time.
    PickupAt,
    /// A store id.
    Store,
    /// A transfer id.
    TransferId,
    /// A catalog document.
    Catalog,
}

impl Field {
    /// The field's name, as in the request.
    pub fn name(self) -> &'static str {
        match self {
            Field::EventId => "event_id",
            Field::MovementId => "movement id",
            Field::Reason => "reason",
            Field::Sku => "sku",
            Field::Location => "location",
            Field::Quantity => "quantity",
            Field::Operator => "operator",
            Field::Date => "date",
            Field::Reference => "reference",
            Field::Movement => "stock movement",
            Field::Customer => "customer id",
            Field::CustomerDocument => "customer document",
            Field::CardCode => "card code",
            Field::Amount => "amount",
            Field::Points => "points",
            Field::OrderId => "order id",
            Field::OrderLines => "order lines",
            Field::PickupAt => "pickup_at",
            Field::Store => "store",
            Field::TransferId => "transfer id",
            Field::Catalog => "catalog",
        }
    }

    /// The stable error code naming the field.
    pub fn code(self) -> &'static str {
        match self {
            Field::EventId => "invalid_event_id",
            Field::MovementId => "invalid_movement_id",
            Field::Reason => "invalid_reason",
            Field::Sku => "invalid_sku",
            Field::Location => "invalid_location",
            Field::Quantity => "invalid_quantity",
            Field::Operator => "invalid_operator",
            Field::Date => "invalid_date",
            Field::Reference => "invalid_reference",
            Field::Movement => "invalid_movement",
            Field::Customer => "invalid_customer_id",
            Field::CustomerDocument => "invalid_customer",
            Field::CardCode => "invalid_card_code",
            Field::Amount => "invalid_amount",
            Field::Points => "invalid_points",
            Field::OrderId => "invalid_order_id",
            Field::OrderLines => "invalid_order_lines",
            Field::PickupAt => "invalid_pickup_at",
            Field::Store => "invalid_store",
            Field::TransferId => "invalid_transfer_id",
            Field::Catalog => "invalid_catalog",
        }
    }
}

/// A change or request refused by a rule of pos-core's types (HTTP 400).
/// The message names the field, never its value (it may be personal data
/// or a card code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid {}: {rule}", field.name())]
pub struct Refusal {
    /// The field.
    pub field: Field,
    /// The rule it breaks.
    pub rule: &'static str,
}

/// A refusal as the server's error.
pub fn refuse(field: Field, rule: &'static str) -> ServerError {
    ServerError::from(Refusal { field, rule })
}

/// Largest quantity one movement may move (a sanity bound far above any
/// real delivery, so levels cannot overflow).
const MAX_QUANTITY: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

/// Earliest and latest plausible business dates.
fn date_in_range(at: DateTime<Utc>) -> bool {
    use chrono::Datelike;
    (2000..=2100).contains(&at.year())
}

fn text<'a>(v: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(serde_json::Value::as_str)
}

/// One stock movement decoded and validated as pos-core does (ids, reason,
/// quantity with its sign and at most 3 decimals, reference, date).
pub fn movement(v: &serde_json::Value) -> Result<StockMovement> {
    if !v.is_object() {
        return Err(refuse(Field::Movement, "a movement is an object"));
    }
    let id_rule = "1 to 64 printable characters";
    text(v, "id")
        .and_then(|s| MovementId::new(s).ok())
        .ok_or(refuse(Field::MovementId, id_rule))?;
    text(v, "reason")
        .filter(|r| MovementReason::ALL.iter().any(|k| k.as_str() == *r))
        .ok_or(refuse(Field::Reason, "one of pos-core's movement reasons"))?;
    text(v, "sku")
        .and_then(|s| Sku::new(s).ok())
        .ok_or(refuse(Field::Sku, id_rule))?;
    text(v, "location")
        .and_then(|s| LocationId::new(s).ok())
        .ok_or(refuse(Field::Location, id_rule))?;
    text(v, "operator")
        .and_then(|s| OperatorId::new(s).ok())
        .ok_or(refuse(Field::Operator, id_rule))?;
    let at_rule = "an RFC 3339 time between the years 2000 and 2100";
    text(v, "at")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .filter(|at| date_in_range(at.with_timezone(&Utc)))
        .ok_or(refuse(Field::Date, at_rule))?;
    let q_rule = "a non-zero decimal string with at most 3 decimals and the sign of its reason";
    text(v, "quantity")
        .and_then(|q| pos_core::money::parse_decimal(q).ok())
        .ok_or(refuse(Field::Quantity, q_rule))?;
    let m: StockMovement = serde_json::from_value(v.clone()).map_err(|_| {
        refuse(
            Field::Movement,
            "decodes as pos-core's stock movement (no unknown shape)",
        )
    })?;
    check_movement(&m)?;
    Ok(m)
}

/// pos-core's validation of a typed movement, with its field named.
pub fn check_movement(m: &StockMovement) -> Result<()> {
    let q_rule = "a non-zero decimal with at most 3 decimals and the sign of its reason";
    m.validate().map_err(|e| match e {
        pos_core::CoreError::InvalidStockQuantity { .. } => refuse(Field::Quantity, q_rule),
        _ => refuse(
            Field::Reference,
            "1 to 64 characters without control characters",
        ),
    })?;
    if m.quantity.abs() > MAX_QUANTITY {
        return Err(refuse(
            Field::Quantity,
            "at most 1 000 000 000 per movement",
        ));
    }
    if !date_in_range(m.at) {
        return Err(refuse(
            Field::Date,
            "a movement's time is between the years 2000 and 2100",
        ));
    }
    Ok(())
}

/// A list of movements (a JSON array), each validated.
pub fn movements(v: &serde_json::Value) -> Result<Vec<StockMovement>> {
    let list = v
        .as_array()
        .ok_or(refuse(Field::Movement, "stock movements are a list"))?;
    list.iter().map(movement).collect()
}

/// A customer id as pos-core's newtype.
pub fn customer_id(s: &str) -> Result<CustomerId> {
    CustomerId::new(s).map_err(|_| {
        refuse(
            Field::Customer,
            "1 to 64 printable characters, no surrounding spaces",
        )
    })
}

/// A gift-card or store-credit code normalised ONCE, as pos-core does
/// (upper case, spaces and dashes dropped, 8 to 32 letters and digits).
pub fn card_code(s: &str) -> Result<GiftCardCode> {
    GiftCardCode::new(s).map_err(|_| {
        refuse(
            Field::CardCode,
            "8 to 32 letters and digits (spaces and dashes ignored)",
        )
    })
}

/// A positive amount in whole minor units of its currency.
pub fn positive_amount(m: &Money) -> Result<Money> {
    let rule = "positive, in whole minor units of its currency";
    if m.is_negative() || m.is_zero() {
        return Err(refuse(Field::Amount, rule));
    }
    m.to_minor_units()
        .map_err(|_| refuse(Field::Amount, rule))?;
    Ok(*m)
}

/// An amount of either sign in whole minor units of its currency.
pub fn money_scale(m: &Money) -> Result<Money> {
    m.to_minor_units()
        .map_err(|_| refuse(Field::Amount, "in whole minor units of its currency"))?;
    Ok(*m)
}

/// An order id as pos-core's newtype.
pub fn order_id(s: &str) -> Result<OrderId> {
    OrderId::new(s).map_err(|_| {
        refuse(
            Field::OrderId,
            "1 to 64 printable characters, no surrounding spaces",
        )
    })
}

/// The feed key of an effect of event `event_id` (`<event id>/<suffix>`):
/// tills key the operation by it, so it must be a valid operation id.
pub fn effect_key(event_id: &str, suffix: &str) -> Result<String> {
    let key = format!("{event_id}/{suffix}");
    OperationId::new(key.as_str()).map_err(|_| {
        refuse(
            Field::EventId,
            "an event id leaves room for its effects' keys (64 characters in all)",
        )
    })?;
    Ok(key)
}

/// A pickup time: RFC 3339 between the years 2000 and 2100, and with a
/// clock (`now`), from a day before it to a year after.
pub fn pickup_at(s: &str, now: Option<DateTime<Utc>>) -> Result<DateTime<Utc>> {
    let rule = "an RFC 3339 time from a day before now to a year after";
    let at = DateTime::parse_from_rfc3339(s)
        .map_err(|_| refuse(Field::PickupAt, rule))?
        .with_timezone(&Utc);
    if !date_in_range(at) {
        return Err(refuse(Field::PickupAt, rule));
    }
    let Some(now) = now else {
        return Ok(at);
    };
    let early = now.checked_sub_signed(chrono::TimeDelta::days(1));
    let late = now.checked_add_signed(chrono::TimeDelta::days(366));
    match (early, late) {
        (Some(a), Some(b)) if at >= a && at <= b => Ok(at),
        _ => Err(refuse(Field::PickupAt, rule)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mv(quantity: &str, reason: &str) -> serde_json::Value {
        json!({"id": "m-1", "reason": reason, "sku": "A", "location": "shop",
               "quantity": quantity, "operator": "op", "at": "2026-01-01T10:00:00Z",
               "reference": null})
    }

    fn code_of(r: Result<StockMovement>) -> &'static str {
        match r {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn movements_follow_pos_core() {
        assert_eq!(code_of(movement(&mv("5", "receipt"))), "ok");
        assert_eq!(code_of(movement(&mv("0", "loss"))), "invalid_quantity");
        assert_eq!(
            code_of(movement(&mv("1.0005", "receipt"))),
            "invalid_quantity"
        );
        assert_eq!(code_of(movement(&mv("-2", "receipt"))), "invalid_quantity");
        assert_eq!(code_of(movement(&mv("2", "reservation"))), "ok");
        assert_eq!(code_of(movement(&mv("2", "stolen"))), "invalid_reason");
        let mut long = mv("1", "receipt");
        long["id"] = json!("x".repeat(65));
        assert_eq!(code_of(movement(&long)), "invalid_movement_id");
        let mut old = mv("1", "receipt");
        old["at"] = json!("1970-01-01T00:00:00Z");
        assert_eq!(code_of(movement(&old)), "invalid_date");
        assert_eq!(
            code_of(movement(&mv("2000000000", "receipt"))),
            "invalid_quantity"
        );
    }

    #[test]
    fn codes_are_normalised_once_and_amounts_checked() {
        assert_eq!(card_code("gc-4410 9921").unwrap().reveal(), "GC44109921");
        assert_eq!(card_code("x").unwrap_err().code(), "invalid_card_code");
        let eur = pos_core::Currency::EUR;
        let m = |s: &str| Money::parse(s, eur).unwrap();
        assert!(positive_amount(&m("10.00")).is_ok());
        assert_eq!(
            positive_amount(&m("-10")).unwrap_err().code(),
            "invalid_amount"
        );
        assert_eq!(
            positive_amount(&m("1.005")).unwrap_err().code(),
            "invalid_amount"
        );
        assert_eq!(customer_id(" c").unwrap_err().code(), "invalid_customer_id");
        assert!(effect_key(&"e".repeat(60), "points").is_err());
        let now = chrono::DateTime::from_timestamp(1_767_261_600, 0).unwrap();
        assert!(pickup_at("2026-01-02T10:00:00+01:00", Some(now)).is_ok());
        assert!(pickup_at("2025-01-02T10:00:00+01:00", Some(now)).is_err());
        assert!(pickup_at("2025-01-02T10:00:00+01:00", None).is_ok());
        assert!(pickup_at("tomorrow", None).is_err());
        assert!(pickup_at("9999-01-01T00:00:00Z", None).is_err());
    }
}
