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
    /// A JSON document that does not parse or does not have the expected shape.
    #[error("invalid JSON at line {line}, column {column}: {detail}")]
    InvalidJson {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the parser expected.
        detail: String,
    },
    /// A document with no line.
    #[error("the ticket has no line")]
    EmptyTicket,

    // --- catalog (core-catalog) ---
    /// A catalog document that cannot be imported; nothing was imported.
    #[error("catalog import, {}: {reason}", crate::catalog::describe_location(*.line, .field))]
    CatalogImport {
        /// 1-based line of the CSV record or of the JSON syntax error, if known.
        line: Option<u64>,
        /// The CSV column, or the JSON path (`products[2].variants[0].price`).
        field: String,
        /// What is wrong.
        reason: crate::catalog::ImportProblem,
    },
    /// No variant has this SKU.
    #[error("unknown SKU `{sku}`")]
    UnknownSku {
        /// The SKU asked for (at most 64 characters kept).
        sku: String,
    },
    /// No variant carries this barcode.
    #[error("unknown barcode `{barcode}`")]
    UnknownBarcode {
        /// The barcode asked for (at most 64 characters kept).
        barcode: String,
    },
    /// A GS1 code (EAN, UPC, GTIN, in-store label) whose check digit does
    /// not match its other digits: a misread or a misprint, not an unknown
    /// item; the cashier scans it again.
    #[error(
        "barcode `{barcode}` was misread: its {digit} check digit is {found}, {expected} expected; scan it again"
    )]
    BadCheckDigit {
        /// The code as scanned (at most 64 characters kept).
        barcode: String,
        /// Which check digit: `gtin` or `measure` (the price or weight
        /// field of an in-store label).
        digit: String,
        /// The digit the other digits give.
        expected: u8,
        /// The digit in the code.
        found: u8,
    },
    /// A coupon code that no promotion has (the cart is unchanged).
    #[error("no promotion has the coupon code `{coupon}`")]
    UnknownCoupon {
        /// The code as entered (at most 64 characters).
        coupon: String,
    },
    /// A coupon code already entered on this ticket (the cart is unchanged).
    #[error("the coupon `{coupon}` is already on this ticket")]
    DuplicateCoupon {
        /// The code as entered (at most 64 characters).
        coupon: String,
    },
    /// No weighed item has this in-store article code.
    #[error("unknown article code `{code}`")]
    UnknownArticleCode {
        /// The article code asked for (at most 16 characters kept).
        code: String,
    },
    // --- cart, tenders, tickets (core-cart) ---
    /// No line with this id in the cart.
    #[error("no cart line with id {line}")]
    UnknownLine {
        /// The line id given.
        line: u32,
    },
    /// A fractional quantity on an item sold by the piece.
    #[error("quantity {quantity} is not a whole number of pieces")]
    FractionalQuantity {
        /// The quantity given.
        quantity: String,
    },
    /// The operator lacks the permission an action needs.
    #[error("permission denied: `{permission}` is required")]
    PermissionDenied {
        /// The permission that is missing.
        permission: &'static str,
    },
    /// A note or reason that is empty where required, too long or has control characters.
    #[error("invalid {field}: 1 to {max} printable characters expected")]
    InvalidText {
        /// Which text.
        field: &'static str,
        /// Longest length accepted, in characters.
        max: usize,
    },
    /// A tender amount that is zero, negative or not in whole minor units.
    #[error("invalid tender amount {amount}")]
    InvalidTenderAmount {
        /// The amount given.
        amount: String,
    },
    /// A meal voucher while no eligible (food) amount is left to pay.
    #[error("meal vouchers pay eligible food lines only, and none is left to pay")]
    MealVoucherNotEligible,
    /// Meal vouchers above the eligible food amount left to pay.
    #[error("meal voucher {requested} exceeds the eligible amount {eligible}")]
    MealVoucherAboveEligible {
        /// The voucher amount.
        requested: String,
        /// The eligible amount still unpaid.
        eligible: String,
    },
    /// Meal vouchers above what remains of the daily cap.
    #[error("meal voucher {requested} exceeds the {remaining} left of the daily cap")]
    MealVoucherAboveCap {
        /// The voucher amount.
        requested: String,
        /// What remains of the cap today.
        remaining: String,
    },
    /// A non-cash tender above what remains due: only cash gives change.
    #[error("{method} tender {amount} exceeds the {remaining} due; only cash gives change")]
    OverpaymentWithoutCash {
        /// The tender method.
        method: &'static str,
        /// The tender amount.
        amount: String,
        /// What was still due.
        remaining: String,
    },
    /// Completing a payment with less paid than due.
    #[error("payment short of the total: {remaining} still due")]
    PaymentShort {
        /// What is still due.
        remaining: String,
    },
    /// A payment taken for another amount than the cart's total (the cart changed since).
    #[error("the payment is for {paid_for} but the cart total is {total}")]
    PaymentMismatch {
        /// The amount the payment settles.
        paid_for: String,
        /// The cart's total.
        total: String,
    },
    /// A tender method that cannot be used here (e.g. meal vouchers to pay out a refund).
    #[error("{method} cannot be used for this payment")]
    TenderNotAccepted {
        /// The tender method.
        method: &'static str,
    },
    /// A card reference part that does not read; the value is not repeated.
    #[error("invalid card reference {field}: {expected} expected")]
    InvalidCardReference {
        /// Which part (`processor_reference`, `authorisation_code`, `masked_pan`...).
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// A card number with more clear digits than the first 6 and last 4:
    /// the till never stores card data PCI DSS forbids.
    #[error("card number not masked: at most the first 6 and last 4 digits may be kept")]
    CardPanNotMasked,
    /// A card reference on a tender that no processor settles (cash, cheque...).
    #[error("a {method} tender cannot carry a card reference")]
    CardReferenceNotAllowed {
        /// The tender method.
        method: &'static str,
    },
    /// A cash rounding increment that is not positive or not in whole minor units.
    #[error("invalid cash rounding increment {increment}")]
    InvalidCashRounding {
        /// The increment given.
        increment: String,
    },
    /// A refund quantity above what remains refundable on the original line
    /// (numbered from 1 in the message, as the ticket prints it).
    #[error(
        "original line {number}: refund of {requested} exceeds the {remaining} still refundable",
        number = .line.saturating_add(1)
    )]
    RefundExceedsRefundable {
        /// Zero-based line index on the original ticket.
        line: usize,
        /// The quantity asked for.
        requested: String,
        /// The quantity still refundable.
        remaining: String,
    },
    /// An original ticket line that does not exist or is not a sold line.
    #[error(
        "the original ticket has no refundable line {number}",
        number = .line.saturating_add(1)
    )]
    UnknownOriginalLine {
        /// Zero-based line index on the original ticket.
        line: usize,
    },
    /// A UTC offset beyond ±18 hours.
    #[error("invalid UTC offset of {seconds} seconds")]
    InvalidUtcOffset {
        /// The offset given.
        seconds: i32,
    },
    // --- store life (core-store): stock, customers, loyalty, stored value, orders, cash sessions ---
    /// A stock quantity that is zero, has more than 3 decimals or the wrong
    /// sign for its movement kind.
    #[error("invalid stock quantity {quantity} for a {movement} movement")]
    InvalidStockQuantity {
        /// The movement kind (`sale`, `receipt`...).
        movement: &'static str,
        /// The quantity given.
        quantity: String,
    },
    /// A release or consumption of more than is reserved.
    #[error("SKU `{sku}` at `{location}`: {requested} asked but only {reserved} reserved")]
    ReservationExceeded {
        /// The SKU.
        sku: String,
        /// The stock location.
        location: String,
        /// What is reserved now.
        reserved: String,
        /// What was asked.
        requested: String,
    },
    /// Not enough available stock where the item's policy blocks the sale.
    #[error(
        "insufficient stock for SKU `{sku}` at `{location}`: {available} available, {requested} requested"
    )]
    InsufficientStock {
        /// The SKU.
        sku: String,
        /// The stock location.
        location: String,
        /// Available quantity (on hand minus reserved).
        available: String,
        /// Requested quantity.
        requested: String,
    },
    /// An operation id already applied with different content.
    #[error("operation id `{id}` was already used for a different operation")]
    IdempotencyConflict {
        /// The id reused.
        id: String,
    },
    /// A contact field (e-mail, phone, postcode...) that is not well formed;
    /// the value itself is not repeated (personal data).
    #[error("invalid {field}")]
    InvalidContact {
        /// Which field.
        field: &'static str,
    },
    /// The customer was erased (RGPD): no more personal data or contact.
    #[error("the customer was erased")]
    CustomerErased,
    /// A message may not be sent on this channel.
    #[error("contact on {channel} not allowed: {reason}")]
    ContactNotAllowed {
        /// The channel (`email_receipt`, `marketing_sms`...).
        channel: &'static str,
        /// Why (`no_consent`, `withdrawn`, `no_address`, `erased`).
        reason: &'static str,
    },
    /// A points redemption or reversal above the balance.
    #[error("insufficient points: balance {balance}, requested {requested}")]
    InsufficientPoints {
        /// The balance.
        balance: u64,
        /// The points asked for.
        requested: u64,
    },
    /// A reference to something this ledger or program does not know.
    #[error("unknown {what} `{id}`")]
    UnknownReference {
        /// What was looked up (`reward`, `loyalty ticket`, `stored value operation`).
        what: &'static str,
        /// The id given (never personal data).
        id: String,
    },
    /// A refund larger than what remains of the original sale or redemption.
    #[error("refund {requested} exceeds the refundable {remaining}")]
    RefundExceedsRemaining {
        /// The refund asked for.
        requested: String,
        /// What remains refundable.
        remaining: String,
    },
    /// A gift card or voucher code that is not 8 to 32 letters and digits.
    #[error("invalid gift card code")]
    InvalidCardCode,
    /// A stored-value redemption above the balance (card code not repeated).
    #[error("insufficient balance: {available} available, {requested} requested")]
    InsufficientBalance {
        /// The balance.
        available: String,
        /// The amount asked for.
        requested: String,
    },
    /// A gift card or credit used at or after its expiry.
    #[error("the stored value has expired")]
    StoredValueExpired,
    /// An amount that must be positive and in whole minor units.
    #[error("invalid amount {amount}")]
    InvalidAmount {
        /// The amount given.
        amount: String,
    },
    /// An order status change that the order state machine forbids.
    #[error("order cannot go from {from} to {to}")]
    InvalidOrderTransition {
        /// The current status.
        from: &'static str,
        /// The status asked for.
        to: &'static str,
    },
    /// An order collected without online payment nor payment at collection.
    #[error("the order is not paid")]
    OrderUnpaid,
    /// An operation on a closed cash session.
    #[error("the cash session is closed")]
    CashSessionClosed,
    /// A cash denomination that is not a euro note or coin.
    #[error("unknown denomination of {cents} cents")]
    InvalidDenomination {
        /// The denomination in cents.
        cents: u32,
    },
    /// A transfer whose source and destination are the same location.
    #[error("a transfer needs two different locations")]
    SameLocationTransfer,
    // --- promotions (core-promotions) ---
    /// A promotion definition that cannot be applied; nothing was applied.
    #[error("promotion `{id}`: {defect}")]
    InvalidPromotion {
        /// The promotion's id.
        id: crate::ids::PromotionId,
        /// What is wrong with it.
        defect: crate::promotion::PromotionDefect,
    },
    /// A line given to the promotion engine that contradicts itself.
    #[error("promotion line {line}: {defect}")]
    InvalidPromoLine {
        /// The cart's line index.
        line: usize,
        /// What is wrong with it.
        defect: crate::promotion::PromoLineDefect,
    },
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
            CoreError::InvalidJson { .. } => "invalid_json",
            // --- kinds of the catalog / cart / promotions / tenders / tickets sections ---
            // catalog (core-catalog)
            CoreError::CatalogImport { .. } => "catalog_import",
            CoreError::UnknownSku { .. } => "unknown_sku",
            CoreError::UnknownBarcode { .. } => "unknown_barcode",
            CoreError::BadCheckDigit { .. } => "bad_check_digit",
            CoreError::UnknownCoupon { .. } => "coupon_unknown",
            CoreError::DuplicateCoupon { .. } => "coupon_duplicate",
            CoreError::UnknownArticleCode { .. } => "unknown_article_code",
            // cart, tenders, tickets (core-cart)
            CoreError::UnknownLine { .. } => "unknown_line",
            CoreError::FractionalQuantity { .. } => "fractional_quantity",
            CoreError::PermissionDenied { .. } => "permission_denied",
            CoreError::InvalidText { .. } => "invalid_text",
            CoreError::InvalidTenderAmount { .. } => "invalid_tender_amount",
            CoreError::MealVoucherNotEligible => "meal_voucher_not_eligible",
            CoreError::MealVoucherAboveEligible { .. } => "meal_voucher_above_eligible",
            CoreError::MealVoucherAboveCap { .. } => "meal_voucher_above_cap",
            CoreError::OverpaymentWithoutCash { .. } => "overpayment_without_cash",
            CoreError::PaymentShort { .. } => "payment_short",
            CoreError::PaymentMismatch { .. } => "payment_mismatch",
            CoreError::TenderNotAccepted { .. } => "tender_not_accepted",
            CoreError::InvalidCashRounding { .. } => "invalid_cash_rounding",
            CoreError::InvalidCardReference { .. } => "invalid_card_reference",
            CoreError::CardPanNotMasked => "card_pan_not_masked",
            CoreError::CardReferenceNotAllowed { .. } => "card_reference_not_allowed",
            CoreError::RefundExceedsRefundable { .. } => "refund_exceeds_refundable",
            CoreError::UnknownOriginalLine { .. } => "unknown_original_line",
            CoreError::InvalidUtcOffset { .. } => "invalid_utc_offset",
            // store life (core-store)
            CoreError::InvalidStockQuantity { .. } => "invalid_stock_quantity",
            CoreError::ReservationExceeded { .. } => "reservation_exceeded",
            CoreError::InsufficientStock { .. } => "insufficient_stock",
            CoreError::IdempotencyConflict { .. } => "idempotency_conflict",
            CoreError::InvalidContact { .. } => "invalid_contact",
            CoreError::CustomerErased => "customer_erased",
            CoreError::ContactNotAllowed { .. } => "contact_not_allowed",
            CoreError::InsufficientPoints { .. } => "insufficient_points",
            CoreError::UnknownReference { .. } => "unknown_reference",
            CoreError::RefundExceedsRemaining { .. } => "refund_exceeds_remaining",
            CoreError::InvalidCardCode => "invalid_card_code",
            CoreError::InsufficientBalance { .. } => "insufficient_balance",
            CoreError::StoredValueExpired => "stored_value_expired",
            CoreError::InvalidAmount { .. } => "invalid_amount",
            CoreError::InvalidOrderTransition { .. } => "invalid_order_transition",
            CoreError::OrderUnpaid => "order_unpaid",
            CoreError::CashSessionClosed => "cash_session_closed",
            CoreError::InvalidDenomination { .. } => "invalid_denomination",
            CoreError::SameLocationTransfer => "same_location_transfer",
            // promotions (core-promotions)
            CoreError::InvalidPromotion { .. } => "invalid_promotion",
            CoreError::InvalidPromoLine { .. } => "invalid_promo_line",
        }
    }
}
