//! What the engine is given: the cart's lines as it sees them and the context
//! of the sale (instant, local offset, coupons, customer).

use crate::ids::{CategoryId, CustomerGroupId, ProductId, PromotionId, Sku};
use crate::item::Unit;
use crate::{Currency, Money};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One cart line as the promotion engine sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoLine {
    /// The cart's index of the line (echoed in the outcome; unique).
    pub index: usize,
    /// The variant sold.
    pub sku: Sku,
    /// Its product.
    pub product_id: ProductId,
    /// Its categories, ancestors included.
    pub categories: Vec<CategoryId>,
    /// The sales unit (measured goods only get percent / amount-off rewards).
    pub unit: Unit,
    /// Unit price, never negative.
    pub unit_price: Money,
    /// Quantity; negative on a return line (which never gets a promotion).
    pub quantity: Decimal,
    /// round(unit price × quantity), pricing rule 1.
    pub gross: Money,
    /// What a manual line discount already takes off the line (zero if none).
    pub manual_discount: Money,
    /// The operator overrode the unit price.
    pub price_overridden: bool,
    /// Set on a line the cart added for a `FreeItem` reward: the engine leaves
    /// it alone and does not count it in any spend.
    pub reward_of: Option<PromotionId>,
}

impl PromoLine {
    /// True when a manual discount or price override applies.
    pub fn is_manual(&self) -> bool {
        self.price_overridden || !self.manual_discount.is_zero()
    }

    /// True for a return line.
    pub fn is_return(&self) -> bool {
        self.quantity.is_sign_negative() && !self.quantity.is_zero()
    }
}

/// The sale's context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoContext {
    /// The document currency; every line amount must be in it.
    pub currency: Currency,
    /// The instant of the sale.
    pub at: DateTime<Utc>,
    /// The store's local offset from UTC in minutes at `at` (Europe/Paris:
    /// 60 in winter, 120 in summer), for days of the week and happy hours.
    pub utc_offset_minutes: i32,
    /// Coupon codes entered, in entry order.
    pub coupons: Vec<String>,
    /// The identified customer's group, if any.
    pub customer_group: Option<CustomerGroupId>,
    /// The identified customer's loyalty tier, if any.
    pub loyalty_tier: Option<String>,
}

impl PromoContext {
    /// A context with no coupon and no customer, local time = UTC.
    pub fn new(currency: Currency, at: DateTime<Utc>) -> PromoContext {
        PromoContext {
            currency,
            at,
            utc_offset_minutes: 0,
            coupons: Vec::new(),
            customer_group: None,
            loyalty_tier: None,
        }
    }
}
