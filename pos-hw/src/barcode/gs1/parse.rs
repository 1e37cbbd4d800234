//! The GS1 element-string parser. Total: any input gives elements or a typed
//! error, never a panic (fuzzed in `fuzz/fuzz_targets/barcode.rs`).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::ai::{self, AiKind, AiSpec};
use super::{GS, Gs1Problem, date};
use crate::HwError;
use crate::barcode::check::{digit_value, gs1_check_digit};
use crate::barcode::gtin::Gtin;

/// The decoded meaning of one element's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Gs1Value {
    /// Free text (batch, serial...): see the raw value.
    Text,
    /// Plain digits without further meaning.
    Number,
    /// A GTIN (AI 01 / 02).
    Gtin {
        /// The GTIN-14.
        gtin: Gtin,
    },
    /// An SSCC (AI 00), check digit verified.
    Sscc,
    /// A GLN (AI 41x), check digit verified.
    Gln,
    /// A date.
    Date {
        /// Calendar date (end of month when the day was 00).
        date: NaiveDate,
        /// True when the code said DD = 00.
        day_unspecified: bool,
    },
    /// A count of units.
    Count {
        /// Units.
        count: u64,
    },
    /// A weight, exact.
    Weight {
        /// The weight in `unit`.
        weight: Decimal,
        /// "kg" or "lb".
        unit: &'static str,
    },
    /// An amount payable in the local currency, exact.
    Amount {
        /// The amount.
        amount: Decimal,
    },
    /// An amount with its ISO 4217 currency.
    AmountWithCurrency {
        /// ISO 4217 numeric code (serialised as its 3 digits).
        #[serde(serialize_with = "three_digits")]
        currency_numeric: u16,
        /// ISO 4217 alphabetic code when known.
        currency: Option<&'static str>,
        /// The amount.
        amount: Decimal,
    },
}

fn three_digits<S: serde::Serializer>(code: &u16, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&format_args!("{code:03}"))
}

/// One AI and its value, borrowed from the scanned text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1Element<'a> {
    /// The AI digits as scanned ("3103").
    pub ai: &'a str,
    /// The AI's table row.
    pub spec: &'static AiSpec,
    /// The raw value.
    pub value: &'a str,
    /// The decoded value.
    pub decoded: Gs1Value,
}

fn fail(position: usize, problem: Gs1Problem) -> HwError {
    HwError::Gs1 { position, problem }
}

fn number(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)?
            .checked_add(u64::from(digit_value(*b)?))
    })
}

fn decimal(digits: &[u8], scale: u8) -> Option<Decimal> {
    let units = i64::try_from(number(digits)?).ok()?;
    Decimal::try_new(units, u32::from(scale)).ok()
}

/// Validates and decodes one value; `position` is where the value starts.
fn decode_value(
    spec: &'static AiSpec,
    ai: &str,
    value: &str,
    position: usize,
    reference_year: i32,
) -> Result<Gs1Value, HwError> {
    let name = spec.name;
    let bytes = value.as_bytes();
    let len = bytes.len();
    if len < usize::from(spec.min) {
        return Err(fail(
            position,
            Gs1Problem::TooShort {
                ai: name,
                min: spec.min,
            },
        ));
    }
    if len > usize::from(spec.max) {
        return Err(fail(
            position,
            Gs1Problem::TooLong {
                ai: name,
                max: spec.max,
            },
        ));
    }
    if spec.numeric {
        if let Some(offset) = bytes.iter().position(|b| !b.is_ascii_digit()) {
            return Err(fail(
                position.saturating_add(offset),
                Gs1Problem::NotNumeric { ai: name },
            ));
        }
    } else if let Some(offset) = bytes.iter().position(|b| !ai::is_cset82(*b)) {
        return Err(fail(
            position.saturating_add(offset),
            Gs1Problem::Character { ai: name },
        ));
    }
    let scale = match spec.max_decimals {
        Some(max) => {
            let indicator = ai
                .as_bytes()
                .last()
                .copied()
                .and_then(digit_value)
                .unwrap_or(u8::MAX);
            if indicator > max {
                return Err(fail(
                    position.saturating_sub(1),
                    Gs1Problem::DecimalIndicator { ai: name },
                ));
            }
            indicator
        }
        None => 0,
    };
    let check = || -> Result<(), HwError> {
        let (last, payload) = bytes.split_last().ok_or_else(|| {
            fail(
                position,
                Gs1Problem::TooShort {
                    ai: name,
                    min: spec.min,
                },
            )
        })?;
        let found = digit_value(*last).unwrap_or(u8::MAX);
        let expected = gs1_check_digit(payload).unwrap_or(u8::MAX);
        if expected == found {
            Ok(())
        } else {
            Err(fail(
                position.saturating_add(len.saturating_sub(1)),
                Gs1Problem::CheckDigit {
                    ai: name,
                    expected,
                    found,
                },
            ))
        }
    };
    let internal = |_| fail(position, Gs1Problem::NotNumeric { ai: name });
    Ok(match spec.kind {
        AiKind::Text => Gs1Value::Text,
        AiKind::Number => Gs1Value::Number,
        AiKind::Sscc => {
            check()?;
            Gs1Value::Sscc
        }
        AiKind::Gln => {
            check()?;
            Gs1Value::Gln
        }
        AiKind::Gtin => match Gtin::parse_ascii(bytes) {
            Ok(gtin) => Gs1Value::Gtin { gtin },
            Err(HwError::BarcodeCheckDigit { expected, found }) => {
                return Err(fail(
                    position.saturating_add(len.saturating_sub(1)),
                    Gs1Problem::CheckDigit {
                        ai: name,
                        expected,
                        found,
                    },
                ));
            }
            Err(error) => return Err(internal(error)),
        },
        AiKind::Date => {
            let decoded = date::decode(bytes, reference_year)
                .ok_or_else(|| fail(position, Gs1Problem::Date { ai: name }))?;
            Gs1Value::Date {
                date: decoded.date,
                day_unspecified: decoded.day_unspecified,
            }
        }
        AiKind::Count => Gs1Value::Count {
            count: number(bytes)
                .ok_or_else(|| fail(position, Gs1Problem::NotNumeric { ai: name }))?,
        },
        AiKind::WeightKg | AiKind::WeightLb => Gs1Value::Weight {
            weight: decimal(bytes, scale)
                .ok_or_else(|| fail(position, Gs1Problem::NotNumeric { ai: name }))?,
            unit: if spec.kind == AiKind::WeightKg {
                "kg"
            } else {
                "lb"
            },
        },
        AiKind::Amount => Gs1Value::Amount {
            amount: decimal(bytes, scale)
                .ok_or_else(|| fail(position, Gs1Problem::NotNumeric { ai: name }))?,
        },
        AiKind::AmountWithCurrency => {
            let (currency, amount) = value.split_at_checked(3).ok_or_else(|| {
                fail(
                    position,
                    Gs1Problem::TooShort {
                        ai: name,
                        min: spec.min,
                    },
                )
            })?;
            Gs1Value::AmountWithCurrency {
                currency_numeric: currency
                    .parse()
                    .map_err(|_| fail(position, Gs1Problem::NotNumeric { ai: name }))?,
                currency: ai::currency_alpha(currency),
                amount: decimal(amount.as_bytes(), scale)
                    .ok_or_else(|| fail(position, Gs1Problem::NotNumeric { ai: name }))?,
            }
        }
    })
}

fn push_checked<'a>(
    elements: &mut Vec<Gs1Element<'a>>,
    element: Gs1Element<'a>,
    position: usize,
) -> Result<(), HwError> {
    if elements
        .iter()
        .any(|e| e.ai == element.ai && e.value != element.value)
    {
        return Err(fail(
            position,
            Gs1Problem::Conflict {
                ai: element.spec.name,
            },
        ));
    }
    elements.push(element);
    Ok(())
}

/// Parses an element string as a scanner sends it after the symbology
/// identifier: AI + value pairs, FNC1 (GS) after variable-length values and
/// optionally at the very start. Fixed-length values need no separator; a
/// separator after one is tolerated. Dates use `reference_year` for the
/// century rule. Positions in errors are byte offsets in `text`.
pub fn parse_element_string(
    text: &str,
    reference_year: i32,
) -> Result<Vec<Gs1Element<'_>>, HwError> {
    let bytes = text.as_bytes();
    let mut elements = Vec::with_capacity(4);
    let mut position = 0usize;
    while let Some(&byte) = bytes.get(position) {
        if byte == GS {
            position = position.saturating_add(1);
            continue;
        }
        let rest = bytes.get(position..).unwrap_or_default();
        let spec = ai::lookup(rest).ok_or_else(|| fail(position, Gs1Problem::UnknownAi))?;
        let value_start = position.saturating_add(spec.ai_len());
        let after = bytes.get(value_start..).unwrap_or_default();
        let end = if spec.is_fixed() {
            let want = usize::from(spec.max);
            let cut = after
                .iter()
                .take(want)
                .position(|b| *b == GS)
                .unwrap_or(want.min(after.len()));
            if cut < want {
                return Err(fail(
                    value_start,
                    Gs1Problem::TooShort {
                        ai: spec.name,
                        min: spec.min,
                    },
                ));
            }
            value_start.saturating_add(want)
        } else {
            value_start.saturating_add(after.iter().position(|b| *b == GS).unwrap_or(after.len()))
        };
        let ai_text = text
            .get(position..value_start)
            .ok_or_else(|| fail(position, Gs1Problem::UnknownAi))?;
        // A multi-byte UTF-8 character inside a value: report it as a bad character.
        let value = text
            .get(value_start..end)
            .ok_or_else(|| fail(value_start, Gs1Problem::Character { ai: spec.name }))?;
        let decoded = decode_value(spec, ai_text, value, value_start, reference_year)?;
        push_checked(
            &mut elements,
            Gs1Element {
                ai: ai_text,
                spec,
                value,
                decoded,
            },
            position,
        )?;
        position = end;
    }
    if elements.is_empty() {
        return Err(fail(0, Gs1Problem::Empty));
    }
    Ok(elements)
}

/// Parses the human-readable form `(01)09506000134352(17)261231(10)AB1`.
/// A value runs up to the next `(` that opens a known AI followed by `)`.
pub fn parse_bracketed(text: &str, reference_year: i32) -> Result<Vec<Gs1Element<'_>>, HwError> {
    let bytes = text.as_bytes();
    // Start of the next "(AI)" at or after `from`: (open index, spec).
    let next_ai = |from: usize| -> Option<(usize, &'static AiSpec)> {
        (from..bytes.len()).find_map(|i| {
            if bytes.get(i) != Some(&b'(') {
                return None;
            }
            let spec = ai::lookup(bytes.get(i.saturating_add(1)..)?)?;
            let close = i.saturating_add(1).saturating_add(spec.ai_len());
            (bytes.get(close) == Some(&b')')).then_some((i, spec))
        })
    };
    let mut elements = Vec::with_capacity(4);
    let mut cursor = 0usize;
    while cursor < bytes.len() {
        let (open, spec) = next_ai(cursor).ok_or_else(|| fail(cursor, Gs1Problem::Brackets))?;
        if open != cursor {
            return Err(fail(cursor, Gs1Problem::Brackets));
        }
        let ai_start = open.saturating_add(1);
        let ai_end = ai_start.saturating_add(spec.ai_len());
        let value_start = ai_end.saturating_add(1);
        let value_end = next_ai(value_start).map_or(bytes.len(), |(i, _)| i);
        let ai_text = text
            .get(ai_start..ai_end)
            .ok_or_else(|| fail(ai_start, Gs1Problem::Brackets))?;
        let value = text
            .get(value_start..value_end)
            .ok_or_else(|| fail(value_start, Gs1Problem::Character { ai: spec.name }))?;
        let decoded = decode_value(spec, ai_text, value, value_start, reference_year)?;
        push_checked(
            &mut elements,
            Gs1Element {
                ai: ai_text,
                spec,
                value,
                decoded,
            },
            open,
        )?;
        cursor = value_end;
    }
    if elements.is_empty() {
        return Err(fail(0, Gs1Problem::Empty));
    }
    Ok(elements)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(result: Result<Vec<Gs1Element<'_>>, HwError>) -> (usize, Gs1Problem) {
        match result {
            Err(HwError::Gs1 { position, problem }) => (position, problem),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_fixed_and_variable_elements_with_separators() {
        let text = "0109506000134352\u{1d}3103000750\u{1d}10AB-123\u{1d}17261200";
        let elements = parse_element_string(text, 2026).unwrap();
        let ais: Vec<&str> = elements.iter().map(|e| e.ai).collect();
        assert_eq!(ais, ["01", "3103", "10", "17"]);
        assert_eq!(
            elements[1].decoded,
            Gs1Value::Weight {
                weight: "0.750".parse().unwrap(),
                unit: "kg"
            }
        );
        assert_eq!(elements[2].value, "AB-123");
        assert_eq!(
            elements[3].decoded,
            Gs1Value::Date {
                date: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                day_unspecified: true
            }
        );
    }

    #[test]
    fn prices_keep_their_decimals_and_currency() {
        let elements = parse_element_string("39220599\u{1d}3932978123456", 2026).unwrap();
        assert_eq!(
            elements[0].decoded,
            Gs1Value::Amount {
                amount: "5.99".parse().unwrap()
            }
        );
        assert_eq!(
            elements[1].decoded,
            Gs1Value::AmountWithCurrency {
                currency_numeric: 978,
                currency: Some("EUR"),
                amount: "1234.56".parse().unwrap()
            }
        );
    }

    #[test]
    fn typed_errors_with_positions() {
        assert_eq!(
            problem(parse_element_string("", 2026)),
            (0, Gs1Problem::Empty)
        );
        assert_eq!(
            problem(parse_element_string("9912", 2026)),
            (0, Gs1Problem::UnknownAi)
        );
        assert_eq!(
            problem(parse_element_string("0109506000134353", 2026)),
            (
                15,
                Gs1Problem::CheckDigit {
                    ai: "01",
                    expected: 2,
                    found: 3
                }
            )
        );
        assert_eq!(
            problem(parse_element_string("01095060001343", 2026)),
            (2, Gs1Problem::TooShort { ai: "01", min: 14 })
        );
        assert_eq!(
            problem(parse_element_string("10ABCDEFGHIJKLMNOPQRSTU", 2026)),
            (2, Gs1Problem::TooLong { ai: "10", max: 20 })
        );
        assert_eq!(
            problem(parse_element_string("17261301", 2026)),
            (2, Gs1Problem::Date { ai: "17" })
        );
        assert_eq!(
            problem(parse_element_string("3106000750", 2026)),
            (3, Gs1Problem::DecimalIndicator { ai: "310n" })
        );
        assert_eq!(
            problem(parse_element_string("10AB CD", 2026)),
            (4, Gs1Problem::Character { ai: "10" })
        );
        assert_eq!(
            problem(parse_element_string("3712a", 2026)),
            (4, Gs1Problem::NotNumeric { ai: "37" })
        );
        assert_eq!(
            problem(parse_element_string("10A\u{1d}10B", 2026)),
            (4, Gs1Problem::Conflict { ai: "10" })
        );
    }

    #[test]
    fn bracketed_form_allows_brackets_inside_values() {
        let elements = parse_bracketed("(01)09506000134352(10)A(B)C(17)270200", 2026).unwrap();
        assert_eq!(elements.len(), 3);
        assert_eq!(elements[1].value, "A(B)C");
        assert_eq!(
            problem(parse_bracketed("01)123", 2026)),
            (0, Gs1Problem::Brackets)
        );
    }
}
