//! The pricing rules: line amounts, discounts, ticket-discount spreading and
//! the VAT breakdown. One function, [`price`], used by the cart, the CLI's
//! `pos price`, the wasm package and the server, so that every place computes
//! the same cents.
//!
//! The rules (DESIGN.md item 2, issue "selling engine"):
//! 1. Line gross = round(unit price × quantity) to the minor unit, half away
//!    from zero.
//! 2. Line discount: p % gives d = round(gross × p / 100); an amount gives d.
//!    d above the gross is an error. Line amount = gross − d.
//! 3. Ticket discount: p % gives D = round(Σ line amounts × p / 100); an amount
//!    gives D (above the sum is an error). Each line's share is
//!    D × amount / Σ truncated toward zero to the minor unit; the minor units
//!    left go one each to the lines with the largest remainders (ties: earlier
//!    line first).
//! 4. Tax-inclusive: per rate gross = Σ final amounts, net = round(gross /
//!    (1 + rate)), VAT = gross − net. Tax-exclusive: net = Σ final amounts,
//!    VAT = round(net × rate), gross = net + VAT. Total = Σ gross.
//! 5. Quantities may be negative (return lines); a discount on a negative line
//!    is an error.
//!
//! Everything after rule 1 runs on integer minor units (`i128`), so remainders
//! and half-way cases are exact, not approximations of a decimal division.

pub mod wire;

use crate::money::{from_minor_i128, round_half_away, to_minor_i128};
use crate::{CoreError, Currency, VatRate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most decimals a quantity may have (grams of a weighed item in kg).
pub const QUANTITY_DECIMALS: u32 = 3;

/// A discount as given by an operator or a promotion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Discount {
    /// A percentage of the amount, 0 to 100 (`10` is 10 %).
    Percent(Decimal),
    /// A fixed amount in the document's currency, in whole minor units.
    Amount(Decimal),
}

/// Whether unit prices include VAT (B2C, the default) or not (B2B).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxMode {
    /// Prices include VAT; VAT is extracted per rate.
    #[default]
    Inclusive,
    /// Prices exclude VAT; VAT is added per rate.
    Exclusive,
}

/// One line to price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceLine {
    /// Unit price (tax-inclusive or not, per the request's mode); never negative.
    pub unit_price: Decimal,
    /// Quantity, at most 3 decimals; negative for a return line; never zero.
    pub quantity: Decimal,
    /// The line's VAT rate.
    pub vat_rate: VatRate,
    /// An optional line discount.
    pub discount: Option<Discount>,
}

/// A basket to price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRequest {
    /// The document currency.
    pub currency: Currency,
    /// Tax-inclusive or tax-exclusive prices.
    pub tax_mode: TaxMode,
    /// The lines, in order (the order breaks remainder ties).
    pub lines: Vec<PriceLine>,
    /// An optional ticket discount.
    pub discount: Option<Discount>,
}

/// A priced line, every amount with exactly the currency's minor digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    /// round(unit price × quantity).
    pub gross: Decimal,
    /// The line discount d.
    pub line_discount: Decimal,
    /// The line's share of the ticket discount.
    pub ticket_discount_share: Decimal,
    /// Final amount: gross − d − share.
    pub amount: Decimal,
    /// The line's VAT rate.
    pub vat_rate: VatRate,
}

/// The VAT of one rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxBreakdown {
    /// The rate.
    pub rate: VatRate,
    /// Amount without VAT.
    pub net: Decimal,
    /// VAT.
    pub vat: Decimal,
    /// net + VAT.
    pub gross: Decimal,
}

/// The priced basket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedTicket {
    /// The document currency.
    pub currency: Currency,
    /// The mode the prices were in.
    pub tax_mode: TaxMode,
    /// Priced lines, in the request's order.
    pub lines: Vec<PricedLine>,
    /// The ticket discount D.
    pub ticket_discount: Decimal,
    /// One entry per rate present, highest rate first.
    pub taxes: Vec<TaxBreakdown>,
    /// Σ gross of the rates: what the customer pays.
    pub total: Decimal,
}

impl PricedTicket {
    /// Σ net of the rates.
    pub fn total_net(&self) -> Result<Decimal, CoreError> {
        self.taxes.iter().try_fold(Decimal::ZERO, |a, t| {
            a.checked_add(t.net).ok_or(CoreError::Overflow)
        })
    }

    /// Σ VAT of the rates.
    pub fn total_vat(&self) -> Result<Decimal, CoreError> {
        self.taxes.iter().try_fold(Decimal::ZERO, |a, t| {
            a.checked_add(t.vat).ok_or(CoreError::Overflow)
        })
    }
}

/// Prices a basket with the rules of this module.
pub fn price(request: &PriceRequest) -> Result<PricedTicket, CoreError> {
    let minor = request.currency.minor_units();
    let mut subtotals: Vec<(i128, i128)> = Vec::with_capacity(request.lines.len());
    for (index, line) in request.lines.iter().enumerate() {
        subtotals.push(price_line(index, line, minor)?);
    }
    let amounts: Vec<i128> = subtotals
        .iter()
        .map(|(gross, d)| gross.saturating_sub(*d))
        .collect();
    let (ticket_discount, shares) = spread_ticket_discount(request, &amounts, minor)?;

    let mut lines = Vec::with_capacity(request.lines.len());
    let mut per_rate: BTreeMap<VatRate, i128> = BTreeMap::new();
    for (((line, (gross, d)), amount), share) in request
        .lines
        .iter()
        .zip(&subtotals)
        .zip(&amounts)
        .zip(&shares)
    {
        let final_amount = amount.checked_sub(*share).ok_or(CoreError::Overflow)?;
        let slot = per_rate.entry(line.vat_rate).or_insert(0);
        *slot = slot.checked_add(final_amount).ok_or(CoreError::Overflow)?;
        lines.push(PricedLine {
            gross: from_minor_i128(*gross, minor)?,
            line_discount: from_minor_i128(*d, minor)?,
            ticket_discount_share: from_minor_i128(*share, minor)?,
            amount: from_minor_i128(final_amount, minor)?,
            vat_rate: line.vat_rate,
        });
    }

    let mut taxes = Vec::with_capacity(per_rate.len());
    let mut total: i128 = 0;
    for (rate, sum) in per_rate.into_iter().rev() {
        let (net, vat, gross) = split_rate(sum, rate, request.tax_mode)?;
        total = total.checked_add(gross).ok_or(CoreError::Overflow)?;
        taxes.push(TaxBreakdown {
            rate,
            net: from_minor_i128(net, minor)?,
            vat: from_minor_i128(vat, minor)?,
            gross: from_minor_i128(gross, minor)?,
        });
    }
    Ok(PricedTicket {
        currency: request.currency,
        tax_mode: request.tax_mode,
        lines,
        ticket_discount: from_minor_i128(ticket_discount, minor)?,
        taxes,
        total: from_minor_i128(total, minor)?,
    })
}

/// Rules 1, 2 and 5 for one line: (gross, line discount) in minor units.
fn price_line(index: usize, line: &PriceLine, minor: u32) -> Result<(i128, i128), CoreError> {
    if line.unit_price.is_sign_negative() && !line.unit_price.is_zero() {
        return Err(CoreError::NegativePrice {
            line: index,
            price: line.unit_price.to_string(),
        });
    }
    if line.quantity.is_zero() {
        return Err(CoreError::ZeroQuantity { line: index });
    }
    if line.quantity.normalize().scale() > QUANTITY_DECIMALS {
        return Err(CoreError::QuantityPrecision {
            line: index,
            quantity: line.quantity.to_string(),
        });
    }
    let exact = line
        .unit_price
        .checked_mul(line.quantity)
        .ok_or(CoreError::Overflow)?;
    let gross = to_minor_i128(round_half_away(exact, minor), minor)?;
    let Some(discount) = line.discount else {
        return Ok((gross, 0));
    };
    let d = discount_amount(discount, gross, minor)?;
    if d != 0 && line.quantity.is_sign_negative() {
        return Err(CoreError::DiscountOnReturnLine { line: index });
    }
    if d > gross {
        return Err(CoreError::DiscountExceedsLine {
            line: index,
            discount: from_minor_i128(d, minor)?.to_string(),
            amount: from_minor_i128(gross, minor)?.to_string(),
        });
    }
    Ok((gross, d))
}

/// A discount's value in minor units against `base` (minor units).
fn discount_amount(discount: Discount, base: i128, minor: u32) -> Result<i128, CoreError> {
    match discount {
        Discount::Percent(p) => {
            if p.is_sign_negative() && !p.is_zero() || p > Decimal::ONE_HUNDRED {
                return Err(CoreError::InvalidDiscount {
                    value: format!("{p}%"),
                });
            }
            let base_dec = from_minor_i128(base, minor)?;
            let exact = base_dec
                .checked_mul(p)
                .and_then(|x| x.checked_div(Decimal::ONE_HUNDRED))
                .ok_or(CoreError::Overflow)?;
            to_minor_i128(round_half_away(exact, minor), minor)
        }
        Discount::Amount(a) => {
            if a.is_sign_negative() && !a.is_zero() {
                return Err(CoreError::InvalidDiscount {
                    value: a.to_string(),
                });
            }
            to_minor_i128(a, minor)
        }
    }
}

/// Rule 3: the ticket discount D and each line's share, in minor units.
fn spread_ticket_discount(
    request: &PriceRequest,
    amounts: &[i128],
    minor: u32,
) -> Result<(i128, Vec<i128>), CoreError> {
    let zero_shares = vec![0; amounts.len()];
    let Some(discount) = request.discount else {
        return Ok((0, zero_shares));
    };
    let sum = amounts
        .iter()
        .try_fold(0i128, |a, x| a.checked_add(*x))
        .ok_or(CoreError::Overflow)?;
    let total_d = discount_amount(discount, sum, minor)?;
    if total_d == 0 {
        return Ok((0, zero_shares));
    }
    if let Some(line) = request
        .lines
        .iter()
        .position(|l| l.quantity.is_sign_negative())
    {
        return Err(CoreError::DiscountOnReturnLine { line });
    }
    if total_d > sum {
        return Err(CoreError::DiscountExceedsTicket {
            discount: from_minor_i128(total_d, minor)?.to_string(),
            amount: from_minor_i128(sum, minor)?.to_string(),
        });
    }
    // Here 0 < D <= sum and every amount is >= 0, so sum > 0.
    let mut shares = Vec::with_capacity(amounts.len());
    let mut remainders = Vec::with_capacity(amounts.len());
    let mut given: i128 = 0;
    for (index, amount) in amounts.iter().enumerate() {
        let scaled = total_d.checked_mul(*amount).ok_or(CoreError::Overflow)?;
        let share = scaled.checked_div(sum).ok_or(CoreError::Overflow)?;
        let rem = scaled.checked_rem(sum).ok_or(CoreError::Overflow)?;
        given = given.checked_add(share).ok_or(CoreError::Overflow)?;
        shares.push(share);
        remainders.push((rem, index));
    }
    let left = total_d.checked_sub(given).ok_or(CoreError::Overflow)?;
    // Largest remainder first; ties go to the earlier line.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left = usize::try_from(left).map_err(|_| CoreError::Overflow)?;
    for (_, index) in remainders.iter().take(left) {
        if let Some(share) = shares.get_mut(*index) {
            *share = share.checked_add(1).ok_or(CoreError::Overflow)?;
        }
    }
    Ok((total_d, shares))
}

/// Rule 4 for one rate: (net, VAT, gross) in minor units.
fn split_rate(sum: i128, rate: VatRate, mode: TaxMode) -> Result<(i128, i128, i128), CoreError> {
    let bps = i128::from(rate.bps());
    match mode {
        TaxMode::Inclusive => {
            let denominator = 10_000i128.checked_add(bps).ok_or(CoreError::Overflow)?;
            let scaled = sum.checked_mul(10_000).ok_or(CoreError::Overflow)?;
            let net = div_round_half_away(scaled, denominator)?;
            let vat = sum.checked_sub(net).ok_or(CoreError::Overflow)?;
            Ok((net, vat, sum))
        }
        TaxMode::Exclusive => {
            let scaled = sum.checked_mul(bps).ok_or(CoreError::Overflow)?;
            let vat = div_round_half_away(scaled, 10_000)?;
            let gross = sum.checked_add(vat).ok_or(CoreError::Overflow)?;
            Ok((sum, vat, gross))
        }
    }
}

/// n / d rounded half away from zero, for d > 0.
fn div_round_half_away(n: i128, d: i128) -> Result<i128, CoreError> {
    let q = n.checked_div(d).ok_or(CoreError::Overflow)?;
    let r = n.checked_rem(d).ok_or(CoreError::Overflow)?;
    let twice = r
        .checked_abs()
        .and_then(|r| r.checked_mul(2))
        .ok_or(CoreError::Overflow)?;
    if twice >= d {
        q.checked_add(n.signum()).ok_or(CoreError::Overflow)
    } else {
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn line(price: Decimal, qty: Decimal, bps: u32, discount: Option<Discount>) -> PriceLine {
        PriceLine {
            unit_price: price,
            quantity: qty,
            vat_rate: VatRate::from_bps(bps).unwrap(),
            discount,
        }
    }

    fn request(lines: Vec<PriceLine>, discount: Option<Discount>) -> PriceRequest {
        PriceRequest {
            currency: Currency::EUR,
            tax_mode: TaxMode::Inclusive,
            lines,
            discount,
        }
    }

    #[test]
    fn comte_example_by_hand() {
        // 24.90 × 0.347 = 8.6403 -> 8.64; 10 % = 0.864 -> 0.86; amount 7.78.
        // Ticket discount 2.00 on a single line: share 2.00; final 5.78.
        // net = 5.78 / 1.055 = 5.4786... -> 5.48; VAT 0.30.
        let r = request(
            vec![line(
                dec!(24.90),
                dec!(0.347),
                550,
                Some(Discount::Percent(dec!(10))),
            )],
            Some(Discount::Amount(dec!(2.00))),
        );
        let t = price(&r).unwrap();
        assert_eq!(t.lines[0].gross.to_string(), "8.64");
        assert_eq!(t.lines[0].line_discount.to_string(), "0.86");
        assert_eq!(t.lines[0].amount.to_string(), "5.78");
        assert_eq!(t.taxes[0].net.to_string(), "5.48");
        assert_eq!(t.taxes[0].vat.to_string(), "0.30");
        assert_eq!(t.total.to_string(), "5.78");
    }

    #[test]
    fn largest_remainder_ties_go_to_earlier_line() {
        // 0.10 off three lines of 1.00: exact share 0.0333.. each, 1 cent left,
        // all remainders equal -> first line gets it.
        let r = request(
            vec![
                line(dec!(1), dec!(1), 2000, None),
                line(dec!(1), dec!(1), 2000, None),
                line(dec!(1), dec!(1), 550, None),
            ],
            Some(Discount::Amount(dec!(0.10))),
        );
        let t = price(&r).unwrap();
        let shares: Vec<String> = t
            .lines
            .iter()
            .map(|l| l.ticket_discount_share.to_string())
            .collect();
        assert_eq!(shares, ["0.04", "0.03", "0.03"]);
        assert_eq!(t.total.to_string(), "2.90");
    }

    #[test]
    fn tax_exclusive_adds_vat_per_rate() {
        let mut r = request(
            vec![
                line(dec!(10), dec!(3), 2000, None),
                line(dec!(1.99), dec!(1), 550, None),
            ],
            None,
        );
        r.tax_mode = TaxMode::Exclusive;
        let t = price(&r).unwrap();
        assert_eq!(t.taxes[0].vat.to_string(), "6.00");
        // 1.99 × 0.055 = 0.10945 -> 0.11
        assert_eq!(t.taxes[1].vat.to_string(), "0.11");
        assert_eq!(t.total.to_string(), "38.10");
    }

    #[test]
    fn refunds_are_symmetric() {
        let sale = price(&request(vec![line(dec!(3.35), dec!(1), 550, None)], None)).unwrap();
        let refund = price(&request(vec![line(dec!(3.35), dec!(-1), 550, None)], None)).unwrap();
        assert_eq!(sale.taxes[0].net, -refund.taxes[0].net);
        assert_eq!(sale.taxes[0].vat, -refund.taxes[0].vat);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let e = |r: PriceRequest| price(&r).unwrap_err().kind();
        assert_eq!(
            e(request(vec![line(dec!(-1), dec!(1), 2000, None)], None)),
            "negative_price"
        );
        assert_eq!(
            e(request(vec![line(dec!(1), dec!(0), 2000, None)], None)),
            "zero_quantity"
        );
        assert_eq!(
            e(request(vec![line(dec!(1), dec!(0.0001), 2000, None)], None)),
            "quantity_precision"
        );
        assert_eq!(
            e(request(
                vec![line(
                    dec!(1),
                    dec!(1),
                    2000,
                    Some(Discount::Amount(dec!(1.01)))
                )],
                None
            )),
            "discount_exceeds_line"
        );
        assert_eq!(
            e(request(
                vec![line(
                    dec!(1),
                    dec!(-1),
                    2000,
                    Some(Discount::Percent(dec!(5)))
                )],
                None
            )),
            "discount_on_return_line"
        );
        assert_eq!(
            e(request(
                vec![line(dec!(1), dec!(1), 2000, None)],
                Some(Discount::Amount(dec!(1.01)))
            )),
            "discount_exceeds_ticket"
        );
        assert_eq!(
            e(request(
                vec![line(
                    dec!(1),
                    dec!(1),
                    2000,
                    Some(Discount::Percent(dec!(101)))
                )],
                None
            )),
            "invalid_discount"
        );
        assert_eq!(
            e(request(vec![line(Decimal::MAX, dec!(2), 2000, None)], None)),
            "overflow"
        );
    }

    #[test]
    fn half_away_on_integers() {
        assert_eq!(div_round_half_away(5, 2).unwrap(), 3);
        assert_eq!(div_round_half_away(-5, 2).unwrap(), -3);
        assert_eq!(div_round_half_away(4, 3).unwrap(), 1);
        assert_eq!(div_round_half_away(-4, 3).unwrap(), -1);
    }
}
