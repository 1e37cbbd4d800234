//! Buy X get Y ("2 achetés = le 3e offert", cheapest unit free).

use super::line_rewards::{LineResult, Plan, Step, checked, count, key, milli, refusal};
use super::model::Target;
use super::state::{LineState, percent_of};
use super::targets::Designate;
use crate::CoreError;
use rust_decimal::Decimal;

/// Buy X get Y's quantities.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bxgy {
    /// Qualifying units per application.
    pub x: u64,
    /// Rewarded units per application.
    pub y: u64,
    /// Discount on the rewarded units.
    pub percent: Decimal,
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
pub(crate) fn buy_x_get_y(
    step: Step<'_>,
    states: &[LineState],
    index: &dyn Designate,
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
    // Keys are distinct (line indexes are): an unstable sort is deterministic.
    parts.sort_unstable_by_key(|p| key(states, p.pos));
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
