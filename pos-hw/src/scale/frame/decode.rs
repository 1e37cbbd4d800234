//! Incremental decoders: `Ok(None)` until a whole message is there.

use rust_decimal::Decimal;

use super::encode::check_text;
use super::{
    ACK, ENQ, EOT, ESC, ETX, FrameProblem, MAX_FRAME, NAK, STX, ScaleField, ScaleReply,
    ScaleStatusCode, TillRequest, Weighing, frame_error,
};
use crate::HwError;

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
    use super::super::*;
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
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
