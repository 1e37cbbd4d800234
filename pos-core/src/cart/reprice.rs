//! Repricing: after every change the cart resolves unit prices (quantity
//! breaks), runs the promotion engine, folds promotion and manual discounts
//! into one discount per line and one per ticket, and calls
//! [`crate::pricing::price`] — the only place where amounts and VAT are
//! computed.
//!
//! Order of the discounts (decided here, printed on receipts):
//! 1. Manual line discounts are priced first (a percent is of the line
//!    gross, exactly as the pricing rules compute it); this pass also checks
//!    them (above the line, on a return line...).
//! 2. The promotion engine sees each line's gross and manual discount and
//!    returns its line adjustments and ticket rewards; it keeps each line's
//!    promotions within what the manual discount left.
//! 3. Line discount given to pricing = promotion adjustments + manual
//!    amount, as one `Discount::Amount`; or the manual discount unchanged
//!    when no promotion is set up.
//! 4. Ticket discount = promotion ticket rewards + the manual ticket
//!    discount (a percent being of Σ line amounts after every line
//!    discount), as one `Discount::Amount`; or the manual discount unchanged
//!    when no reward applies.
//! 5. Free-item rewards: lines the caller added with
//!    `Cart::add_free_items` are discounted in full under the promotion's
//!    name; when the reward is no longer earned they leave the cart.

use super::line::{AppliedPromotion, CartLine, PriceSource};
use super::quantity::pick_break;
use super::state::{Cart, CartTotals};
use crate::ids::{PromotionId, Sku};
use crate::pricing::{Discount, PriceLine, PriceRequest, PricedTicket, price};
use crate::promotion::{
    Evaluator, PromoContext, PromoLine, Promotion, PromotionOutcome, TicketRewardKind,
};
use crate::{CoreError, Currency, Money, VatRate};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The promotions a cart applies, the context they are evaluated in, and
/// the engine's last outcome.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct PromoSetup {
    pub(crate) promotions: Arc<[Promotion]>,
    pub(crate) ctx: Option<PromoContext>,
    pub(crate) outcome: Option<PromotionOutcome>,
    pub(crate) engine: EngineCache,
}

/// The incremental promotion evaluator and the lines last given to it
/// (kept so that a change copies only the lines it changed). A cache, not
/// part of the cart's value: it never changes an outcome, a copy of the cart
/// starts without it (its next repricing is a full evaluation), and it is
/// equal to any other.
#[derive(Default)]
pub(crate) struct EngineCache {
    evaluator: Evaluator,
    lines: Vec<PromoLine>,
}

impl Clone for EngineCache {
    fn clone(&self) -> EngineCache {
        EngineCache::default()
    }
}

impl PartialEq for EngineCache {
    fn eq(&self, _: &EngineCache) -> bool {
        true
    }
}

impl std::fmt::Debug for EngineCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EngineCache")
    }
}

/// What the promotion engine gave, mapped to cart positions.
struct PromoEffects {
    per_line: Vec<Vec<AppliedPromotion>>,
    ticket: Vec<AppliedPromotion>,
    reward: Money,
    /// Σ (gross − manual − promotions) over the lines.
    lines_subtotal: Money,
}

impl Cart {
    /// Recomputes unit prices, promotions, discounts and totals.
    pub(crate) fn reprice(&mut self) -> Result<(), CoreError> {
        self.reprice_round(0)
    }

    /// One repricing; `round` counts restarts after unearned reward lines
    /// were dropped (one restart suffices: reward lines count for nothing).
    fn reprice_round(&mut self, round: u8) -> Result<(), CoreError> {
        self.resolve_unit_prices()?;
        let currency = self.currency;
        let mut request = PriceRequest {
            currency,
            tax_mode: self.tax_mode,
            lines: self
                .lines
                .iter()
                .map(|l| {
                    Ok(PriceLine {
                        unit_price: l.pricing_unit_price()?,
                        quantity: pricing_quantity(l),
                        vat_rate: l.item.vat_rate,
                        discount: l.manual_discount.as_ref().map(|m| m.discount),
                    })
                })
                .collect::<Result<_, CoreError>>()?,
            discount: None,
        };

        let effects = match self.promo.ctx.clone() {
            Some(ctx) => {
                // Steps 1 and 2: price the manual discounts, run the engine.
                let manual_pass = price(&request)?;
                let (effects, outcome) = self.promotion_effects(&request, &manual_pass, &ctx)?;
                if round == 0 && self.drop_unearned_rewards(&outcome) {
                    // Reward lines do not count for any promotion: the
                    // outcome stays the same without them; start again.
                    return self.reprice_round(1);
                }
                // Step 3: one amount per line.
                for ((slot, manual), promos) in request
                    .lines
                    .iter_mut()
                    .zip(&manual_pass.lines)
                    .zip(&effects.per_line)
                {
                    let promo = sum_promotions(currency, promos)?;
                    if !promo.is_zero() {
                        let combined = promo
                            .amount()
                            .checked_add(manual.line_discount)
                            .ok_or(CoreError::Overflow)?;
                        slot.discount = Some(Discount::Amount(combined));
                    }
                }
                self.promo.outcome = Some(outcome);
                Some(effects)
            }
            None => {
                self.promo.outcome = None;
                None
            }
        };

        // Step 4: one ticket discount.
        let zero = Money::zero(currency);
        let reward = effects.as_ref().map_or(zero, |e| e.reward);
        let manual_ticket = self.ticket_discount.as_ref().map(|m| m.discount);
        request.discount = match (reward.is_zero(), manual_ticket) {
            (true, manual) => manual,
            (false, None) => Some(Discount::Amount(reward.amount())),
            (false, Some(Discount::Amount(a))) => Some(Discount::Amount(
                reward.amount().checked_add(a).ok_or(CoreError::Overflow)?,
            )),
            (false, Some(Discount::Percent(p))) => {
                // A reward implies promotions ran: Σ line amounts after every
                // line discount is known without another pricing pass.
                let subtotal = effects
                    .as_ref()
                    .map_or(Decimal::ZERO, |e| e.lines_subtotal.amount());
                let manual = percent_of(currency, subtotal, p)?;
                Some(Discount::Amount(
                    reward
                        .amount()
                        .checked_add(manual)
                        .ok_or(CoreError::Overflow)?,
                ))
            }
        };

        let priced = price(&request)?;
        self.store_results(&priced, effects, reward)
    }

    /// Writes a pricing result back onto the lines and the totals.
    fn store_results(
        &mut self,
        priced: &PricedTicket,
        effects: Option<PromoEffects>,
        reward: Money,
    ) -> Result<(), CoreError> {
        let currency = self.currency;
        let (mut per_line, ticket_promotions) = match effects {
            Some(e) => (e.per_line, e.ticket),
            None => (Vec::new(), Vec::new()),
        };
        let mut subtotal = Money::zero(currency);
        for (index, (line, p)) in self.lines.iter_mut().zip(&priced.lines).enumerate() {
            let promotions = per_line
                .get_mut(index)
                .map(std::mem::take)
                .unwrap_or_default();
            let promo_sum = sum_promotions(currency, &promotions)?;
            let line_discount = Money::new(p.line_discount, currency);
            line.gross = Money::new(p.gross, currency);
            line.manual_discount_amount = line_discount.checked_sub(&promo_sum)?;
            line.promotions = promotions;
            line.ticket_discount_share = Money::new(p.ticket_discount_share, currency);
            line.amount = Money::new(p.amount, currency);
            subtotal = subtotal.checked_add(&line.gross.checked_sub(&line_discount)?)?;
        }
        let ticket_discount = Money::new(priced.ticket_discount, currency);
        self.totals = CartTotals {
            subtotal,
            ticket_promotions,
            manual_ticket_discount: ticket_discount.checked_sub(&reward)?,
            ticket_discount,
            taxes: priced.taxes.clone(),
            total: Money::new(priced.total, currency),
        };
        Ok(())
    }

    /// Quantity breaks: a catalog-priced sale line takes the break reached by
    /// the total quantity of its SKU over all such lines of the cart, so six
    /// bottles scanned one by one get the six-bottle price.
    fn resolve_unit_prices(&mut self) -> Result<(), CoreError> {
        let totals: Vec<Option<Decimal>> = {
            let mut per_sku: BTreeMap<&str, Decimal> = BTreeMap::new();
            for line in self.lines.iter().filter(|l| breaks_apply(l)) {
                let slot = per_sku
                    .entry(line.item.sku.as_str())
                    .or_insert(Decimal::ZERO);
                *slot = slot.checked_add(line.quantity).ok_or(CoreError::Overflow)?;
            }
            self.lines
                .iter()
                .map(|l| {
                    breaks_apply(l)
                        .then(|| per_sku.get(l.item.sku.as_str()).copied())
                        .flatten()
                })
                .collect()
        };
        let currency = self.currency;
        for (line, total) in self.lines.iter_mut().zip(totals) {
            let Some(total) = total else { continue };
            let (unit_price, source) = match pick_break(&line.item.quantity_breaks, total) {
                Some(b) => (
                    b.unit_price,
                    PriceSource::QuantityBreak {
                        min_quantity: b.min_quantity,
                    },
                ),
                None => (line.item.unit_price, PriceSource::Catalog),
            };
            same_currency(currency, unit_price)?;
            line.unit_price = unit_price;
            line.price_source = source;
        }
        Ok(())
    }

    /// Step 2: runs the promotion engine on the lines as priced with their
    /// manual discounts, and maps its outcome to cart positions.
    fn promotion_effects(
        &mut self,
        request: &PriceRequest,
        manual_pass: &PricedTicket,
        ctx: &PromoContext,
    ) -> Result<(PromoEffects, PromotionOutcome), CoreError> {
        let currency = self.currency;
        let mut engine = std::mem::take(&mut self.promo.engine);
        sync_promo_lines(
            &mut engine.lines,
            &self.lines,
            request,
            manual_pass,
            currency,
        );
        let outcome = engine
            .evaluator
            .apply(&engine.lines, &self.promo.promotions, ctx);
        self.promo.engine = engine;
        let outcome = outcome?;

        let mut per_line: Vec<Vec<AppliedPromotion>> = vec![Vec::new(); self.lines.len()];
        for lp in &outcome.lines {
            if let Some(slot) = per_line.get_mut(lp.line) {
                slot.extend(
                    lp.adjustments
                        .iter()
                        .filter(|a| !a.amount.is_zero())
                        .map(|a| AppliedPromotion {
                            promotion: a.promotion_id.clone(),
                            text: a.label.clone(),
                            amount: a.amount,
                        }),
                );
            }
        }
        let mut ticket = Vec::new();
        for r in &outcome.ticket_rewards {
            match &r.kind {
                TicketRewardKind::Discount { amount } => ticket.push(AppliedPromotion {
                    promotion: r.promotion_id.clone(),
                    text: r.label.clone(),
                    amount: *amount,
                }),
                TicketRewardKind::FreeItem { .. } => {
                    // The free line is discounted in full under the reward.
                    for ((line, priced), slot) in self
                        .lines
                        .iter()
                        .zip(&manual_pass.lines)
                        .zip(per_line.iter_mut())
                    {
                        if line.reward_of.as_ref() == Some(&r.promotion_id) {
                            slot.push(AppliedPromotion {
                                promotion: r.promotion_id.clone(),
                                text: r.label.clone(),
                                amount: Money::new(priced.gross, currency)
                                    .checked_sub(&Money::new(priced.line_discount, currency))?,
                            });
                        }
                    }
                }
            }
        }
        let mut lines_subtotal = Money::zero(currency);
        for (priced, promos) in manual_pass.lines.iter().zip(&per_line) {
            let after_manual = Money::new(priced.amount, currency);
            lines_subtotal = lines_subtotal
                .checked_add(&after_manual.checked_sub(&sum_promotions(currency, promos)?)?)?;
        }
        let effects = PromoEffects {
            per_line,
            ticket,
            reward: outcome.ticket_discount,
            lines_subtotal,
        };
        Ok((effects, outcome))
    }

    /// Removes reward lines whose promotion no longer gives them, and
    /// trims their quantity to what it gives. True when anything changed.
    fn drop_unearned_rewards(&mut self, outcome: &PromotionOutcome) -> bool {
        if self.lines.iter().all(|l| l.reward_of.is_none()) {
            return false;
        }
        let earned = free_items(outcome);
        let count = self.lines.len();
        self.lines.retain(|l| match &l.reward_of {
            None => true,
            Some(p) => earned.get(p).is_some_and(|(sku, _)| *sku == l.item.sku),
        });
        let mut changed = self.lines.len() != count;
        for line in &mut self.lines {
            if let Some((_, q)) = line.reward_of.as_ref().and_then(|p| earned.get(p)) {
                let q = Decimal::from(*q);
                if line.quantity > q {
                    line.quantity = q;
                    changed = true;
                }
            }
        }
        changed
    }
}

/// Brings `out` to the engine's view of `lines` (pricing request and
/// manual pass alongside), copying identifiers only where they changed.
fn sync_promo_lines(
    out: &mut Vec<PromoLine>,
    lines: &[CartLine],
    request: &PriceRequest,
    manual_pass: &PricedTicket,
    currency: Currency,
) {
    out.truncate(lines.len());
    let views = lines.iter().zip(&request.lines).zip(&manual_pass.lines);
    for (index, ((line, req), priced)) in views.enumerate() {
        let item = &line.item;
        let unit_price = Money::new(req.unit_price, currency);
        let gross = Money::new(priced.gross, currency);
        let manual_discount = Money::new(priced.line_discount, currency);
        let price_overridden = matches!(line.price_source, PriceSource::Override { .. });
        let Some(slot) = out.get_mut(index) else {
            out.push(PromoLine {
                index,
                sku: item.sku.clone(),
                product_id: item.product_id.clone(),
                categories: item.categories.clone(),
                unit: item.unit,
                unit_price,
                quantity: req.quantity,
                gross,
                manual_discount,
                price_overridden,
                reward_of: line.reward_of.clone(),
            });
            continue;
        };
        slot.index = index;
        if slot.sku != item.sku {
            slot.sku = item.sku.clone();
        }
        if slot.product_id != item.product_id {
            slot.product_id = item.product_id.clone();
        }
        if slot.categories != item.categories {
            slot.categories = item.categories.clone();
        }
        if slot.reward_of != line.reward_of {
            slot.reward_of = line.reward_of.clone();
        }
        slot.unit = item.unit;
        slot.unit_price = unit_price;
        slot.quantity = req.quantity;
        slot.gross = gross;
        slot.manual_discount = manual_discount;
        slot.price_overridden = price_overridden;
    }
}

/// The free items an outcome gives, by promotion.
pub(crate) fn free_items(outcome: &PromotionOutcome) -> BTreeMap<PromotionId, (Sku, u32)> {
    outcome
        .ticket_rewards
        .iter()
        .filter_map(|r| match &r.kind {
            TicketRewardKind::FreeItem { sku, quantity } => {
                Some((r.promotion_id.clone(), (sku.clone(), *quantity)))
            }
            TicketRewardKind::Discount { .. } => None,
        })
        .collect()
}

/// True when quantity breaks may set the line's unit price.
fn breaks_apply(line: &CartLine) -> bool {
    matches!(
        line.price_source,
        PriceSource::Catalog | PriceSource::QuantityBreak { .. }
    ) && !line.is_return()
        && line.reward_of.is_none()
}

/// A return-from-ticket line is priced as one "unit" worth the refunded
/// amount (its displayed quantity stays the real one).
fn pricing_quantity(line: &CartLine) -> Decimal {
    match (line.original.is_some(), line.quantity.is_sign_negative()) {
        (false, _) => line.quantity,
        (true, true) => Decimal::NEGATIVE_ONE,
        (true, false) => Decimal::ONE,
    }
}

/// round(base × p / 100) with the pricing rules (one line, one discount).
pub(crate) fn percent_of(
    currency: Currency,
    base: Decimal,
    p: Decimal,
) -> Result<Decimal, CoreError> {
    if base.is_zero() {
        return Ok(Decimal::ZERO);
    }
    let one = PriceRequest {
        currency,
        tax_mode: crate::pricing::TaxMode::Inclusive,
        lines: vec![PriceLine {
            unit_price: base,
            quantity: Decimal::ONE,
            vat_rate: VatRate::ZERO,
            discount: Some(Discount::Percent(p)),
        }],
        discount: None,
    };
    price(&one)?
        .lines
        .first()
        .map(|l| l.line_discount)
        .ok_or(CoreError::EmptyTicket)
}

fn sum_promotions(currency: Currency, promotions: &[AppliedPromotion]) -> Result<Money, CoreError> {
    Money::sum(currency, promotions.iter().map(|p| &p.amount))
}

fn same_currency(expected: Currency, m: Money) -> Result<(), CoreError> {
    if m.currency() == expected {
        Ok(())
    } else {
        Err(CoreError::CurrencyMismatch {
            expected: expected.code().to_owned(),
            found: m.currency().code().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn percent_of_follows_the_pricing_rounding() {
        let eur = Currency::EUR;
        assert_eq!(percent_of(eur, dec!(22.50), dec!(10)).unwrap(), dec!(2.25));
        assert_eq!(percent_of(eur, dec!(0.05), dec!(10)).unwrap(), dec!(0.01));
        assert_eq!(percent_of(eur, dec!(0), dec!(10)).unwrap(), dec!(0));
        assert_eq!(
            percent_of(eur, dec!(1), dec!(101)).unwrap_err().kind(),
            "invalid_discount"
        );
    }
}
