//! The JSON wire form of a basket to price and of its result, as read and
//! written by `pos price`, the wasm package and the server.
//!
//! Input: `{"currency":"EUR","prices_include_tax":true,"lines":[{"label":"Comté",
//! "unit_price":"24.90","quantity":"0.347","vat_rate":"5.5","discount":{"percent":"10"}}],
//! "discount":{"amount":"2.00"}}` — decimals as strings (a JSON number is
//! refused: money never passes through a float), `prices_include_tax`
//! defaults to true, `discount` is optional on lines and ticket.
//!
//! Output: `{"currency":"EUR","total":"…","lines":[{"amount":"…"}],
//! "taxes":[{"rate":"5.5","net":"…","vat":"…","gross":"…"}]}`, rates highest
//! first, amounts with exactly the currency's minor digits.

use super::{Discount, PriceLine, PriceRequest, PricedTicket, TaxMode};
use crate::money::parse_decimal;
use crate::{CoreError, Currency, VatRate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BasketIn {
    currency: String,
    #[serde(default = "default_true")]
    prices_include_tax: bool,
    lines: Vec<LineIn>,
    #[serde(default)]
    discount: Option<DiscountIn>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LineIn {
    #[serde(default)]
    #[allow(dead_code)] // carried for the reader; pricing does not need it
    label: Option<String>,
    unit_price: String,
    quantity: String,
    vat_rate: String,
    #[serde(default)]
    discount: Option<DiscountIn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum DiscountIn {
    Percent(String),
    Amount(String),
}

impl DiscountIn {
    fn parse(&self) -> Result<Discount, CoreError> {
        Ok(match self {
            DiscountIn::Percent(p) => Discount::Percent(parse_decimal(p)?),
            DiscountIn::Amount(a) => Discount::Amount(parse_decimal(a)?),
        })
    }
}

/// Parses the JSON basket into a [`PriceRequest`].
pub fn parse_request(json: &str) -> Result<PriceRequest, CoreError> {
    let basket: BasketIn = serde_json::from_str(json).map_err(|e| CoreError::InvalidJson {
        line: e.line(),
        column: e.column(),
        detail: e.to_string(),
    })?;
    let currency = Currency::from_code(&basket.currency)?;
    let lines = basket
        .lines
        .iter()
        .map(|l| {
            Ok(PriceLine {
                unit_price: parse_decimal(&l.unit_price)?,
                quantity: parse_decimal(&l.quantity)?,
                vat_rate: VatRate::parse_percent(&l.vat_rate)?,
                discount: l.discount.as_ref().map(DiscountIn::parse).transpose()?,
            })
        })
        .collect::<Result<Vec<_>, CoreError>>()?;
    Ok(PriceRequest {
        currency,
        tax_mode: if basket.prices_include_tax {
            TaxMode::Inclusive
        } else {
            TaxMode::Exclusive
        },
        lines,
        discount: basket
            .discount
            .as_ref()
            .map(DiscountIn::parse)
            .transpose()?,
    })
}

/// The result as written on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedOut {
    /// Currency code.
    pub currency: String,
    /// What the customer pays.
    pub total: String,
    /// Final line amounts, in input order.
    pub lines: Vec<LineOut>,
    /// Per-rate breakdown, highest rate first.
    pub taxes: Vec<TaxOut>,
}

/// One priced line on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineOut {
    /// Final amount after line and ticket discounts.
    pub amount: String,
}

/// One rate on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxOut {
    /// Rate as a percentage (`5.5`).
    pub rate: String,
    /// Net amount.
    pub net: String,
    /// VAT amount.
    pub vat: String,
    /// Gross amount.
    pub gross: String,
}

impl From<&PricedTicket> for PricedOut {
    fn from(t: &PricedTicket) -> PricedOut {
        PricedOut {
            currency: t.currency.code().to_owned(),
            total: t.total.to_string(),
            lines: t
                .lines
                .iter()
                .map(|l| LineOut {
                    amount: l.amount.to_string(),
                })
                .collect(),
            taxes: t
                .taxes
                .iter()
                .map(|x| TaxOut {
                    rate: x.rate.percent_string(),
                    net: x.net.to_string(),
                    vat: x.vat.to_string(),
                    gross: x.gross.to_string(),
                })
                .collect(),
        }
    }
}

/// Parses, prices and writes the result: the whole of `pos price`.
pub fn price_json(json: &str) -> Result<PricedOut, CoreError> {
    let request = parse_request(json)?;
    super::price(&request).map(|t| PricedOut::from(&t))
}

/// The error object written on the wire: `{"error":{"kind":…,"message":…}}`.
pub fn error_json(error: &CoreError) -> serde_json::Value {
    serde_json::json!({ "error": { "kind": error.kind(), "message": error.to_string() } })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_example() {
        let out = price_json(
            r#"{"currency":"EUR","prices_include_tax":true,"lines":[{"label":"Comté","unit_price":"24.90","quantity":"0.347","vat_rate":"5.5","discount":{"percent":"10"}}],"discount":{"amount":"2.00"}}"#,
        )
        .unwrap();
        let text = serde_json::to_string(&out).unwrap();
        assert_eq!(
            text,
            r#"{"currency":"EUR","total":"5.78","lines":[{"amount":"5.78"}],"taxes":[{"rate":"5.5","net":"5.48","vat":"0.30","gross":"5.78"}]}"#
        );
    }

    #[test]
    fn numbers_and_unknown_fields_are_refused() {
        let e = price_json(
            r#"{"currency":"EUR","lines":[{"unit_price":1.5,"quantity":"1","vat_rate":"20"}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), "invalid_json");
        let e =
            price_json(r#"{"currency":"EUR","lines":[],"discont":{"amount":"1"}}"#).unwrap_err();
        assert_eq!(e.kind(), "invalid_json");
        let e = price_json(r#"{"currency":"ZZZ","lines":[]}"#).unwrap_err();
        assert_eq!(e.kind(), "unknown_currency");
        let e = price_json(r#"{"currency":"EUR","lines":[{"unit_price":"1","quantity":"1","vat_rate":"20","discount":{"percent":"5","amount":"1"}}]}"#).unwrap_err();
        assert_eq!(e.kind(), "invalid_json");
    }

    #[test]
    fn error_object_shape() {
        let v = error_json(&CoreError::ZeroQuantity { line: 0 });
        assert_eq!(v["error"]["kind"], "zero_quantity");
        assert_eq!(v["error"]["message"], "line 0: quantity is zero");
    }
}
