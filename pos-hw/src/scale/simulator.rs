//! A simulated Dialog 06 scale: the scale side as a pure state machine
//! (bytes in, bytes out), and [`SimulatedPort`], an in-memory serial port so
//! the real client can talk to it.

use std::collections::VecDeque;
use std::io::{self, Read, Write};

use rust_decimal::Decimal;

use super::frame::{
    self, FrameProblem, ScaleField, ScaleReply, ScaleStatusCode, TillRequest, Weighing,
};
use crate::HwError;

/// The simulated scale's state.
#[derive(Debug, Clone)]
pub struct ScaleSimulator {
    capacity_g: u32,
    min_weight_g: u32,
    gross_g: i32,
    stable: bool,
    moved_since_report: bool,
    unit_price_cents: Option<u64>,
    tare_g: u32,
    last_status: ScaleStatusCode,
    input: Vec<u8>,
}

impl Default for ScaleSimulator {
    /// A 15 kg scale with a 40 g minimum (class III, e = 5 g), empty.
    fn default() -> Self {
        Self::new(15_000, 40)
    }
}

fn cents(value: Decimal) -> Option<u64> {
    let mut v = value.round_dp(2);
    v.rescale(2);
    u64::try_from(v.mantissa()).ok()
}

fn grams(kg: Decimal) -> Option<u32> {
    let mut v = kg.round_dp(3);
    v.rescale(3);
    u32::try_from(v.mantissa()).ok()
}

impl ScaleSimulator {
    /// A scale with this capacity and minimum weight, in grams.
    pub fn new(capacity_g: u32, min_weight_g: u32) -> Self {
        Self {
            capacity_g,
            min_weight_g,
            gross_g: 0,
            stable: true,
            moved_since_report: false,
            unit_price_cents: None,
            tare_g: 0,
            last_status: ScaleStatusCode::NoError,
            input: Vec::new(),
        }
    }

    /// Puts `gross_g` grams on the platter (negative: below zero);
    /// `stable` false while it still swings.
    pub fn put_load(&mut self, gross_g: i32, stable: bool) {
        if gross_g != self.gross_g || !stable {
            self.moved_since_report = true;
        }
        self.gross_g = gross_g;
        self.stable = stable;
    }

    /// The unit price on the scale's display, if one is set.
    pub fn unit_price(&self) -> Option<Decimal> {
        self.unit_price_cents
            .and_then(|c| i64::try_from(c).ok())
            .map(|c| Decimal::new(c, 2))
    }

    /// Feeds bytes from the till; returns the scale's answer bytes.
    pub fn receive(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.input.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            match frame::decode_request(&self.input) {
                Ok(None) => break,
                Ok(Some((request, used))) => {
                    self.input.drain(..used.min(self.input.len()));
                    let reply = self.handle(&request);
                    out.extend(reply.encode().unwrap_or_else(|_| vec![frame::NAK]));
                }
                Err(error) => {
                    self.last_status = match error {
                        HwError::ScaleFrame {
                            problem:
                                FrameProblem::Field {
                                    field: ScaleField::UnitPrice,
                                },
                        } => ScaleStatusCode::InvalidUnitPrice,
                        HwError::ScaleFrame {
                            problem:
                                FrameProblem::Field {
                                    field: ScaleField::Tare,
                                },
                        } => ScaleStatusCode::InvalidTare,
                        HwError::ScaleFrame {
                            problem:
                                FrameProblem::Field {
                                    field: ScaleField::Text,
                                },
                        } => ScaleStatusCode::InvalidText,
                        HwError::ScaleFrame {
                            problem: FrameProblem::UnknownRecord { .. } | FrameProblem::FieldCount,
                        } => ScaleStatusCode::InvalidRecord,
                        _ => ScaleStatusCode::ParityOrOverflow,
                    };
                    // Resynchronise on the next EOT.
                    let skip = self
                        .input
                        .iter()
                        .skip(1)
                        .position(|b| *b == frame::EOT)
                        .map_or(self.input.len(), |p| p.saturating_add(1));
                    self.input.drain(..skip);
                    out.push(frame::NAK);
                }
            }
        }
        out
    }

    fn refuse(&mut self, status: ScaleStatusCode) -> ScaleReply {
        self.last_status = status;
        ScaleReply::Nak
    }

    fn handle(&mut self, request: &TillRequest) -> ScaleReply {
        match request {
            TillRequest::RequestStatus => ScaleReply::Status(self.last_status),
            TillRequest::SetPrice {
                unit_price,
                tare_kg,
                ..
            } => {
                let Some(price) = cents(*unit_price).filter(|c| *c > 0) else {
                    return self.refuse(ScaleStatusCode::InvalidUnitPrice);
                };
                let tare = match tare_kg.map(grams) {
                    None => 0,
                    Some(Some(t)) if t < self.capacity_g => t,
                    Some(_) => return self.refuse(ScaleStatusCode::InvalidTare),
                };
                self.unit_price_cents = Some(price);
                self.tare_g = tare;
                self.last_status = ScaleStatusCode::NoError;
                ScaleReply::Ack
            }
            TillRequest::RequestWeight => self.weigh(),
        }
    }

    fn weigh(&mut self) -> ScaleReply {
        let Some(price) = self.unit_price_cents else {
            return self.refuse(ScaleStatusCode::InvalidUnitPrice);
        };
        if !self.stable {
            return self.refuse(ScaleStatusCode::Motion);
        }
        let capacity = i64::from(self.capacity_g);
        let gross = i64::from(self.gross_g);
        if gross > capacity {
            return self.refuse(ScaleStatusCode::Overload);
        }
        let Some(net) = gross.checked_sub(i64::from(self.tare_g)) else {
            return self.refuse(ScaleStatusCode::GeneralError);
        };
        if net < 0 {
            return self.refuse(ScaleStatusCode::Underload);
        }
        if net < i64::from(self.min_weight_g) {
            return self.refuse(ScaleStatusCode::BelowMinimum);
        }
        if !self.moved_since_report {
            return self.refuse(ScaleStatusCode::NoMotionSinceLast);
        }
        // amount in cents = round half up (grams * cents per kg / 1000)
        let amount = u64::try_from(net)
            .ok()
            .and_then(|g| g.checked_mul(price))
            .and_then(|x| x.checked_add(500))
            .map(|x| x / 1000)
            .filter(|a| *a <= 999_999)
            .and_then(|a| i64::try_from(a).ok());
        let (Some(amount), Some(price_i)) = (amount, i64::try_from(price).ok()) else {
            return self.refuse(ScaleStatusCode::GeneralError);
        };
        self.moved_since_report = false;
        self.unit_price_cents = None;
        self.last_status = ScaleStatusCode::NoError;
        ScaleReply::Weighing(Weighing {
            weight_kg: Decimal::new(net, 3),
            unit_price: Decimal::new(price_i, 2),
            amount: Decimal::new(amount, 2),
        })
    }
}

/// An in-memory serial port wired to a [`ScaleSimulator`]: writes go to the
/// scale, reads return its answers, and a read with nothing pending fails
/// with `TimedOut` like a real port with a read timeout.
#[derive(Debug, Clone, Default)]
pub struct SimulatedPort {
    /// The scale behind the port.
    pub scale: ScaleSimulator,
    pending: VecDeque<u8>,
}

impl SimulatedPort {
    /// A port wired to `scale`.
    pub fn new(scale: ScaleSimulator) -> Self {
        Self {
            scale,
            pending: VecDeque::new(),
        }
    }
}

impl Write for SimulatedPort {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let answer = self.scale.receive(buf);
        self.pending.extend(answer);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Read for SimulatedPort {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            return Err(io::Error::from(io::ErrorKind::TimedOut));
        }
        let mut n = 0usize;
        for slot in buf.iter_mut() {
            let Some(byte) = self.pending.pop_front() else {
                break;
            };
            *slot = byte;
            n = n.saturating_add(1);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send(scale: &mut ScaleSimulator, request: TillRequest) -> Vec<u8> {
        scale.receive(&request.encode().unwrap())
    }

    fn price(p: &str) -> TillRequest {
        TillRequest::SetPrice {
            unit_price: p.parse().unwrap(),
            tare_kg: None,
            text: None,
        }
    }

    #[test]
    fn full_dialogue_bytes() {
        let mut scale = ScaleSimulator::default();
        scale.put_load(1234, true);
        assert_eq!(send(&mut scale, price("12.50")), [frame::ACK]);
        assert_eq!(
            send(&mut scale, TillRequest::RequestWeight),
            b"\x0202\x1b3\x1b01234\x1b001250\x1b001543\x03"
        );
        // 1.234 kg x 12.50 = 15.425 -> 15.43 (half up).
    }

    #[test]
    fn refusals_carry_the_right_status() {
        let mut scale = ScaleSimulator::default();
        let status = |scale: &mut ScaleSimulator| send(scale, TillRequest::RequestStatus);
        assert_eq!(send(&mut scale, TillRequest::RequestWeight), [frame::NAK]);
        assert_eq!(status(&mut scale), b"\x0209\x1b11\x03");
        send(&mut scale, price("2.00"));
        scale.put_load(500, false);
        assert_eq!(send(&mut scale, TillRequest::RequestWeight), [frame::NAK]);
        assert_eq!(status(&mut scale), b"\x0209\x1b20\x03");
        scale.put_load(20_000, true);
        send(&mut scale, TillRequest::RequestWeight);
        assert_eq!(status(&mut scale), b"\x0209\x1b32\x03");
        scale.put_load(10, true);
        send(&mut scale, TillRequest::RequestWeight);
        assert_eq!(status(&mut scale), b"\x0209\x1b30\x03");
        scale.put_load(-5, true);
        send(&mut scale, TillRequest::RequestWeight);
        assert_eq!(status(&mut scale), b"\x0209\x1b31\x03");
        scale.put_load(500, true);
        assert_eq!(send(&mut scale, TillRequest::RequestWeight)[0], frame::STX);
        send(&mut scale, price("2.00"));
        send(&mut scale, TillRequest::RequestWeight);
        assert_eq!(status(&mut scale), b"\x0209\x1b21\x03");
    }

    #[test]
    fn garbage_is_nacked_and_the_scale_resynchronises() {
        let mut scale = ScaleSimulator::default();
        assert_eq!(scale.receive(b"\x04\x0201\x1b12AB56\x1b\x03"), [frame::NAK]);
        assert_eq!(
            send(&mut scale, TillRequest::RequestStatus),
            b"\x0209\x1b11\x03"
        );
        assert_eq!(scale.receive(b"zz\x04\x0208\x03"), b"\x15\x0209\x1b02\x03");
    }
}
