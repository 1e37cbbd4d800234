//! The negative-stock policy applied at sale time: a shortfall is reported
//! explicitly, never silently oversold.

use super::ledger::StockLedger;
use super::movement::QUANTITY_DECIMALS;
use crate::CoreError;
use crate::ids::{LocationId, Sku};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What to do when a sale asks for more than is available.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NegativeStockPolicy {
    /// Refuse the sale.
    Block,
    /// Let the cashier confirm; the shortfall is shown.
    #[default]
    Warn,
    /// Sell anyway (made-to-order, services); the shortfall is still reported.
    Allow,
}

/// The policy of each item, with a default for items not listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockPolicies {
    /// For SKUs not in `per_sku`.
    pub default: NegativeStockPolicy,
    /// Item-specific policies.
    pub per_sku: BTreeMap<Sku, NegativeStockPolicy>,
}

impl StockPolicies {
    /// The policy of one SKU.
    pub fn policy(&self, sku: &Sku) -> NegativeStockPolicy {
        self.per_sku.get(sku).copied().unwrap_or(self.default)
    }
}

/// A quantity a sale takes from a location (returns are negative and add
/// nothing to what is asked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    /// The item.
    pub sku: Sku,
    /// Where it is taken from.
    pub location: LocationId,
    /// Quantity sold (positive), at most 3 decimals.
    pub quantity: Decimal,
}

/// More asked than available for one (SKU, location), after summing the
/// lines of the sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shortfall {
    /// The item.
    pub sku: Sku,
    /// The location.
    pub location: LocationId,
    /// Available now (on hand minus reserved; may be negative).
    pub available: Decimal,
    /// Total asked by the sale.
    pub requested: Decimal,
    /// The item's policy.
    pub policy: NegativeStockPolicy,
}

impl Shortfall {
    /// The missing quantity (requested minus available).
    pub fn missing(&self) -> Result<Decimal, CoreError> {
        self.requested
            .checked_sub(self.available)
            .ok_or(CoreError::Overflow)
    }

    /// The same shortfall as a typed error (for callers that refuse).
    pub fn to_error(&self) -> CoreError {
        CoreError::InsufficientStock {
            sku: self.sku.to_string(),
            location: self.location.to_string(),
            available: self.available.to_string(),
            requested: self.requested.to_string(),
        }
    }
}

/// The overall answer of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockVerdict {
    /// Everything is available, or every shortfall is on an `Allow` item.
    Ok,
    /// At least one shortfall on a `Warn` item and none on a `Block` item.
    Warn,
    /// At least one shortfall on a `Block` item: the sale must not go through.
    Block,
}

/// The result of [`check_sale`]: every shortfall, sorted by SKU and location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockCheck {
    /// Every (SKU, location) where the sale asks more than is available,
    /// whatever the policy.
    pub shortfalls: Vec<Shortfall>,
}

impl StockCheck {
    /// The strictest policy among the shortfalls.
    pub fn verdict(&self) -> StockVerdict {
        self.shortfalls
            .iter()
            .map(|s| match s.policy {
                NegativeStockPolicy::Block => StockVerdict::Block,
                NegativeStockPolicy::Warn => StockVerdict::Warn,
                NegativeStockPolicy::Allow => StockVerdict::Ok,
            })
            .max()
            .unwrap_or(StockVerdict::Ok)
    }

    /// The first blocking shortfall as an error, if any.
    pub fn blocking_error(&self) -> Option<CoreError> {
        self.shortfalls
            .iter()
            .find(|s| s.policy == NegativeStockPolicy::Block)
            .map(Shortfall::to_error)
    }
}

/// Checks a sale against the levels and each item's policy. Lines of the same
/// SKU and location are summed. A line with a zero quantity or more than 3
/// decimals is an error; negative (return) lines ask for nothing.
pub fn check_sale(
    ledger: &StockLedger,
    lines: &[SaleLine],
    policies: &StockPolicies,
) -> Result<StockCheck, CoreError> {
    let mut asked: BTreeMap<(&Sku, &LocationId), Decimal> = BTreeMap::new();
    for line in lines {
        if line.quantity.is_zero() || line.quantity.normalize().scale() > QUANTITY_DECIMALS {
            return Err(CoreError::InvalidStockQuantity {
                movement: "sale",
                quantity: line.quantity.to_string(),
            });
        }
        if line.quantity.is_sign_negative() {
            continue;
        }
        let total = asked.entry((&line.sku, &line.location)).or_default();
        *total = total
            .checked_add(line.quantity)
            .ok_or(CoreError::Overflow)?;
    }
    let mut shortfalls = Vec::new();
    for ((sku, location), requested) in asked {
        let available = ledger.level(sku, location).available()?;
        if requested > available {
            shortfalls.push(Shortfall {
                sku: sku.clone(),
                location: location.clone(),
                available,
                requested: requested.normalize(),
                policy: policies.policy(sku),
            });
        }
    }
    Ok(StockCheck { shortfalls })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{MovementId, OperatorId};
    use crate::stock::{MovementContext, MovementReason, StockMovement};
    use chrono::DateTime;
    use rust_decimal_macros::dec;

    fn ledger_with(sku: &str, on_hand: Decimal) -> StockLedger {
        let mut l = StockLedger::new();
        let m = StockMovement::new(
            MovementId::new("r1").unwrap(),
            MovementReason::Receipt,
            Sku::new(sku).unwrap(),
            LocationId::new("shop").unwrap(),
            on_hand,
            &MovementContext {
                operator: OperatorId::new("op").unwrap(),
                at: DateTime::from_timestamp(0, 0).unwrap(),
                reference: None,
            },
        )
        .unwrap();
        l.apply(&m).unwrap();
        l
    }

    fn line(sku: &str, q: Decimal) -> SaleLine {
        SaleLine {
            sku: Sku::new(sku).unwrap(),
            location: LocationId::new("shop").unwrap(),
            quantity: q,
        }
    }

    #[test]
    fn lines_are_summed_and_shortfall_is_explicit() {
        let l = ledger_with("A", dec!(3));
        let mut p = StockPolicies::default();
        p.per_sku
            .insert(Sku::new("A").unwrap(), NegativeStockPolicy::Block);
        let c = check_sale(&l, &[line("A", dec!(2)), line("A", dec!(2))], &p).unwrap();
        assert_eq!(c.verdict(), StockVerdict::Block);
        assert_eq!(c.shortfalls.len(), 1);
        assert_eq!(c.shortfalls[0].available, dec!(3));
        assert_eq!(c.shortfalls[0].requested, dec!(4));
        assert_eq!(c.shortfalls[0].missing().unwrap(), dec!(1));
        assert_eq!(c.blocking_error().unwrap().kind(), "insufficient_stock");
        let ok = check_sale(&l, &[line("A", dec!(3))], &p).unwrap();
        assert_eq!(ok.verdict(), StockVerdict::Ok);
        assert!(ok.shortfalls.is_empty());
    }

    #[test]
    fn policies_grade_the_verdict() {
        let l = StockLedger::new();
        let mut p = StockPolicies {
            default: NegativeStockPolicy::Allow,
            per_sku: BTreeMap::new(),
        };
        let c = check_sale(&l, &[line("X", dec!(1))], &p).unwrap();
        assert_eq!(c.verdict(), StockVerdict::Ok);
        assert_eq!(c.shortfalls.len(), 1, "reported even when allowed");
        p.per_sku
            .insert(Sku::new("Y").unwrap(), NegativeStockPolicy::Warn);
        let c = check_sale(&l, &[line("X", dec!(1)), line("Y", dec!(0.5))], &p).unwrap();
        assert_eq!(c.verdict(), StockVerdict::Warn);
        assert!(c.blocking_error().is_none());
    }

    #[test]
    fn returns_ask_nothing_and_bad_quantities_are_refused() {
        let l = StockLedger::new();
        let p = StockPolicies::default();
        let c = check_sale(&l, &[line("A", dec!(-1))], &p).unwrap();
        assert!(c.shortfalls.is_empty());
        assert!(check_sale(&l, &[line("A", dec!(0))], &p).is_err());
        assert!(check_sale(&l, &[line("A", dec!(0.0001))], &p).is_err());
    }
}
