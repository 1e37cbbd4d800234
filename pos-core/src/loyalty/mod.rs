//! Loyalty: a points ledger per member, the program's rules, tiers and
//! rewards.
//!
//! - Earning is keyed by the ticket id: a retried sale never earns twice.
//! - Points sit in lots (one per ticket) with an expiry date; spending takes
//!   the lots that expire first, and expiring posts a ledger entry.
//! - A refund takes back points in proportion to the refunded eligible
//!   amount (cumulative, rounded down; exactly all of them on a full refund).
//! - Tiers are reached by the points earned over a rolling window and carry a
//!   price list and an automatic discount.
//! - The balance never goes negative: a burn above it is a typed error; a
//!   reversal of points already spent records the shortfall as unrecovered.

mod account;
mod program;
#[cfg(test)]
mod tests;

pub use account::{
    BurnPurpose, Earning, EntryKind, LoyaltyAccount, LoyaltyEntry, PointLot, Reversal,
};
pub use program::{
    BonusKind, BonusRule, BonusTarget, EarnLine, LoyaltyProgram, PointsBreakdown, Reward,
    RewardKind, Tier,
};
