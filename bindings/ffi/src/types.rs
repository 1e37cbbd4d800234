//! Plain records and enums that cross the boundary.

use crate::PosError;
use crate::convert::decimal;
use pos_core::{Currency, Money};

/// The configuration of one till (French defaults: EUR, tax-inclusive,
/// Europe/Paris).
#[derive(Debug, Clone, uniffi::Record)]
pub struct RegisterConfig {
    /// The store (establishment) id.
    pub store: String,
    /// The register (till) id: one fiscal journal per register.
    pub register: String,
    /// The stock location sales take from.
    pub location: String,
}

impl RegisterConfig {
    /// The facade's configuration.
    pub(crate) fn to_sdk(&self) -> Result<pos_sdk::RegisterConfig, PosError> {
        use pos_core::ids::{LocationId, RegisterId, StoreId};
        Ok(pos_sdk::RegisterConfig::france(
            StoreId::new(&self.store)?,
            RegisterId::new(&self.register)?,
            LocationId::new(&self.location)?,
        )?)
    }
}

/// Who completes a sale and for whom.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SaleOptions {
    /// The cashier's id.
    pub operator: String,
    /// The identified customer's pseudonymous id, if any.
    pub customer: Option<String>,
    /// Training mode ("mode école"): series X, touches no total.
    pub training: bool,
    /// The sale's idempotency key, made by the app before completing: any
    /// UUID, or an app string of 1 to 64 characters. The same key and request
    /// returns the recorded sale; another request under it is
    /// `idempotency_conflict`.
    pub ticket_id: Option<String>,
}

impl SaleOptions {
    /// The facade's options.
    pub(crate) fn to_sdk(&self) -> Result<pos_sdk::SaleOptions, PosError> {
        Ok(pos_sdk::SaleOptions {
            operator: crate::convert::operator(&self.operator)?,
            customer: self
                .customer
                .clone()
                .map(pos_core::ids::CustomerId::new)
                .transpose()?,
            training: self.training,
            ticket_id: self.ticket_id.clone(),
        })
    }
}

/// A line of a cart.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CartLine {
    /// The line id (stable while the cart lives).
    pub id: u32,
    /// The variant's SKU.
    pub sku: String,
    /// The label printed.
    pub label: String,
    /// Quantity (decimal string; kilograms for weighed goods).
    pub quantity: String,
    /// Unit price (decimal string).
    pub unit_price: String,
    /// Line amount after discounts (decimal string).
    pub amount: String,
    /// VAT rate in percent (`"20"`, `"5.5"`).
    pub vat_rate: String,
}

/// A line of an original ticket to refund, and how much of it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefundLine {
    /// The line's number on the original ticket, from 1 (as the ticket
    /// prints it and as the sale's `CartLine.id` was); 0 or a number past
    /// the last line is `PosError.Cart` `unknown_original_line`.
    pub line: u32,
    /// Quantity to give back (positive decimal string).
    pub quantity: String,
}

/// How a tender is paid.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TenderMethod {
    /// Cash (the only method that gives change).
    Cash,
    /// Bank card.
    Card,
    /// Cheque.
    Cheque,
    /// A gift card by its id.
    GiftCard {
        /// The card's id.
        reference: String,
    },
    /// A voucher by its id.
    Voucher {
        /// The voucher's id.
        reference: String,
    },
    /// A customer's store-credit account.
    StoreCredit {
        /// The account's id.
        reference: String,
    },
    /// French meal vouchers (titres-restaurant).
    MealVoucher,
}

impl TenderMethod {
    /// The domain tender of `amount` (a decimal string) in `currency`.
    pub(crate) fn tender(
        &self,
        amount: &str,
        currency: Currency,
    ) -> Result<pos_core::tender::Tender, PosError> {
        use pos_core::tender::TenderMethod as M;
        let method = match self {
            TenderMethod::Cash => M::Cash,
            TenderMethod::Card => M::Card,
            TenderMethod::Cheque => M::Cheque,
            TenderMethod::GiftCard { reference } => M::GiftCard {
                reference: reference.clone(),
            },
            TenderMethod::Voucher { reference } => M::Voucher {
                reference: reference.clone(),
            },
            TenderMethod::StoreCredit { reference } => M::StoreCredit {
                reference: reference.clone(),
            },
            TenderMethod::MealVoucher => M::MealVoucher,
        };
        let amount = Money::new(decimal("amount", amount)?, currency);
        Ok(pos_core::tender::Tender::new(method, amount))
    }
}

/// A receipt output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReceiptFormat {
    /// ESC/POS bytes for the printer profile.
    EscPos,
    /// UTF-8 text.
    Text,
    /// A standalone HTML page.
    Html,
    /// A 1-bit PNG image.
    Png,
    /// An SVG image.
    Svg,
}

impl ReceiptFormat {
    /// The renderer's format.
    pub(crate) fn to_hw(self) -> pos_hw::receipt::OutputFormat {
        use pos_hw::receipt::OutputFormat as F;
        match self {
            ReceiptFormat::EscPos => F::EscPos,
            ReceiptFormat::Text => F::Text,
            ReceiptFormat::Html => F::Html,
            ReceiptFormat::Png => F::Png,
            ReceiptFormat::Svg => F::Svg,
        }
    }
}

/// The outcome of verifying the fiscal journal.
#[derive(Debug, Clone, uniffi::Record)]
pub struct VerifyReport {
    /// True when every chain and signature checks out.
    pub intact: bool,
    /// `intact` or the verifier's verdict word.
    pub verdict: String,
    /// Records read.
    pub records: u64,
    /// Signatures checked.
    pub signatures_checked: u64,
    /// One line per defect found (no personal data).
    pub defects: Vec<String>,
}

impl From<pos_fiscal::verify::Report> for VerifyReport {
    fn from(r: pos_fiscal::verify::Report) -> VerifyReport {
        VerifyReport {
            intact: r.is_intact(),
            verdict: r.verdict.to_owned(),
            records: r.records,
            signatures_checked: r.signatures_checked,
            defects: r
                .defects
                .iter()
                .map(|d| format!("{:?}: {}", d.kind, d.detail))
                .collect(),
        }
    }
}

/// An FEC export (fichier des écritures comptables).
#[derive(Debug, Clone, uniffi::Record)]
pub struct FecFile {
    /// The legal file name (`<SIREN>FEC<date>.txt`).
    pub name: String,
    /// ISO-8859-15 bytes.
    pub bytes: Vec<u8>,
}
