//! GS1 element strings as GS1-128, GS1 DataMatrix, GS1 QR and DataBar
//! scanners transmit them: AI + value pairs, variable-length values ended by
//! FNC1 (sent as ASCII GS, 0x1D), or the human-readable `(01)...(17)...`
//! form.
//!
//! - [`ai`]: the AI table (fixed vs variable length, N vs X).
//! - [`date`]: YYMMDD dates, century rule, DD = 00.
//! - [`parse`]: the parser, total over any input.

pub mod ai;
pub mod date;
pub mod parse;

pub use ai::{AiKind, AiSpec};
pub use date::Gs1Date;
pub use parse::{Gs1Element, Gs1Value, parse_bracketed, parse_element_string};

/// The ASCII group separator scanners send for FNC1.
pub const GS: u8 = 0x1d;

/// Why a GS1 element string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Gs1Problem {
    /// Nothing after the symbology identifier / FNC1.
    #[error("no element")]
    Empty,
    /// Digits that start no known Application Identifier.
    #[error("unknown application identifier")]
    UnknownAi,
    /// A value shorter than its AI allows (or cut by a separator).
    #[error("value of AI {ai} shorter than {min}")]
    TooShort {
        /// The AI as written in the specification.
        ai: &'static str,
        /// Minimum length.
        min: u8,
    },
    /// A variable-length value longer than its AI allows: usually a missing
    /// FNC1 separator.
    #[error("value of AI {ai} longer than {max} (missing FNC1 separator?)")]
    TooLong {
        /// The AI as written in the specification.
        ai: &'static str,
        /// Maximum length.
        max: u8,
    },
    /// A non-digit in a numeric value.
    #[error("value of AI {ai} must be digits")]
    NotNumeric {
        /// The AI as written in the specification.
        ai: &'static str,
    },
    /// A character outside GS1 character set 82.
    #[error("value of AI {ai} has a character outside CSET 82")]
    Character {
        /// The AI as written in the specification.
        ai: &'static str,
    },
    /// A wrong GTIN/SSCC/GLN check digit.
    #[error("check digit of AI {ai}: expected {expected}, found {found}")]
    CheckDigit {
        /// The AI as written in the specification.
        ai: &'static str,
        /// Computed check digit.
        expected: u8,
        /// Check digit in the code.
        found: u8,
    },
    /// YYMMDD that is not a calendar date.
    #[error("value of AI {ai} is not a valid YYMMDD date")]
    Date {
        /// The AI as written in the specification.
        ai: &'static str,
    },
    /// A decimal-point digit larger than the AI allows (e.g. 3106).
    #[error("decimal indicator of AI {ai} out of range")]
    DecimalIndicator {
        /// The AI as written in the specification.
        ai: &'static str,
    },
    /// The same AI twice with different values.
    #[error("AI {ai} appears twice with different values")]
    Conflict {
        /// The AI as written in the specification.
        ai: &'static str,
    },
    /// Malformed `(AI)value` syntax.
    #[error("malformed bracketed element string")]
    Brackets,
}
