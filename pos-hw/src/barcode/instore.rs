//! In-store (restricted circulation) codes: GS1 prefixes 02 and 20–29 (and 0
//! or 2 for EAN-8) that a shop prints itself, with the article number and a
//! price, weight or count embedded in the digits.
//!
//! France has no single layout, so layouts are data: a small pattern over the
//! 13 (or 8) digits, one symbol per digit:
//!
//! | symbol  | meaning                                                     |
//! |---------|-------------------------------------------------------------|
//! | `0`–`9` | this digit must be exactly this                             |
//! | `[a-b]` | this digit must be between `a` and `b`                      |
//! | `X`     | any digit, ignored (e.g. the second prefix digit)           |
//! | `I`     | article (item reference) digit                              |
//! | `P`     | price digit (default: 2 decimals, i.e. cents)               |
//! | `W`     | weight digit (default: grams, i.e. kg with 3 decimals)      |
//! | `Q`     | count digit (no decimals)                                   |
//! | `.`     | not a digit: the decimal point inside the `P`/`W` run       |
//! | `V`     | GS1 4- or 5-digit price/weight check digit over the run     |
//! | `C`     | the final GS1 check digit (always last)                     |
//!
//! For example `2[0-4]IIIIIPPPPPC` reads `2 1 12345 01234 C` as article
//! `12345`, price 12.34; `22IIIIVPPP.PPC` is the German layout with a price
//! check digit.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};

use super::check::{digit_value, gs1_check_digit, price_check_digit};
use crate::HwError;

/// Why an in-store layout pattern was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutProblem {
    /// The pattern does not describe 8 or 13 digits.
    #[error("pattern describes {positions} digits, expected 8 or 13")]
    Length {
        /// Number of digit positions found.
        positions: usize,
    },
    /// A symbol outside the pattern language.
    #[error("unknown symbol at pattern index {index}")]
    UnknownSymbol {
        /// Byte index in the pattern.
        index: usize,
    },
    /// A `[a-b]` range that is malformed or empty.
    #[error("bad digit range at pattern index {index}")]
    BadRange {
        /// Byte index in the pattern.
        index: usize,
    },
    /// The last symbol is not `C`, or `C` appears elsewhere.
    #[error("the final check digit C must be the last symbol and appear once")]
    CheckDigitPlacement,
    /// More than one kind of measure, or the measure digits are not adjacent.
    #[error("price, weight or count digits must form one run of one kind")]
    MeasureRun,
    /// A decimal point outside a measure run, or more than one.
    #[error("the decimal point must be inside the measure run, once")]
    DecimalPoint,
    /// `V` not right before a 4- or 5-digit measure run, or more than one.
    #[error("V must come right before a 4- or 5-digit measure run, once")]
    ValueCheck,
}

/// What a layout's measure digits mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MeasureKind {
    Price,
    Weight,
    Count,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Literal(u8),
    Range(u8, u8),
    Any,
    Article,
    Measure(MeasureKind),
    ValueCheck,
    Check,
}

/// A parsed in-store layout; build it with [`InStoreLayout::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct InStoreLayout {
    pattern: String,
    slots: Vec<Slot>,
    /// (kind, first index, length, decimals) of the measure run.
    measure: Option<(MeasureKind, usize, usize, u32)>,
    value_check: Option<usize>,
}

/// The embedded measure of an in-store code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Measure {
    /// A price in the shop's currency.
    Price {
        /// Amount, exact.
        amount: Decimal,
    },
    /// A net weight in kilograms.
    Weight {
        /// Kilograms, exact.
        kg: Decimal,
    },
    /// A number of units.
    Count {
        /// Units.
        count: u64,
    },
}

/// What an in-store code carries, per its layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InStoreItem {
    /// The pattern of the layout that matched.
    pub layout: String,
    /// The article (item reference) digits.
    pub article: String,
    /// The embedded price, weight or count, if the layout has one.
    pub measure: Option<Measure>,
    /// `(expected, found)` when the layout's `V` check digit is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure_check_mismatch: Option<(u8, u8)>,
    /// The code with the measure zeroed and check digits recomputed: the key
    /// to look the article up in a catalog.
    pub lookup_code: String,
}

impl InStoreLayout {
    /// Parses a layout pattern (see the module docs for the symbols).
    pub fn parse(pattern: &str) -> Result<Self, HwError> {
        let err = |problem| HwError::InStoreLayout { problem };
        let bytes = pattern.as_bytes();
        let mut slots = Vec::with_capacity(13);
        let mut decimal_at: Option<usize> = None;
        let mut index = 0usize;
        while let Some(&symbol) = bytes.get(index) {
            let slot = match symbol {
                b'0'..=b'9' => Slot::Literal(symbol),
                b'X' => Slot::Any,
                b'I' => Slot::Article,
                b'P' => Slot::Measure(MeasureKind::Price),
                b'W' => Slot::Measure(MeasureKind::Weight),
                b'Q' => Slot::Measure(MeasureKind::Count),
                b'V' => Slot::ValueCheck,
                b'C' => Slot::Check,
                b'.' => {
                    if decimal_at.is_some() {
                        return Err(err(LayoutProblem::DecimalPoint));
                    }
                    decimal_at = Some(slots.len());
                    index = index.saturating_add(1);
                    continue;
                }
                b'[' => match bytes.get(index..index.saturating_add(5)) {
                    Some([b'[', lo @ b'0'..=b'9', b'-', hi @ b'0'..=b'9', b']']) if lo <= hi => {
                        index = index.saturating_add(4);
                        Slot::Range(*lo, *hi)
                    }
                    _ => return Err(err(LayoutProblem::BadRange { index })),
                },
                _ => return Err(err(LayoutProblem::UnknownSymbol { index })),
            };
            slots.push(slot);
            index = index.saturating_add(1);
        }
        if slots.len() != 8 && slots.len() != 13 {
            return Err(err(LayoutProblem::Length {
                positions: slots.len(),
            }));
        }
        let checks = slots.iter().filter(|s| **s == Slot::Check).count();
        if checks != 1 || slots.last() != Some(&Slot::Check) {
            return Err(err(LayoutProblem::CheckDigitPlacement));
        }
        let measure_positions: Vec<(usize, MeasureKind)> = slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Slot::Measure(kind) => Some((i, *kind)),
                _ => None,
            })
            .collect();
        let measure = match (measure_positions.first(), measure_positions.last()) {
            (Some(&(start, kind)), Some(&(end, _))) => {
                let len = measure_positions.len();
                let contiguous = end.checked_sub(start).and_then(|d| d.checked_add(1)) == Some(len);
                if !contiguous || measure_positions.iter().any(|(_, k)| *k != kind) {
                    return Err(err(LayoutProblem::MeasureRun));
                }
                let decimals = match decimal_at {
                    Some(at) if at > start && at <= end.saturating_add(1) => {
                        u32::try_from(end.saturating_add(1).saturating_sub(at)).unwrap_or(0)
                    }
                    Some(_) => return Err(err(LayoutProblem::DecimalPoint)),
                    None => match kind {
                        MeasureKind::Price => 2,
                        MeasureKind::Weight => 3,
                        MeasureKind::Count => 0,
                    },
                };
                if kind == MeasureKind::Count && decimals != 0 {
                    return Err(err(LayoutProblem::DecimalPoint));
                }
                Some((kind, start, len, decimals))
            }
            _ => {
                if decimal_at.is_some() {
                    return Err(err(LayoutProblem::DecimalPoint));
                }
                None
            }
        };
        let value_checks: Vec<usize> = slots
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == Slot::ValueCheck)
            .map(|(i, _)| i)
            .collect();
        let value_check = match (value_checks.as_slice(), measure) {
            ([], _) => None,
            ([at], Some((_, start, len, _)))
                if at.checked_add(1) == Some(start) && (len == 4 || len == 5) =>
            {
                Some(*at)
            }
            _ => return Err(err(LayoutProblem::ValueCheck)),
        };
        Ok(Self {
            pattern: pattern.to_owned(),
            slots,
            measure,
            value_check,
        })
    }

    /// The pattern this layout was parsed from.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Number of digits this layout describes (8 or 13).
    pub fn digit_count(&self) -> usize {
        self.slots.len()
    }

    /// Decodes `digits` (ASCII, check digit already verified) if they fit
    /// this layout's length and fixed digits; `None` otherwise.
    pub fn decode(&self, digits: &[u8]) -> Option<InStoreItem> {
        if digits.len() != self.slots.len() {
            return None;
        }
        let mut article = String::new();
        for (slot, byte) in self.slots.iter().zip(digits) {
            digit_value(*byte)?;
            match slot {
                Slot::Literal(want) if byte != want => return None,
                Slot::Range(lo, hi) if byte < lo || byte > hi => return None,
                Slot::Article => article.push(char::from(*byte)),
                _ => {}
            }
        }
        let mut lookup: Vec<u8> = digits.to_vec();
        let mut measure = None;
        let mut mismatch = None;
        if let Some((kind, start, len, decimals)) = self.measure {
            let run = digits.get(start..start.checked_add(len)?)?;
            let mut units: u64 = 0;
            for byte in run {
                units = units
                    .checked_mul(10)?
                    .checked_add(u64::from(digit_value(*byte)?))?;
            }
            let signed = i64::try_from(units).ok()?;
            measure = Some(match kind {
                MeasureKind::Price => Measure::Price {
                    amount: Decimal::try_new(signed, decimals).ok()?,
                },
                MeasureKind::Weight => Measure::Weight {
                    kg: Decimal::try_new(signed, decimals).ok()?,
                },
                MeasureKind::Count => Measure::Count { count: units },
            });
            for byte in lookup.get_mut(start..start.checked_add(len)?)? {
                *byte = b'0';
            }
            if let Some(at) = self.value_check {
                let expected = price_check_digit(run)?;
                let found = digit_value(*digits.get(at)?)?;
                if expected != found {
                    mismatch = Some((expected, found));
                }
                // The check digit of an all-zero run is 0 for both algorithms.
                *lookup.get_mut(at)? = b'0';
            }
        }
        let (last, payload) = lookup.split_last_mut()?;
        *last = b'0'.wrapping_add(gs1_check_digit(payload)?);
        Some(InStoreItem {
            layout: self.pattern.clone(),
            article,
            measure,
            measure_check_mismatch: mismatch,
            lookup_code: String::from_utf8(lookup).ok()?,
        })
    }
}

impl TryFrom<String> for InStoreLayout {
    type Error = HwError;
    fn try_from(pattern: String) -> Result<Self, HwError> {
        Self::parse(&pattern)
    }
}

impl fmt::Display for InStoreLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pattern)
    }
}

impl Serialize for InStoreLayout {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Common layouts, as patterns.
pub mod presets {
    /// 2 + 6-digit article + 5-digit price in cents (common French labels).
    pub const PRICE_ARTICLE6_PRICE5: &str = "2IIIIIIPPPPPC";
    /// 2x + 5-digit article + 5-digit price in cents.
    pub const PRICE_ARTICLE5_PRICE5: &str = "2XIIIIIPPPPPC";
    /// 2x + 5-digit article + 5-digit weight in grams.
    pub const WEIGHT_ARTICLE5_GRAMS5: &str = "2XIIIIIWWWWWC";
    /// 2x + 5-digit article + price check digit + 4-digit price in cents.
    pub const PRICE_CHECK_ARTICLE5_PRICE4: &str = "2XIIIIIVPPPPC";
    /// 2x + 4-digit article + price check digit + 5-digit price in cents.
    pub const PRICE_CHECK_ARTICLE4_PRICE5: &str = "2XIIIIVPPPPPC";
    /// 2x + 4-digit article + weight check digit + 5-digit weight in grams.
    pub const WEIGHT_CHECK_ARTICLE4_GRAMS5: &str = "2XIIIIVWWWWWC";
    /// UPC-A number system 2 (GTIN-13 `02...`): 5-digit article, price
    /// check digit, 4-digit price in cents.
    pub const UPC_PRICE_CHECK_ARTICLE5_PRICE4: &str = "02IIIIIVPPPPC";
    /// EAN-8 in-store article number without a measure.
    pub const EAN8_ARTICLE6: &str = "2IIIIIIC";
}

/// An ordered list of layouts; the first that fits a code wins.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct InStoreLayouts(Vec<InStoreLayout>);

impl InStoreLayouts {
    /// Builds the list from patterns, in priority order.
    pub fn from_patterns<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<Self, HwError> {
        patterns
            .into_iter()
            .map(InStoreLayout::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// A reasonable French default: 20–24 price in cents, 25–29 weight in
    /// grams (5-digit article each), UPC `02` with a price check digit, and
    /// EAN-8 `2` article codes. Shops with other labels configure their own.
    pub fn france() -> Self {
        let patterns = [
            presets::UPC_PRICE_CHECK_ARTICLE5_PRICE4,
            "2[0-4]IIIIIPPPPPC",
            "2[5-9]IIIIIWWWWWC",
            presets::EAN8_ARTICLE6,
        ];
        let layouts = patterns
            .iter()
            .filter_map(|p| InStoreLayout::parse(p).ok())
            .collect();
        Self(layouts)
    }

    /// The layouts, in priority order.
    pub fn layouts(&self) -> &[InStoreLayout] {
        &self.0
    }

    /// Decodes `digits` with the first layout that fits.
    pub fn decode(&self, digits: &[u8]) -> Option<InStoreItem> {
        self.0.iter().find_map(|layout| layout.decode(digits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn decodes_a_price_embedded_code_and_builds_its_lookup_code() {
        let layout = InStoreLayout::parse("2[0-4]IIIIIPPPPPC").unwrap();
        let item = layout.decode(b"2112345012346").unwrap();
        assert_eq!(item.article, "12345");
        assert_eq!(
            item.measure,
            Some(Measure::Price {
                amount: dec("12.34")
            })
        );
        assert_eq!(item.lookup_code, "2112345000008");
        assert!(layout.decode(b"2512345012349").is_none());
    }

    #[test]
    fn decodes_weight_with_explicit_decimal_point_and_value_check() {
        let layout = InStoreLayout::parse("22IIIIVPP.PPPC").unwrap();
        // 14685 has price/weight check digit 6 (GS1 GenSpecs example).
        let item = layout.decode(b"2212346146856").unwrap();
        assert_eq!(
            item.measure,
            Some(Measure::Price {
                amount: dec("14.685")
            })
        );
        assert_eq!(item.measure_check_mismatch, None);
        let bad = layout.decode(b"2212345146857").unwrap();
        assert_eq!(bad.measure_check_mismatch, Some((6, 5)));
    }

    #[test]
    fn refuses_malformed_patterns() {
        let problem = |p: &str| match InStoreLayout::parse(p) {
            Err(HwError::InStoreLayout { problem }) => problem,
            other => panic!("{p}: {other:?}"),
        };
        assert_eq!(problem("2IIIIC"), LayoutProblem::Length { positions: 6 });
        assert_eq!(
            problem("2XIIIIIPPPPPZ"),
            LayoutProblem::UnknownSymbol { index: 12 }
        );
        assert_eq!(
            problem("2[5-1]IIIIIPPPPPC"),
            LayoutProblem::BadRange { index: 1 }
        );
        assert_eq!(problem("2XIIIIIPPPPP1"), LayoutProblem::CheckDigitPlacement);
        assert_eq!(problem("2XIIPPIIIWWWC"), LayoutProblem::MeasureRun);
        assert_eq!(problem("2XIIIIIPP.P.PPC"), LayoutProblem::DecimalPoint);
        assert_eq!(problem("2XIIIIVIPPPPC"), LayoutProblem::ValueCheck);
        assert_eq!(problem("2XIIIVPPPPPPC"), LayoutProblem::ValueCheck);
    }

    #[test]
    fn french_defaults_cover_price_weight_upc_and_ean8() {
        let layouts = InStoreLayouts::france();
        let weight = layouts.decode(b"2600042015000").unwrap();
        assert_eq!(weight.measure, Some(Measure::Weight { kg: dec("1.500") }));
        assert_eq!(weight.article, "00042");
        let ean8 = layouts.decode(b"20123451").unwrap();
        assert_eq!(ean8.article, "012345");
        assert_eq!(ean8.measure, None);
    }
}
