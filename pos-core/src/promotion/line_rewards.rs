//! Line rewards: percent / amount off, buy X get Y, N for a fixed price.
//!
//! Each reward first plans (units and wanted discount per line, capped at
//! what the line has left) and commits only when the plan gives something,
//! so a promotion that does not apply consumes nothing.

use super::buy_x_get_y::{Bxgy, buy_x_get_y};
use super::model::{Promotion, Reward, Target};
use super::n_for_price::n_for_price;
use super::state::overflow;
use super::state::{LineState, MILLI, per_unit, percent_of, to_minor};
use super::targets::Designate;
use crate::CoreError;
use rust_decimal::Decimal;

/// What happened to a line reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineResult {
    /// Applied, with this total discount (minor units, > 0).
    Applied(i128),
    /// No eligible line or not enough units.
    NotApplicable,
    /// The eligible units were taken by other promotions.
    NotCombinable,
}

/// The promotion being applied and where the engine stands.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step<'a> {
    /// The promotion.
    pub promo: &'a Promotion,
    /// Its position in the run (recorded in the lines' uses).
    pub pos: usize,
    /// Minor digits of the currency.
    pub minor: u32,
}

/// One line's part in a plan: (line position, thousandths used, discount).
pub(crate) type Plan = Vec<(usize, i128, i128)>;

/// Buffers reused from one promotion to the next (fewer allocations).
#[derive(Debug, Default)]
pub(crate) struct Buffers {
    targets: Vec<usize>,
    plan: Plan,
    /// Every use so far: (line position, sequence, promotion index, thousandths, discount).
    pub uses: Vec<(usize, usize, usize, i128, i128)>,
}

/// Applies a line reward to `states`.
pub(crate) fn apply(
    step: Step<'_>,
    states: &mut [LineState],
    index: &dyn Designate,
    buf: &mut Buffers,
) -> Result<LineResult, CoreError> {
    let stacking = step.promo.stacking;
    let plan = match &step.promo.reward {
        Reward::PercentOff { target, percent } => {
            per_line(step, states, index, target, buf, |s, units| {
                percent_of(s.amount_of(units, step.minor)?, *percent)
            })?
        }
        Reward::AmountOff { target, amount } => {
            let each = to_minor(*amount, step.minor)?;
            per_line(step, states, index, target, buf, |_, units| {
                per_unit(each, units)
            })?
        }
        Reward::BuyXGetY {
            buy,
            buy_quantity,
            get,
            get_quantity,
            percent,
        } => {
            let rule = Bxgy {
                x: u64::from(*buy_quantity),
                y: u64::from(*get_quantity),
                percent: *percent,
            };
            buy_x_get_y(step, states, index, buy, get, rule)?
        }
        Reward::NForPrice {
            target,
            quantity,
            price,
        } => n_for_price(step, states, index, target, u64::from(*quantity), *price)?,
        Reward::TicketPercentOff { .. }
        | Reward::TicketAmountOff { .. }
        | Reward::FreeItem { .. } => {
            return Ok(LineResult::NotApplicable);
        }
    };
    let plan = match plan {
        Ok(plan) => plan,
        Err(result) => return Ok(result),
    };
    let mut total: i128 = 0;
    for &(pos, units, wanted) in &plan {
        if let Some(s) = states.get_mut(pos) {
            let given = s.take(stacking, units, wanted)?;
            let seq = buf.uses.len();
            buf.uses.push((pos, seq, step.pos, units, given));
            total = total.checked_add(given).ok_or_else(overflow)?;
        }
    }
    buf.plan = plan;
    Ok(LineResult::Applied(total))
}

/// The lines of `target` open to the promotion, with the units it may use.
pub(crate) fn open_lines(
    step: Step<'_>,
    states: &[LineState],
    positions: &[usize],
    pieces_only: bool,
) -> (Vec<(usize, i128)>, bool) {
    let mut out = Vec::with_capacity(positions.len());
    let mut taken_by_others = false;
    for &pos in positions {
        let Some(s) = states.get(pos) else { continue };
        if !s.open_to(step.promo) || pieces_only && !s.pieces {
            continue;
        }
        let units = s.available(step.promo.stacking);
        if units < s.qty || s.room() == 0 {
            taken_by_others = true;
        }
        if units > 0 && s.room() > 0 {
            out.push((pos, units));
        }
    }
    (out, taken_by_others)
}

/// Why nothing applies: units taken by others, or nothing eligible.
pub(crate) fn refusal(taken_by_others: bool) -> LineResult {
    if taken_by_others {
        LineResult::NotCombinable
    } else {
        LineResult::NotApplicable
    }
}

/// A plan whose total is positive, or the refusal.
pub(crate) fn checked(plan: Plan, taken_by_others: bool) -> Result<Plan, LineResult> {
    if plan.iter().any(|(_, _, d)| *d > 0) {
        Ok(plan)
    } else {
        Err(refusal(taken_by_others))
    }
}

fn per_line(
    step: Step<'_>,
    states: &[LineState],
    index: &dyn Designate,
    target: &Target,
    buf: &mut Buffers,
    discount: impl Fn(&LineState, i128) -> Result<i128, CoreError>,
) -> Result<Result<Plan, LineResult>, CoreError> {
    index.lines_into(target, &mut buf.targets);
    let mut plan = std::mem::take(&mut buf.plan);
    plan.clear();
    let mut taken = false;
    for &pos in &buf.targets {
        let Some(s) = states.get(pos) else { continue };
        if !s.open_to(step.promo) {
            continue;
        }
        let units = s.available(step.promo.stacking);
        let room = s.room();
        if units < s.qty || room == 0 {
            taken = true;
        }
        if units > 0 && room > 0 {
            let wanted = discount(s, units)?.min(room);
            if wanted > 0 {
                plan.push((pos, units, wanted));
            }
        }
    }
    if plan.is_empty() {
        buf.plan = plan;
        return Ok(Err(refusal(taken)));
    }
    Ok(Ok(plan))
}

/// Whole units (pieces) in a number of thousandths.
pub(crate) fn count(units: i128) -> Result<u64, CoreError> {
    u64::try_from(units.checked_div(MILLI).unwrap_or(0)).map_err(|_| CoreError::Overflow)
}

/// A count of pieces as thousandths.
pub(crate) fn milli(pieces: u64) -> Result<i128, CoreError> {
    i128::from(pieces).checked_mul(MILLI).ok_or_else(overflow)
}

/// Sort key: cheapest first, then earlier line.
pub(crate) fn key(states: &[LineState], pos: usize) -> (Decimal, usize) {
    states
        .get(pos)
        .map_or((Decimal::MAX, usize::MAX), |s| (s.unit, s.index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{CategoryId, ProductId, PromotionId, Sku};
    use crate::item::Unit;
    use crate::promotion::model::{Stacking, Trigger};
    use crate::promotion::targets::LineIndex;
    use crate::promotion::{Conditions, PromoLine};
    use crate::{Currency, Money};
    use rust_decimal_macros::dec;

    fn line(i: usize, sku: &str, price: Decimal, qty: Decimal) -> PromoLine {
        let gross = crate::money::round_half_away(price * qty, 2);
        PromoLine {
            index: i,
            sku: Sku::new(sku).unwrap(),
            product_id: ProductId::new(sku).unwrap(),
            categories: vec![CategoryId::new("ALL").unwrap()],
            unit: Unit::Piece,
            unit_price: Money::new(price, Currency::EUR),
            quantity: qty,
            gross: Money::new(gross, Currency::EUR),
            manual_discount: Money::zero(Currency::EUR),
            price_overridden: false,
            reward_of: None,
        }
    }

    fn promo(reward: Reward) -> Promotion {
        Promotion {
            id: PromotionId::new("P").unwrap(),
            name: "p".into(),
            priority: 0,
            trigger: Trigger::Automatic,
            stacking: Stacking::Normal,
            conditions: Conditions::default(),
            reward,
        }
    }

    fn run(lines: &[PromoLine], reward: Reward) -> (LineResult, Vec<LineState>) {
        let mut states: Vec<LineState> = lines
            .iter()
            .map(|l| LineState::new(l, 2).unwrap())
            .collect();
        let p = promo(reward);
        let index = LineIndex::new(lines, std::slice::from_ref(&p));
        let step = Step {
            promo: &p,
            pos: 0,
            minor: 2,
        };
        let r = apply(step, &mut states, &index, &mut Buffers::default()).unwrap();
        (r, states)
    }

    fn sku(s: &str) -> Target {
        Target::Skus(vec![Sku::new(s).unwrap()])
    }

    #[test]
    fn cheapest_units_are_free_and_dearest_qualify() {
        // Wine at 9, 7, 5 and 3 (one each), buy 2 get 1 on the category: one
        // application: 3 is free, 9 and 7 qualify, 5 untouched.
        let lines = vec![
            line(0, "A", dec!(9), dec!(1)),
            line(1, "B", dec!(7), dec!(1)),
            line(2, "C", dec!(5), dec!(1)),
            line(3, "D", dec!(3), dec!(1)),
        ];
        let all = Target::Categories(vec![CategoryId::new("ALL").unwrap()]);
        let reward = Reward::BuyXGetY {
            buy: all.clone(),
            buy_quantity: 2,
            get: all,
            get_quantity: 1,
            percent: dec!(100),
        };
        let (r, s) = run(&lines, reward);
        assert_eq!(r, LineResult::Applied(300));
        let used: Vec<i128> = s.iter().map(|l| l.consumed).collect();
        assert_eq!(used, [1000, 1000, 0, 1000]);
    }

    #[test]
    fn n_for_price_spreads_over_groups() {
        // 7 croissants at 1.20 on two lines (4 + 3), 3 for 3.00: two groups,
        // 2 × 0.60 = 1.20, over 6 units: lines 4 × 1.20 = 4.80 and 2 × 1.20 = 2.40.
        let lines = vec![
            line(0, "CR", dec!(1.20), dec!(4)),
            line(1, "CR", dec!(1.20), dec!(3)),
        ];
        let reward = Reward::NForPrice {
            target: sku("CR"),
            quantity: 3,
            price: dec!(3.00),
        };
        let (r, s) = run(&lines, reward);
        assert_eq!(r, LineResult::Applied(120));
        assert_eq!(s[0].discount, 80);
        assert_eq!(s[1].discount, 40);
        assert_eq!(s[1].consumed, 2000);
    }

    #[test]
    fn group_cheaper_than_the_price_gives_nothing() {
        let lines = vec![line(0, "CR", dec!(0.90), dec!(3))];
        let reward = Reward::NForPrice {
            target: sku("CR"),
            quantity: 3,
            price: dec!(3.00),
        };
        let (r, s) = run(&lines, reward);
        assert_eq!(r, LineResult::NotApplicable);
        assert_eq!(s[0].consumed, 0);
    }

    #[test]
    fn weighed_lines_only_get_percent_and_amount() {
        let mut l = line(0, "COMTE", dec!(24.90), dec!(0.347));
        l.unit = Unit::Kilogram;
        let lines = vec![l];
        let bxgy = Reward::BuyXGetY {
            buy: sku("COMTE"),
            buy_quantity: 1,
            get: sku("COMTE"),
            get_quantity: 1,
            percent: dec!(100),
        };
        assert_eq!(run(&lines, bxgy).0, LineResult::NotApplicable);
        let pct = Reward::PercentOff {
            target: sku("COMTE"),
            percent: dec!(20),
        };
        // 8.64 × 20 % = 1.728 -> 1.73
        assert_eq!(run(&lines, pct).0, LineResult::Applied(173));
        let off = Reward::AmountOff {
            target: sku("COMTE"),
            amount: dec!(2.00),
        };
        // 2.00 / kg × 0.347 = 0.694 -> 0.69
        assert_eq!(run(&lines, off).0, LineResult::Applied(69));
    }

    #[test]
    fn amount_off_never_exceeds_the_line() {
        let lines = vec![line(0, "X", dec!(0.50), dec!(2))];
        let off = Reward::AmountOff {
            target: sku("X"),
            amount: dec!(1.00),
        };
        assert_eq!(run(&lines, off).0, LineResult::Applied(100));
    }
}
