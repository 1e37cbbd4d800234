//! Promotion definitions as the back office writes them (serde, JSON).
//!
//! Amounts and percentages are decimals written as strings (`"3.00"`, `"20"`)
//! in the document's currency; never floats. Left-out fields take their
//! defaults (priority 0, automatic, `normal` stacking, no condition):
//!
//! ```json
//! { "id": "VINS-2-ACHETES-1-OFFERT", "name": "Vins : 2 achetés, le 3e offert",
//!   "priority": 30, "stacking": "normal",
//!   "trigger": { "type": "automatic" },
//!   "conditions": { "days": ["Sat"], "hours": { "start": "17:00:00", "end": "19:00:00" },
//!                   "min_spend": "20.00", "customer_groups": ["PRO"] },
//!   "reward": { "type": "buy_x_get_y", "buy": { "categories": ["vins-rouges"] },
//!               "buy_quantity": 2, "get": { "categories": ["vins-rouges"] },
//!               "get_quantity": 1, "percent": "100" } }
//! ```
//!
//! Targets: `"all"`, `{ "skus": [...] }`, `{ "products": [...] }`,
//! `{ "categories": [...] }`. Rewards: `percent_off`, `amount_off`,
//! `buy_x_get_y`, `n_for_price`, `ticket_percent_off`, `ticket_amount_off`,
//! `free_item`. Triggers: `automatic`, `coupon` (`code`, `single_use`).

use crate::ids::{CategoryId, CustomerGroupId, ProductId, PromotionId, Sku};
use chrono::{DateTime, NaiveTime, Utc, Weekday};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One promotion: what it gives, to what, when, and how it combines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    /// Stable identifier (breaks priority ties: lower id first).
    pub id: PromotionId,
    /// Text printed on the receipt under the discounted line ("3 croissants pour 3 €").
    pub name: String,
    /// Lower numbers are applied first.
    #[serde(default)]
    pub priority: u32,
    /// Automatic or triggered by a coupon code.
    #[serde(default)]
    pub trigger: Trigger,
    /// How it combines with the other promotions.
    #[serde(default)]
    pub stacking: Stacking,
    /// When and for whom it is valid.
    #[serde(default)]
    pub conditions: Conditions,
    /// What it gives.
    pub reward: Reward,
}

/// What makes a promotion apply.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", deny_unknown_fields)]
pub enum Trigger {
    /// Applies by itself whenever its conditions hold.
    #[default]
    Automatic,
    /// Applies only when its code was entered (case-insensitive).
    Coupon {
        /// The code printed on the coupon (`BIENVENUE10`).
        code: String,
        /// The code may be used once per customer; the facade enforces it
        /// with its store, the engine only reports the flag.
        #[serde(default)]
        single_use: bool,
    },
}

/// How a promotion combines with others on the same units of quantity.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Stacking {
    /// Consumes the units it uses: no other non-stackable promotion takes them.
    #[default]
    Normal,
    /// Adds on top of others and consumes nothing (still barred from units an
    /// exclusive promotion holds).
    Stackable,
    /// Takes only units no promotion touched yet, and no promotion touches
    /// them afterwards. Among ticket rewards: no other ticket reward with it.
    Exclusive,
    /// "Non cumulable": when it applies, it is the only promotion of the
    /// ticket (see the engine's documentation for the order of evaluation).
    GlobalExclusive,
}

/// When and for whom a promotion is valid. Every condition left out holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// First instant of validity (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<DateTime<Utc>>,
    /// End of validity (exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<DateTime<Utc>>,
    /// Local days of the week it is valid on (`["Sat"]`); empty: every day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub days: Vec<Weekday>,
    /// Local time window (happy hour); absent: all day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<HourWindow>,
    /// Minimum spend: the ticket's sale lines after the discounts applied so
    /// far must reach it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_spend: Option<Decimal>,
    /// Customer groups it is reserved to; empty: everybody.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customer_groups: Vec<CustomerGroupId>,
    /// Loyalty tiers it is reserved to; empty: everybody.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loyalty_tiers: Vec<String>,
    /// Also applies to lines with a manual discount or a price override
    /// (by default those lines get no promotion).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub with_manual_discounts: bool,
}

/// A local time window: `start` inclusive, `end` exclusive; when `end` is
/// before `start` the window runs over midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HourWindow {
    /// Opening time (`"17:00:00"`).
    pub start: NaiveTime,
    /// Closing time (`"19:00:00"`).
    pub end: NaiveTime,
}

/// Which lines a reward looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Every sale line.
    All,
    /// Lines whose SKU is listed.
    Skus(Vec<Sku>),
    /// Lines whose product is listed.
    Products(Vec<ProductId>),
    /// Lines in one of these categories (lines carry their ancestors too).
    Categories(Vec<CategoryId>),
}

/// What a promotion gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", deny_unknown_fields)]
pub enum Reward {
    /// `percent` % off each targeted line ("-20 % sur les fromages").
    PercentOff {
        /// The lines concerned.
        target: Target,
        /// 0 to 100.
        percent: Decimal,
    },
    /// `amount` off per unit (per kg, l or m for measured goods), never more
    /// than the line.
    AmountOff {
        /// The lines concerned.
        target: Target,
        /// Whole minor units of the currency.
        amount: Decimal,
    },
    /// Buy `buy_quantity` units of `buy`, get `get_quantity` units of `get`
    /// at `percent` % off (100: free). Pieces only; the cheapest units are the
    /// rewarded ones.
    BuyXGetY {
        /// Units that qualify.
        buy: Target,
        /// How many qualifying units per application (at least 1).
        buy_quantity: u32,
        /// Units that are rewarded.
        get: Target,
        /// How many rewarded units per application (at least 1).
        get_quantity: u32,
        /// Discount on the rewarded units, 100 by default (free).
        #[serde(default = "hundred")]
        percent: Decimal,
    },
    /// `quantity` units of `target` for `price` ("3 pour 10 €"), as many
    /// times as fits. Pieces only; the dearest units are grouped first.
    NForPrice {
        /// The lines concerned.
        target: Target,
        /// Units per group (at least 2).
        quantity: u32,
        /// The price of a group, whole minor units.
        price: Decimal,
    },
    /// `percent` % off the ticket (after line promotions).
    TicketPercentOff {
        /// 0 to 100.
        percent: Decimal,
    },
    /// `amount` off the ticket (capped at the ticket).
    TicketAmountOff {
        /// Whole minor units of the currency.
        amount: Decimal,
    },
    /// A free item: the cart adds the line and discounts it fully.
    FreeItem {
        /// The SKU given.
        sku: Sku,
        /// How many (at least 1).
        quantity: u32,
    },
}

fn hundred() -> Decimal {
    Decimal::ONE_HUNDRED
}

impl Reward {
    /// True for rewards on the whole ticket (evaluated after line rewards).
    pub fn is_ticket_level(&self) -> bool {
        matches!(
            self,
            Reward::TicketPercentOff { .. }
                | Reward::TicketAmountOff { .. }
                | Reward::FreeItem { .. }
        )
    }
}

impl Promotion {
    /// The coupon code in its matching form (trimmed, upper case), if any.
    pub fn coupon_code(&self) -> Option<String> {
        match &self.trigger {
            Trigger::Automatic => None,
            Trigger::Coupon { code, .. } => Some(normalize_code(code)),
        }
    }
}

/// The form codes are compared in: trimmed and upper-cased.
pub fn normalize_code(code: &str) -> String {
    code.trim().to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let json = r#"{ "id": "VINS-2-ACHETES-1-OFFERT", "name": "Vins : 2 achetés, le 3e offert",
          "priority": 30, "stacking": "normal",
          "trigger": { "type": "automatic" },
          "conditions": { "days": ["Sat"], "hours": { "start": "17:00:00", "end": "19:00:00" },
                          "min_spend": "20.00", "customer_groups": ["PRO"] },
          "reward": { "type": "buy_x_get_y", "buy": { "categories": ["vins-rouges"] },
                      "buy_quantity": 2, "get": { "categories": ["vins-rouges"] },
                      "get_quantity": 1, "percent": "100" } }"#;
        let p: Promotion = serde_json::from_str(json).unwrap();
        assert_eq!(p.conditions.days, [Weekday::Sat]);
        assert!(matches!(
            p.reward,
            Reward::BuyXGetY {
                buy_quantity: 2,
                ..
            }
        ));
    }

    #[test]
    fn defaults_and_codes() {
        let json = r#"{ "id": "X", "name": "x", "trigger": { "type": "coupon", "code": " bienvenue10 " },
          "reward": { "type": "percent_off", "target": "all", "percent": "10" } }"#;
        let p: Promotion = serde_json::from_str(json).unwrap();
        assert_eq!(p.priority, 0);
        assert_eq!(p.stacking, Stacking::Normal);
        assert_eq!(p.conditions, Conditions::default());
        assert_eq!(p.coupon_code().as_deref(), Some("BIENVENUE10"));
        assert!(!p.reward.is_ticket_level());
        let bad = json.replace("\"percent\": \"10\"", "\"percent\": 10.5");
        assert!(serde_json::from_str::<Promotion>(&bad).is_err());
    }
}
