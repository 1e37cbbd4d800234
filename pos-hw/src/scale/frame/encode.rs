//! Bytes of till requests (records 01/03/04/05, ENQ, 08) and scale replies
//! (ACK, NAK, records 02, 09, 11).

use rust_decimal::Decimal;

use super::{ACK, ENQ, EOT, ESC, ETX, NAK, STX, ScaleField, ScaleReply, TillRequest, value_error};
use crate::HwError;

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

pub(super) fn check_text(text: &str) -> Result<(), HwError> {
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

#[cfg(test)]
mod tests {
    use super::super::*;
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
}
