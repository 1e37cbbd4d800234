//! Serial (RS-232 / USB CDC) printers through the `serialport` crate, built
//! without its libudev feature (no port enumeration, just a device path).

use std::time::Duration;

use super::{SendFailure, Transport, exchange, write_counting};
use crate::HwError;

/// Flow control of the serial line (set it as on the printer's DIP switches).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SerialFlow {
    /// No flow control.
    None,
    /// XON/XOFF.
    Software,
    /// RTS/CTS (printers wired DTR/DSR usually work with this cable-wise).
    #[default]
    Hardware,
}

/// A serial printer at a device path (`/dev/ttyUSB0`, `COM3`).
pub struct SerialTransport {
    port: Box<dyn serialport::SerialPort>,
}

impl std::fmt::Debug for SerialTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SerialTransport")
            .field("port", &self.port.name())
            .finish()
    }
}

impl SerialTransport {
    /// Opens `path` at `baud`, 8N1, with `flow` control and a read/write timeout.
    pub fn open(
        path: &str,
        baud: u32,
        flow: SerialFlow,
        timeout: Duration,
    ) -> Result<SerialTransport, HwError> {
        let flow = match flow {
            SerialFlow::None => serialport::FlowControl::None,
            SerialFlow::Software => serialport::FlowControl::Software,
            SerialFlow::Hardware => serialport::FlowControl::Hardware,
        };
        let port = serialport::new(path, baud)
            .timeout(timeout)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .flow_control(flow)
            .open()
            .map_err(|e| HwError::Transport {
                kind: serial_kind(&e),
            })?;
        Ok(SerialTransport { port })
    }

    /// Wraps a port the application opened and configured itself.
    pub fn from_port(port: Box<dyn serialport::SerialPort>) -> SerialTransport {
        SerialTransport { port }
    }
}

fn serial_kind(e: &serialport::Error) -> std::io::ErrorKind {
    match e.kind() {
        serialport::ErrorKind::NoDevice => std::io::ErrorKind::NotFound,
        serialport::ErrorKind::InvalidInput => std::io::ErrorKind::InvalidInput,
        serialport::ErrorKind::Io(kind) => kind,
        _ => std::io::ErrorKind::Other,
    }
}

impl Transport for SerialTransport {
    fn send(&mut self, bytes: &[u8]) -> Result<(), SendFailure> {
        write_counting(&mut self.port, bytes)
    }

    fn query(&mut self, request: &[u8]) -> Result<Option<u8>, SendFailure> {
        exchange(&mut self.port, request).map(Some)
    }
}
