//! The RGPD right of access across records: the customer, their loyalty
//! account and their orders in one JSON document.

use super::record::{Customer, EXPORT_FORMAT};
use crate::CoreError;
use crate::loyalty::LoyaltyAccount;
use crate::order::Order;
use serde::Serialize;
use serde_json::{Map, Value};

/// Everything held on one person: the customer record, the loyalty account
/// (if it is theirs) and the orders placed under their id (others are
/// skipped), under the same format tag as [`Customer::export`].
pub fn person_export<'a>(
    customer: &Customer,
    loyalty: Option<&LoyaltyAccount>,
    orders: impl IntoIterator<Item = &'a Order>,
) -> Result<Value, CoreError> {
    let mut doc = Map::new();
    doc.insert("format".to_owned(), EXPORT_FORMAT.into());
    doc.insert("customer".to_owned(), to_value(customer)?);
    let own_loyalty = loyalty.filter(|l| l.customer() == customer.id());
    doc.insert(
        "loyalty".to_owned(),
        match own_loyalty {
            Some(l) => to_value(l)?,
            None => Value::Null,
        },
    );
    let mut list = Vec::new();
    for o in orders {
        if o.customer() == Some(customer.id()) {
            list.push(to_value(o)?);
        }
    }
    doc.insert("orders".to_owned(), Value::Array(list));
    Ok(Value::Object(doc))
}

pub(crate) fn to_value(v: &impl Serialize) -> Result<Value, CoreError> {
    serde_json::to_value(v).map_err(|e| CoreError::InvalidJson {
        line: e.line(),
        column: e.column(),
        detail: "customer export".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::PersonalData;
    use crate::ids::{CustomerId, LocationId, OrderId, Sku, TicketId};
    use crate::loyalty::{EarnLine, LoyaltyProgram};
    use crate::order::{OrderChannel, OrderLine, PaymentStatus};
    use crate::{Currency, Money};
    use chrono::DateTime;
    use rust_decimal_macros::dec;

    #[test]
    fn export_gathers_the_persons_records_only() {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let id = CustomerId::new("c-1").unwrap();
        let c = Customer::new(id.clone(), at, PersonalData::default()).unwrap();
        let program = LoyaltyProgram {
            currency: Currency::EUR,
            points_per_unit: dec!(1),
            bonuses: vec![],
            tiers: vec![],
            rewards: vec![],
            point_value: Money::new(dec!(0.01), Currency::EUR),
            expiry_days: None,
            tier_window_days: 365,
        };
        let mut l = LoyaltyAccount::new(id.clone());
        let line = EarnLine {
            sku: Sku::new("X").unwrap(),
            categories: vec![],
            quantity: dec!(1),
            eligible_amount: dec!(12),
        };
        l.earn(&program, TicketId::new("t").unwrap(), at, &[line])
            .unwrap();
        let order = |cid: &str| {
            Order::receive(
                OrderId::new(format!("o-{cid}")).unwrap(),
                OrderChannel::Web,
                Some(CustomerId::new(cid).unwrap()),
                LocationId::new("shop").unwrap(),
                vec![OrderLine {
                    sku: Sku::new("X").unwrap(),
                    label: "x".into(),
                    quantity: dec!(1),
                    amount: Money::new(dec!(3), Currency::EUR),
                }],
                at,
                at,
                PaymentStatus::Unpaid,
            )
            .unwrap()
        };
        let mine = order("c-1");
        let theirs = order("c-2");
        let v = person_export(&c, Some(&l), [&mine, &theirs]).unwrap();
        assert_eq!(v["customer"]["id"], "c-1");
        assert_eq!(v["loyalty"]["lots"][0]["points"], 12);
        assert_eq!(v["orders"].as_array().unwrap().len(), 1);
        assert_eq!(v["orders"][0]["id"], "o-c-1");
        let other = LoyaltyAccount::new(CustomerId::new("c-2").unwrap());
        let v = person_export(&c, Some(&other), []).unwrap();
        assert!(v["loyalty"].is_null());
    }
}
