//! Incremental evaluation: after a cart change, re-evaluate only the line
//! promotions whose scope holds a line whose state differs from the last
//! run, and copy the effect of every other one from that run.
//!
//! Why the result is that of a full evaluation ([`super::apply`]): a line
//! reward's effect is a function of the promotion, its gate (schedule and
//! minimum spend) and the states of the lines in its scope at its turn
//! (quantity, price, room, units taken). The evaluator keeps the last run's
//! context, lines and [`Trace`] (per line promotion: gate, result, and the
//! uses it committed). On the next run, with the same promotions (same
//! `Arc`) and the same context:
//! 1. The new lines are matched with the old ones: a common prefix (equal
//!    lines) and a common suffix (equal but for their index, which may
//!    shift after a removal). Lines in between are *changed*: the old ones
//!    removed, the new ones added. Line indexes must be strictly ascending
//!    in both runs, so matched lines keep their relative order, the only
//!    thing ties between lines look at.
//! 2. A line is *dirty* when its state at the current step may differ from
//!    its state at the same step of the last run; changed lines start
//!    dirty. A promotion is *affected* when its scope holds a dirty line or
//!    held a removed one ([`Scopes`]).
//! 3. Line promotions run in the same order as before. One that is not
//!    affected and whose gate lets it through now as it did then sees
//!    exactly the states it saw then, so it would compute the same uses:
//!    they are copied. Any other is recomputed, and each line whose use
//!    differs from the last run's (or appears, or disappears) becomes dirty,
//!    which affects the promotions after it in whose scope it is.
//! 4. The minimum spend is checked at every step on the running total, and
//!    ticket rewards (which look at the whole ticket) and global exclusive
//!    promotions (each tried alone) are always recomputed.
//!
//! Anything else (new promotions, another context, indexes out of order, a
//! run won by a global exclusive promotion) makes a full evaluation. The
//! property tests check the outcome against [`super::apply`] after random
//! sequences of changes.

use super::engine::{self, Reuse, Trace};
use super::input::{PromoContext, PromoLine};
use super::line_rewards::LineResult;
use super::model::Promotion;
use super::outcome::PromotionOutcome;
use super::state::LineState;
use super::targets::{Index, Scopes};
use crate::{CoreError, Currency};
use std::cell::OnceCell;
use std::sync::Arc;

/// Applies promotions like [`super::apply`], reusing what it computed for
/// the previous cart when the promotions (the same `Arc`) and the context
/// are unchanged. The outcome is always the one [`super::apply`] gives.
///
/// ```
/// use pos_core::promotion::{self, Evaluator, PromoContext};
/// use pos_core::Currency;
/// use chrono::{TimeZone, Utc};
/// use std::sync::Arc;
///
/// let promotions: Arc<[_]> = promotion::parse_promotions_json(promotion::sample_promotions_json())?.into();
/// let ctx = PromoContext::new(Currency::EUR, Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap());
/// let mut evaluator = Evaluator::new();
/// let outcome = evaluator.apply(&[], &promotions, &ctx)?;
/// assert_eq!(outcome, promotion::apply(&[], &promotions, &ctx)?);
/// # Ok::<(), pos_core::CoreError>(())
/// ```
#[derive(Debug, Default)]
pub struct Evaluator {
    cache: Option<Cache>,
}

/// What the evaluator knows about one set of promotions.
#[derive(Debug)]
struct Cache {
    promotions: Arc<[Promotion]>,
    /// The currency the definitions were checked against.
    currency: Currency,
    scopes: Scopes,
    /// Every promotion's index, by priority then id.
    sorted: Vec<usize>,
    /// The index of the last lines (SKUs, products, categories), if built.
    index: OnceCell<Index<Box<str>>>,
    last: Option<Last>,
}

/// The last run that left a trace.
#[derive(Debug)]
struct Last {
    ctx: PromoContext,
    lines: Vec<PromoLine>,
    trace: Trace,
}

impl Evaluator {
    /// An evaluator that knows nothing yet.
    pub fn new() -> Evaluator {
        Evaluator::default()
    }

    /// Forgets everything (the next run is a full evaluation).
    pub fn clear(&mut self) {
        self.cache = None;
    }

    /// Applies `promotions` to `lines` in the context `ctx`: the same
    /// outcome, or the same error, as [`super::apply`].
    pub fn apply(
        &mut self,
        lines: &[PromoLine],
        promotions: &Arc<[Promotion]>,
        ctx: &PromoContext,
    ) -> Result<PromotionOutcome, CoreError> {
        let known = self
            .cache
            .as_mut()
            .filter(|c| Arc::ptr_eq(&c.promotions, promotions) && c.currency == ctx.currency);
        let Some(cache) = known else {
            self.cache = None;
            let (outcome, trace) = engine::run(lines, promotions, ctx, None)?;
            let mut sorted: Vec<usize> = (0..promotions.len()).collect();
            engine::sort(promotions, &mut sorted);
            let mut cache = Cache {
                promotions: Arc::clone(promotions),
                currency: ctx.currency,
                scopes: Scopes::new(promotions),
                sorted,
                index: OnceCell::new(),
                last: None,
            };
            cache.remember(lines, ctx, trace, None);
            self.cache = Some(cache);
            return Ok(outcome);
        };
        let diff = cache
            .last
            .as_ref()
            .filter(|last| last.ctx == *ctx)
            .and_then(|last| Diff::new(&last.lines, lines));
        let replay = match (&cache.last, diff) {
            (Some(last), Some(diff)) => Some(Replay::new(
                last,
                diff,
                &cache.scopes,
                lines,
                promotions.len(),
            )),
            _ => None,
        };
        let keys_kept = match (&cache.last, diff) {
            (Some(last), Some(d)) => d.keeps_keys(&last.lines, lines),
            _ => false,
        };
        if !keys_kept {
            cache.index = OnceCell::new();
        }
        let reuse = Reuse {
            sorted: &cache.sorted,
            index: &cache.index,
            replay,
        };
        let (outcome, trace) = match engine::run(lines, promotions, ctx, Some(reuse)) {
            Ok(done) => done,
            Err(e) => {
                // The index may describe lines the cache does not keep.
                cache.index = OnceCell::new();
                return Err(e);
            }
        };
        cache.remember(lines, ctx, trace, diff);
        Ok(outcome)
    }
}

impl Cache {
    /// Keeps what the next run needs; `diff` says how `lines` differ from
    /// the lines kept, when they were compared.
    fn remember(
        &mut self,
        lines: &[PromoLine],
        ctx: &PromoContext,
        trace: Option<Trace>,
        diff: Option<Diff>,
    ) {
        let Some(trace) = trace else {
            self.last = None;
            return;
        };
        if let (Some(last), Some(d)) = (self.last.as_mut(), diff) {
            let old = d.prefix..d.old_len.saturating_sub(d.suffix);
            let new = d.prefix..d.new_len.saturating_sub(d.suffix);
            if let (Some(_), Some(added)) = (last.lines.get(old.clone()), lines.get(new.clone())) {
                // Only changed lines are copied; matched ones take their new index.
                last.lines.splice(old, added.iter().cloned());
                for (kept, line) in last.lines.iter_mut().zip(lines).skip(new.end) {
                    kept.index = line.index;
                }
                last.trace = trace;
                return;
            }
        }
        self.last = Some(Last {
            ctx: ctx.clone(),
            lines: lines.to_vec(),
            trace,
        });
    }
}

/// How new lines match old ones: `prefix` equal lines, then changed ones,
/// then `suffix` lines equal but for their index.
#[derive(Debug, Clone, Copy)]
struct Diff {
    prefix: usize,
    suffix: usize,
    old_len: usize,
    new_len: usize,
}

impl Diff {
    /// None when the indexes are not strictly ascending in both.
    fn new(old: &[PromoLine], new: &[PromoLine]) -> Option<Diff> {
        if !ascending(old) || !ascending(new) {
            return None;
        }
        let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
        let room = old.len().min(new.len()).saturating_sub(prefix);
        let suffix = old
            .iter()
            .rev()
            .zip(new.iter().rev())
            .take(room)
            .take_while(|(a, b)| same_but_index(a, b))
            .count();
        Some(Diff {
            prefix,
            suffix,
            old_len: old.len(),
            new_len: new.len(),
        })
    }

    /// Whether every line keeps its position, SKU, product and categories
    /// (then an index of the old lines serves the new ones).
    fn keeps_keys(&self, old: &[PromoLine], new: &[PromoLine]) -> bool {
        let changed = self.prefix..self.new_len.saturating_sub(self.suffix);
        self.old_len == self.new_len
            && match (old.get(changed.clone()), new.get(changed)) {
                (Some(old), Some(new)) => old.iter().zip(new).all(|(a, b)| {
                    a.sku == b.sku && a.product_id == b.product_id && a.categories == b.categories
                }),
                _ => false,
            }
    }

    /// The new position of the line at old position `pos`, if it is kept.
    fn map(&self, pos: usize) -> Option<usize> {
        if pos < self.prefix {
            Some(pos)
        } else if pos >= self.old_len.saturating_sub(self.suffix) && pos < self.old_len {
            pos.checked_add(self.new_len)?.checked_sub(self.old_len)
        } else {
            None
        }
    }
}

fn ascending(lines: &[PromoLine]) -> bool {
    lines.windows(2).all(|w| match w {
        [a, b] => a.index < b.index,
        _ => true,
    })
}

fn same_but_index(a: &PromoLine, b: &PromoLine) -> bool {
    a.sku == b.sku
        && a.product_id == b.product_id
        && a.categories == b.categories
        && a.unit == b.unit
        && a.unit_price == b.unit_price
        && a.quantity == b.quantity
        && a.gross == b.gross
        && a.manual_discount == b.manual_discount
        && a.price_overridden == b.price_overridden
        && a.reward_of == b.reward_of
}

/// The last run as seen from the current one (see the module docs).
#[derive(Debug)]
pub(crate) struct Replay<'p> {
    trace: &'p Trace,
    diff: Diff,
    scopes: &'p Scopes,
    lines: &'p [PromoLine],
    /// Per promotion: its scope holds a dirty line or held a removed one.
    affected: Vec<bool>,
    /// Per new line position.
    dirty: Vec<bool>,
}

impl<'p> Replay<'p> {
    fn new(
        last: &'p Last,
        diff: Diff,
        scopes: &'p Scopes,
        lines: &'p [PromoLine],
        promotions: usize,
    ) -> Replay<'p> {
        let mut replay = Replay {
            trace: &last.trace,
            diff,
            scopes,
            lines,
            affected: vec![false; promotions],
            dirty: vec![false; lines.len()],
        };
        let removed = diff.prefix..diff.old_len.saturating_sub(diff.suffix);
        for old in last.lines.get(removed).unwrap_or(&[]) {
            scopes.mark(old, &mut replay.affected);
        }
        for pos in diff.prefix..diff.new_len.saturating_sub(diff.suffix) {
            replay.make_dirty(pos);
        }
        replay
    }

    /// Positions of the new lines that match no old line: the only ones
    /// not checked by an earlier run (the others equal checked lines, and
    /// ascending indexes are unique).
    pub(crate) fn changed(&self) -> std::ops::Range<usize> {
        self.diff.prefix..self.diff.new_len.saturating_sub(self.diff.suffix)
    }

    /// The states of `lines` before any promotion: the last run's for the
    /// lines kept (only their index may change), new ones for the others.
    pub(crate) fn initial_states(
        &self,
        lines: &[PromoLine],
        minor: u32,
    ) -> Result<Vec<LineState>, CoreError> {
        let old = &self.trace.initial;
        let changed = self.changed();
        let kept_after = self.diff.old_len.saturating_sub(self.diff.suffix);
        let (Some(before), Some(after), Some(added)) = (
            old.get(..changed.start),
            old.get(kept_after..),
            lines.get(changed.clone()),
        ) else {
            return engine::initial_states(lines, minor);
        };
        let mut states = Vec::with_capacity(lines.len());
        states.extend_from_slice(before);
        for line in added {
            states.push(LineState::new(line, minor)?);
        }
        states.extend_from_slice(after);
        for (state, line) in states.iter_mut().zip(lines).skip(changed.end) {
            state.index = line.index;
        }
        Ok(states)
    }

    /// Whether the main pass tries the same line promotions in the same order.
    pub(crate) fn follows(&self, steps: &[usize]) -> bool {
        self.trace.steps.len() == steps.len()
            && self
                .trace
                .steps
                .iter()
                .zip(steps)
                .all(|(s, i)| s.promo == *i)
    }

    /// When step `k` (promotion `i`, its conditions met now) may copy the
    /// last run: its uses at their new positions and its result.
    pub(crate) fn reusable(
        &self,
        k: usize,
        i: usize,
    ) -> Option<(impl Iterator<Item = (usize, i128, i128)> + '_, LineResult)> {
        let step = self.trace.steps.get(k)?;
        if step.promo != i || self.affected.get(i).copied().unwrap_or(true) {
            return None;
        }
        let result = step.result.filter(|_| step.gate.is_none())?;
        let uses = self.trace.uses.get(step.uses.clone())?;
        if uses.iter().any(|u| self.diff.map(u.0).is_none()) {
            return None;
        }
        let diff = self.diff;
        let moved = uses
            .iter()
            .filter_map(move |&(pos, units, given)| Some((diff.map(pos)?, units, given)));
        Some((moved, result))
    }

    /// After step `k` committed `new` (engine uses: position, sequence,
    /// promotion, thousandths, discount): lines whose use differs from the
    /// last run's become dirty.
    pub(crate) fn settle(&mut self, k: usize, new: &[(usize, usize, usize, i128, i128)]) {
        let trace = self.trace;
        let diff = self.diff;
        let old: &[(usize, i128, i128)] = trace
            .steps
            .get(k)
            .and_then(|s| trace.uses.get(s.uses.clone()))
            .unwrap_or(&[]);
        let mut old = old
            .iter()
            .filter_map(|&(pos, units, given)| Some((diff.map(pos)?, units, given)))
            .peekable();
        let mut new = new.iter().map(|u| (u.0, u.3, u.4)).peekable();
        loop {
            let pos = match (old.peek().copied(), new.peek().copied()) {
                (None, None) => break,
                (Some(a), Some(b)) if a.0 == b.0 => {
                    old.next();
                    new.next();
                    if a == b {
                        continue;
                    }
                    a.0
                }
                (Some(a), Some(b)) if a.0 < b.0 => {
                    old.next();
                    a.0
                }
                (Some(a), None) => {
                    old.next();
                    a.0
                }
                (_, Some(b)) => {
                    new.next();
                    b.0
                }
            };
            self.make_dirty(pos);
        }
    }

    fn make_dirty(&mut self, pos: usize) {
        let Some(d) = self.dirty.get_mut(pos) else {
            return;
        };
        if !*d {
            *d = true;
            if let Some(line) = self.lines.get(pos) {
                self.scopes.mark(line, &mut self.affected);
            }
        }
    }
}
