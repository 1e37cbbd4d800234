//! The promotion engine: percent or amount off a product, a category or the
//! ticket, buy X get Y, N for a fixed price, spend-threshold rewards and
//! coupon codes, applied deterministically, each applied promotion visible on
//! its lines with its reason.
//!
//! Pure: [`apply`] takes the cart's lines as the engine sees them
//! ([`PromoLine`]), the promotion definitions ([`Promotion`], JSON through
//! serde) and the sale's context ([`PromoContext`]: instant, local offset,
//! coupons entered, customer), and returns a [`PromotionOutcome`]. The cart
//! turns each line's discount into a `Discount::Amount` and the outcome's
//! `ticket_discount` into the ticket discount, and prices with
//! [`crate::pricing::price`]. It does so through an [`Evaluator`], which
//! gives the same outcome as [`apply`] but, after a change, re-evaluates
//! only the promotions whose scope holds a changed line.
//!
//! # Rules
//! 1. **Order.** Coupon-triggered promotions take part only when their code
//!    was entered (trimmed, case-insensitive). Promotions run by `priority`
//!    (lower first), then `id`; line rewards first, then ticket rewards
//!    (spend thresholds look at what is left after line promotions).
//! 2. **Eligible lines.** Return lines (negative quantity) and lines added
//!    for a free-item reward never get a promotion. A line with a manual
//!    discount or a price override gets none unless the promotion says
//!    `with_manual_discounts`. Measured goods and fractional quantities only
//!    get percent and amount-off rewards.
//! 3. **Units.** Each unit of quantity is consumed by at most one `normal`
//!    or `exclusive` promotion; `stackable` ones consume nothing and add on
//!    top; an `exclusive` one takes only units nothing touched and bars every
//!    other promotion from them. A `global_exclusive` promotion is tried
//!    first, alone; if it gives anything it is the ticket's only promotion.
//! 4. **Amounts.** Everything is whole minor units. Percent: round(amount
//!    of the units × p / 100), half away from zero. Amount off: per unit (per
//!    kg for weighed goods), rounded. Buy X get Y: the cheapest eligible units
//!    are the rewarded ones (ties: earlier line), the dearest qualify.
//!    N for a price: the dearest units are grouped first; each group's
//!    discount is its price minus the fixed price (never negative); the total
//!    is spread over the participating lines in proportion to their amounts,
//!    the last minor units going to the largest remainders (ties: earlier
//!    line), as in pricing rule 3. Stacked percentages add up (each on the
//!    undiscounted price of its units). A line's promotions never exceed
//!    what the line has left after its manual discount; discounts are never
//!    negative. Qualifying units (buy X) carry an adjustment of zero so the
//!    receipt can show which units a promotion used.
//! 5. **Ticket rewards.** Among ticket rewards at most one `normal` one,
//!    plus `stackable` ones; an `exclusive` one stands alone. A ticket
//!    discount is at most the ticket; none applies when the ticket has
//!    return lines (pricing refuses that).
//! 6. **Coupons** that do not apply come back with a typed reason.
//!
//! ```
//! use pos_core::promotion::{self, PromoContext, PromoLine};
//! use pos_core::ids::{CategoryId, ProductId, Sku};
//! use pos_core::item::Unit;
//! use pos_core::{Currency, Money};
//! use chrono::{TimeZone, Utc};
//! use rust_decimal::Decimal;
//!
//! let promotions = promotion::parse_promotions_json(promotion::sample_promotions_json())?;
//! let eur = |cents| Money::from_minor_units(cents, Currency::EUR);
//! let croissants = PromoLine {
//!     index: 0,
//!     sku: Sku::new("CROISSANT")?,
//!     product_id: ProductId::new("CROISSANT")?,
//!     categories: vec![CategoryId::new("VIENNOISERIE")?],
//!     unit: Unit::Piece,
//!     unit_price: eur(120),
//!     quantity: Decimal::from(3),
//!     gross: eur(360),
//!     manual_discount: eur(0),
//!     price_overridden: false,
//!     reward_of: None,
//! };
//! // A Tuesday morning in Paris.
//! let mut ctx = PromoContext::new(Currency::EUR, Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap());
//! ctx.utc_offset_minutes = 60;
//! let outcome = promotion::apply(&[croissants], &promotions, &ctx)?;
//! assert_eq!(outcome.lines[0].discount.to_string(), "0.60 EUR"); // 3 pour 3 €
//! assert_eq!(outcome.lines[0].adjustments[0].label, "3 croissants pour 3 €");
//! # Ok::<(), pos_core::CoreError>(())
//! ```

mod buy_x_get_y;
mod engine;
mod incremental;
mod input;
mod line_rewards;
mod model;
mod n_for_price;
mod outcome;
mod schedule;
mod spread;
mod state;
mod targets;
mod validate;

pub use engine::apply;
pub use incremental::Evaluator;
pub use input::{PromoContext, PromoLine};
pub use model::{
    Conditions, HourWindow, Promotion, Reward, Stacking, Target, Trigger, normalize_code,
};
pub use outcome::{
    AcceptedCoupon, Adjustment, AppliedPromotion, CouponRejection, LinePromotions,
    PromotionOutcome, RejectedCoupon, TicketReward, TicketRewardKind,
};
pub use validate::{PromoLineDefect, PromotionDefect};

use crate::CoreError;

/// The sample promotions of the demo store (French), as JSON.
pub fn sample_promotions_json() -> &'static str {
    include_str!("../../testdata/promotion/sample.json")
}

/// Reads a JSON array of promotions.
pub fn parse_promotions_json(json: &str) -> Result<Vec<Promotion>, CoreError> {
    serde_json::from_str(json).map_err(|e| CoreError::InvalidJson {
        line: e.line(),
        column: e.column(),
        detail: e.to_string().chars().take(200).collect(),
    })
}
