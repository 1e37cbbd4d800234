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
//!
//! ```
//! use pos_core::ids::{CustomerId, OperationId, Sku, TicketId};
//! use pos_core::loyalty::{EarnLine, LoyaltyAccount, LoyaltyProgram};
//! use pos_core::{Currency, Money};
//! use rust_decimal::Decimal;
//!
//! let program = LoyaltyProgram {
//!     currency: Currency::EUR,
//!     points_per_unit: Decimal::ONE, // 1 point per euro, rounded down
//!     bonuses: vec![], tiers: vec![], rewards: vec![],
//!     point_value: Money::new(Decimal::new(1, 2), Currency::EUR), // 0.01 € a point
//!     expiry_days: Some(365),
//!     tier_window_days: 365,
//! };
//! let now = chrono::DateTime::from_timestamp(1_772_431_200, 0).unwrap_or_default();
//! let ticket = TicketId::new("T-0001")?;
//! let line = EarnLine {
//!     sku: Sku::new("TEA")?, categories: vec![],
//!     quantity: Decimal::ONE, eligible_amount: Decimal::new(4290, 2), // 42.90 €
//! };
//! let mut account = LoyaltyAccount::new(CustomerId::new("cust-1")?);
//! assert_eq!(account.earn(&program, ticket.clone(), now, &[line.clone()])?, (42, true));
//! assert_eq!(account.earn(&program, ticket.clone(), now, &[line])?, (42, false)); // retried sale
//! let paid = account.pay_with_points(&program, OperationId::new("burn-1")?, now, 40)?;
//! assert_eq!(paid.format_plain(), "0.40");
//! // a full refund takes back 42 points, but only 2 are left: 40 are unrecovered
//! let r = account.reverse_refund(OperationId::new("T-0002")?, now, &ticket, Decimal::new(4290, 2))?;
//! assert_eq!((r.due, r.recovered, r.unrecovered, account.balance()?), (42, 2, 40, 0));
//! # Ok::<(), pos_core::CoreError>(())
//! ```

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
