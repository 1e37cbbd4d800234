//! The one error type of pos-core.
//!
//! Every variant is typed; none carries personal data. `kind()` gives a stable
//! snake_case name that the CLI, the bindings and JSON errors use.

/// Everything the selling engine can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    // --- money and numbers ---
    /// An amount went beyond what a decimal can hold.
    #[error("arithmetic overflow")]
    Overflow,
    /// A currency code that is not ISO 4217 or not supported.
    #[error("unknown currency `{code}`")]
    UnknownCurrency {
        /// The code given (at most 8 characters kept).
        code: String,
    },
    /// Two amounts in different currencies were combined.
    #[error("currency mismatch: expected {expected}, found {found}")]
    CurrencyMismatch {
        /// The currency of the document.
        expected: String,
        /// The currency of the other amount.
        found: String,
    },
    /// A number that is not a plain decimal (`12.50`).
    #[error("`{text}` is not a decimal number")]
    InvalidNumber {
        /// The text given (truncated).
        text: String,
    },
    /// An amount with more decimals than the currency's minor unit where an
    /// exact amount is required.
    #[error("amount {amount} has more decimals than the currency allows")]
    SubMinorAmount {
        /// The amount given.
        amount: String,
    },
    /// A VAT rate that is not a percentage with at most two decimals in 0..=100.
    #[error("invalid VAT rate `{text}`")]
    InvalidVatRate {
        /// The rate given.
        text: String,
    },
    /// A country without a VAT table.
    #[error("no VAT table for country `{code}`")]
    UnknownCountry {
        /// The code given.
        code: String,
    },

    // --- pricing ---
    /// A unit price below zero (returns use a negative quantity instead).
    #[error("line {line}: negative unit price {price}")]
    NegativePrice {
        /// Zero-based line index.
        line: usize,
        /// The price given.
        price: String,
    },
    /// A quantity of zero.
    #[error("line {line}: quantity is zero")]
    ZeroQuantity {
        /// Zero-based line index.
        line: usize,
    },
    /// A quantity with more than three decimals.
    #[error("line {line}: quantity {quantity} has more than 3 decimals")]
    QuantityPrecision {
        /// Zero-based line index.
        line: usize,
        /// The quantity given.
        quantity: String,
    },
    /// A discount below zero or a percentage above 100.
    #[error("invalid discount {value}")]
    InvalidDiscount {
        /// The discount given.
        value: String,
    },
    /// A line discount larger than the line's amount.
    #[error("line {line}: discount {discount} exceeds the line amount {amount}")]
    DiscountExceedsLine {
        /// Zero-based line index.
        line: usize,
        /// The discount.
        discount: String,
        /// The line amount before discount.
        amount: String,
    },
    /// A ticket discount larger than the sum of the lines.
    #[error("ticket discount {discount} exceeds the ticket amount {amount}")]
    DiscountExceedsTicket {
        /// The discount.
        discount: String,
        /// The sum of the line amounts.
        amount: String,
    },
    /// A discount on a return line (negative quantity), or a ticket discount on
    /// a ticket that has one.
    #[error("line {line}: a return line cannot be discounted")]
    DiscountOnReturnLine {
        /// Zero-based line index.
        line: usize,
    },
    /// An identifier that is empty, too long or has control characters.
    #[error("invalid {kind} identifier")]
    InvalidId {
        /// Which identifier type.
        kind: &'static str,
    },
    /// A document with no line.
    #[error("the ticket has no line")]
    EmptyTicket,
}

impl CoreError {
    /// A stable snake_case name for the error, for JSON and the bindings.
    pub fn kind(&self) -> &'static str {
        match self {
            CoreError::Overflow => "overflow",
            CoreError::UnknownCurrency { .. } => "unknown_currency",
            CoreError::CurrencyMismatch { .. } => "currency_mismatch",
            CoreError::InvalidNumber { .. } => "invalid_number",
            CoreError::SubMinorAmount { .. } => "sub_minor_amount",
            CoreError::InvalidVatRate { .. } => "invalid_vat_rate",
            CoreError::UnknownCountry { .. } => "unknown_country",
            CoreError::NegativePrice { .. } => "negative_price",
            CoreError::ZeroQuantity { .. } => "zero_quantity",
            CoreError::QuantityPrecision { .. } => "quantity_precision",
            CoreError::InvalidDiscount { .. } => "invalid_discount",
            CoreError::DiscountExceedsLine { .. } => "discount_exceeds_line",
            CoreError::DiscountExceedsTicket { .. } => "discount_exceeds_ticket",
            CoreError::DiscountOnReturnLine { .. } => "discount_on_return_line",
            CoreError::EmptyTicket => "empty_ticket",
            CoreError::InvalidId { .. } => "invalid_id",
            // --- kinds of the catalog / cart / promotions / tenders / tickets sections ---
        }
    }
}
