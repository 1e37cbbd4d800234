//! N for a fixed price ("3 croissants pour 3 €").

use super::line_rewards::{
    LineResult, Plan, Step, checked, count, key, milli, open_lines, refusal,
};
use super::model::Target;
use super::spread::largest_remainder;
use super::state::{LineState, overflow, to_minor};
use super::targets::Designate;
use crate::CoreError;
use rust_decimal::Decimal;

/// N for a fixed price: the dearest units first (ties: earlier line) are cut
/// into groups of `n`, as many as fit; a group's discount is the sum of its
/// unit prices minus `price` (none if the group costs less); the total,
/// rounded once, is spread over the participating lines in proportion to
/// their participating amounts (largest remainder, ties: earlier line).
pub(crate) fn n_for_price(
    step: Step<'_>,
    states: &[LineState],
    index: &dyn Designate,
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
    open.sort_unstable_by(|a, b| {
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
