//! Serial (RS-232 / USB CDC) printers through the `serialport` crate, built
//! without its libudev feature (no port enumeration, just a device path).

use std::time::Duration;

use super::{SendFailure, Transport, exchange, write_counting};
use crate::HwError;

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
    /// Opens `path` at `baud` (8N1, hardware flow control as most printers
    /// ship), with a read/write timeout.
    pub fn open(path: &str, baud: u32, timeout: Duration) -> Result<SerialTransport, HwError> {
        let port = serialport::new(path, baud)
            .timeout(timeout)
            .flow_control(serialport::FlowControl::Hardware)
            .open()
            .map_err(|e| HwError::Transport {
                kind: serial_kind(&e),
            })?;
        Ok(SerialTransport { port })
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
