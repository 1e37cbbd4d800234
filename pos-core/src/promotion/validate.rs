//! Checks on definitions and lines before anything is computed: bad input is
//! a typed error and no outcome.

use super::input::PromoLine;
use super::model::{Conditions, Promotion, Reward, Target, Trigger, normalize_code};
use super::state::{exact_units, line_gross};
use crate::money::to_minor_i128;
use crate::pricing::QUANTITY_DECIMALS;
use crate::{CoreError, Currency};
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::fmt;

/// What is wrong with a promotion definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PromotionDefect {
    /// The receipt text is empty.
    EmptyName,
    /// Another promotion has the same id.
    DuplicateId,
    /// Another promotion has the same coupon code.
    DuplicateCouponCode,
    /// The coupon code is empty.
    EmptyCouponCode,
    /// A percentage outside 0..=100.
    PercentOutOfRange,
    /// An amount, price or minimum spend below zero.
    NegativeAmount,
    /// An amount with more decimals than the currency's minor unit.
    SubMinorAmount,
    /// A quantity of zero (or a group of fewer than two units).
    QuantityTooSmall,
    /// A target listing nothing.
    EmptyTarget,
    /// `valid_until` is not after `valid_from`.
    EmptyValidity,
    /// A happy-hour window that starts when it ends.
    EmptyHours,
}

impl fmt::Display for PromotionDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PromotionDefect::EmptyName => "the name is empty",
            PromotionDefect::DuplicateId => "the id is used twice",
            PromotionDefect::DuplicateCouponCode => "the coupon code is used twice",
            PromotionDefect::EmptyCouponCode => "the coupon code is empty",
            PromotionDefect::PercentOutOfRange => "a percentage is outside 0..=100",
            PromotionDefect::NegativeAmount => "an amount is negative",
            PromotionDefect::SubMinorAmount => "an amount has more decimals than the currency",
            PromotionDefect::QuantityTooSmall => "a quantity is too small",
            PromotionDefect::EmptyTarget => "a target lists nothing",
            PromotionDefect::EmptyValidity => "the validity period is empty",
            PromotionDefect::EmptyHours => "the hour window is empty",
        })
    }
}

/// What is wrong with a line given to the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PromoLineDefect {
    /// Two lines have the same index.
    DuplicateIndex,
    /// An amount is not in the context's currency.
    CurrencyMismatch,
    /// The unit price is negative.
    NegativeUnitPrice,
    /// The quantity is zero or has more than three decimals.
    BadQuantity,
    /// The gross is not round(unit price × quantity).
    GrossMismatch,
    /// The manual discount is negative, not whole minor units, above the gross,
    /// or on a return line.
    BadManualDiscount,
}

impl fmt::Display for PromoLineDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PromoLineDefect::DuplicateIndex => "the line index is used twice",
            PromoLineDefect::CurrencyMismatch => "an amount is in another currency",
            PromoLineDefect::NegativeUnitPrice => "the unit price is negative",
            PromoLineDefect::BadQuantity => "the quantity is zero or too precise",
            PromoLineDefect::GrossMismatch => "the gross is not round(unit price x quantity)",
            PromoLineDefect::BadManualDiscount => "the manual discount is invalid",
        })
    }
}

/// Checks every definition against `currency`.
pub(crate) fn promotions(list: &[Promotion], currency: Currency) -> Result<(), CoreError> {
    let mut ids = BTreeSet::new();
    let mut codes = BTreeSet::new();
    for p in list {
        let fail = |defect| CoreError::InvalidPromotion {
            id: p.id.clone(),
            defect,
        };
        if !ids.insert(&p.id) {
            return Err(fail(PromotionDefect::DuplicateId));
        }
        if p.name.trim().is_empty() {
            return Err(fail(PromotionDefect::EmptyName));
        }
        if let Trigger::Coupon { code, .. } = &p.trigger {
            let code = normalize_code(code);
            if code.is_empty() {
                return Err(fail(PromotionDefect::EmptyCouponCode));
            }
            if !codes.insert(code) {
                return Err(fail(PromotionDefect::DuplicateCouponCode));
            }
        }
        conditions(&p.conditions, currency).map_err(fail)?;
        reward(&p.reward, currency).map_err(fail)?;
    }
    Ok(())
}

fn conditions(c: &Conditions, currency: Currency) -> Result<(), PromotionDefect> {
    if let (Some(from), Some(until)) = (c.valid_from, c.valid_until)
        && until <= from
    {
        return Err(PromotionDefect::EmptyValidity);
    }
    if let Some(h) = c.hours
        && h.start == h.end
    {
        return Err(PromotionDefect::EmptyHours);
    }
    if let Some(min) = c.min_spend {
        amount(min, currency)?;
    }
    Ok(())
}

fn reward(r: &Reward, currency: Currency) -> Result<(), PromotionDefect> {
    match r {
        Reward::PercentOff { target: t, percent } => {
            target(t)?;
            percent_ok(*percent)
        }
        Reward::AmountOff {
            target: t,
            amount: a,
        } => {
            target(t)?;
            amount(*a, currency)
        }
        Reward::BuyXGetY {
            buy,
            buy_quantity,
            get,
            get_quantity,
            percent,
        } => {
            target(buy)?;
            target(get)?;
            if *buy_quantity == 0 || *get_quantity == 0 {
                return Err(PromotionDefect::QuantityTooSmall);
            }
            percent_ok(*percent)
        }
        Reward::NForPrice {
            target: t,
            quantity,
            price,
        } => {
            target(t)?;
            if *quantity < 2 {
                return Err(PromotionDefect::QuantityTooSmall);
            }
            amount(*price, currency)
        }
        Reward::TicketPercentOff { percent } => percent_ok(*percent),
        Reward::TicketAmountOff { amount: a } => amount(*a, currency),
        Reward::FreeItem { quantity, .. } => {
            if *quantity == 0 {
                Err(PromotionDefect::QuantityTooSmall)
            } else {
                Ok(())
            }
        }
    }
}

fn target(t: &Target) -> Result<(), PromotionDefect> {
    let empty = match t {
        Target::All => false,
        Target::Skus(v) => v.is_empty(),
        Target::Products(v) => v.is_empty(),
        Target::Categories(v) => v.is_empty(),
    };
    if empty {
        Err(PromotionDefect::EmptyTarget)
    } else {
        Ok(())
    }
}

fn percent_ok(p: Decimal) -> Result<(), PromotionDefect> {
    if p.is_sign_negative() && !p.is_zero() || p > Decimal::ONE_HUNDRED {
        Err(PromotionDefect::PercentOutOfRange)
    } else {
        Ok(())
    }
}

fn amount(a: Decimal, currency: Currency) -> Result<(), PromotionDefect> {
    if a.is_sign_negative() && !a.is_zero() {
        return Err(PromotionDefect::NegativeAmount);
    }
    to_minor_i128(a, currency.minor_units())
        .map(|_| ())
        .map_err(|_| PromotionDefect::SubMinorAmount)
}

/// Checks every line against `currency` and pricing rule 1.
pub(crate) fn lines(list: &[PromoLine], currency: Currency) -> Result<(), CoreError> {
    // Carts pass their lines in index order: then uniqueness needs no set.
    let ascending = list.windows(2).all(|w| match w {
        [a, b] => a.index < b.index,
        _ => true,
    });
    let mut seen = BTreeSet::new();
    for l in list {
        let fail = |defect| CoreError::InvalidPromoLine {
            line: l.index,
            defect,
        };
        if !ascending && !seen.insert(l.index) {
            return Err(fail(PromoLineDefect::DuplicateIndex));
        }
        let currencies = [l.unit_price, l.gross, l.manual_discount];
        if currencies.iter().any(|m| m.currency() != currency) {
            return Err(fail(PromoLineDefect::CurrencyMismatch));
        }
        if l.unit_price.is_negative() {
            return Err(fail(PromoLineDefect::NegativeUnitPrice));
        }
        if l.quantity.is_zero() || l.quantity.normalize().scale() > QUANTITY_DECIMALS {
            return Err(fail(PromoLineDefect::BadQuantity));
        }
        let minor = currency.minor_units();
        let gross = line_gross(l.unit_price.amount(), l.quantity, minor)?;
        if exact_units(l.gross.amount(), minor).ok() != Some(gross) {
            return Err(fail(PromoLineDefect::GrossMismatch));
        }
        let manual = l.manual_discount.amount();
        let manual_ok = !l.manual_discount.is_negative()
            && exact_units(manual, minor).is_ok()
            && (manual.is_zero() || !l.is_return() && manual <= l.gross.amount());
        if !manual_ok {
            return Err(fail(PromoLineDefect::BadManualDiscount));
        }
    }
    Ok(())
}
