//! The engine: validates, sorts, applies promotions in order and assembles
//! the outcome. See the module documentation for the rules.
//!
//! [`run`] is the one evaluation; [`apply`] calls it with nothing to reuse,
//! the incremental evaluator (`incremental.rs`) with the trace of its last
//! run, from which it copies the effect of every line promotion whose
//! inputs cannot have changed.

use super::incremental::Replay;
use super::input::{PromoContext, PromoLine};
use super::line_rewards::{self, Buffers, LineResult, Step};
use super::model::{Promotion, Reward, Stacking, Trigger, normalize_code};
use super::outcome::{
    AcceptedCoupon, Adjustment, AppliedPromotion, CouponRejection, LinePromotions,
    PromotionOutcome, RejectedCoupon, TicketReward, TicketRewardKind,
};
use super::state::{LineState, exact_units, overflow, percent_of, quantity};
use super::targets::{Designate, Index, LineIndex};
use super::{schedule, validate};
use crate::money::{from_minor_i128, to_minor_i128};
use crate::{CoreError, Money};
use chrono::NaiveDateTime;
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// Applies `promotions` to `lines` in the context `ctx`.
pub fn apply(
    lines: &[PromoLine],
    promotions: &[Promotion],
    ctx: &PromoContext,
) -> Result<PromotionOutcome, CoreError> {
    run(lines, promotions, ctx, None).map(|(outcome, _)| outcome)
}

/// What the incremental evaluator brings to a run, for promotions whose
/// definitions it has checked already.
#[derive(Debug)]
pub(crate) struct Reuse<'p> {
    /// Every promotion's index, by priority then id ([`sort`]).
    pub sorted: &'p [usize],
    /// The index of the lines, built on first use and kept while the
    /// lines' SKUs, products and categories stay the same.
    pub index: &'p OnceCell<Index<Box<str>>>,
    /// The last run, when its line promotions may be copied.
    pub replay: Option<Replay<'p>>,
}

/// What the line promotions of a run did, step by step (the main pass; a
/// run won by a global exclusive promotion leaves none).
#[derive(Debug, Clone, Default)]
pub(crate) struct Trace {
    /// Line promotions in the order tried.
    pub steps: Vec<StepTrace>,
    /// Every use: (line position, thousandths, discount given).
    pub uses: Vec<(usize, i128, i128)>,
    /// The lines' states before any promotion.
    pub initial: Vec<LineState>,
}

/// One line promotion of a [`Trace`].
#[derive(Debug, Clone)]
pub(crate) struct StepTrace {
    /// The promotion's index.
    pub promo: usize,
    /// Why its conditions refused it (then it did nothing).
    pub gate: Option<CouponRejection>,
    /// What its reward did when the conditions held.
    pub result: Option<LineResult>,
    /// Its uses in [`Trace::uses`], ascending line positions.
    pub uses: Range<usize>,
}

/// Evaluates `promotions` on `lines`. Without `reuse` the definitions are
/// checked too; with a replay, line promotions whose lines and conditions
/// are as in the replayed run get that run's effect instead of being
/// recomputed. Returns the outcome and, when the main pass ran, its trace.
pub(crate) fn run(
    lines: &[PromoLine],
    promotions: &[Promotion],
    ctx: &PromoContext,
    reuse: Option<Reuse<'_>>,
) -> Result<(PromotionOutcome, Option<Trace>), CoreError> {
    let (sorted, kept_index, mut replay) = match reuse {
        Some(r) => {
            // Lines the replayed run had were checked then, in this currency.
            let unchecked = r.replay.as_ref().map_or(0..lines.len(), Replay::changed);
            validate::lines(lines.get(unchecked).unwrap_or(lines), ctx.currency)?;
            (Some(r.sorted), Some(r.index), r.replay)
        }
        None => {
            validate::lines(lines, ctx.currency)?;
            validate::promotions(promotions, ctx.currency)?;
            (None, None, None)
        }
    };
    let local = schedule::local_time(ctx)?;
    let coupons = Coupons::read(promotions, ctx);
    let order: Vec<usize> = match sorted {
        // Ids are unique: filtering a sorted list keeps it sorted.
        Some(sorted) => sorted
            .iter()
            .copied()
            .filter(|i| coupons.triggers(promotions, *i))
            .collect(),
        None => {
            let mut order: Vec<usize> = (0..promotions.len())
                .filter(|i| coupons.triggers(promotions, *i))
                .collect();
            sort(promotions, &mut order);
            order
        }
    };
    let env = Env {
        promotions,
        ctx,
        local,
        minor: ctx.currency.minor_units(),
        lines,
        index: OnceCell::new(),
        kept_index,
        any_return: lines.iter().any(PromoLine::is_return),
    };

    // A global exclusive promotion that applies on its own is the only one.
    let mut reasons: BTreeMap<usize, CouponRejection> = BTreeMap::new();
    let is_global = |i: &usize| {
        promotions
            .get(*i)
            .is_some_and(|p| p.stacking == Stacking::GlobalExclusive)
    };
    for &i in order.iter().filter(|i| is_global(i)) {
        let mut run = Run::new(&env, lines)?;
        run.try_promotion(i)?;
        if run.applied.is_empty() {
            reasons.extend(run.reasons);
        } else {
            for other in coupons.promotions() {
                if other != i {
                    reasons
                        .entry(other)
                        .or_insert(CouponRejection::NotCombinable);
                }
            }
            return Ok((run.finish(lines, &coupons, reasons)?, None));
        }
    }

    let initial = match &replay {
        Some(r) => r.initial_states(lines, env.minor)?,
        None => initial_states(lines, env.minor)?,
    };
    let mut run = Run::with_states(&env, initial.clone())?;
    let rest: Vec<usize> = order.into_iter().filter(|i| !is_global(i)).collect();
    let ticket_level = |i: &usize| {
        promotions
            .get(*i)
            .is_some_and(|p| p.reward.is_ticket_level())
    };
    let line_steps: Vec<usize> = rest.iter().copied().filter(|i| !ticket_level(i)).collect();
    if replay.as_ref().is_some_and(|r| !r.follows(&line_steps)) {
        replay = None;
    }
    let mut steps = Vec::with_capacity(line_steps.len());
    for (k, &i) in line_steps.iter().enumerate() {
        steps.push(run.line_step(k, i, replay.as_mut())?);
    }
    for &i in rest.iter().filter(|i| ticket_level(i)) {
        run.try_promotion(i)?;
    }
    let trace = Trace {
        steps,
        uses: run.buffers.uses.iter().map(|u| (u.0, u.3, u.4)).collect(),
        initial,
    };
    let mut all = reasons;
    all.extend(std::mem::take(&mut run.reasons));
    Ok((run.finish(lines, &coupons, all)?, Some(trace)))
}

/// The states of `lines` before any promotion.
pub(crate) fn initial_states(lines: &[PromoLine], minor: u32) -> Result<Vec<LineState>, CoreError> {
    lines.iter().map(|l| LineState::new(l, minor)).collect()
}

/// Sorts promotion indexes by priority, then id (the order they are tried in).
pub(crate) fn sort(promotions: &[Promotion], order: &mut [usize]) {
    order.sort_by(|a, b| {
        let (pa, pb) = (promotions.get(*a), promotions.get(*b));
        pa.map(|p| (p.priority, &p.id))
            .cmp(&pb.map(|p| (p.priority, &p.id)))
    });
}

/// What does not change during a run.
#[derive(Debug)]
struct Env<'a> {
    promotions: &'a [Promotion],
    ctx: &'a PromoContext,
    local: NaiveDateTime,
    minor: u32,
    lines: &'a [PromoLine],
    /// Built on first use: a run that replays every line promotion needs none.
    index: OnceCell<LineIndex<'a>>,
    /// The incremental evaluator's index, used instead when given.
    kept_index: Option<&'a OnceCell<Index<Box<str>>>>,
    any_return: bool,
}

impl<'a> Env<'a> {
    fn index(&self) -> &dyn Designate {
        match self.kept_index {
            Some(kept) => kept.get_or_init(|| Index::of_lines(self.lines)),
            None => self
                .index
                .get_or_init(|| LineIndex::new(self.lines, self.promotions)),
        }
    }
}

/// The coupons entered, in entry order.
#[derive(Debug)]
struct Coupons {
    /// (normalised code, what it is).
    entries: Vec<(String, Entry)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Unknown,
    Duplicate,
    Promotion(usize),
}

impl Coupons {
    fn read(promotions: &[Promotion], ctx: &PromoContext) -> Coupons {
        let by_code: BTreeMap<String, usize> = promotions
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.coupon_code().map(|c| (c, i)))
            .collect();
        let mut seen = BTreeSet::new();
        let entries = ctx
            .coupons
            .iter()
            .map(|raw| {
                let code: String = normalize_code(raw).chars().take(64).collect();
                let entry = if !seen.insert(code.clone()) {
                    Entry::Duplicate
                } else {
                    by_code
                        .get(&code)
                        .map_or(Entry::Unknown, |i| Entry::Promotion(*i))
                };
                (code, entry)
            })
            .collect();
        Coupons { entries }
    }

    /// Whether promotion `i` takes part: automatic, or its code was entered.
    fn triggers(&self, promotions: &[Promotion], i: usize) -> bool {
        match promotions.get(i).map(|p| &p.trigger) {
            Some(Trigger::Automatic) => true,
            Some(Trigger::Coupon { .. }) => self.code_of(i).is_some(),
            None => false,
        }
    }

    fn code_of(&self, i: usize) -> Option<&str> {
        self.entries
            .iter()
            .find(|(_, e)| *e == Entry::Promotion(i))
            .map(|(c, _)| c.as_str())
    }

    fn promotions(&self) -> impl Iterator<Item = usize> + '_ {
        self.entries.iter().filter_map(|(_, e)| match e {
            Entry::Promotion(i) => Some(*i),
            Entry::Unknown | Entry::Duplicate => None,
        })
    }
}

/// Which ticket rewards may still apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TicketMode {
    Open,
    /// A non-stackable reward applied: only stackable ones may follow.
    Taken,
    /// An exclusive reward applied: nothing follows.
    Closed,
}

/// One pass over the cart.
#[derive(Debug)]
struct Run<'a> {
    env: &'a Env<'a>,
    states: Vec<LineState>,
    /// (promotion index, discount), in the order applied.
    applied: Vec<(usize, i128)>,
    ticket_rewards: Vec<(usize, TicketRewardKind)>,
    ticket_discount: i128,
    ticket_mode: TicketMode,
    reasons: BTreeMap<usize, CouponRejection>,
    buffers: Buffers,
    /// Σ room of the lines, kept as promotions take from them (a line's
    /// room falls by exactly what it gives).
    rooms: i128,
}

impl<'a> Run<'a> {
    fn new(env: &'a Env<'a>, lines: &[PromoLine]) -> Result<Run<'a>, CoreError> {
        Run::with_states(env, initial_states(lines, env.minor)?)
    }

    fn with_states(env: &'a Env<'a>, states: Vec<LineState>) -> Result<Run<'a>, CoreError> {
        let rooms = states
            .iter()
            .try_fold(0i128, |a, s| a.checked_add(s.room()))
            .ok_or_else(overflow)?;
        Ok(Run {
            env,
            states,
            applied: Vec::new(),
            ticket_rewards: Vec::new(),
            ticket_discount: 0,
            ticket_mode: TicketMode::Open,
            reasons: BTreeMap::new(),
            buffers: Buffers::default(),
            rooms,
        })
    }

    /// What the sale lines come to now: after manual discounts, the line
    /// promotions applied so far and the ticket discounts so far.
    fn spend(&self) -> Result<i128, CoreError> {
        self.rooms
            .checked_sub(self.ticket_discount)
            .ok_or_else(overflow)
    }

    fn try_promotion(&mut self, i: usize) -> Result<(), CoreError> {
        let Some(promo) = self.env.promotions.get(i) else {
            return Ok(());
        };
        if let Some(reason) = self.gate(promo)? {
            self.reject(i, reason);
            return Ok(());
        }
        if promo.reward.is_ticket_level() {
            return self.ticket_reward(i, promo);
        }
        let result = self.line_reward(i, promo)?;
        self.record(i, result);
        Ok(())
    }

    /// Notes why promotion `i` did not apply: only a coupon's reason is
    /// ever reported, so only those are kept.
    fn reject(&mut self, i: usize, reason: CouponRejection) {
        let coupon = self
            .env
            .promotions
            .get(i)
            .is_some_and(|p| matches!(p.trigger, Trigger::Coupon { .. }));
        if coupon {
            self.reasons.insert(i, reason);
        }
    }

    /// Why the conditions refuse `promo` now, if they do.
    fn gate(&self, promo: &Promotion) -> Result<Option<CouponRejection>, CoreError> {
        if let Err(reason) = schedule::check(&promo.conditions, self.env.ctx, self.env.local) {
            return Ok(Some(reason));
        }
        if let Some(min) = promo.conditions.min_spend {
            // Checked to be whole minor units: exact, no rounding.
            let minimum = exact_units(min, self.env.minor)?;
            if self.spend()? < minimum {
                let minimum = Money::new(min, self.env.ctx.currency).rounded();
                return Ok(Some(CouponRejection::MinimumSpendNotReached { minimum }));
            }
        }
        Ok(None)
    }

    /// Computes and commits a line reward.
    fn line_reward(&mut self, i: usize, promo: &Promotion) -> Result<LineResult, CoreError> {
        let step = Step {
            promo,
            pos: i,
            minor: self.env.minor,
        };
        let index = self.env.index();
        let result = line_rewards::apply(step, &mut self.states, index, &mut self.buffers)?;
        if let LineResult::Applied(total) = result {
            self.rooms = self.rooms.checked_sub(total).ok_or_else(overflow)?;
        }
        Ok(result)
    }

    /// Notes what a line reward did.
    fn record(&mut self, i: usize, result: LineResult) {
        match result {
            LineResult::Applied(total) => self.applied.push((i, total)),
            LineResult::NotApplicable => {
                self.reject(i, CouponRejection::NotApplicable);
            }
            LineResult::NotCombinable => {
                self.reject(i, CouponRejection::NotCombinable);
            }
        }
    }

    /// Step `k` of the main pass, line promotion `i`: its effect copied
    /// from the replayed run when its inputs are unchanged, computed
    /// otherwise.
    fn line_step(
        &mut self,
        k: usize,
        i: usize,
        replay: Option<&mut Replay<'_>>,
    ) -> Result<StepTrace, CoreError> {
        let start = self.buffers.uses.len();
        let Some(promo) = self.env.promotions.get(i) else {
            return Err(overflow());
        };
        let gate = self.gate(promo)?;
        let result = match &gate {
            Some(reason) => {
                self.reject(i, reason.clone());
                None
            }
            None => {
                let reused = replay.as_deref().and_then(|r| r.reusable(k, i));
                let result = match reused {
                    Some((uses, result)) => {
                        self.copy_uses(i, promo.stacking, uses)?;
                        result
                    }
                    None => self.line_reward(i, promo)?,
                };
                self.record(i, result);
                Some(result)
            }
        };
        let end = self.buffers.uses.len();
        if let Some(r) = replay {
            r.settle(k, self.buffers.uses.get(start..end).unwrap_or(&[]));
        }
        Ok(StepTrace {
            promo: i,
            gate,
            result,
            uses: start..end,
        })
    }

    /// Commits uses copied from the replayed run: (new line position,
    /// thousandths, discount).
    fn copy_uses(
        &mut self,
        i: usize,
        stacking: Stacking,
        uses: impl Iterator<Item = (usize, i128, i128)>,
    ) -> Result<(), CoreError> {
        for (pos, units, given) in uses {
            let s = self.states.get_mut(pos).ok_or_else(overflow)?;
            let given = s.take(stacking, units, given)?;
            self.rooms = self.rooms.checked_sub(given).ok_or_else(overflow)?;
            let seq = self.buffers.uses.len();
            self.buffers.uses.push((pos, seq, i, units, given));
        }
        Ok(())
    }

    fn ticket_reward(&mut self, i: usize, promo: &Promotion) -> Result<(), CoreError> {
        let allowed = match promo.stacking {
            Stacking::Stackable => self.ticket_mode != TicketMode::Closed,
            Stacking::Normal => self.ticket_mode == TicketMode::Open,
            Stacking::Exclusive | Stacking::GlobalExclusive => self.ticket_rewards.is_empty(),
        };
        if !allowed {
            self.reject(i, CouponRejection::NotCombinable);
            return Ok(());
        }
        let (kind, discount) = match &promo.reward {
            Reward::FreeItem { sku, quantity } => (
                TicketRewardKind::FreeItem {
                    sku: sku.clone(),
                    quantity: *quantity,
                },
                0,
            ),
            Reward::TicketPercentOff { .. } | Reward::TicketAmountOff { .. }
                if self.env.any_return =>
            {
                // Pricing refuses a ticket discount on a ticket with returns.
                self.reject(i, CouponRejection::NotApplicable);
                return Ok(());
            }
            Reward::TicketPercentOff { percent } => {
                let d = percent_of(self.spend()?, *percent)?;
                (self.discount_kind(d)?, d)
            }
            Reward::TicketAmountOff { amount } => {
                let d = to_minor_i128(*amount, self.env.minor)?.min(self.spend()?);
                (self.discount_kind(d)?, d)
            }
            _ => return Ok(()),
        };
        if discount <= 0 && !matches!(kind, TicketRewardKind::FreeItem { .. }) {
            self.reject(i, CouponRejection::NotApplicable);
            return Ok(());
        }
        self.ticket_discount = self
            .ticket_discount
            .checked_add(discount)
            .ok_or_else(overflow)?;
        self.ticket_mode = match promo.stacking {
            Stacking::Stackable => self.ticket_mode,
            Stacking::Normal => TicketMode::Taken,
            Stacking::Exclusive | Stacking::GlobalExclusive => TicketMode::Closed,
        };
        self.ticket_rewards.push((i, kind));
        self.applied.push((i, discount));
        Ok(())
    }

    fn discount_kind(&self, d: i128) -> Result<TicketRewardKind, CoreError> {
        Ok(TicketRewardKind::Discount {
            amount: self.money(d)?,
        })
    }

    fn money(&self, minor_units: i128) -> Result<Money, CoreError> {
        Ok(Money::new(
            from_minor_i128(minor_units, self.env.minor)?,
            self.env.ctx.currency,
        ))
    }

    fn finish(
        mut self,
        lines: &[PromoLine],
        coupons: &Coupons,
        reasons: BTreeMap<usize, CouponRejection>,
    ) -> Result<PromotionOutcome, CoreError> {
        let promotions = self.env.promotions;
        let promo = |i: usize| promotions.get(i).ok_or_else(overflow);
        let mut uses = std::mem::take(&mut self.buffers.uses);
        // By line, then in the order applied.
        uses.sort_unstable_by_key(|u| (u.0, u.1));
        let mut rest: &[(usize, usize, usize, i128, i128)] = &uses;
        let mut out_lines = Vec::with_capacity(lines.len());
        let mut line_total: i128 = 0;
        for (pos, (state, line)) in self.states.iter().zip(lines).enumerate() {
            let here = rest.iter().take_while(|u| u.0 == pos).count();
            let (mine, others) = rest.split_at_checked(here).unwrap_or((&[], rest));
            rest = others;
            let mut adjustments = Vec::with_capacity(here);
            for &(_, _, i, units, amount) in mine {
                let p = promo(i)?;
                adjustments.push(Adjustment {
                    promotion_id: p.id.clone(),
                    label: p.name.clone(),
                    quantity: quantity(units)?,
                    amount: self.money(amount)?,
                });
            }
            line_total = line_total
                .checked_add(state.discount)
                .ok_or_else(overflow)?;
            out_lines.push(LinePromotions {
                line: line.index,
                adjustments,
                discount: self.money(state.discount)?,
            });
        }
        let mut applied = Vec::with_capacity(self.applied.len());
        let mut accepted = Vec::new();
        for (i, discount) in &self.applied {
            let p = promo(*i)?;
            let coupon = coupons.code_of(*i).map(str::to_owned);
            if let (Some(code), Trigger::Coupon { single_use, .. }) = (&coupon, &p.trigger) {
                accepted.push(AcceptedCoupon {
                    code: code.clone(),
                    promotion_id: p.id.clone(),
                    single_use: *single_use,
                });
            }
            applied.push(AppliedPromotion {
                promotion_id: p.id.clone(),
                coupon,
                discount: self.money(*discount)?,
            });
        }
        let applied_set: BTreeSet<usize> = self.applied.iter().map(|(i, _)| *i).collect();
        let mut rejected = Vec::new();
        for (code, entry) in &coupons.entries {
            let reason = match entry {
                Entry::Unknown => CouponRejection::Unknown,
                Entry::Duplicate => CouponRejection::Duplicate,
                Entry::Promotion(i) if applied_set.contains(i) => continue,
                Entry::Promotion(i) => reasons
                    .get(i)
                    .cloned()
                    .unwrap_or(CouponRejection::NotApplicable),
            };
            rejected.push(RejectedCoupon {
                code: code.clone(),
                reason,
            });
        }
        let mut ticket_rewards = Vec::with_capacity(self.ticket_rewards.len());
        for (i, kind) in self.ticket_rewards.iter() {
            let p = promo(*i)?;
            ticket_rewards.push(TicketReward {
                promotion_id: p.id.clone(),
                label: p.name.clone(),
                kind: kind.clone(),
            });
        }
        let total = line_total
            .checked_add(self.ticket_discount)
            .ok_or_else(overflow)?;
        Ok(PromotionOutcome {
            lines: out_lines,
            ticket_rewards,
            ticket_discount: self.money(self.ticket_discount)?,
            applied,
            accepted_coupons: accepted,
            rejected_coupons: rejected,
            total_discount: self.money(total)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;
    use crate::ids::{CategoryId, CustomerGroupId, ProductId, PromotionId, Sku};
    use crate::item::Unit;
    use crate::promotion::model::{Conditions, Target};
    use chrono::{TimeZone, Utc};
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    fn line(i: usize, sku: &str, price: Decimal, qty: Decimal) -> PromoLine {
        let eur = |a| Money::new(a, Currency::EUR);
        PromoLine {
            index: i,
            sku: Sku::new(sku).unwrap(),
            product_id: ProductId::new(sku).unwrap(),
            categories: vec![CategoryId::new("ALL").unwrap()],
            unit: Unit::Piece,
            unit_price: eur(price),
            quantity: qty,
            gross: eur(crate::money::round_half_away(price * qty, 2)),
            manual_discount: eur(dec!(0.00)),
            price_overridden: false,
            reward_of: None,
        }
    }

    fn promo(id: &str, priority: u32, stacking: Stacking, reward: Reward) -> Promotion {
        Promotion {
            id: PromotionId::new(id).unwrap(),
            name: format!("promo {id}"),
            priority,
            trigger: Trigger::Automatic,
            stacking,
            conditions: Conditions::default(),
            reward,
        }
    }

    fn coupon(mut p: Promotion, code: &str) -> Promotion {
        p.trigger = Trigger::Coupon {
            code: code.into(),
            single_use: false,
        };
        p
    }

    fn pct(p: Decimal) -> Reward {
        Reward::PercentOff {
            target: Target::All,
            percent: p,
        }
    }

    fn ctx(coupons: &[&str]) -> PromoContext {
        let mut c = PromoContext::new(
            Currency::EUR,
            Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap(),
        );
        c.coupons = coupons.iter().map(|s| (*s).to_owned()).collect();
        c
    }

    fn reasons(out: &PromotionOutcome) -> Vec<(String, &'static str)> {
        out.rejected_coupons
            .iter()
            .map(|r| (r.code.clone(), r.reason.kind()))
            .collect()
    }

    #[test]
    fn coupon_reasons_are_typed() {
        let mut later = coupon(promo("A", 1, Stacking::Normal, pct(dec!(10))), "LATER");
        later.conditions.valid_from = Some(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap());
        let mut pros = coupon(promo("B", 1, Stacking::Normal, pct(dec!(10))), "PROS");
        pros.conditions.customer_groups = vec![CustomerGroupId::new("PRO").unwrap()];
        let mut weekend = coupon(promo("C", 1, Stacking::Normal, pct(dec!(10))), "WEEKEND");
        weekend.conditions.days = vec![chrono::Weekday::Sat, chrono::Weekday::Sun];
        let lines = [line(0, "X", dec!(5), dec!(1))];
        let out = apply(
            &lines,
            &[later, pros, weekend],
            &ctx(&["later", "pros", "weekend"]),
        )
        .unwrap();
        assert_eq!(
            reasons(&out),
            [
                ("LATER".to_owned(), "not_yet_valid"),
                ("PROS".to_owned(), "customer_not_eligible"),
                ("WEEKEND".to_owned(), "outside_hours"),
            ]
        );
        assert!(out.total_discount.is_zero());
    }

    #[test]
    fn units_taken_make_a_coupon_not_combinable() {
        let auto = promo("A", 1, Stacking::Normal, pct(dec!(20)));
        let code = coupon(promo("B", 2, Stacking::Normal, pct(dec!(10))), "DIX");
        let lines = [line(0, "X", dec!(5), dec!(1))];
        let out = apply(&lines, &[code, auto], &ctx(&["DIX"])).unwrap();
        assert_eq!(reasons(&out), [("DIX".to_owned(), "not_combinable")]);
        assert_eq!(out.lines[0].discount.to_string(), "1.00 EUR");
    }

    #[test]
    fn global_exclusive_that_gives_nothing_lets_the_others_apply() {
        let mut vip = coupon(
            promo("VIP", 0, Stacking::GlobalExclusive, pct(dec!(30))),
            "VIP",
        );
        vip.conditions.min_spend = Some(dec!(100.00));
        let auto = promo("A", 1, Stacking::Normal, pct(dec!(20)));
        let lines = [line(0, "X", dec!(5), dec!(1))];
        let out = apply(&lines, &[vip, auto], &ctx(&["VIP"])).unwrap();
        assert_eq!(
            reasons(&out),
            [("VIP".to_owned(), "minimum_spend_not_reached")]
        );
        assert_eq!(out.applied.len(), 1);
        assert_eq!(out.lines[0].discount.to_string(), "1.00 EUR");
    }

    #[test]
    fn manual_lines_need_the_promotion_to_say_so() {
        let mut manual = line(0, "X", dec!(10), dec!(1));
        manual.manual_discount = Money::new(dec!(9.50), Currency::EUR);
        let mut p = promo("A", 1, Stacking::Normal, pct(dec!(50)));
        let out = apply(
            std::slice::from_ref(&manual),
            std::slice::from_ref(&p),
            &ctx(&[]),
        )
        .unwrap();
        assert!(out.total_discount.is_zero());
        p.conditions.with_manual_discounts = true;
        let out = apply(&[manual], &[p], &ctx(&[])).unwrap();
        // 50 % of 10.00 = 5.00, but only 0.50 is left after the manual discount.
        assert_eq!(out.lines[0].discount.to_string(), "0.50 EUR");
    }

    #[test]
    fn reward_lines_are_left_alone_and_not_counted() {
        let mut bag = line(1, "BAG", dec!(4), dec!(1));
        bag.reward_of = Some(PromotionId::new("BAG").unwrap());
        let mut threshold = promo(
            "T",
            1,
            Stacking::Normal,
            Reward::TicketAmountOff { amount: dec!(1.00) },
        );
        threshold.conditions.min_spend = Some(dec!(10.00));
        let lines = [line(0, "X", dec!(8), dec!(1)), bag];
        let all = promo("A", 0, Stacking::Stackable, pct(dec!(10)));
        let out = apply(&lines, &[all, threshold], &ctx(&[])).unwrap();
        assert!(out.lines[1].adjustments.is_empty());
        // 8.00 - 0.80 = 7.20 < 10.00 (the bag does not count).
        assert!(out.ticket_discount.is_zero());
    }

    #[test]
    fn exclusive_ticket_reward_stands_alone() {
        let ex = promo(
            "E",
            1,
            Stacking::Exclusive,
            Reward::TicketPercentOff { percent: dec!(10) },
        );
        let st = coupon(
            promo(
                "S",
                2,
                Stacking::Stackable,
                Reward::TicketAmountOff { amount: dec!(1.00) },
            ),
            "UN",
        );
        let lines = [line(0, "X", dec!(20), dec!(1))];
        let out = apply(&lines, &[st, ex], &ctx(&["UN"])).unwrap();
        assert_eq!(out.ticket_discount.to_string(), "2.00 EUR");
        assert_eq!(reasons(&out), [("UN".to_owned(), "not_combinable")]);
    }

    #[test]
    fn ticket_amount_is_capped_at_the_ticket() {
        let big = promo(
            "B",
            1,
            Stacking::Normal,
            Reward::TicketAmountOff {
                amount: dec!(50.00),
            },
        );
        let lines = [line(0, "X", dec!(3.20), dec!(1))];
        let out = apply(&lines, &[big], &ctx(&[])).unwrap();
        assert_eq!(out.ticket_discount.to_string(), "3.20 EUR");
    }

    #[test]
    fn bad_lines_are_refused() {
        let mut l = line(0, "X", dec!(1), dec!(1));
        l.manual_discount = Money::new(dec!(2), Currency::EUR);
        let e = apply(&[l], &[], &ctx(&[])).unwrap_err();
        assert_eq!(
            e,
            CoreError::InvalidPromoLine {
                line: 0,
                defect: crate::promotion::PromoLineDefect::BadManualDiscount
            }
        );
        let dup = [
            line(3, "X", dec!(1), dec!(1)),
            line(3, "Y", dec!(1), dec!(1)),
        ];
        assert_eq!(
            apply(&dup, &[], &ctx(&[])).unwrap_err().kind(),
            "invalid_promo_line"
        );
        let mut usd = line(0, "X", dec!(1), dec!(1));
        usd.gross = Money::new(dec!(1), Currency::from_code("USD").unwrap());
        assert_eq!(
            apply(&[usd], &[], &ctx(&[])).unwrap_err().kind(),
            "invalid_promo_line"
        );
    }
}
