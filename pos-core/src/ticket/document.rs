//! The ticket value and its parts. Fields are read through getters; there
//! is no setter. Serde gives the JSON form (decimals as strings).

use crate::cart::{AppliedPromotion, PriceSource, ReturnOrigin};
use crate::ids::{CustomerId, OperatorId, ProductId, RegisterId, Sku, StoreId};
use crate::item::Unit;
use crate::pricing::{Discount, TaxMode};
use crate::tender::SettledTender;
use crate::{Currency, Money, VatRate};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// Only sold lines.
    Sale,
    /// Only return lines: a negative document.
    Refund,
    /// Return lines and new lines on one ticket; the balance is paid or
    /// paid back.
    Exchange,
}

/// A manual discount as recorded: what was keyed, what it took off, why
/// and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscountRecord {
    /// The discount as keyed (percent or amount).
    pub discount: Discount,
    /// What it took off.
    pub amount: Money,
    /// The store's reason code.
    pub reason_code: String,
    /// The optional free text.
    pub reason_text: Option<String>,
    /// Who gave it.
    pub operator: OperatorId,
}

/// A line of a ticket: everything a receipt line and the journal need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketLine {
    /// The variant sold.
    pub sku: Sku,
    /// Its product.
    pub product_id: ProductId,
    /// The label printed.
    pub label: String,
    /// Quantity; negative on a return line.
    pub quantity: Decimal,
    /// The unit the quantity is in.
    pub unit: Unit,
    /// The unit price used.
    pub unit_price: Money,
    /// Where the unit price came from (catalog, break, label, override...).
    pub price_source: PriceSource,
    /// round(unit price × quantity) (for a return of an earlier ticket:
    /// the amount paid back).
    pub gross: Money,
    /// Promotions applied to the line.
    pub promotions: Vec<AppliedPromotion>,
    /// The manual line discount, if any.
    pub manual_discount: Option<DiscountRecord>,
    /// The line's share of the ticket discount.
    pub ticket_discount_share: Money,
    /// Final amount.
    pub amount: Money,
    /// VAT rate.
    pub vat_rate: VatRate,
    /// Note printed under the line.
    pub note: Option<String>,
    /// The ticket line this line gives back, when known.
    pub return_of: Option<ReturnOrigin>,
    /// Meal vouchers may pay it.
    pub meal_voucher_eligible: bool,
    /// A durable good (loi AGEC: its receipt is printed).
    pub durable_good: bool,
}

/// Net, VAT and gross of one rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTax {
    /// The rate.
    pub rate: VatRate,
    /// Amount without VAT.
    pub net: Money,
    /// VAT.
    pub vat: Money,
    /// net + VAT.
    pub gross: Money,
}

/// A completed document. Built once by `Cart::complete`; never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub(crate) id: String,
    pub(crate) kind: TicketKind,
    pub(crate) store: StoreId,
    pub(crate) register: RegisterId,
    pub(crate) operator: OperatorId,
    pub(crate) at: DateTime<Utc>,
    pub(crate) utc_offset_seconds: i32,
    pub(crate) customer: Option<CustomerId>,
    pub(crate) currency: Currency,
    pub(crate) tax_mode: TaxMode,
    pub(crate) lines: Vec<TicketLine>,
    pub(crate) ticket_promotions: Vec<AppliedPromotion>,
    pub(crate) ticket_discount: Option<DiscountRecord>,
    pub(crate) ticket_discount_total: Money,
    pub(crate) taxes: Vec<TicketTax>,
    pub(crate) total: Money,
    pub(crate) cash_rounding: Money,
    pub(crate) total_due: Money,
    pub(crate) payments: Vec<SettledTender>,
    pub(crate) change: Money,
    pub(crate) note: Option<String>,
    pub(crate) originals: Vec<String>,
}

impl Ticket {
    /// The ticket's UUID v7.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Sale, refund or exchange.
    pub fn kind(&self) -> TicketKind {
        self.kind
    }
    /// The store.
    pub fn store(&self) -> &StoreId {
        &self.store
    }
    /// The register.
    pub fn register(&self) -> &RegisterId {
        &self.register
    }
    /// The operator who completed it.
    pub fn operator(&self) -> &OperatorId {
        &self.operator
    }
    /// The instant of completion (UTC).
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }
    /// The local offset from UTC at that instant, in seconds.
    pub fn utc_offset_seconds(&self) -> i32 {
        self.utc_offset_seconds
    }
    /// The customer's pseudonymous id, if identified.
    pub fn customer(&self) -> Option<&CustomerId> {
        self.customer.as_ref()
    }
    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }
    /// Tax-inclusive or tax-exclusive prices.
    pub fn tax_mode(&self) -> TaxMode {
        self.tax_mode
    }
    /// The lines.
    pub fn lines(&self) -> &[TicketLine] {
        &self.lines
    }
    /// Promotions applied at ticket level.
    pub fn ticket_promotions(&self) -> &[AppliedPromotion] {
        &self.ticket_promotions
    }
    /// The manual ticket discount, if any.
    pub fn ticket_discount(&self) -> Option<&DiscountRecord> {
        self.ticket_discount.as_ref()
    }
    /// The whole ticket discount (promotions + manual), spread over lines.
    pub fn ticket_discount_total(&self) -> Money {
        self.ticket_discount_total
    }
    /// Net / VAT / gross per rate, highest rate first.
    pub fn taxes(&self) -> &[TicketTax] {
        &self.taxes
    }
    /// The total (Σ gross of the rates); negative on a refund.
    pub fn total(&self) -> Money {
        self.total
    }
    /// The cash rounding line (zero if none).
    pub fn cash_rounding(&self) -> Money {
        self.cash_rounding
    }
    /// total + cash rounding: what changed hands.
    pub fn total_due(&self) -> Money {
        self.total_due
    }
    /// Each payment, in the order taken (negative when paid back).
    pub fn payments(&self) -> &[SettledTender] {
        &self.payments
    }
    /// Change given in cash.
    pub fn change(&self) -> Money {
        self.change
    }
    /// The ticket's note.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
    /// Ids of the original tickets that return lines reference (sorted).
    pub fn originals(&self) -> &[String] {
        &self.originals
    }
}
