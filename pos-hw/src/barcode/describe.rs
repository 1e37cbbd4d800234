//! `describe`: one entry point from scanned text to a serialisable
//! [`BarcodeInfo`] (what the CLI `pos barcode CODE` prints as JSON).

use rust_decimal::Decimal;
use serde::Serialize;

use super::gs1::{self, Gs1Element, Gs1Value};
use super::gtin::Gtin;
use super::instore::{InStoreItem, InStoreLayouts, Measure};
use super::linear::{self, ProductCode, ProductCodeKind};
use super::symbology::SymbologyId;
use crate::HwError;

/// What the caller knows that the code does not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanContext {
    /// The current year, for the GS1 two-digit-year century rule (passed in:
    /// domain code reads no clock).
    pub reference_year: i32,
    /// The shop's in-store code layouts.
    pub in_store: InStoreLayouts,
}

impl ScanContext {
    /// A context with the French default in-store layouts.
    pub fn new(reference_year: i32) -> Self {
        Self {
            reference_year,
            in_store: InStoreLayouts::france(),
        }
    }
}

/// Which family of barcode was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BarcodeKind {
    /// EAN-13.
    Ean13,
    /// EAN-8.
    Ean8,
    /// UPC-A.
    UpcA,
    /// UPC-E.
    UpcE,
    /// GTIN-14 (ITF-14).
    Gtin14,
    /// A GS1 element string (GS1-128, GS1 DataMatrix, GS1 QR...).
    Gs1,
}

impl From<ProductCodeKind> for BarcodeKind {
    fn from(kind: ProductCodeKind) -> Self {
        match kind {
            ProductCodeKind::Ean13 => Self::Ean13,
            ProductCodeKind::Ean8 => Self::Ean8,
            ProductCodeKind::UpcA => Self::UpcA,
            ProductCodeKind::UpcE => Self::UpcE,
            ProductCodeKind::Gtin14 => Self::Gtin14,
        }
    }
}

/// The symbology identifier and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SymbologyInfo {
    /// The identifier, e.g. `]E0`.
    pub id: SymbologyId,
    /// Its human name.
    pub name: &'static str,
}

/// A wrong check digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckDigitMismatch {
    /// Which check digit: "gtin" or "measure".
    pub digit: &'static str,
    /// The computed digit.
    pub expected: u8,
    /// The digit in the code.
    pub found: u8,
}

/// One GS1 element, owned, for output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementInfo {
    /// AI digits as scanned ("3103").
    pub ai: String,
    /// AI as the specification writes it ("310n").
    pub name: &'static str,
    /// GS1 data title.
    pub title: &'static str,
    /// The raw value.
    pub value: String,
    /// The decoded value.
    #[serde(flatten)]
    pub decoded: Gs1Value,
}

impl From<&Gs1Element<'_>> for ElementInfo {
    fn from(e: &Gs1Element<'_>) -> Self {
        Self {
            ai: e.ai.to_owned(),
            name: e.spec.name,
            title: e.spec.title,
            value: e.value.to_owned(),
            decoded: e.decoded.clone(),
        }
    }
}

/// Everything a till needs to know about a scanned code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BarcodeInfo {
    /// The barcode family.
    pub kind: BarcodeKind,
    /// The AIM symbology identifier, when the scanner sent one.
    pub symbology: Option<SymbologyInfo>,
    /// False when a check digit is wrong (the code should be rescanned).
    pub valid: bool,
    /// Digits as printed, for EAN/UPC/ITF codes.
    pub digits: Option<String>,
    /// The GTIN (for UPC-E: of the expanded UPC-A), when valid.
    pub gtin: Option<Gtin>,
    /// The GTIN as 14 digits.
    pub gtin14: Option<String>,
    /// The wrong check digit, if any.
    pub check_digit_mismatch: Option<CheckDigitMismatch>,
    /// UPC-A expansion of a UPC-E code.
    pub upc_a: Option<String>,
    /// EAN-2/EAN-5 add-on digits (`]E3`).
    pub addon: Option<String>,
    /// In-store code decoded with the shop's layouts.
    pub in_store: Option<InStoreItem>,
    /// Embedded price (in-store code, AI 392n / 393n).
    pub price: Option<Decimal>,
    /// ISO 4217 code of `price`, when the code says it (AI 393n).
    pub currency: Option<String>,
    /// Embedded net weight in kg (in-store code, AI 310n).
    pub weight_kg: Option<Decimal>,
    /// Embedded count (in-store code, AI 30 / 37).
    pub count: Option<u64>,
    /// GS1 elements, in scanned order.
    pub elements: Vec<ElementInfo>,
}

impl BarcodeInfo {
    fn empty(kind: BarcodeKind, symbology: Option<SymbologyId>) -> Self {
        Self {
            kind,
            symbology: symbology.map(|id| SymbologyInfo {
                id,
                name: id.name(),
            }),
            valid: true,
            digits: None,
            gtin: None,
            gtin14: None,
            check_digit_mismatch: None,
            upc_a: None,
            addon: None,
            in_store: None,
            price: None,
            currency: None,
            weight_kg: None,
            count: None,
            elements: Vec::new(),
        }
    }

    fn apply_in_store(&mut self, gtin: &Gtin, context: &ScanContext) {
        if !gtin.is_restricted_circulation() {
            return;
        }
        let digits = match gtin.format() {
            super::gtin::GtinFormat::Gtin8 => Some(gtin.to_string()),
            _ => gtin.to_gtin13(),
        };
        let Some(item) = digits.and_then(|d| context.in_store.decode(d.as_bytes())) else {
            return;
        };
        if let Some((expected, found)) = item.measure_check_mismatch {
            self.valid = false;
            self.check_digit_mismatch = Some(CheckDigitMismatch {
                digit: "measure",
                expected,
                found,
            });
        }
        match item.measure {
            Some(Measure::Price { amount }) => self.price = Some(amount),
            Some(Measure::Weight { kg }) => self.weight_kg = Some(kg),
            Some(Measure::Count { count }) => self.count = Some(count),
            None => {}
        }
        self.in_store = Some(item);
    }
}

fn from_product_code(
    code: &ProductCode,
    symbology: Option<SymbologyId>,
    context: &ScanContext,
) -> BarcodeInfo {
    let mut info = BarcodeInfo::empty(code.kind.into(), symbology);
    info.digits = Some(code.digits());
    info.valid = code.is_valid();
    if let Some((expected, found)) = code.check_digit_mismatch {
        info.check_digit_mismatch = Some(CheckDigitMismatch {
            digit: "gtin",
            expected,
            found,
        });
    }
    if let Some(gtin) = code.gtin {
        info.gtin = Some(gtin);
        info.gtin14 = Some(gtin.to_gtin14());
        if code.kind == ProductCodeKind::UpcE {
            info.upc_a = Some(gtin.to_string());
        } else {
            info.apply_in_store(&gtin, context);
        }
    }
    info
}

fn from_elements(
    elements: &[Gs1Element<'_>],
    symbology: Option<SymbologyId>,
    context: &ScanContext,
) -> BarcodeInfo {
    let mut info = BarcodeInfo::empty(BarcodeKind::Gs1, symbology);
    for element in elements {
        match &element.decoded {
            Gs1Value::Gtin { gtin } if element.ai == "01" => {
                info.gtin = Some(*gtin);
                info.gtin14 = Some(gtin.to_gtin14());
                info.apply_in_store(gtin, context);
            }
            Gs1Value::Weight { weight, unit: "kg" } if element.spec.code == "310" => {
                info.weight_kg = Some(*weight)
            }
            Gs1Value::Amount { amount } => info.price = Some(*amount),
            Gs1Value::AmountWithCurrency {
                currency,
                amount,
                currency_numeric,
            } => {
                info.price = Some(*amount);
                info.currency =
                    Some(currency.map_or_else(|| format!("{currency_numeric:03}"), str::to_owned));
            }
            Gs1Value::Count { count } => info.count = Some(*count),
            _ => {}
        }
    }
    info.elements = elements.iter().map(ElementInfo::from).collect();
    info
}

fn first_non_digit(text: &str) -> Option<usize> {
    text.bytes().position(|b| !b.is_ascii_digit())
}

fn linear_with(
    kind: Option<ProductCodeKind>,
    data: &str,
    offset: usize,
    symbology: Option<SymbologyId>,
    context: &ScanContext,
) -> Result<BarcodeInfo, HwError> {
    if let Some(position) = first_non_digit(data) {
        return Err(HwError::BarcodeCharacter {
            position: position.saturating_add(offset),
        });
    }
    let code = match kind {
        Some(kind) => linear::parse_as(kind, data)?,
        None => linear::parse_product_code(data)?,
    };
    Ok(from_product_code(&code, symbology, context))
}

/// Describes scanned text: an optional AIM symbology identifier, then EAN/UPC
/// digits, a GS1 element string (FNC1 as GS) or its `(AI)value` form.
/// Surrounding whitespace and CR/LF are ignored. A wrong check digit gives
/// `valid: false`; anything unreadable gives a typed error.
pub fn describe(code: &str, context: &ScanContext) -> Result<BarcodeInfo, HwError> {
    let text = code.trim_matches([' ', '\t', '\r', '\n']);
    let offset = code
        .len()
        .saturating_sub(code.trim_start_matches([' ', '\t', '\r', '\n']).len());
    if text.is_empty() {
        return Err(HwError::BarcodeEmpty);
    }
    let year = context.reference_year;
    if let Some((id, data)) = SymbologyId::split(text) {
        let data_offset = offset.saturating_add(3);
        if id.is_gs1() {
            let elements =
                gs1::parse_element_string(data, year).map_err(|e| shift(e, data_offset))?;
            return Ok(from_elements(&elements, Some(id), context));
        }
        return match (id.code, id.modifier, data.len()) {
            (b'E', b'4', _) => linear_with(
                Some(ProductCodeKind::Ean8),
                data,
                data_offset,
                Some(id),
                context,
            ),
            (b'E', _, 8) => linear_with(
                Some(ProductCodeKind::UpcE),
                data,
                data_offset,
                Some(id),
                context,
            ),
            (b'E', b'3', 15 | 18) => {
                let (main, addon) = data
                    .split_at_checked(13)
                    .ok_or(HwError::BarcodeLength { length: data.len() })?;
                if let Some(position) = first_non_digit(addon) {
                    return Err(HwError::BarcodeCharacter {
                        position: position.saturating_add(data_offset).saturating_add(13),
                    });
                }
                let mut info = linear_with(
                    Some(ProductCodeKind::Ean13),
                    main,
                    data_offset,
                    Some(id),
                    context,
                )?;
                info.addon = Some(addon.to_owned());
                Ok(info)
            }
            (b'E' | b'I', _, _) => linear_with(None, data, data_offset, Some(id), context),
            _ => Err(HwError::BarcodeSymbology { symbology: id }),
        };
    }
    if text.starts_with('(') {
        let elements = gs1::parse_bracketed(text, year).map_err(|e| shift(e, offset))?;
        return Ok(from_elements(&elements, None, context));
    }
    let all_digits = first_non_digit(text).is_none();
    if all_digits && text.len() <= 14 {
        return linear_with(None, text, offset, None, context);
    }
    if all_digits
        || text.as_bytes().first() == Some(&gs1::GS)
        || gs1::ai::lookup(text.as_bytes()).is_some()
    {
        let elements = gs1::parse_element_string(text, year).map_err(|e| shift(e, offset))?;
        return Ok(from_elements(&elements, None, context));
    }
    Err(HwError::BarcodeCharacter {
        position: first_non_digit(text).unwrap_or(0).saturating_add(offset),
    })
}

/// Moves error positions from the parsed slice to the caller's text.
fn shift(error: HwError, offset: usize) -> HwError {
    match error {
        HwError::Gs1 { position, problem } => HwError::Gs1 {
            position: position.saturating_add(offset),
            problem,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ScanContext {
        ScanContext::new(2026)
    }

    #[test]
    fn ean13_with_and_without_identifier() {
        let info = describe("4006381333931\r\n", &ctx()).unwrap();
        assert_eq!((info.kind, info.valid), (BarcodeKind::Ean13, true));
        assert_eq!(info.gtin14.as_deref(), Some("04006381333931"));
        let with_id = describe("]E04006381333931", &ctx()).unwrap();
        assert_eq!(with_id.symbology.unwrap().name, "EAN-13/UPC-A/UPC-E");
    }

    #[test]
    fn wrong_check_digit_is_reported_not_rejected() {
        let info = describe("4006381333932", &ctx()).unwrap();
        assert!(!info.valid);
        assert_eq!(info.gtin, None);
        assert_eq!(
            info.check_digit_mismatch,
            Some(CheckDigitMismatch {
                digit: "gtin",
                expected: 1,
                found: 2
            })
        );
    }

    #[test]
    fn in_store_price_code_gives_price_and_lookup_code() {
        let info = describe("2112345012346", &ctx()).unwrap();
        assert_eq!(info.price, Some("12.34".parse().unwrap()));
        assert_eq!(info.in_store.unwrap().lookup_code, "2112345000008");
    }

    #[test]
    fn gs1_128_with_weight_price_and_dates() {
        let info = describe(
            "]C10109506000134352\u{1d}3103001250\u{1d}3922001599\u{1d}15270200",
            &ctx(),
        )
        .unwrap();
        assert_eq!(info.kind, BarcodeKind::Gs1);
        assert_eq!(info.gtin.unwrap().to_string(), "09506000134352");
        assert_eq!(info.weight_kg, Some("1.250".parse().unwrap()));
        assert_eq!(info.price, Some("15.99".parse().unwrap()));
        assert_eq!(info.elements.len(), 4);
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert_eq!(describe("  ", &ctx()), Err(HwError::BarcodeEmpty));
        assert_eq!(
            describe("hello", &ctx()),
            Err(HwError::BarcodeCharacter { position: 0 })
        );
        assert_eq!(
            describe("12345", &ctx()),
            Err(HwError::BarcodeLength { length: 5 })
        );
        assert!(matches!(
            describe("]Q1https://x", &ctx()),
            Err(HwError::BarcodeSymbology { .. })
        ));
        assert!(matches!(
            describe("]C19912", &ctx()),
            Err(HwError::Gs1 { position: 3, .. })
        ));
    }
}
