//! Line rewards: percent / amount off, buy X get Y, N for a fixed price.
//!
//! Each reward first plans (units and wanted discount per line, capped at
//! what the line has left) and commits only when the plan gives something,
//! so a promotion that does not apply consumes nothing.

use super::model::{Promotion, Reward, Target};
use super::spread::largest_remainder;
use super::state::overflow;
use super::state::{LineState, MILLI, per_unit, percent_of, to_minor};
use super::targets::LineIndex;
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
type Plan = Vec<(usize, i128, i128)>;

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
    index: &LineIndex<'_>,
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
fn open_lines(
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
fn refusal(taken_by_others: bool) -> LineResult {
    if taken_by_others {
        LineResult::NotCombinable
    } else {
        LineResult::NotApplicable
    }
}

/// A plan whose total is positive, or the refusal.
fn checked(plan: Plan, taken_by_others: bool) -> Result<Plan, LineResult> {
    if plan.iter().any(|(_, _, d)| *d > 0) {
        Ok(plan)
    } else {
        Err(refusal(taken_by_others))
    }
}

fn per_line(
    step: Step<'_>,
    states: &[LineState],
    index: &LineIndex<'_>,
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
fn count(units: i128) -> Result<u64, CoreError> {
    u64::try_from(units.checked_div(MILLI).unwrap_or(0)).map_err(|_| CoreError::Overflow)
}

/// A count of pieces as thousandths.
fn milli(pieces: u64) -> Result<i128, CoreError> {
    i128::from(pieces).checked_mul(MILLI).ok_or_else(overflow)
}

/// Buy X get Y's quantities.
#[derive(Debug, Clone, Copy)]
struct Bxgy {
    x: u64,
    y: u64,
    percent: Decimal,
}

/// A line's part in buy X get Y.
#[derive(Debug, Clone, Copy)]
struct Part {
    pos: usize,
    /// Whole units still free for this promotion.
    left: u64,
    in_buy: bool,
    in_get: bool,
    rewarded: u64,
    qualifying: u64,
}

/// Takes up to `need` units from the parts `pick` accepts, in `order`;
/// returns what is still needed.
fn take_units(
    parts: &mut [Part],
    order: impl Iterator<Item = usize>,
    pick: impl Fn(&Part) -> bool,
    rewarded: bool,
    mut need: u64,
) -> u64 {
    for i in order {
        if need == 0 {
            break;
        }
        let Some(p) = parts.get_mut(i) else { continue };
        if !pick(p) {
            continue;
        }
        let t = p.left.min(need);
        p.left = p.left.saturating_sub(t);
        if rewarded {
            p.rewarded = p.rewarded.saturating_add(t);
        } else {
            p.qualifying = p.qualifying.saturating_add(t);
        }
        need = need.saturating_sub(t);
    }
    need
}

/// The lines of `buy` and `get` (ascending positions) open to a unit-based
/// promotion, with their roles; and whether others took some of their units.
fn parts(
    step: Step<'_>,
    states: &[LineState],
    buy_lines: &[usize],
    get_lines: &[usize],
) -> Result<(Vec<Part>, bool), CoreError> {
    let mut parts = Vec::with_capacity(buy_lines.len().saturating_add(get_lines.len()));
    let mut taken = false;
    let (mut b, mut g) = (buy_lines.iter().peekable(), get_lines.iter().peekable());
    loop {
        // Merge the two ascending lists.
        let (pos, in_buy, in_get) = match (b.peek().copied(), g.peek().copied()) {
            (Some(&x), Some(&y)) if x == y => {
                b.next();
                g.next();
                (x, true, true)
            }
            (Some(&x), Some(&y)) if x < y => {
                b.next();
                (x, true, false)
            }
            (Some(&x), None) => {
                b.next();
                (x, true, false)
            }
            (_, Some(&y)) => {
                g.next();
                (y, false, true)
            }
            (None, None) => break,
        };
        let Some(s) = states.get(pos) else { continue };
        if !s.open_to(step.promo) || !s.pieces {
            continue;
        }
        let avail = s.available(step.promo.stacking);
        if avail < s.qty || s.room() == 0 {
            taken = true;
        }
        let left = count(avail)?;
        if left > 0 && s.room() > 0 {
            parts.push(Part {
                pos,
                left,
                in_buy,
                in_get,
                rewarded: 0,
                qualifying: 0,
            });
        }
    }
    Ok((parts, taken))
}

/// Buy X get Y: k applications, k as large as the units allow; rewarded
/// units are taken cheapest first from lines only in `get`, then from lines
/// in both; qualifying units dearest first from lines only in `buy`, then
/// from the dearest lines in both. Ties: earlier line first for rewards.
fn buy_x_get_y(
    step: Step<'_>,
    states: &[LineState],
    index: &LineIndex<'_>,
    buy: &Target,
    get: &Target,
    rule: Bxgy,
) -> Result<Result<Plan, LineResult>, CoreError> {
    let (mut parts, taken) = parts(step, states, &index.lines(buy), &index.lines(get))?;
    let sum = |f: fn(&Part) -> bool| {
        parts
            .iter()
            .filter(|p| f(p))
            .fold(0u64, |a, p| a.saturating_add(p.left))
    };
    let only_get: fn(&Part) -> bool = |p| p.in_get && !p.in_buy;
    let only_buy: fn(&Part) -> bool = |p| p.in_buy && !p.in_get;
    let both: fn(&Part) -> bool = |p| p.in_buy && p.in_get;
    let (g, b, o) = (sum(only_get), sum(only_buy), sum(both));
    let div = |a: u64, b: u64| a.checked_div(b).unwrap_or(0);
    let k = div(g.saturating_add(o), rule.y)
        .min(div(b.saturating_add(o), rule.x))
        .min(div(
            g.saturating_add(b).saturating_add(o),
            rule.x.saturating_add(rule.y),
        ));
    if k == 0 {
        return Ok(Err(refusal(taken)));
    }
    parts.sort_by_key(|p| key(states, p.pos));
    let n = parts.len();
    let need = take_units(&mut parts, 0..n, only_get, true, k.saturating_mul(rule.y));
    take_units(&mut parts, 0..n, both, true, need);
    let need = k.saturating_mul(rule.x);
    let need = take_units(&mut parts, (0..n).rev(), only_buy, false, need);
    take_units(&mut parts, (0..n).rev(), both, false, need);

    parts.sort_unstable_by_key(|p| p.pos);
    let mut plan: Plan = Vec::with_capacity(parts.len());
    for p in parts.iter().filter(|p| p.rewarded > 0 || p.qualifying > 0) {
        let Some(s) = states.get(p.pos) else { continue };
        let wanted = if p.rewarded > 0 {
            let amount = s.amount_of(milli(p.rewarded)?, step.minor)?;
            percent_of(amount, rule.percent)?.min(s.room())
        } else {
            0
        };
        let units = milli(p.rewarded.saturating_add(p.qualifying))?;
        plan.push((p.pos, units, wanted));
    }
    Ok(checked(plan, taken))
}

/// Sort key: cheapest first, then earlier line.
fn key(states: &[LineState], pos: usize) -> (Decimal, usize) {
    states
        .get(pos)
        .map_or((Decimal::MAX, usize::MAX), |s| (s.unit, s.index))
}

/// N for a fixed price: the dearest units first (ties: earlier line) are cut
/// into groups of `n`, as many as fit; a group's discount is the sum of its
/// unit prices minus `price` (none if the group costs less); the total,
/// rounded once, is spread over the participating lines in proportion to
/// their participating amounts (largest remainder, ties: earlier line).
fn n_for_price(
    step: Step<'_>,
    states: &[LineState],
    index: &LineIndex<'_>,
    target: &Target,
    n: u64,
    price: Decimal,
) -> Result<Result<Plan, LineResult>, CoreError> {
    let (mut open, taken) = open_lines(step, states, &index.lines(target), true);
    let mut units_total: u64 = 0;
    for (_, u) in &open {
        units_total = units_total.checked_add(count(*u)?).ok_or_else(overflow)?;
    }
    let groups = units_total.checked_div(n).unwrap_or(0);
    if groups == 0 {
        return Ok(Err(refusal(taken)));
    }
    open.sort_by(|a, b| {
        let (ka, kb) = (key(states, a.0), key(states, b.0));
        kb.0.cmp(&ka.0).then(ka.1.cmp(&kb.1))
    });
    let mut need = groups.saturating_mul(n);
    let mut filled: u64 = 0;
    let mut group_sum = Decimal::ZERO;
    let mut discount = Decimal::ZERO;
    let mut parts: Vec<(usize, u64)> = Vec::new();
    let dec = |x: u64| Decimal::from(x);
    for (pos, units) in &open {
        if need == 0 {
            break;
        }
        let unit = key(states, *pos).0;
        let m = count(*units)?.min(need);
        need = need.saturating_sub(m);
        parts.push((*pos, m));
        let mut left = m;
        while left > 0 {
            if filled == 0 && left >= n {
                // Whole groups inside this line: all the same.
                let q = left.checked_div(n).unwrap_or(0);
                let one = unit.checked_mul(dec(n)).and_then(|s| s.checked_sub(price));
                let one = one.ok_or_else(overflow)?.max(Decimal::ZERO);
                let add = one.checked_mul(dec(q)).ok_or_else(overflow)?;
                discount = discount.checked_add(add).ok_or_else(overflow)?;
                left = left.saturating_sub(q.saturating_mul(n));
                continue;
            }
            let t = left.min(n.saturating_sub(filled));
            let add = unit.checked_mul(dec(t)).ok_or_else(overflow)?;
            group_sum = group_sum.checked_add(add).ok_or_else(overflow)?;
            filled = filled.saturating_add(t);
            left = left.saturating_sub(t);
            if filled == n {
                let over = group_sum.checked_sub(price).ok_or_else(overflow)?;
                discount = discount
                    .checked_add(over.max(Decimal::ZERO))
                    .ok_or_else(overflow)?;
                group_sum = Decimal::ZERO;
                filled = 0;
            }
        }
    }
    parts.sort_unstable_by_key(|p| p.0);
    let mut weights = Vec::with_capacity(parts.len());
    for (pos, m) in &parts {
        let amount = match states.get(*pos) {
            Some(s) => s.amount_of(milli(*m)?, step.minor)?,
            None => 0,
        };
        weights.push(amount);
    }
    let cap = weights
        .iter()
        .try_fold(0i128, |a, w| a.checked_add(*w))
        .ok_or_else(overflow)?;
    let total = to_minor(discount, step.minor)?.min(cap);
    let shares = largest_remainder(total, &weights)?;
    let mut plan: Plan = Vec::with_capacity(parts.len());
    for ((pos, m), share) in parts.into_iter().zip(shares) {
        let room = states.get(pos).map_or(0, LineState::room);
        plan.push((pos, milli(m)?, share.min(room)));
    }
    Ok(checked(plan, taken))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{CategoryId, ProductId, PromotionId, Sku};
    use crate::item::Unit;
    use crate::promotion::model::{Stacking, Trigger};
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
