//! Dialog 06 messages of both sides, their bytes, and incremental decoders
//! that accept a stream cut anywhere (see the module docs of [`super`]).
//!
//! - `status`: the two-digit status codes of record 09 ([`ScaleStatusCode`]).
//! - `encode`: bytes of till requests and scale replies ([`TillRequest::encode`]).
//! - `decode`: the incremental decoders ([`decode_reply`], [`decode_request`]).

mod decode;
mod encode;
mod status;

use rust_decimal::Decimal;
use serde::Serialize;

pub use decode::{decode_reply, decode_request};
pub use status::ScaleStatusCode;

use crate::HwError;

/// End of transmission: starts every till message.
pub const EOT: u8 = 0x04;
/// Start of text.
pub const STX: u8 = 0x02;
/// End of text.
pub const ETX: u8 = 0x03;
/// Enquiry: the weight request.
pub const ENQ: u8 = 0x05;
/// Acknowledge.
pub const ACK: u8 = 0x06;
/// Negative acknowledge.
pub const NAK: u8 = 0x15;
/// Field separator.
pub const ESC: u8 = 0x1b;

/// Longest frame either side sends; longer input is garbage.
const MAX_FRAME: usize = 64;

/// A field of a Dialog 06 message, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleField {
    /// Unit price per kg.
    UnitPrice,
    /// Tare.
    Tare,
    /// Article text.
    Text,
    /// Net weight.
    Weight,
    /// Computed amount.
    Amount,
    /// Status code.
    Status,
    /// Record number.
    Record,
}

impl std::fmt::Display for ScaleField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::UnitPrice => "unit price",
            Self::Tare => "tare",
            Self::Text => "text",
            Self::Weight => "weight",
            Self::Amount => "amount",
            Self::Status => "status",
            Self::Record => "record number",
        })
    }
}

/// Why bytes are not a Dialog 06 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameProblem {
    /// A byte that cannot start a message here.
    #[error("unexpected byte 0x{byte:02x}")]
    UnexpectedByte {
        /// The byte.
        byte: u8,
    },
    /// A record number this side does not know.
    #[error("unknown record {record:02}")]
    UnknownRecord {
        /// The record number.
        record: u8,
    },
    /// Wrong number of ESC-separated fields for the record.
    #[error("wrong number of fields")]
    FieldCount,
    /// A field with the wrong length or characters.
    #[error("malformed {field}")]
    Field {
        /// Which field.
        field: ScaleField,
    },
    /// A weight unit other than kilograms.
    #[error("unsupported weight unit")]
    UnsupportedUnit,
    /// No ETX within the longest frame.
    #[error("frame too long")]
    TooLong,
    /// A well-formed reply that does not answer the request sent.
    #[error("reply does not match the request")]
    UnexpectedReply,
}

/// What the till sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TillRequest {
    /// Records 01/03/04/05: unit price per kg, optional tare (kg) and text.
    SetPrice {
        /// Price per kg, 0.01 to 9999.99.
        unit_price: Decimal,
        /// Tare in kg, 0.001 to 9.999.
        tare_kg: Option<Decimal>,
        /// Article text, up to 13 printable ASCII characters.
        text: Option<String>,
    },
    /// EOT ENQ.
    RequestWeight,
    /// Record 08.
    RequestStatus,
}

/// A weighing result (record 02).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Weighing {
    /// Net weight in kg (3 decimals).
    pub weight_kg: Decimal,
    /// Unit price per kg the scale used.
    pub unit_price: Decimal,
    /// Amount the scale computed (the legally binding one).
    pub amount: Decimal,
}

/// What the scale sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleReply {
    /// ACK.
    Ack,
    /// NAK.
    Nak,
    /// Record 02.
    Weighing(Weighing),
    /// Record 09.
    Status(ScaleStatusCode),
    /// Record 11: the scale wants the checksum exchange (not supported).
    ChecksumRequest,
}

pub(crate) fn value_error(field: ScaleField) -> HwError {
    HwError::ScaleValue { field }
}

pub(crate) fn frame_error(problem: FrameProblem) -> HwError {
    HwError::ScaleFrame { problem }
}
