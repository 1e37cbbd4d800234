//! What the engine returns: per-line adjustments with their reason, ticket
//! rewards, the order promotions were applied in, and the coupons' fate.

use crate::Money;
use crate::ids::{PromotionId, Sku};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The result of one engine run; the same input always gives the same value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionOutcome {
    /// One entry per input line, in input order.
    pub lines: Vec<LinePromotions>,
    /// Ticket-level rewards, in the order applied.
    pub ticket_rewards: Vec<TicketReward>,
    /// Σ of the ticket discounts: the cart passes it to pricing as the ticket
    /// discount (`Discount::Amount`).
    pub ticket_discount: Money,
    /// Every promotion that applied, in the order applied.
    pub applied: Vec<AppliedPromotion>,
    /// Coupons that triggered a promotion.
    pub accepted_coupons: Vec<AcceptedCoupon>,
    /// Coupons refused, with the reason.
    pub rejected_coupons: Vec<RejectedCoupon>,
    /// Σ of the line discounts and the ticket discount.
    pub total_discount: Money,
}

/// The promotions on one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinePromotions {
    /// The cart's index of the line.
    pub line: usize,
    /// Adjustments in the order applied.
    pub adjustments: Vec<Adjustment>,
    /// Σ of the adjustments: the line's promotion discount, never above what
    /// the line has left after its manual discount.
    pub discount: Money,
}

/// One promotion's discount on one line, as printed under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    /// The promotion.
    pub promotion_id: PromotionId,
    /// The receipt text (the promotion's name).
    pub label: String,
    /// Units of the line the promotion used (rewarded or qualifying).
    pub quantity: Decimal,
    /// The discount, whole minor units, may be zero on qualifying units.
    pub amount: Money,
}

/// A ticket-level reward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketReward {
    /// The promotion.
    pub promotion_id: PromotionId,
    /// The receipt text.
    pub label: String,
    /// What it gives.
    pub kind: TicketRewardKind,
}

/// What a ticket reward gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum TicketRewardKind {
    /// An amount off the ticket (counted in `ticket_discount`).
    Discount {
        /// Whole minor units.
        amount: Money,
    },
    /// A free item line for the cart to add, fully discounted, with
    /// `reward_of` set.
    FreeItem {
        /// The SKU to add.
        sku: Sku,
        /// How many.
        quantity: u32,
    },
}

/// A promotion that applied, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedPromotion {
    /// The promotion (its receipt text is on the adjustments and ticket rewards).
    pub promotion_id: PromotionId,
    /// The coupon that triggered it, normalised, if any.
    pub coupon: Option<String>,
    /// Total discount it gave (zero for a free item).
    pub discount: Money,
}

/// A coupon that triggered a promotion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedCoupon {
    /// The code, normalised (trimmed, upper case).
    pub code: String,
    /// The promotion it triggered.
    pub promotion_id: PromotionId,
    /// The facade must record its use and refuse it next time.
    pub single_use: bool,
}

/// A coupon refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedCoupon {
    /// The code, normalised (at most 64 characters kept).
    pub code: String,
    /// Why.
    pub reason: CouponRejection,
}

/// Why a coupon was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
#[non_exhaustive]
pub enum CouponRejection {
    /// No promotion has this code.
    Unknown,
    /// The code was already entered on this ticket.
    Duplicate,
    /// Its validity has not started yet.
    NotYetValid,
    /// Its validity has ended.
    Expired,
    /// Not valid on this day or at this hour.
    OutsideHours,
    /// Reserved to other customers (group or loyalty tier).
    CustomerNotEligible,
    /// The ticket does not reach the minimum spend.
    MinimumSpendNotReached {
        /// The minimum.
        minimum: Money,
    },
    /// No line of the ticket qualifies (or return lines forbid a ticket reward).
    NotApplicable,
    /// Another promotion that cannot be combined with it took the units or the ticket.
    NotCombinable,
}

impl CouponRejection {
    /// A stable snake_case name.
    pub fn kind(&self) -> &'static str {
        match self {
            CouponRejection::Unknown => "unknown",
            CouponRejection::Duplicate => "duplicate",
            CouponRejection::NotYetValid => "not_yet_valid",
            CouponRejection::Expired => "expired",
            CouponRejection::OutsideHours => "outside_hours",
            CouponRejection::CustomerNotEligible => "customer_not_eligible",
            CouponRejection::MinimumSpendNotReached { .. } => "minimum_spend_not_reached",
            CouponRejection::NotApplicable => "not_applicable",
            CouponRejection::NotCombinable => "not_combinable",
        }
    }
}

impl fmt::Display for CouponRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CouponRejection::Unknown => f.write_str("unknown code"),
            CouponRejection::Duplicate => f.write_str("code already entered"),
            CouponRejection::NotYetValid => f.write_str("not valid yet"),
            CouponRejection::Expired => f.write_str("expired"),
            CouponRejection::OutsideHours => f.write_str("not valid at this time"),
            CouponRejection::CustomerNotEligible => f.write_str("customer not eligible"),
            CouponRejection::MinimumSpendNotReached { minimum } => {
                write!(f, "minimum spend {} not reached", minimum.format_fr())
            }
            CouponRejection::NotApplicable => f.write_str("no eligible item"),
            CouponRejection::NotCombinable => f.write_str("cannot be combined"),
        }
    }
}
