//! Dialog 06 messages of both sides, their bytes, and incremental decoders
//! that accept a stream cut anywhere (see the module docs of [`super`]).

use rust_decimal::Decimal;
use serde::Serialize;

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

/// A Dialog 06 status (record 09).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ScaleStatusCode {
    /// 00.
    #[error("no error")]
    NoError,
    /// 01.
    #[error("general error")]
    GeneralError,
    /// 02.
    #[error("parity error or buffer overflow")]
    ParityOrOverflow,
    /// 10.
    #[error("invalid record number")]
    InvalidRecord,
    /// 11 (also: no unit price set).
    #[error("invalid or missing unit price")]
    InvalidUnitPrice,
    /// 12.
    #[error("invalid tare")]
    InvalidTare,
    /// 13.
    #[error("invalid text")]
    InvalidText,
    /// 20.
    #[error("scale in motion")]
    Motion,
    /// 21.
    #[error("no motion since the last weighing")]
    NoMotionSinceLast,
    /// 22.
    #[error("measurement not finished")]
    MeasuringNotFinished,
    /// 30.
    #[error("below minimum weight")]
    BelowMinimum,
    /// 31.
    #[error("below zero (underload)")]
    Underload,
    /// 32.
    #[error("overload")]
    Overload,
    /// Any other two-digit code.
    #[error("status {0:02}")]
    Other(u8),
}

impl ScaleStatusCode {
    /// The two-digit code.
    pub fn code(self) -> u8 {
        match self {
            Self::NoError => 0,
            Self::GeneralError => 1,
            Self::ParityOrOverflow => 2,
            Self::InvalidRecord => 10,
            Self::InvalidUnitPrice => 11,
            Self::InvalidTare => 12,
            Self::InvalidText => 13,
            Self::Motion => 20,
            Self::NoMotionSinceLast => 21,
            Self::MeasuringNotFinished => 22,
            Self::BelowMinimum => 30,
            Self::Underload => 31,
            Self::Overload => 32,
            Self::Other(code) => code,
        }
    }

    /// The status of a two-digit code.
    pub fn from_code(code: u8) -> Self {
        match code {
            0 => Self::NoError,
            1 => Self::GeneralError,
            2 => Self::ParityOrOverflow,
            10 => Self::InvalidRecord,
            11 => Self::InvalidUnitPrice,
            12 => Self::InvalidTare,
            13 => Self::InvalidText,
            20 => Self::Motion,
            21 => Self::NoMotionSinceLast,
            22 => Self::MeasuringNotFinished,
            30 => Self::BelowMinimum,
            31 => Self::Underload,
            32 => Self::Overload,
            other => Self::Other(other),
        }
    }

    /// True when asking the weight again may succeed (20, 22).
    pub fn is_transient(self) -> bool {
        matches!(self, Self::Motion | Self::MeasuringNotFinished)
    }
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

fn value_error(field: ScaleField) -> HwError {
    HwError::ScaleValue { field }
}

fn frame_error(problem: FrameProblem) -> HwError {
    HwError::ScaleFrame { problem }
}

/// `value` in hundredths/thousandths as exactly `width` digits.
fn fixed_digits(
    value: Decimal,
    scale: u32,
    width: usize,
    field: ScaleField,
) -> Result<String, HwError> {
    if value.is_sign_negative() || value.round_dp(scale) != value {
        return Err(value_error(field));
    }
    let mut scaled = value;
    scaled.rescale(scale);
    let units = u64::try_from(scaled.mantissa()).map_err(|_| value_error(field))?;
    let text = format!("{units:0width$}");
    if text.len() > width {
        return Err(value_error(field));
    }
    Ok(text)
}

fn check_text(text: &str) -> Result<(), HwError> {
    if text.len() > 13 || !text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(value_error(ScaleField::Text));
    }
    Ok(())
}

impl TillRequest {
    /// The bytes to send. Fails on values the fixed fields cannot carry.
    pub fn encode(&self) -> Result<Vec<u8>, HwError> {
        match self {
            Self::RequestWeight => Ok(vec![EOT, ENQ]),
            Self::RequestStatus => Ok(vec![EOT, STX, b'0', b'8', ETX]),
            Self::SetPrice {
                unit_price,
                tare_kg,
                text,
            } => {
                if *unit_price <= Decimal::ZERO {
                    return Err(value_error(ScaleField::UnitPrice));
                }
                let price = fixed_digits(*unit_price, 2, 6, ScaleField::UnitPrice)?;
                let tare = tare_kg
                    .map(|t| fixed_digits(t, 3, 4, ScaleField::Tare))
                    .transpose()?;
                if let Some(text) = text {
                    check_text(text)?;
                }
                let mut out = vec![EOT, STX];
                let record: &[u8] = match (&tare, text) {
                    (None, None) => b"01",
                    (Some(_), None) => b"03",
                    (None, Some(_)) => b"04",
                    (Some(_), Some(_)) => b"05",
                };
                out.extend_from_slice(record);
                out.push(ESC);
                out.extend_from_slice(price.as_bytes());
                if let Some(tare) = &tare {
                    out.push(ESC);
                    out.extend_from_slice(tare.as_bytes());
                }
                if let Some(text) = text {
                    out.push(ESC);
                    out.extend_from_slice(text.as_bytes());
                }
                if tare.is_none() && text.is_none() {
                    out.push(ESC);
                }
                out.push(ETX);
                Ok(out)
            }
        }
    }
}

impl ScaleReply {
    /// The bytes the scale sends. Fails on values the fields cannot carry.
    pub fn encode(&self) -> Result<Vec<u8>, HwError> {
        Ok(match self {
            Self::Ack => vec![ACK],
            Self::Nak => vec![NAK],
            Self::ChecksumRequest => vec![STX, b'1', b'1', ESC, b'0', ETX],
            Self::Status(status) => {
                let mut out = vec![STX, b'0', b'9', ESC];
                out.extend_from_slice(format!("{:02}", status.code() % 100).as_bytes());
                out.push(ETX);
                out
            }
            Self::Weighing(w) => {
                let mut out = vec![STX, b'0', b'2', ESC, b'3', ESC];
                out.extend_from_slice(
                    fixed_digits(w.weight_kg, 3, 5, ScaleField::Weight)?.as_bytes(),
                );
                out.push(ESC);
                out.extend_from_slice(
                    fixed_digits(w.unit_price, 2, 6, ScaleField::UnitPrice)?.as_bytes(),
                );
                out.push(ESC);
                out.extend_from_slice(fixed_digits(w.amount, 2, 6, ScaleField::Amount)?.as_bytes());
                out.push(ETX);
                out
            }
        })
    }
}

/// Parses exactly `width` ASCII digits as a decimal with `scale` decimals.
fn digits(
    field_bytes: &[u8],
    width: usize,
    scale: u32,
    field: ScaleField,
) -> Result<Decimal, HwError> {
    if field_bytes.len() != width || !field_bytes.iter().all(u8::is_ascii_digit) {
        return Err(frame_error(FrameProblem::Field { field }));
    }
    let units = field_bytes.iter().fold(0i64, |acc, b| {
        acc.wrapping_mul(10)
            .wrapping_add(i64::from(b.wrapping_sub(b'0')))
    });
    Decimal::try_new(units, scale).map_err(|_| frame_error(FrameProblem::Field { field }))
}

fn record_number(field: Option<&&[u8]>) -> Result<u8, HwError> {
    match field {
        Some([a @ b'0'..=b'9', b @ b'0'..=b'9']) => Ok(a
            .wrapping_sub(b'0')
            .wrapping_mul(10)
            .wrapping_add(b.wrapping_sub(b'0'))),
        _ => Err(frame_error(FrameProblem::Field {
            field: ScaleField::Record,
        })),
    }
}

/// Finds the STX..ETX body at the start of `bytes`: `Ok(None)` if incomplete.
fn body(bytes: &[u8]) -> Result<Option<(&[u8], usize)>, HwError> {
    match bytes.iter().position(|b| *b == ETX) {
        Some(end) => {
            let inner = bytes.get(1..end).unwrap_or_default();
            Ok(Some((inner, end.saturating_add(1))))
        }
        None if bytes.len() > MAX_FRAME => Err(frame_error(FrameProblem::TooLong)),
        None => Ok(None),
    }
}

/// Decodes the next scale reply from the start of `bytes`: `Ok(None)` when
/// more bytes are needed, else the reply and how many bytes it used.
pub fn decode_reply(bytes: &[u8]) -> Result<Option<(ScaleReply, usize)>, HwError> {
    let Some(&first) = bytes.first() else {
        return Ok(None);
    };
    match first {
        ACK => return Ok(Some((ScaleReply::Ack, 1))),
        NAK => return Ok(Some((ScaleReply::Nak, 1))),
        STX => {}
        byte => return Err(frame_error(FrameProblem::UnexpectedByte { byte })),
    }
    let Some((inner, used)) = body(bytes)? else {
        return Ok(None);
    };
    let fields: Vec<&[u8]> = inner.split(|b| *b == ESC).collect();
    let reply = match record_number(fields.first())? {
        2 => {
            let [_, unit, weight, price, amount] = fields.as_slice() else {
                return Err(frame_error(FrameProblem::FieldCount));
            };
            if *unit != b"3" {
                return Err(frame_error(FrameProblem::UnsupportedUnit));
            }
            ScaleReply::Weighing(Weighing {
                weight_kg: digits(weight, 5, 3, ScaleField::Weight)?,
                unit_price: digits(price, 6, 2, ScaleField::UnitPrice)?,
                amount: digits(amount, 6, 2, ScaleField::Amount)?,
            })
        }
        9 => {
            let [_, status] = fields.as_slice() else {
                return Err(frame_error(FrameProblem::FieldCount));
            };
            let code = digits(status, 2, 0, ScaleField::Status)?;
            ScaleReply::Status(ScaleStatusCode::from_code(
                u8::try_from(code).unwrap_or(u8::MAX),
            ))
        }
        11 => ScaleReply::ChecksumRequest,
        record => return Err(frame_error(FrameProblem::UnknownRecord { record })),
    };
    Ok(Some((reply, used)))
}

/// Decodes the next till request from the start of `bytes` (scale side):
/// `Ok(None)` when more bytes are needed, else the request and its length.
pub fn decode_request(bytes: &[u8]) -> Result<Option<(TillRequest, usize)>, HwError> {
    match bytes {
        [] | [EOT] => return Ok(None),
        [EOT, ENQ, ..] => return Ok(Some((TillRequest::RequestWeight, 2))),
        [EOT, STX, ..] => {}
        [EOT, byte, ..] | [byte, ..] => {
            return Err(frame_error(FrameProblem::UnexpectedByte { byte: *byte }));
        }
    }
    let rest = bytes.get(1..).unwrap_or_default();
    let Some((inner, used)) = body(rest)? else {
        return Ok(None);
    };
    let used = used.saturating_add(1);
    let mut fields: Vec<&[u8]> = inner.split(|b| *b == ESC).collect();
    let record = record_number(fields.first())?;
    // Record 01 ends with ESC ETX: drop that empty last field.
    if record == 1 && fields.last() == Some(&&b""[..]) {
        fields.pop();
    }
    let text = |t: &[u8]| -> Result<String, HwError> {
        let text = std::str::from_utf8(t).map_err(|_| {
            frame_error(FrameProblem::Field {
                field: ScaleField::Text,
            })
        })?;
        check_text(text).map_err(|_| {
            frame_error(FrameProblem::Field {
                field: ScaleField::Text,
            })
        })?;
        Ok(text.to_owned())
    };
    let price = |p: &[u8]| digits(p, 6, 2, ScaleField::UnitPrice);
    let tare = |t: &[u8]| digits(t, 4, 3, ScaleField::Tare);
    let request = match (record, fields.as_slice()) {
        (8, [_]) => TillRequest::RequestStatus,
        (1, [_, p]) => TillRequest::SetPrice {
            unit_price: price(p)?,
            tare_kg: None,
            text: None,
        },
        (3, [_, p, t]) => TillRequest::SetPrice {
            unit_price: price(p)?,
            tare_kg: Some(tare(t)?),
            text: None,
        },
        (4, [_, p, x]) => TillRequest::SetPrice {
            unit_price: price(p)?,
            tare_kg: None,
            text: Some(text(x)?),
        },
        (5, [_, p, t, x]) => TillRequest::SetPrice {
            unit_price: price(p)?,
            tare_kg: Some(tare(t)?),
            text: Some(text(x)?),
        },
        (1 | 3 | 4 | 5 | 8, _) => return Err(frame_error(FrameProblem::FieldCount)),
        (record, _) => return Err(frame_error(FrameProblem::UnknownRecord { record })),
    };
    Ok(Some((request, used)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn till_records_have_the_documented_bytes() {
        let price = TillRequest::SetPrice {
            unit_price: dec("12.50"),
            tare_kg: None,
            text: None,
        };
        assert_eq!(price.encode().unwrap(), b"\x04\x0201\x1b001250\x1b\x03");
        let tare = TillRequest::SetPrice {
            unit_price: dec("12.5"),
            tare_kg: Some(dec("0.015")),
            text: None,
        };
        assert_eq!(tare.encode().unwrap(), b"\x04\x0203\x1b001250\x1b0015\x03");
        let all = TillRequest::SetPrice {
            unit_price: dec("3.99"),
            tare_kg: Some(dec("0.1")),
            text: Some("POMMES".into()),
        };
        assert_eq!(
            all.encode().unwrap(),
            b"\x04\x0205\x1b000399\x1b0100\x1bPOMMES\x03"
        );
        assert_eq!(TillRequest::RequestWeight.encode().unwrap(), b"\x04\x05");
        assert_eq!(
            TillRequest::RequestStatus.encode().unwrap(),
            b"\x04\x0208\x03"
        );
    }

    #[test]
    fn requests_round_trip_through_the_scale_side_decoder() {
        let requests = [
            TillRequest::SetPrice {
                unit_price: dec("12.50"),
                tare_kg: None,
                text: None,
            },
            TillRequest::SetPrice {
                unit_price: dec("0.01"),
                tare_kg: Some(dec("9.999")),
                text: None,
            },
            TillRequest::SetPrice {
                unit_price: dec("9999.99"),
                tare_kg: None,
                text: Some("ABC 123".into()),
            },
            TillRequest::SetPrice {
                unit_price: dec("1.00"),
                tare_kg: Some(dec("0")),
                text: Some(String::new()),
            },
            TillRequest::RequestWeight,
            TillRequest::RequestStatus,
        ];
        for request in requests {
            let bytes = request.encode().unwrap();
            let (decoded, used) = decode_request(&bytes).unwrap().unwrap();
            assert_eq!(used, bytes.len());
            assert_eq!(decoded.encode().unwrap(), bytes);
            assert!(
                decode_request(&bytes[..bytes.len() - 1]).unwrap().is_none() || bytes.len() == 2
            );
        }
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let bad = |unit_price: &str, tare: Option<&str>, text: Option<&str>| {
            TillRequest::SetPrice {
                unit_price: dec(unit_price),
                tare_kg: tare.map(dec),
                text: text.map(Into::into),
            }
            .encode()
            .unwrap_err()
        };
        assert_eq!(
            bad("10000.00", None, None),
            HwError::ScaleValue {
                field: ScaleField::UnitPrice
            }
        );
        assert_eq!(
            bad("1.005", None, None),
            HwError::ScaleValue {
                field: ScaleField::UnitPrice
            }
        );
        assert_eq!(
            bad("0", None, None),
            HwError::ScaleValue {
                field: ScaleField::UnitPrice
            }
        );
        assert_eq!(
            bad("1", Some("10"), None),
            HwError::ScaleValue {
                field: ScaleField::Tare
            }
        );
        assert_eq!(
            bad("1", None, Some("Pêches")),
            HwError::ScaleValue {
                field: ScaleField::Text
            }
        );
        assert_eq!(
            bad("1", None, Some("FOURTEEN CHARS")),
            HwError::ScaleValue {
                field: ScaleField::Text
            }
        );
    }

    #[test]
    fn scale_replies_decode_incrementally() {
        let weighing = b"\x0202\x1b3\x1b01234\x1b001250\x1b001543\x03";
        for cut in 1..weighing.len() {
            assert_eq!(decode_reply(&weighing[..cut]).unwrap(), None, "cut {cut}");
        }
        let (reply, used) = decode_reply(weighing).unwrap().unwrap();
        assert_eq!(used, weighing.len());
        assert_eq!(
            reply,
            ScaleReply::Weighing(Weighing {
                weight_kg: dec("1.234"),
                unit_price: dec("12.50"),
                amount: dec("15.43")
            })
        );
        assert_eq!(
            decode_reply(b"\x0209\x1b20\x03").unwrap().unwrap().0,
            ScaleReply::Status(ScaleStatusCode::Motion)
        );
        assert_eq!(decode_reply(b"\x15").unwrap().unwrap().0, ScaleReply::Nak);
        assert_eq!(
            decode_reply(b"\x0202\x1b1\x1b01234\x1b001250\x1b001543\x03"),
            Err(HwError::ScaleFrame {
                problem: FrameProblem::UnsupportedUnit
            })
        );
        assert_eq!(
            decode_reply(b"\x0202\x1b3\x1b0123\x1b001250\x1b001543\x03"),
            Err(HwError::ScaleFrame {
                problem: FrameProblem::Field {
                    field: ScaleField::Weight
                }
            })
        );
        assert_eq!(
            decode_reply(b"x"),
            Err(HwError::ScaleFrame {
                problem: FrameProblem::UnexpectedByte { byte: b'x' }
            })
        );
        assert_eq!(
            decode_reply(b"\x0277\x03"),
            Err(HwError::ScaleFrame {
                problem: FrameProblem::UnknownRecord { record: 77 }
            })
        );
    }

    #[test]
    fn status_codes_round_trip() {
        for code in 0..100u8 {
            assert_eq!(ScaleStatusCode::from_code(code).code(), code);
            let bytes = ScaleReply::Status(ScaleStatusCode::from_code(code))
                .encode()
                .unwrap();
            assert_eq!(
                decode_reply(&bytes).unwrap().unwrap().0,
                ScaleReply::Status(ScaleStatusCode::from_code(code))
            );
        }
    }
}
