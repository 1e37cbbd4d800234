//! The merchant settings (`pos_sdk::TillSettings`): read and changed on the
//! till, kept in its file, each change a signed JET 270. Stored receipts
//! (`print_stored_receipt`, `preview_receipt`) print the merchant block the
//! journal signed for each ticket.

use crate::guard::{guard, lock};
use crate::register::Register;
use crate::{PosError, convert};
use pos_sdk::SdkError;

/// A 1-bit logo: `width` dots per row, rows packed most significant bit
/// first and padded to whole bytes; a set bit prints black.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Logo {
    /// Width in dots.
    pub width: u16,
    /// Height in dots.
    pub height: u16,
    /// `ceil(width / 8) * height` bytes.
    pub bits: Vec<u8>,
}

/// A merchant's settings: identity and receipt mentions, money, tax, time
/// and stock rules, printer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TillSettings {
    /// Trade name printed on receipts (empty: not configured, nothing prints).
    pub trader_name: String,
    /// Address lines.
    pub address: Vec<String>,
    /// SIRET, 14 digits with a valid check digit (spaces allowed).
    pub siret: String,
    /// Intra-community VAT number (a French one must match the SIRET).
    pub vat_number: Option<String>,
    /// Logo printed at the top.
    pub logo: Option<Logo>,
    /// Lines printed under the trader block.
    pub header: Vec<String>,
    /// Lines printed at the bottom.
    pub footer: Vec<String>,
    /// Base of the digital receipt link printed as a QR (`https://...`).
    pub receipt_link_base: Option<String>,
    /// ISO 4217 code (fixed once the till has tickets).
    pub currency: String,
    /// `inclusive` (shops) or `exclusive` (B2B: prices without VAT).
    pub tax_mode: String,
    /// IANA time zone (`Europe/Paris`).
    pub time_zone: String,
    /// Cash rounding increment (decimal string such as `0.05`), if any.
    pub cash_rounding: Option<String>,
    /// Daily meal-voucher cap per customer (decimal string, not negative).
    pub meal_voucher_cap: String,
    /// Negative-stock policies as JSON: `{"default":"warn","per_sku":{}}`.
    pub stock_policies_json: String,
    /// Printer profile id (`epson-tm-t88`, `generic-58mm`...).
    pub printer_profile: String,
}

pub(crate) fn from_sdk(s: &pos_sdk::TillSettings) -> TillSettings {
    let text = |k: &str| s.get(k).unwrap_or_default();
    TillSettings {
        trader_name: s.trader_name.clone(),
        address: s.address.clone(),
        siret: s.siret.clone(),
        vat_number: s.vat_number.clone(),
        logo: s.logo.as_ref().map(|l| Logo {
            width: l.width,
            height: l.height,
            bits: l.bits.clone(),
        }),
        header: s.header.clone(),
        footer: s.footer.clone(),
        receipt_link_base: s.receipt_link_base.clone(),
        currency: text("currency"),
        tax_mode: text("tax_mode"),
        time_zone: text("time_zone"),
        cash_rounding: s.cash_rounding.map(|_| text("cash_rounding")),
        meal_voucher_cap: text("meal_voucher_cap"),
        stock_policies_json: text("stock_policies"),
        printer_profile: s.printer_profile.clone(),
    }
}

/// `base` with every field of `s` set through the facade's own checks.
pub(crate) fn to_sdk(
    base: &pos_sdk::TillSettings,
    s: &TillSettings,
) -> Result<pos_sdk::TillSettings, SdkError> {
    let list = |l: &Vec<String>| serde_json::to_string(l).unwrap_or_default();
    let logo = match &s.logo {
        None => String::new(),
        Some(l) => {
            serde_json::json!({"width": l.width, "height": l.height, "bits": l.bits}).to_string()
        }
    };
    let pairs: [(&str, String); 15] = [
        ("currency", s.currency.clone()),
        ("trader_name", s.trader_name.clone()),
        ("address", list(&s.address)),
        ("siret", s.siret.clone()),
        ("vat_number", s.vat_number.clone().unwrap_or_default()),
        ("logo", logo),
        ("header", list(&s.header)),
        ("footer", list(&s.footer)),
        (
            "receipt_link_base",
            s.receipt_link_base.clone().unwrap_or_default(),
        ),
        ("tax_mode", s.tax_mode.clone()),
        ("time_zone", s.time_zone.clone()),
        ("cash_rounding", s.cash_rounding.clone().unwrap_or_default()),
        ("meal_voucher_cap", s.meal_voucher_cap.clone()),
        ("stock_policies", s.stock_policies_json.clone()),
        ("printer_profile", s.printer_profile.clone()),
    ];
    let mut out = base.clone();
    for (k, v) in pairs {
        out.set(k, &v)?;
    }
    out.validate()?;
    Ok(out)
}

/// A refused setting is the app's input: a `Cart` error with the setting's
/// own code (`invalid_siret`, `unknown_currency`...).
pub(crate) fn mapped(e: SdkError) -> PosError {
    match e {
        SdkError::Settings(s) => PosError::Cart {
            code: s.kind().to_owned(),
            detail: s.to_string(),
        },
        other => PosError::from(other),
    }
}

#[uniffi::export]
impl Register {
    /// The merchant settings in force (read back from the till file).
    pub fn settings(&self) -> Result<TillSettings, PosError> {
        guard(|| Ok(from_sdk(&lock(&self.inner).settings())))
    }

    /// Replaces the merchant settings (checked, stored and logged as one
    /// JET 270 by `operator`). Returns false when nothing changed. A
    /// refused value changes nothing.
    pub fn set_settings(&self, settings: TillSettings, operator: String) -> Result<bool, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            let mut reg = lock(&self.inner);
            let new = to_sdk(&reg.settings(), &settings).map_err(mapped)?;
            reg.set_settings(new, &op).map_err(mapped)
        })
    }

    /// Changes one setting by key from its text form (`pos config --set`
    /// takes the same): lists as JSON arrays, an empty value clears.
    pub fn set_setting(
        &self,
        key: String,
        value: String,
        operator: String,
    ) -> Result<bool, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            lock(&self.inner)
                .set_setting(&key, &value, &op)
                .map_err(mapped)
        })
    }
}
