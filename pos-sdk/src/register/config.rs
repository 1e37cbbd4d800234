//! What a till is: its store, register, stock location, currency, time zone
//! and tender rules. Given once when the till file is opened.

use chrono::{DateTime, Offset, Utc};
use chrono_tz::Tz;
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::stock::StockPolicies;
use pos_core::tender::TenderPolicy;
use pos_core::{CoreError, Currency, TaxMode};
use pos_hw::receipt::TraderFacts;

/// The configuration of one till.
#[derive(Debug, Clone)]
pub struct RegisterConfig {
    /// The store (establishment) the till is in.
    pub store: StoreId,
    /// The till itself (one fiscal journal per register).
    pub register: RegisterId,
    /// Where sales take stock from and returns put it back.
    pub location: LocationId,
    /// The till's currency.
    pub currency: Currency,
    /// Tax-inclusive (shops) or tax-exclusive (B2B) prices.
    pub tax_mode: TaxMode,
    /// The store's time zone: fiscal days and receipts use local time.
    pub time_zone: Tz,
    /// Cash rounding and meal-voucher rules.
    pub tender_policy: TenderPolicy,
    /// Negative-stock policy per item (block / warn / allow).
    pub stock_policies: StockPolicies,
    /// The name and version printed on receipts and logged on change (JET 250).
    pub software_version: String,
    /// Who opens the till (logged with JET 80).
    pub system_operator: OperatorId,
    /// What receipts print about the business and where their link points.
    pub receipt: ReceiptSettings,
    /// Sell only inside an open cash session: without one, carts, scans and
    /// payments are refused (`session_closed`) before any tender is taken.
    pub require_cash_session: bool,
    /// How far the injected clock may stray from the journal before a
    /// write is refused (`clock_implausible`).
    pub clock: ClockPolicy,
    /// Days of fiscal journal the till keeps once they are archived and
    /// the sync server confirmed the archive (`None`: keeps everything).
    pub journal_days_kept: Option<u32>,
    /// What an offline refund the server cannot check needs (the
    /// `offline_refund` setting).
    pub offline_refund: super::refund_anywhere::OfflineRefund,
}

/// The bounds of a plausible clock, checked before every journal write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockPolicy {
    /// How far before the journal's last record a time may be (clock
    /// drift, NTP corrections) before it counts as set back.
    pub max_back: chrono::TimeDelta,
    /// How far after the journal's last record a time may be (a till left
    /// off for a season) before it counts as a wrong clock.
    pub max_forward: chrono::TimeDelta,
    /// Times before this year are refused: a clock giving seconds where
    /// milliseconds are expected lands in January 1970.
    pub earliest_year: i32,
}

impl Default for ClockPolicy {
    fn default() -> ClockPolicy {
        ClockPolicy {
            max_back: chrono::TimeDelta::minutes(2),
            max_forward: chrono::TimeDelta::days(400),
            earliest_year: 2000,
        }
    }
}

/// The receipt's fixed mentions (NF525 section 7) and its digital link.
#[derive(Debug, Clone)]
pub struct ReceiptSettings {
    /// Trade name, address lines, SIRET and VAT number.
    pub trader: TraderFacts,
    /// The NF525 / LNE certificate reference, once certified.
    pub certificate: Option<String>,
    /// Base of the receipt link printed as a QR (`{base}/{ticket id}`).
    pub link_base: Option<String>,
    /// The printer profile id (`epson-tm-t88`, `epson-tm-t20`, `star-escpos`, `generic-58mm`).
    pub printer_profile: String,
    /// Lines printed under the trader block.
    pub header: Vec<String>,
    /// Lines printed at the bottom.
    pub footer: Vec<String>,
    /// The logo printed at the top.
    pub logo: Option<pos_hw::receipt::Bitmap>,
}

impl RegisterConfig {
    /// A French shop's defaults: EUR, tax-inclusive, Europe/Paris, no
    /// cash rounding, meal vouchers capped at 25 € a day.
    ///
    /// The merchant (name, address, SIRET, VAT number) is left empty: a
    /// till prints nothing until its own settings name it (see
    /// [`crate::TillSettings`]); the settings a till file holds win over
    /// these at every open.
    pub fn france(
        store: StoreId,
        register: RegisterId,
        location: LocationId,
    ) -> Result<RegisterConfig, CoreError> {
        Ok(RegisterConfig {
            store,
            register,
            location,
            currency: Currency::EUR,
            tax_mode: TaxMode::Inclusive,
            time_zone: chrono_tz::Europe::Paris,
            tender_policy: TenderPolicy::france(Currency::EUR),
            stock_policies: StockPolicies::default(),
            software_version: format!("pos-sdk {}", env!("CARGO_PKG_VERSION")),
            system_operator: OperatorId::new("system")?,
            receipt: ReceiptSettings {
                trader: TraderFacts {
                    name: String::new(),
                    address: Vec::new(),
                    siret: String::new(),
                    vat_number: None,
                },
                certificate: None,
                link_base: None,
                printer_profile: "epson-tm-t88".into(),
                header: Vec::new(),
                footer: vec!["Merci de votre visite !".into()],
                logo: None,
            },
            require_cash_session: false,
            clock: ClockPolicy::default(),
            journal_days_kept: None,
            offline_refund: super::refund_anywhere::OfflineRefund::Refuse,
        })
    }

    /// The local offset from UTC at `at`, in seconds (3600 or 7200 in Paris).
    pub fn utc_offset_seconds(&self, at: DateTime<Utc>) -> i32 {
        at.with_timezone(&self.time_zone)
            .offset()
            .fix()
            .local_minus_utc()
    }
}
