//! Merchant settings ([`TillSettings`]): who the trader is, what receipts
//! print, and the till's money, tax, time and stock rules.
//!
//! Set at setup, kept in the till file (table `till_settings`, one row per
//! key, the value in the same text form as `pos config --set KEY=VALUE`),
//! read back at every open, and changed only through
//! [`crate::Register::set_settings`] / [`crate::Register::set_setting`].
//!
//! **Bound to signed data.** Every change (and the first settings of a till,
//! or of a file made before settings existed) is logged as one JET 270
//! "compliance setting change" with `setting` = `till_settings` and `value`
//! = the canonical JSON of every key (the logo by its SHA-256). A receipt's
//! merchant block (name, address, SIRET, VAT number, header, footer, receipt
//! link, logo) is read from the JET 270 in force when its ticket was signed,
//! never from the table: an original, a duplicate, a stored reprint and the
//! digital copy all print the same signed values, and an edited table row
//! cannot reach paper. The logo is printed only when the stored image's
//! hash is the signed one.

use crate::SdkError;
use pos_core::ids::OperatorId;
use pos_core::stock::StockPolicies;
use pos_core::tender::CashRounding;
use pos_core::{Currency, TaxMode};
use pos_fiscal::Signer;
use pos_fiscal::canon::from_canonical;
use pos_fiscal::model::{DocRef, Stamp};
use pos_fiscal::payload::JetPayload;
use pos_hw::receipt::{Bitmap, TraderFacts};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

/// The `setting` of the JET 270 records that carry the till settings.
pub const JET_SETTING: &str = "till_settings";

/// Every key, in the order `pos config` prints them.
pub const KEYS: [&str; 17] = [
    "trader_name",
    "address",
    "siret",
    "vat_number",
    "logo",
    "header",
    "footer",
    "receipt_link_base",
    "currency",
    "tax_mode",
    "time_zone",
    "cash_rounding",
    "meal_voucher_cap",
    "stock_policies",
    "printer_profile",
    "journal_days_kept",
    "offline_refund",
];

/// Why a setting was refused. Nothing is changed by a refused setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// No such setting.
    #[error("unknown setting `{key}` (known: {known})", known = KEYS.join(", "))]
    UnknownKey {
        /// The key given.
        key: String,
    },
    /// A SIRET is 14 digits with a valid Luhn key.
    #[error("invalid SIRET `{value}`: expected 14 digits with a valid check digit")]
    InvalidSiret {
        /// The value given.
        value: String,
    },
    /// A VAT number is a country code and 2 to 13 characters; a French one
    /// has a valid key.
    #[error("invalid VAT number `{value}`: expected e.g. FR96552100554 with a valid key")]
    InvalidVatNumber {
        /// The value given.
        value: String,
    },
    /// A French VAT number names another company than the SIRET.
    #[error("VAT number `{vat_number}` is not that of SIREN {siren}")]
    VatNumberMismatch {
        /// The VAT number.
        vat_number: String,
        /// The SIREN of the SIRET.
        siren: String,
    },
    /// Not an ISO 4217 currency the SDK knows.
    #[error("unknown currency `{value}`")]
    UnknownCurrency {
        /// The value given.
        value: String,
    },
    /// Not an IANA time zone name.
    #[error("unknown time zone `{value}`: expected an IANA name such as Europe/Paris")]
    UnknownTimeZone {
        /// The value given.
        value: String,
    },
    /// Tax mode is `inclusive` or `exclusive`.
    #[error("unknown tax mode `{value}`: expected inclusive or exclusive")]
    UnknownTaxMode {
        /// The value given.
        value: String,
    },
    /// An amount that does not parse.
    #[error("invalid amount `{value}` for {key}")]
    InvalidAmount {
        /// The setting.
        key: &'static str,
        /// The value given.
        value: String,
    },
    /// A cash-rounding increment must be positive, in whole minor units.
    #[error("invalid cash rounding `{value}`: expected a positive increment such as 0.05")]
    InvalidCashRounding {
        /// The value given.
        value: String,
    },
    /// The meal-voucher cap cannot be negative.
    #[error("negative meal-voucher cap `{value}`")]
    NegativeMealVoucherCap {
        /// The value given.
        value: String,
    },
    /// The receipt link base is an `https://` (or `http://`) URL.
    #[error("invalid receipt link base `{value}`: expected an https:// URL")]
    InvalidReceiptLink {
        /// The value given.
        value: String,
    },
    /// A list setting is a JSON array of strings.
    #[error("invalid {key}: expected a JSON array of strings")]
    InvalidList {
        /// The setting.
        key: &'static str,
    },
    /// The logo is a 1-bit bitmap `{"width", "height", "bits"}`.
    #[error("invalid logo: {why}")]
    InvalidLogo {
        /// Why.
        why: &'static str,
    },
    /// The stock policies do not decode.
    #[error(
        "invalid stock_policies: expected {{\"default\": \"block|warn|allow\", \"per_sku\": {{...}}}}"
    )]
    InvalidStockPolicies,
    /// Not a printer profile of pos-hw.
    #[error("unknown printer profile `{value}`")]
    UnknownPrinterProfile {
        /// The value given.
        value: String,
    },
    /// The offline refund policy is `refuse` or `manager_approval`.
    #[error("invalid offline_refund `{value}`: expected refuse or manager_approval")]
    InvalidOfflineRefund {
        /// The value given.
        value: String,
    },
    /// The currency cannot change once the till has tickets.
    #[error("the currency cannot change from {from} to {to}: the till already has tickets")]
    CurrencyLocked {
        /// The currency in force.
        from: String,
        /// The currency asked for.
        to: String,
    },
    /// A receipt needs the trader's name and SIRET.
    #[error("the merchant is not configured: set {missing} before printing")]
    MerchantNotConfigured {
        /// The missing setting.
        missing: &'static str,
    },
    /// The stored settings do not decode, or differ from the signed ones.
    #[error("the stored till settings are inconsistent: {why}")]
    Inconsistent {
        /// Why.
        why: &'static str,
    },
}

impl SettingsError {
    /// A stable snake_case code.
    pub fn kind(&self) -> &'static str {
        match self {
            SettingsError::UnknownKey { .. } => "unknown_setting",
            SettingsError::InvalidSiret { .. } => "invalid_siret",
            SettingsError::InvalidVatNumber { .. } => "invalid_vat_number",
            SettingsError::VatNumberMismatch { .. } => "vat_number_mismatch",
            SettingsError::UnknownCurrency { .. } => "unknown_currency",
            SettingsError::UnknownTimeZone { .. } => "unknown_time_zone",
            SettingsError::UnknownTaxMode { .. } => "unknown_tax_mode",
            SettingsError::InvalidAmount { .. } => "invalid_amount",
            SettingsError::InvalidCashRounding { .. } => "invalid_cash_rounding",
            SettingsError::NegativeMealVoucherCap { .. } => "negative_meal_voucher_cap",
            SettingsError::InvalidReceiptLink { .. } => "invalid_receipt_link",
            SettingsError::InvalidList { .. } => "invalid_list",
            SettingsError::InvalidLogo { .. } => "invalid_logo",
            SettingsError::InvalidStockPolicies => "invalid_stock_policies",
            SettingsError::UnknownPrinterProfile { .. } => "unknown_printer_profile",
            SettingsError::InvalidOfflineRefund { .. } => "invalid_offline_refund",
            SettingsError::CurrencyLocked { .. } => "currency_locked",
            SettingsError::MerchantNotConfigured { .. } => "merchant_not_configured",
            SettingsError::Inconsistent { .. } => "settings_inconsistent",
        }
    }
}

/// A merchant's settings: identity and receipt mentions, money, tax, time
/// and stock rules, printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TillSettings {
    /// Trade name printed at the top of receipts (empty: not configured).
    pub trader_name: String,
    /// Address lines.
    pub address: Vec<String>,
    /// SIRET, 14 digits (empty: not configured). Printed `552 100 554 00018`.
    pub siret: String,
    /// Intra-community VAT number, if any.
    pub vat_number: Option<String>,
    /// Logo printed at the top, as a 1-bit bitmap the printers render.
    pub logo: Option<Bitmap>,
    /// Lines printed under the trader block (opening hours, phone...).
    pub header: Vec<String>,
    /// Lines printed at the bottom ("Merci de votre visite !").
    pub footer: Vec<String>,
    /// Base of the digital receipt link printed as a QR.
    pub receipt_link_base: Option<String>,
    /// The till's currency.
    pub currency: Currency,
    /// Tax-inclusive (shops) or tax-exclusive (B2B) prices.
    pub tax_mode: TaxMode,
    /// The store's time zone (fiscal days and receipts use local time).
    pub time_zone: chrono_tz::Tz,
    /// Cash rounding increment (`None`: no rounding).
    pub cash_rounding: Option<Decimal>,
    /// Daily cap on meal vouchers per customer (face value).
    pub meal_voucher_cap: Decimal,
    /// Negative-stock policy per item.
    pub stock_policies: StockPolicies,
    /// The printer profile id (`epson-tm-t88`, `generic-58mm`...).
    pub printer_profile: String,
    /// Days of journal kept on the till after their archive is confirmed
    /// by the sync server (`None`: everything is kept; at least 1).
    pub journal_days_kept: Option<u32>,
    /// Offline refunds of originals the server cannot check: `refuse` or
    /// `manager_approval` (see [`crate::refund_anywhere`]).
    pub offline_refund: super::refund_anywhere::OfflineRefund,
}

impl TillSettings {
    /// The settings a [`crate::RegisterConfig`] implies (what a till file
    /// made before settings existed printed and applied).
    pub fn from_config(config: &super::RegisterConfig) -> TillSettings {
        let trader = &config.receipt.trader;
        TillSettings {
            trader_name: trader.name.clone(),
            address: trader.address.clone(),
            siret: trader
                .siret
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect(),
            vat_number: trader.vat_number.clone(),
            logo: config.receipt.logo.clone(),
            header: config.receipt.header.clone(),
            footer: config.receipt.footer.clone(),
            receipt_link_base: config.receipt.link_base.clone(),
            currency: config.currency,
            tax_mode: config.tax_mode,
            time_zone: config.time_zone,
            cash_rounding: config
                .tender_policy
                .cash_rounding
                .map(|r| r.increment().amount()),
            meal_voucher_cap: config.tender_policy.meal_voucher.daily_cap.amount(),
            stock_policies: config.stock_policies.clone(),
            printer_profile: config.receipt.printer_profile.clone(),
            journal_days_kept: config.journal_days_kept,
            offline_refund: config.offline_refund,
        }
    }

    /// The value of `key` in its text form (`pos config` prints it, `--set`
    /// and the JET 270 take it).
    pub fn get(&self, key: &str) -> Result<String, SettingsError> {
        let list = |l: &Vec<String>| serde_json::to_string(l).unwrap_or_default();
        Ok(match key {
            "trader_name" => self.trader_name.clone(),
            "address" => list(&self.address),
            "siret" => self.siret.clone(),
            "vat_number" => self.vat_number.clone().unwrap_or_default(),
            "logo" => self
                .logo
                .as_ref()
                .and_then(|l| serde_json::to_string(l).ok())
                .unwrap_or_default(),
            "header" => list(&self.header),
            "footer" => list(&self.footer),
            "receipt_link_base" => self.receipt_link_base.clone().unwrap_or_default(),
            "currency" => self.currency.code().to_owned(),
            "tax_mode" => match self.tax_mode {
                TaxMode::Inclusive => "inclusive".to_owned(),
                TaxMode::Exclusive => "exclusive".to_owned(),
            },
            "time_zone" => self.time_zone.name().to_owned(),
            "cash_rounding" => self
                .cash_rounding
                .map(|d| d.normalize().to_string())
                .unwrap_or_default(),
            "meal_voucher_cap" => self.meal_voucher_cap.normalize().to_string(),
            "stock_policies" => serde_json::to_string(&self.stock_policies).unwrap_or_default(),
            "printer_profile" => self.printer_profile.clone(),
            "offline_refund" => self.offline_refund.code().to_owned(),
            "journal_days_kept" => self
                .journal_days_kept
                .map(|d| d.to_string())
                .unwrap_or_default(),
            _ => {
                return Err(SettingsError::UnknownKey {
                    key: key.chars().take(64).collect(),
                });
            }
        })
    }

    /// Sets `key` from its text form (an empty value clears an optional
    /// setting). On error `self` is unchanged.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingsError> {
        let v = value.trim();
        let given = || v.chars().take(64).collect::<String>();
        let list = |key: &'static str| -> Result<Vec<String>, SettingsError> {
            if v.is_empty() {
                return Ok(Vec::new());
            }
            serde_json::from_str(v).map_err(|_| SettingsError::InvalidList { key })
        };
        let optional = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
        match key {
            "trader_name" => self.trader_name = v.to_owned(),
            "address" => self.address = list("address")?,
            "siret" => {
                let digits: String = v.chars().filter(|c| !c.is_whitespace()).collect();
                if !digits.is_empty() && !siret_is_valid(&digits) {
                    return Err(SettingsError::InvalidSiret { value: given() });
                }
                self.siret = digits;
            }
            "vat_number" => {
                let vat: String = v
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_uppercase();
                if !vat.is_empty() && !vat_number_is_valid(&vat) {
                    return Err(SettingsError::InvalidVatNumber { value: given() });
                }
                self.vat_number = optional(&vat);
            }
            "logo" => self.logo = parse_logo(v)?,
            "header" => self.header = list("header")?,
            "footer" => self.footer = list("footer")?,
            "receipt_link_base" => {
                let url = v.starts_with("https://") || v.starts_with("http://");
                if (!v.is_empty() && !url) || v.chars().any(char::is_whitespace) {
                    return Err(SettingsError::InvalidReceiptLink { value: given() });
                }
                self.receipt_link_base = optional(v.trim_end_matches('/'));
            }
            "currency" => {
                self.currency = Currency::from_code(&v.to_uppercase())
                    .map_err(|_| SettingsError::UnknownCurrency { value: given() })?;
            }
            "tax_mode" => {
                self.tax_mode = match v {
                    "inclusive" => TaxMode::Inclusive,
                    "exclusive" => TaxMode::Exclusive,
                    _ => return Err(SettingsError::UnknownTaxMode { value: given() }),
                }
            }
            "time_zone" => {
                self.time_zone = chrono_tz::Tz::from_str(v)
                    .map_err(|_| SettingsError::UnknownTimeZone { value: given() })?;
            }
            "cash_rounding" => {
                if v.is_empty() {
                    self.cash_rounding = None;
                } else {
                    let d = Decimal::from_str(v)
                        .map_err(|_| SettingsError::InvalidCashRounding { value: given() })?;
                    CashRounding::new(d, self.currency)
                        .map_err(|_| SettingsError::InvalidCashRounding { value: given() })?;
                    self.cash_rounding = Some(d);
                }
            }
            "meal_voucher_cap" => {
                let d = Decimal::from_str(v).map_err(|_| SettingsError::InvalidAmount {
                    key: "meal_voucher_cap",
                    value: given(),
                })?;
                if d.is_sign_negative() && !d.is_zero() {
                    return Err(SettingsError::NegativeMealVoucherCap { value: given() });
                }
                self.meal_voucher_cap = d;
            }
            "stock_policies" => {
                self.stock_policies = if v.is_empty() {
                    StockPolicies::default()
                } else {
                    serde_json::from_str(v).map_err(|_| SettingsError::InvalidStockPolicies)?
                }
            }
            "printer_profile" => {
                pos_hw::printer::PrinterProfile::by_id(v)
                    .map_err(|_| SettingsError::UnknownPrinterProfile { value: given() })?;
                self.printer_profile = v.to_owned();
            }
            "offline_refund" => {
                self.offline_refund = super::refund_anywhere::OfflineRefund::parse(v)
                    .ok_or_else(|| SettingsError::InvalidOfflineRefund { value: given() })?;
            }
            "journal_days_kept" => {
                self.journal_days_kept = if v.is_empty() {
                    None
                } else {
                    Some(
                        v.parse::<u32>()
                            .ok()
                            .filter(|d| (1..=36_600).contains(d))
                            .ok_or_else(|| SettingsError::InvalidAmount {
                                key: "journal_days_kept",
                                value: given(),
                            })?,
                    )
                };
            }
            _ => {
                return Err(SettingsError::UnknownKey {
                    key: key.chars().take(64).collect(),
                });
            }
        }
        Ok(())
    }

    /// Checks the rules that span several keys (a French VAT number names
    /// the SIRET's company; a cash rounding fits the currency).
    pub fn validate(&self) -> Result<(), SettingsError> {
        if let Some(vat) = &self.vat_number
            && let Some(siren) = self.siret.get(..9)
            && vat.starts_with("FR")
            && vat.get(4..) != Some(siren)
        {
            return Err(SettingsError::VatNumberMismatch {
                vat_number: vat.clone(),
                siren: siren.to_owned(),
            });
        }
        if let Some(r) = self.cash_rounding {
            CashRounding::new(r, self.currency).map_err(|_| {
                SettingsError::InvalidCashRounding {
                    value: r.to_string(),
                }
            })?;
        }
        Ok(())
    }

    /// Every key and its text form.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        KEYS.iter()
            .filter_map(|k| Some(((*k).to_owned(), self.get(k).ok()?)))
            .collect()
    }

    /// `base` with the keys of `map` applied (keys missing from `map` keep
    /// `base`'s value, so a file written by an older build still opens).
    pub fn from_map(
        base: &TillSettings,
        map: &BTreeMap<String, String>,
    ) -> Result<TillSettings, SettingsError> {
        let mut s = base.clone();
        // Currency first: the cash rounding is checked against it.
        if let Some(c) = map.get("currency") {
            s.set("currency", c)?;
        }
        for (k, v) in map {
            s.set(k, v)?;
        }
        s.validate()?;
        Ok(s)
    }

    /// Applies a JSON object of settings (`pos init --settings FILE`):
    /// strings are taken as they are, anything else (arrays, objects,
    /// numbers) by its JSON text.
    pub fn apply_json(&self, json: &str) -> Result<TillSettings, SettingsError> {
        let doc: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(json).map_err(|_| SettingsError::Inconsistent {
                why: "the settings file is not a JSON object",
            })?;
        let map = doc
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k, text)
            })
            .collect();
        TillSettings::from_map(self, &map)
    }

    /// The canonical value of the JET 270: every key, the logo by its hash.
    pub(crate) fn signed_value(&self) -> String {
        let mut map = self.to_map();
        // Unset, the key is left out: the value a file signed before the
        // key existed stays the one it signs now.
        if map.get("journal_days_kept").is_some_and(String::is_empty) {
            map.remove("journal_days_kept");
        }
        if map.get("offline_refund").map(String::as_str) == Some("refuse") {
            map.remove("offline_refund");
        }
        if let Some(logo) = map.get_mut("logo")
            && !logo.is_empty()
        {
            *logo = format!("sha256:{}", pos_fiscal::record::sha256_hex(logo.as_bytes()));
        }
        serde_json::to_string(&map).unwrap_or_default()
    }

    /// The SIRET as printed: `552 100 554 00018`.
    pub fn siret_printed(&self) -> String {
        let s = &self.siret;
        match (s.get(..3), s.get(3..6), s.get(6..9), s.get(9..)) {
            (Some(a), Some(b), Some(c), Some(d)) if s.len() == 14 => format!("{a} {b} {c} {d}"),
            _ => s.clone(),
        }
    }

    /// The trader block a receipt prints (header lines follow the address:
    /// pos-hw's receipt has no separate header).
    pub fn trader_facts(&self) -> TraderFacts {
        TraderFacts {
            name: self.trader_name.clone(),
            address: self
                .address
                .iter()
                .chain(self.header.iter())
                .cloned()
                .collect(),
            siret: self.siret_printed(),
            vat_number: self.vat_number.clone(),
        }
    }

    /// Refuses to print for a merchant without a name or SIRET.
    pub fn ensure_printable(&self) -> Result<(), SettingsError> {
        if self.trader_name.trim().is_empty() {
            return Err(SettingsError::MerchantNotConfigured {
                missing: "trader_name",
            });
        }
        if self.siret.is_empty() {
            return Err(SettingsError::MerchantNotConfigured { missing: "siret" });
        }
        Ok(())
    }
}

impl TillSettings {
    /// Writes these settings into `config` (what sales, carts and prints
    /// use). A configuration made so opens a new till file with these
    /// settings as its first ones (one JET 270).
    pub fn apply_to(&self, config: &mut super::RegisterConfig) {
        config.currency = self.currency;
        config.tax_mode = self.tax_mode;
        config.time_zone = self.time_zone;
        config.tender_policy.cash_rounding = self
            .cash_rounding
            .and_then(|r| CashRounding::new(r, self.currency).ok());
        config.tender_policy.meal_voucher.daily_cap =
            pos_core::Money::new(self.meal_voucher_cap, self.currency);
        config.stock_policies = self.stock_policies.clone();
        let receipt = &mut config.receipt;
        receipt.trader = TraderFacts {
            name: self.trader_name.clone(),
            address: self.address.clone(),
            siret: self.siret.clone(),
            vat_number: self.vat_number.clone(),
        };
        receipt.header = self.header.clone();
        receipt.footer = self.footer.clone();
        receipt.logo = self.logo.clone();
        receipt.link_base = self.receipt_link_base.clone();
        receipt.printer_profile = self.printer_profile.clone();
        config.journal_days_kept = self.journal_days_kept;
        config.offline_refund = self.offline_refund;
    }
}

/// The settings rows of the till file (empty before the first open of
/// this build).
fn stored(conn: &Connection) -> Result<BTreeMap<String, String>, SdkError> {
    let mut st = conn.prepare("SELECT key, value FROM till_settings")?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (k, v) = row?;
        out.insert(k, v);
    }
    Ok(out)
}

/// Replaces the settings rows and logs the change (JET 270) in `tx`.
fn write(
    tx: &Transaction<'_>,
    signer: &dyn Signer,
    stamp: Stamp,
    operator: &str,
    settings: &TillSettings,
) -> Result<(), SdkError> {
    tx.execute("DELETE FROM till_settings", [])?;
    for (k, v) in settings.to_map() {
        tx.execute(
            "INSERT INTO till_settings(key, value) VALUES (?1, ?2)",
            params![k, v],
        )?;
    }
    let mut detail = BTreeMap::new();
    detail.insert("setting".to_owned(), JET_SETTING.to_owned());
    detail.insert("value".to_owned(), settings.signed_value());
    pos_fiscal::store::record_event(
        tx,
        signer,
        stamp,
        pos_fiscal::jet::JetCode::SettingChange,
        operator,
        detail,
    )?;
    Ok(())
}

/// The value of the JET 270 settings record nearest `seq`: the last one
/// before it, or (for records older than the first settings of a migrated
/// file) the first one after. `None` when the journal has none.
fn signed_near(conn: &Connection, seq: i64) -> Result<Option<String>, SdkError> {
    const BEFORE: &str = "SELECT payload FROM fiscal_record WHERE series = 'E' AND kind = 'jet'
         AND seq < ?1 AND instr(payload, 'till_settings') > 0 ORDER BY seq DESC";
    const AFTER: &str = "SELECT payload FROM fiscal_record WHERE series = 'E' AND kind = 'jet'
         AND seq >= ?1 AND instr(payload, 'till_settings') > 0 ORDER BY seq ASC";
    for sql in [BEFORE, AFTER] {
        let mut st = conn.prepare(sql)?;
        let mut rows = st.query([seq])?;
        while let Some(row) = rows.next()? {
            let payload: String = row.get(0)?;
            let Ok(jet) = from_canonical::<JetPayload>(payload.as_bytes(), "jet") else {
                continue;
            };
            if jet.code == pos_fiscal::jet::JetCode::SettingChange.code()
                && jet.detail.get("setting").map(String::as_str) == Some(JET_SETTING)
                && let Some(value) = jet.detail.get("value")
            {
                return Ok(Some(value.clone()));
            }
        }
    }
    Ok(None)
}

/// The settings the journal signed as in force at record `seq` (the logo
/// taken from `current` only when its hash is the signed one).
pub(crate) fn signed_at(
    conn: &Connection,
    current: &TillSettings,
    seq: i64,
) -> Result<TillSettings, SdkError> {
    let inconsistent = |why| SdkError::Settings(SettingsError::Inconsistent { why });
    let value = signed_near(conn, seq)?.ok_or(inconsistent(
        "the journal holds no signed settings (JET 270)",
    ))?;
    let mut map: BTreeMap<String, String> = serde_json::from_str(&value)
        .map_err(|_| inconsistent("a signed JET 270 does not decode"))?;
    let logo = map.remove("logo").unwrap_or_default();
    let mut printed = TillSettings::from_map(current, &map)
        .map_err(|_| inconsistent("a signed JET 270 holds a value this build refuses"))?;
    let current_logo = current.get("logo").unwrap_or_default();
    printed.logo = if !logo.is_empty()
        && logo
            == format!(
                "sha256:{}",
                pos_fiscal::record::sha256_hex(current_logo.as_bytes())
            ) {
        current.logo.clone()
    } else {
        None
    };
    Ok(printed)
}

/// The append position of fiscal record `doc`.
pub(crate) fn record_seq(conn: &Connection, doc: DocRef) -> Result<i64, SdkError> {
    let n = i64::try_from(doc.number).map_err(|_| SdkError::Corrupt {
        what: "ticket number",
    })?;
    conn.query_row(
        "SELECT seq FROM fiscal_record WHERE series = ?1 AND number = ?2",
        params![doc.series.code(), n],
        |r| r.get(0),
    )
    .optional()?
    .ok_or(SdkError::NotFound {
        what: "fiscal record",
        id: format!("{}{}", doc.series.code(), doc.number),
    })
}

/// At open, before anything is stamped: the file's settings applied over
/// `config` (a file without any keeps `config`'s, checked). Stored settings
/// that are not the last signed ones are refused.
pub(crate) fn load(
    tx: &Transaction<'_>,
    mut config: super::RegisterConfig,
) -> Result<super::RegisterConfig, SdkError> {
    let seed = TillSettings::from_config(&config);
    let rows = stored(tx)?;
    if rows.is_empty() {
        // A file whose journal already signed settings (a till rebuilt from
        // its journal) keeps them; only a file without any takes `config`'s.
        match last_signed(tx, &seed)? {
            Some(signed) => signed.apply_to(&mut config),
            None => seed.validate()?,
        }
        return Ok(config);
    }
    let settings = TillSettings::from_map(&seed, &rows).map_err(|_| {
        SdkError::Settings(SettingsError::Inconsistent {
            why: "a stored setting does not decode",
        })
    })?;
    if signed_near(tx, i64::MAX)?.as_deref() != Some(settings.signed_value().as_str()) {
        return Err(SdkError::Settings(SettingsError::Inconsistent {
            why: "the till_settings table differs from the last signed JET 270",
        }));
    }
    settings.apply_to(&mut config);
    Ok(config)
}

/// At open, with a plausible clock: a file without settings rows (new, or
/// made before settings existed) gets `config`'s, written and logged.
pub(crate) fn seed_if_missing(
    tx: &Transaction<'_>,
    signer: &dyn Signer,
    config: &super::RegisterConfig,
    stamp: Stamp,
) -> Result<(), SdkError> {
    if stored(tx)?.is_empty() {
        let seed = TillSettings::from_config(config);
        write(tx, signer, stamp, config.system_operator.as_str(), &seed)?;
    }
    Ok(())
}

/// The last settings the journal signed, over `base` (`None` for a file
/// without a journal yet or without any signed settings).
fn last_signed(conn: &Connection, base: &TillSettings) -> Result<Option<TillSettings>, SdkError> {
    let journal: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'fiscal_record'",
        [],
        |r| r.get(0),
    )?;
    if !journal || signed_near(conn, i64::MAX)?.is_none() {
        return Ok(None);
    }
    signed_at(conn, base, i64::MAX).map(Some)
}

impl super::Register {
    /// The merchant settings in force.
    pub fn settings(&self) -> TillSettings {
        TillSettings::from_config(&self.config)
    }

    /// Replaces the merchant settings: validated, stored and logged as one
    /// JET 270 in one transaction. Returns false (and logs nothing) when
    /// nothing changes. On error nothing changes.
    pub fn set_settings(
        &mut self,
        settings: TillSettings,
        operator: &OperatorId,
    ) -> Result<bool, SdkError> {
        settings.validate()?;
        let current = self.settings();
        if settings == current {
            return Ok(false);
        }
        if settings.currency != current.currency {
            let tickets: i64 = self
                .conn
                .query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get(0))?;
            if tickets > 0 {
                return Err(SdkError::Settings(SettingsError::CurrencyLocked {
                    from: current.currency.code().to_owned(),
                    to: settings.currency.code().to_owned(),
                }));
            }
        }
        let now = self.checked_now()?;
        let stamp = super::stamp(&self.config, now)?;
        let tx = self.conn.transaction()?;
        write(
            &tx,
            self.signer.as_ref(),
            stamp,
            operator.as_str(),
            &settings,
        )?;
        tx.commit()?;
        settings.apply_to(&mut self.config);
        Ok(true)
    }

    /// Changes one setting from its text form (see [`TillSettings::set`]).
    pub fn set_setting(
        &mut self,
        key: &str,
        value: &str,
        operator: &OperatorId,
    ) -> Result<bool, SdkError> {
        let mut settings = self.settings();
        settings.set(key, value)?;
        self.set_settings(settings, operator)
    }

    /// The settings signed as in force when record `doc` was made: what
    /// its receipts print.
    pub fn settings_of_record(&self, doc: DocRef) -> Result<TillSettings, SdkError> {
        let seq = record_seq(&self.conn, doc)?;
        signed_at(&self.conn, &self.settings(), seq)
    }
}

fn parse_logo(v: &str) -> Result<Option<Bitmap>, SettingsError> {
    if v.is_empty() {
        return Ok(None);
    }
    let logo: Bitmap = serde_json::from_str(v).map_err(|_| SettingsError::InvalidLogo {
        why: "expected {\"width\", \"height\", \"bits\"}",
    })?;
    if logo.width == 0 || logo.height == 0 || !logo.is_consistent() {
        return Err(SettingsError::InvalidLogo {
            why: "bits must be ceil(width / 8) * height bytes",
        });
    }
    Ok(Some(logo))
}

/// A SIRET: 14 digits, Luhn key (La Poste's establishments, SIREN
/// 356000000, use a digit sum divisible by 5 instead).
pub fn siret_is_valid(siret: &str) -> bool {
    if siret.len() != 14 || !siret.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits = siret.bytes().map(|b| u32::from(b.wrapping_sub(b'0')));
    if siret.starts_with("356000000") {
        return digits.sum::<u32>().is_multiple_of(5);
    }
    luhn(siret)
}

fn luhn(number: &str) -> bool {
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.wrapping_sub(b'0'));
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x.saturating_sub(9) } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A VAT number: two letters and 2 to 13 letters or digits; a French one
/// (`FR` + 2-digit key + SIREN) has key `(12 + 3 × (SIREN mod 97)) mod 97`.
pub fn vat_number_is_valid(vat: &str) -> bool {
    let (Some(country), Some(rest)) = (vat.get(..2), vat.get(2..)) else {
        return false;
    };
    if !country.bytes().all(|b| b.is_ascii_uppercase())
        || !(2..=13).contains(&rest.len())
        || !rest.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return false;
    }
    if country != "FR" {
        return true;
    }
    let (Some(key), Some(siren)) = (rest.get(..2), rest.get(2..)) else {
        return false;
    };
    if siren.len() != 9 || !luhn(siren) {
        return false;
    }
    match (key.parse::<u64>(), siren.parse::<u64>()) {
        (Ok(key), Ok(siren)) => {
            let expected = (siren % 97)
                .checked_mul(3)
                .and_then(|x| x.checked_add(12))
                .map(|x| x % 97);
            expected == Some(key)
        }
        // Newer French numbers may carry letters in the key: accept them.
        _ => key.bytes().all(|b| b.is_ascii_alphanumeric()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siret_and_vat_checks() {
        assert!(siret_is_valid("73282932000074"));
        assert!(siret_is_valid("40483304800022"));
        // The former demo identity's SIRET has a wrong check digit.
        assert!(!siret_is_valid("55210055400018"));
        assert!(!siret_is_valid("7328293200007"));
        assert!(!siret_is_valid("7328293200007a"));
        assert!(siret_is_valid("35600000049837"));
        assert!(vat_number_is_valid("FR96552100554"));
        assert!(vat_number_is_valid("FR83404833048"));
        assert!(!vat_number_is_valid("FR40552100554"));
        assert!(vat_number_is_valid("DE123456789"));
        assert!(!vat_number_is_valid("F"));
    }
}
