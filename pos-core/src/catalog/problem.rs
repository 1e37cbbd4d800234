//! Why a catalog document was refused: the `reason` of
//! [`CoreError::CatalogImport`](crate::CoreError::CatalogImport).

/// What is wrong with one field of a catalog document. Messages never quote
/// the offending value, only its kind, so no data leaks into logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportProblem {
    /// The text is not well-formed JSON or CSV.
    #[error("malformed document (column {column})")]
    Malformed {
        /// 1-based column of the syntax error (0 when unknown).
        column: u64,
    },
    /// The text ends in the middle of a value.
    #[error("unexpected end of document")]
    Truncated,
    /// A value has the wrong type, a required key is missing or a key is unknown.
    #[error("wrong shape: {detail}")]
    WrongShape {
        /// What serde expected (e.g. `missing field`, `unknown field`, `invalid type`).
        detail: ShapeProblem,
    },
    /// A required value is empty.
    #[error("value is required")]
    Missing,
    /// An identifier that is empty, longer than 64 characters or has control characters.
    #[error("invalid identifier")]
    InvalidId,
    /// Not a plain decimal number (`12.50`).
    #[error("not a decimal number")]
    InvalidNumber,
    /// A price below zero.
    #[error("negative amount")]
    NegativeAmount,
    /// More decimals than the currency's minor unit (prices) or than 3 (quantities).
    #[error("too many decimals")]
    TooManyDecimals,
    /// Not a VAT percentage (`20`, `5.5`).
    #[error("invalid VAT rate")]
    InvalidVatRate,
    /// A VAT rate that the configured country does not have.
    #[error("VAT rate {bps} bps is not in force in {country}")]
    VatRateNotInTable {
        /// The rate in basis points.
        bps: u32,
        /// The catalog's VAT country.
        country: String,
    },
    /// An amount in another currency than the catalog's.
    #[error("amount not in the catalog currency")]
    CurrencyMismatch,
    /// Not an ISO 4217 currency the SDK knows.
    #[error("unknown currency")]
    UnknownCurrency,
    /// No VAT table for this country.
    #[error("unknown VAT country")]
    UnknownCountry,
    /// Not one of `piece`, `kilogram`, `litre`, `metre`.
    #[error("unknown unit")]
    InvalidUnit,
    /// Not `true`/`false` (CSV also takes `1`/`0`, `yes`/`no`, `oui`/`non`).
    #[error("not a boolean")]
    InvalidBool,
    /// Not an RFC 3339 instant (`2026-06-01T17:00:00+02:00`).
    #[error("not an RFC 3339 instant")]
    InvalidDate,
    /// `valid_until` is not after `valid_from`.
    #[error("empty date range")]
    EmptyDateRange,
    /// A GS1 code (8, 12, 13 or 14 digits) whose check digit is wrong.
    #[error("wrong GS1 check digit")]
    BadCheckDigit,
    /// An article code that is not 4 to 6 digits.
    #[error("an article code is 4 to 6 digits")]
    InvalidArticleCode,
    /// An article code on an item that is not sold by weight or measure.
    #[error("article codes are for weighed or measured items")]
    ArticleCodeOnPieceItem,
    /// Two variants with the same SKU.
    #[error("duplicate SKU")]
    DuplicateSku,
    /// Two variants (or one twice) with the same barcode (GTINs compare as GTIN-14).
    #[error("duplicate barcode")]
    DuplicateBarcode,
    /// Two variants with the same article code.
    #[error("duplicate article code")]
    DuplicateArticleCode,
    /// Two products with the same id.
    #[error("duplicate product id")]
    DuplicateProduct,
    /// Two categories with the same id.
    #[error("duplicate category id")]
    DuplicateCategory,
    /// Two price lists with the same id.
    #[error("duplicate price list id")]
    DuplicatePriceList,
    /// One price list pricing the same SKU twice.
    #[error("SKU priced twice in one price list")]
    DuplicatePriceEntry,
    /// Two attributes with the same name on one variant.
    #[error("duplicate attribute name")]
    DuplicateAttribute,
    /// A category id that the document does not define.
    #[error("unknown category")]
    UnknownCategory,
    /// A category that is its own ancestor.
    #[error("category tree has a cycle")]
    CategoryCycle,
    /// A price list entry for a SKU that no variant has.
    #[error("unknown SKU")]
    UnknownSku,
    /// A product without any variant.
    #[error("product has no variant")]
    NoVariant,
    /// A quantity that is zero, negative or has more than 3 decimals.
    #[error("invalid quantity")]
    InvalidQuantity,
    /// A fractional quantity break on an item sold by the piece.
    #[error("fractional quantity on an item sold by the piece")]
    FractionalPieceQuantity,
    /// Quantity breaks not in strictly increasing order of quantity.
    #[error("quantity breaks must be in strictly increasing quantity order")]
    BreaksNotIncreasing,
    /// CSV rows of one product disagree on a product column.
    #[error("product column differs from an earlier row of the same product")]
    ConflictingProductColumns,
    /// A CSV attribute that is not `name=value`, or an empty name.
    #[error("invalid attribute")]
    InvalidAttribute,
    /// A CSV quantity break that is not `quantity:price`.
    #[error("invalid quantity break")]
    InvalidQuantityBreak,
}

/// Which structural rule a JSON document broke (from serde, without the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ShapeProblem {
    /// A required key is absent.
    MissingField,
    /// A key that the schema does not have.
    UnknownField,
    /// A value of the wrong JSON type (e.g. a number where a string is expected).
    InvalidType,
    /// Any other structural mismatch.
    Other,
}

impl std::fmt::Display for ShapeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ShapeProblem::MissingField => "missing field",
            ShapeProblem::UnknownField => "unknown field",
            ShapeProblem::InvalidType => "invalid type",
            ShapeProblem::Other => "unexpected value",
        })
    }
}
