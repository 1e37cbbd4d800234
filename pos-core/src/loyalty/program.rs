//! The rules of a loyalty program: how points are earned, what they are
//! worth, the tiers and the rewards.

use crate::ids::{CategoryId, PriceListId, RewardId, Sku, TierId};
use crate::{CoreError, Currency, Money};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// What a bonus rule applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BonusTarget {
    /// One item.
    Sku(Sku),
    /// Every item of a category (or of its sub-categories, as the item lists
    /// its ancestors).
    Category(CategoryId),
}

/// How many extra points a bonus gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BonusKind {
    /// Extra points per currency unit of the line's eligible amount (rounded
    /// down per line): 1 doubles the points of a 1-point-per-euro program.
    PerUnitSpent(Decimal),
    /// Fixed points per whole piece sold (a weighed quantity counts its whole
    /// units).
    PerItem(u64),
}

/// An extra-points rule; every matching rule adds up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BonusRule {
    /// What it applies to.
    pub target: BonusTarget,
    /// How much.
    pub kind: BonusKind,
}

/// A status level reached by earning points over a rolling window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    /// Identifier.
    pub id: TierId,
    /// Display name (`Silver`, `Gold`).
    pub name: String,
    /// Points earned over the window needed to be in the tier.
    pub threshold: u64,
    /// The price list its members buy at, if any.
    pub price_list: Option<PriceListId>,
    /// An automatic discount for its members, in basis points (500 = 5 %).
    pub discount_bps: u32,
}

/// What a reward gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardKind {
    /// One unit of an item for free.
    FreeItem(Sku),
    /// An amount off the ticket.
    AmountOff(Money),
    /// A percentage off the ticket, in basis points.
    PercentOff(u32),
}

/// A reward of the catalogue, bought with points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reward {
    /// Identifier.
    pub id: RewardId,
    /// Display name.
    pub name: String,
    /// Points it costs.
    pub cost: u64,
    /// What it gives.
    pub kind: RewardKind,
}

/// The whole program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoyaltyProgram {
    /// The currency amounts are in.
    pub currency: Currency,
    /// Points per currency unit of eligible spend (1: one point per euro),
    /// rounded down on the ticket's eligible total.
    pub points_per_unit: Decimal,
    /// Extra points by product or category.
    pub bonuses: Vec<BonusRule>,
    /// The tiers (any order).
    pub tiers: Vec<Tier>,
    /// The rewards.
    pub rewards: Vec<Reward>,
    /// The value of one point burned as a tender (e.g. 0.01 €).
    pub point_value: Money,
    /// Points expire this many days after they were earned (`None`: never).
    pub expiry_days: Option<u32>,
    /// The rolling window, in days, over which tier points are counted.
    pub tier_window_days: u32,
}

/// The points a ticket earns, with the detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointsBreakdown {
    /// The eligible amount of the ticket (sum of the lines).
    pub eligible: Decimal,
    /// Points from spend.
    pub base: u64,
    /// Points from bonus rules.
    pub bonus: u64,
    /// `base + bonus`.
    pub total: u64,
}

/// One line of a ticket as loyalty sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarnLine {
    /// The item.
    pub sku: Sku,
    /// Its categories (with ancestors).
    pub categories: Vec<CategoryId>,
    /// Quantity sold.
    pub quantity: Decimal,
    /// The amount that earns points (after discounts; gift cards, deposits,
    /// services excluded by the caller).
    pub eligible_amount: Decimal,
}

impl LoyaltyProgram {
    /// The points a ticket earns: base on the eligible total (rounded down,
    /// never below zero), plus bonuses per line with a positive amount.
    pub fn points_for(&self, lines: &[EarnLine]) -> Result<PointsBreakdown, CoreError> {
        let eligible = lines.iter().try_fold(Decimal::ZERO, |acc, l| {
            acc.checked_add(l.eligible_amount)
                .ok_or(CoreError::Overflow)
        })?;
        let base = floor_points(eligible.checked_mul(self.points_per_unit))?;
        let mut bonus: u64 = 0;
        for line in lines.iter().filter(|l| l.eligible_amount > Decimal::ZERO) {
            for rule in self.bonuses.iter().filter(|r| r.matches(line)) {
                let extra = match &rule.kind {
                    BonusKind::PerUnitSpent(rate) => {
                        floor_points(line.eligible_amount.checked_mul(*rate))?
                    }
                    BonusKind::PerItem(points) => {
                        let whole = floor_points(Some(line.quantity))?;
                        points.checked_mul(whole).ok_or(CoreError::Overflow)?
                    }
                };
                bonus = bonus.checked_add(extra).ok_or(CoreError::Overflow)?;
            }
        }
        let total = base.checked_add(bonus).ok_or(CoreError::Overflow)?;
        Ok(PointsBreakdown {
            eligible,
            base,
            bonus,
            total,
        })
    }

    /// The highest tier whose threshold is reached.
    pub fn tier_for(&self, points: u64) -> Option<&Tier> {
        self.tiers
            .iter()
            .filter(|t| t.threshold <= points)
            .max_by_key(|t| t.threshold)
    }

    /// A reward of the catalogue.
    pub fn reward(&self, id: &RewardId) -> Result<&Reward, CoreError> {
        self.rewards
            .iter()
            .find(|r| &r.id == id)
            .ok_or_else(|| CoreError::UnknownReference {
                what: "reward",
                id: id.to_string(),
            })
    }

    /// The tender value of some points, rounded to the minor unit (half away
    /// from zero).
    pub fn value_of(&self, points: u64) -> Result<Money, CoreError> {
        Ok(self
            .point_value
            .checked_mul(Decimal::from(points))?
            .rounded())
    }

    /// The most points whose value does not exceed `amount` (to pay a
    /// balance due with points).
    pub fn points_worth(&self, amount: Money) -> Result<u64, CoreError> {
        if amount.currency() != self.point_value.currency() {
            return Err(CoreError::CurrencyMismatch {
                expected: self.point_value.currency().code().to_owned(),
                found: amount.currency().code().to_owned(),
            });
        }
        if self.point_value.is_zero() || self.point_value.is_negative() {
            return Ok(0);
        }
        floor_points(amount.amount().checked_div(self.point_value.amount()))
    }
}

impl BonusRule {
    fn matches(&self, line: &EarnLine) -> bool {
        match &self.target {
            BonusTarget::Sku(s) => &line.sku == s,
            BonusTarget::Category(c) => line.categories.contains(c),
        }
    }
}

/// Rounds down to whole points; negative gives zero.
fn floor_points(x: Option<Decimal>) -> Result<u64, CoreError> {
    let x = x.ok_or(CoreError::Overflow)?;
    if x <= Decimal::ZERO {
        return Ok(0);
    }
    let whole = x.round_dp_with_strategy(0, RoundingStrategy::ToZero);
    u64::try_from(whole).map_err(|_| CoreError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    pub(crate) fn program() -> LoyaltyProgram {
        LoyaltyProgram {
            currency: Currency::EUR,
            points_per_unit: dec!(1),
            bonuses: vec![
                BonusRule {
                    target: BonusTarget::Category(CategoryId::new("bio").unwrap()),
                    kind: BonusKind::PerUnitSpent(dec!(1)),
                },
                BonusRule {
                    target: BonusTarget::Sku(Sku::new("COFFEE").unwrap()),
                    kind: BonusKind::PerItem(10),
                },
            ],
            tiers: vec![],
            rewards: vec![],
            point_value: Money::new(dec!(0.01), Currency::EUR),
            expiry_days: Some(365),
            tier_window_days: 365,
        }
    }

    fn line(sku: &str, cat: &str, q: Decimal, amount: Decimal) -> EarnLine {
        EarnLine {
            sku: Sku::new(sku).unwrap(),
            categories: vec![CategoryId::new(cat).unwrap()],
            quantity: q,
            eligible_amount: amount,
        }
    }

    #[test]
    fn one_point_per_euro_rounded_down_plus_bonuses() {
        let p = program();
        let b = p
            .points_for(&[
                line("APPLE", "bio", dec!(1.250), dec!(4.99)),
                line("COFFEE", "grocery", dec!(2), dec!(7.80)),
                line("BREAD", "bakery", dec!(1), dec!(1.30)),
            ])
            .unwrap();
        // base floor(14.09) = 14; bio floor(4.99) = 4; coffee 2 x 10 = 20
        assert_eq!((b.base, b.bonus, b.total), (14, 24, 38));
    }

    #[test]
    fn returns_and_tiny_tickets_earn_nothing() {
        let p = program();
        let b = p
            .points_for(&[line("X", "c", dec!(-1), dec!(-10))])
            .unwrap();
        assert_eq!(b.total, 0);
        let b = p
            .points_for(&[line("X", "c", dec!(1), dec!(0.99))])
            .unwrap();
        assert_eq!(b.total, 0);
    }

    #[test]
    fn point_values() {
        let p = program();
        assert_eq!(p.value_of(250).unwrap().amount(), dec!(2.50));
        assert_eq!(
            p.points_worth(Money::new(dec!(3.456), Currency::EUR))
                .unwrap(),
            345
        );
        assert!(p.reward(&RewardId::new("nope").unwrap()).is_err());
    }
}
