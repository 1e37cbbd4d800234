//! `ReceiptFacts`: everything a French receipt must show, as print-ready facts.
//!
//! pos-hw does not know what a sale is: the facade fills this struct from the
//! ticket and its fiscal stamp, and [`super::french`] turns it into a
//! document. Amounts are exact decimals in one currency; nothing is computed
//! here except formatting.

use chrono::NaiveDateTime;
use pos_core::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::document::Bitmap;

/// The business that issues the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraderFacts {
    /// Trading name.
    pub name: String,
    /// Address, one line per entry.
    pub address: Vec<String>,
    /// SIRET (14 digits).
    pub siret: String,
    /// Intra-community VAT number, if any.
    pub vat_number: Option<String>,
}

/// One sold (or refunded) line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineFacts {
    /// Designation.
    pub label: String,
    /// Quantity (may be fractional for weighed goods, negative on refunds).
    pub quantity: Decimal,
    /// Unit of the quantity (`kg`), `None` for pieces.
    pub unit: Option<String>,
    /// Unit price, tax included.
    pub unit_price: Decimal,
    /// Line amount after the line discount, tax included.
    pub amount: Decimal,
    /// The VAT code printed next to the amount (`A`, or `20%`).
    pub vat_label: String,
    /// The discount as printed (`Remise 10 %  -0,50`), if any.
    pub discount: Option<String>,
    /// Sold by weight (loi AGEC exception).
    #[serde(default)]
    pub weighed: bool,
    /// A durable good with the legal-warranty mention (loi AGEC exception).
    #[serde(default)]
    pub durable_good: bool,
}

/// Net, VAT and gross for one rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatFacts {
    /// The VAT code used on the lines (`A`).
    pub label: String,
    /// The rate as printed (`20,00 %`).
    pub rate: String,
    /// Amount before tax.
    pub net: Decimal,
    /// Tax.
    pub vat: Decimal,
    /// Amount tax included.
    pub gross: Decimal,
}

/// One payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentFacts {
    /// The tender key the drawer configuration uses (`cash`, `card`).
    pub tender: String,
    /// The label printed (`Espèces`, `Carte bancaire`).
    pub label: String,
    /// Amount tendered.
    pub amount: Decimal,
    /// A card payment that was cancelled (loi AGEC exception).
    #[serde(default)]
    pub cancelled: bool,
    /// The card reference of an electronic payment (scheme, masked number,
    /// authorisation code, processor reference), printed under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<pos_core::tender::CardReference>,
}

/// What kind of document the receipt is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ReceiptKind {
    /// An ordinary sale.
    Sale,
    /// A refund, which references the original ticket.
    Refund {
        /// The original ticket number.
        original: String,
    },
    /// An exchange: lines of the original given back and new lines sold on
    /// one ticket, the balance paid or paid back.
    Exchange {
        /// The original ticket (`T42`, or `REGISTER/T42` for another till's).
        original: String,
    },
    /// The k-th copy of an already printed ticket.
    Duplicate {
        /// The copy counter (1, 2, 3...).
        number: u32,
    },
    /// A training ticket ("mode école"): no fiscal value.
    Training,
    /// A provisional bill (restaurant "addition"): not a receipt.
    ProvisionalBill,
}

impl ReceiptKind {
    /// Whether this is an original fiscal receipt (printable once).
    pub fn is_fiscal_original(&self) -> bool {
        matches!(
            self,
            ReceiptKind::Sale | ReceiptKind::Refund { .. } | ReceiptKind::Exchange { .. }
        )
    }
}

/// Everything printed on a French receipt (NF525.md section 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptFacts {
    /// Currency of every amount (its symbol and minor units are printed).
    pub currency: Currency,
    /// The issuer.
    pub trader: TraderFacts,
    /// Register (till) identifier.
    pub register: String,
    /// Ticket number in its series.
    pub ticket_number: String,
    /// Local date and time of the ticket.
    pub local_time: NaiveDateTime,
    /// Operator's name or code.
    pub operator: String,
    /// The lines.
    pub lines: Vec<LineFacts>,
    /// Per-rate breakdown, in the order to print.
    pub vat: Vec<VatFacts>,
    /// Total, tax included.
    pub total: Decimal,
    /// Payments.
    pub payments: Vec<PaymentFacts>,
    /// Change given back.
    pub change: Decimal,
    /// Software name.
    pub software_name: String,
    /// Software version.
    pub software_version: String,
    /// Certificate reference (NF525 / LNE), if certified.
    pub certificate: Option<String>,
    /// Printed extract of the ticket signature.
    pub signature_extract: String,
    /// Digital receipt link for the QR code.
    pub receipt_url: Option<String>,
    /// Sale, refund, duplicate, training or provisional bill.
    pub kind: ReceiptKind,
    /// Shop logo, printed at the top.
    #[serde(default)]
    pub logo: Option<Bitmap>,
    /// Free footer lines ("Merci de votre visite").
    #[serde(default)]
    pub footer: Vec<String>,
}
