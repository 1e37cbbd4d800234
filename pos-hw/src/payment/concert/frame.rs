//! Concert link-layer framing: `STX payload ETX LRC`, and the control bytes.
//!
//! The LRC is the XOR of every byte after STX up to and including ETX. The
//! payload is 7-bit printable ASCII (the line runs 7E1 on real terminals), so a
//! frame never contains a control byte except its STX and ETX.

use crate::HwError;

/// Start of text: opens a frame.
pub const STX: u8 = 0x02;
/// End of text: closes a frame's payload.
pub const ETX: u8 = 0x03;
/// End of transmission: closes an exchange.
pub const EOT: u8 = 0x04;
/// Enquiry: "may I send?".
pub const ENQ: u8 = 0x05;
/// Positive acknowledgement.
pub const ACK: u8 = 0x06;
/// Negative acknowledgement: "send it again".
pub const NAK: u8 = 0x15;

/// The longest payload accepted (the full answer is 80 bytes).
pub const MAX_PAYLOAD: usize = 512;

/// What is wrong with a frame's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameFault {
    /// Fewer than the 3 bytes of an empty frame.
    TooShort,
    /// The first byte is not STX.
    NoStx,
    /// The byte before the LRC is not ETX.
    NoEtx,
    /// The payload holds a byte outside printable ASCII (0x20..=0x7E).
    BadByte,
    /// The payload is longer than [`MAX_PAYLOAD`].
    TooLong,
}

impl std::fmt::Display for FrameFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FrameFault::TooShort => "too short",
            FrameFault::NoStx => "missing STX",
            FrameFault::NoEtx => "missing ETX",
            FrameFault::BadByte => "non-printable byte in payload",
            FrameFault::TooLong => "payload too long",
        })
    }
}

/// The LRC of `payload`: XOR of its bytes and of the closing ETX.
pub fn lrc(payload: &[u8]) -> u8 {
    payload.iter().fold(ETX, |acc, b| acc ^ b)
}

fn payload_ok(payload: &[u8]) -> Result<(), HwError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(HwError::FrameMalformed {
            fault: FrameFault::TooLong,
        });
    }
    if payload.iter().any(|b| !(0x20..=0x7E).contains(b)) {
        return Err(HwError::FrameMalformed {
            fault: FrameFault::BadByte,
        });
    }
    Ok(())
}

/// Wraps a payload into `STX payload ETX LRC`.
pub fn encode_frame(payload: &[u8]) -> Result<Vec<u8>, HwError> {
    payload_ok(payload)?;
    let mut frame = Vec::with_capacity(payload.len().saturating_add(3));
    frame.push(STX);
    frame.extend_from_slice(payload);
    frame.push(ETX);
    frame.push(lrc(payload));
    Ok(frame)
}

/// Checks a whole frame and returns its payload. Total: any input gives a
/// payload or a typed error, never a panic.
pub fn decode_frame(frame: &[u8]) -> Result<&[u8], HwError> {
    let Some((&first, rest)) = frame.split_first() else {
        return Err(HwError::FrameMalformed {
            fault: FrameFault::TooShort,
        });
    };
    let Some((&found, body)) = rest.split_last() else {
        return Err(HwError::FrameMalformed {
            fault: FrameFault::TooShort,
        });
    };
    let Some((&etx, payload)) = body.split_last() else {
        return Err(HwError::FrameMalformed {
            fault: FrameFault::TooShort,
        });
    };
    if first != STX {
        return Err(HwError::FrameMalformed {
            fault: FrameFault::NoStx,
        });
    }
    if etx != ETX {
        return Err(HwError::FrameMalformed {
            fault: FrameFault::NoEtx,
        });
    }
    payload_ok(payload)?;
    let expected = lrc(payload);
    if expected != found {
        return Err(HwError::FrameLrcMismatch { expected, found });
    }
    Ok(payload)
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lrc_of_a_short_payload_by_hand() {
        // '0'^'1' = 0x30^0x31 = 0x01; 0x01^ETX(0x03) = 0x02.
        assert_eq!(lrc(b"01"), 0x02);
        assert_eq!(
            encode_frame(b"01").unwrap(),
            vec![STX, b'0', b'1', ETX, 0x02]
        );
        assert_eq!(lrc(b""), ETX);
    }

    #[test]
    fn decode_rejects_each_fault() {
        assert_eq!(
            decode_frame(&[]),
            Err(HwError::FrameMalformed {
                fault: FrameFault::TooShort
            })
        );
        assert_eq!(
            decode_frame(&[b'x', ETX, 0x03]),
            Err(HwError::FrameMalformed {
                fault: FrameFault::NoStx
            })
        );
        assert_eq!(
            decode_frame(&[STX, b'0', 0x02]),
            Err(HwError::FrameMalformed {
                fault: FrameFault::NoEtx
            })
        );
        assert_eq!(
            decode_frame(&[STX, b'0', b'1', ETX, 0x07]),
            Err(HwError::FrameLrcMismatch {
                expected: 0x02,
                found: 0x07
            })
        );
        assert_eq!(
            decode_frame(&[STX, 0x05, ETX, 0x06]),
            Err(HwError::FrameMalformed {
                fault: FrameFault::BadByte
            })
        );
        assert_eq!(decode_frame(&[STX, ETX, ETX]), Ok(&b""[..]));
    }

    proptest! {
        #[test]
        fn frame_round_trip(payload in proptest::collection::vec(0x20u8..=0x7E, 0..=MAX_PAYLOAD)) {
            let frame = encode_frame(&payload).unwrap();
            prop_assert_eq!(decode_frame(&frame).unwrap(), &payload[..]);
        }

        #[test]
        fn decode_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = decode_frame(&bytes);
        }

        #[test]
        fn a_flipped_payload_bit_is_caught(
            payload in proptest::collection::vec(0x20u8..=0x7E, 1..100),
            index in any::<prop::sample::Index>(),
            bit in 0u8..7,
        ) {
            let mut frame = encode_frame(&payload).unwrap();
            let i = 1 + index.index(payload.len());
            frame[i] ^= 1 << bit;
            prop_assert!(decode_frame(&frame).is_err());
        }
    }
}
