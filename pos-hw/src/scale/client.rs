//! The till side of Dialog 06 over any `Read + Write` (a serial port with a
//! read timeout, or [`super::SimulatedPort`]).

use std::io::{ErrorKind, Read, Write};

use rust_decimal::Decimal;

use super::Scale;
use super::frame::{self, FrameProblem, ScaleReply, ScaleStatusCode, TillRequest, Weighing};
use crate::HwError;

/// A Dialog 06 client: sends requests, reads and checks replies.
#[derive(Debug)]
pub struct Dialog06Client<T> {
    port: T,
    buffer: Vec<u8>,
}

fn io_error(kind: ErrorKind) -> HwError {
    match kind {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => HwError::ScaleTimeout,
        kind => HwError::InputIo { kind },
    }
}

impl<T: Read + Write> Dialog06Client<T> {
    /// A client over `port`. The port's read timeout bounds each wait.
    pub fn new(port: T) -> Self {
        Self {
            port,
            buffer: Vec::new(),
        }
    }

    /// The port, e.g. to reach a simulator.
    pub fn port_mut(&mut self) -> &mut T {
        &mut self.port
    }

    /// Gives back the port.
    pub fn into_inner(self) -> T {
        self.port
    }

    fn send(&mut self, request: &TillRequest) -> Result<(), HwError> {
        let bytes = request.encode()?;
        // A stale reply must not answer this request.
        self.buffer.clear();
        self.port
            .write_all(&bytes)
            .map_err(|e| io_error(e.kind()))?;
        self.port.flush().map_err(|e| io_error(e.kind()))
    }

    fn read_reply(&mut self) -> Result<ScaleReply, HwError> {
        let mut chunk = [0u8; 64];
        loop {
            match frame::decode_reply(&self.buffer) {
                Ok(Some((reply, used))) => {
                    self.buffer.drain(..used.min(self.buffer.len()));
                    return Ok(reply);
                }
                Ok(None) => {}
                Err(error) => {
                    self.buffer.clear();
                    return Err(error);
                }
            }
            match self.port.read(&mut chunk) {
                Ok(0) => {
                    return Err(HwError::InputIo {
                        kind: ErrorKind::UnexpectedEof,
                    });
                }
                Ok(n) => self
                    .buffer
                    .extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(e.kind())),
            }
        }
    }

    /// After a NAK: asks record 08 and turns the cause into an error.
    fn refused(&mut self) -> HwError {
        match self.status() {
            Ok(status) => HwError::ScaleStatus { status },
            Err(error) => error,
        }
    }

    /// Sends the unit price per kg, tare (kg) and text (records 01/03/04/05).
    pub fn set_price(
        &mut self,
        unit_price: Decimal,
        tare_kg: Option<Decimal>,
        text: Option<&str>,
    ) -> Result<(), HwError> {
        self.send(&TillRequest::SetPrice {
            unit_price,
            tare_kg,
            text: text.map(str::to_owned),
        })?;
        match self.read_reply()? {
            ScaleReply::Ack => Ok(()),
            ScaleReply::Nak => Err(self.refused()),
            _ => Err(HwError::ScaleFrame {
                problem: FrameProblem::UnexpectedReply,
            }),
        }
    }

    /// Asks for the weighing (EOT ENQ). After a transient refusal
    /// (`ScaleStatus { Motion | MeasuringNotFinished }`) it may be asked again.
    pub fn request_weight(&mut self) -> Result<Weighing, HwError> {
        self.send(&TillRequest::RequestWeight)?;
        match self.read_reply()? {
            ScaleReply::Weighing(weighing) => Ok(weighing),
            ScaleReply::Nak => Err(self.refused()),
            ScaleReply::ChecksumRequest => Err(HwError::ScaleChecksumRequired),
            _ => Err(HwError::ScaleFrame {
                problem: FrameProblem::UnexpectedReply,
            }),
        }
    }

    /// Asks the last status (record 08 / 09).
    pub fn status(&mut self) -> Result<ScaleStatusCode, HwError> {
        self.send(&TillRequest::RequestStatus)?;
        match self.read_reply()? {
            ScaleReply::Status(status) => Ok(status),
            _ => Err(HwError::ScaleFrame {
                problem: FrameProblem::UnexpectedReply,
            }),
        }
    }
}

impl<T: Read + Write> Scale for Dialog06Client<T> {
    fn weigh(
        &mut self,
        unit_price: Decimal,
        tare_kg: Option<Decimal>,
    ) -> Result<Weighing, HwError> {
        self.set_price(unit_price, tare_kg, None)?;
        self.request_weight()
    }

    fn status(&mut self) -> Result<ScaleStatusCode, HwError> {
        Dialog06Client::status(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scale::{ScaleSimulator, SimulatedPort};

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn weighs_through_the_simulated_port() {
        let mut client = Dialog06Client::new(SimulatedPort::default());
        client.port_mut().scale.put_load(1515, true);
        let w = client.weigh(dec("8.90"), Some(dec("0.015"))).unwrap();
        assert_eq!(
            w,
            Weighing {
                weight_kg: dec("1.500"),
                unit_price: dec("8.90"),
                amount: dec("13.35")
            }
        );
    }

    #[test]
    fn motion_is_transient_and_retry_succeeds() {
        let mut client = Dialog06Client::new(SimulatedPort::new(ScaleSimulator::new(6000, 20)));
        client.port_mut().scale.put_load(700, false);
        client
            .set_price(dec("3.99"), None, Some("TOMATES"))
            .unwrap();
        let err = client.request_weight().unwrap_err();
        assert_eq!(
            err,
            HwError::ScaleStatus {
                status: ScaleStatusCode::Motion
            }
        );
        client.port_mut().scale.put_load(700, true);
        assert_eq!(client.request_weight().unwrap().amount, dec("2.79"));
    }

    #[test]
    fn silent_port_times_out_and_bad_values_never_reach_the_wire() {
        struct Silent;
        impl Read for Silent {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(ErrorKind::TimedOut.into())
            }
        }
        impl Write for Silent {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut client = Dialog06Client::new(Silent);
        assert_eq!(client.status(), Err(HwError::ScaleTimeout));
        assert!(matches!(
            client.weigh(dec("-1"), None),
            Err(HwError::ScaleValue { .. })
        ));
    }
}
