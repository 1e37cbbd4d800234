//! Opening a real serial line for Concert (RS-232 or USB CDC).
//!
//! Terminals with a native serial port talk 7 data bits, even parity, one
//! stop bit (7E1), usually 9600 baud; USB terminals present a CDC port where
//! the line settings are ignored and 8N1 is customary. The port gets a short
//! read timeout so [`super::link`] can run its own timers.

use crate::HwError;
use std::io::ErrorKind;
use std::time::Duration;

/// The character format on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineFormat {
    /// 7 data bits, even parity, 1 stop bit (native RS-232 terminals).
    SevenEvenOne,
    /// 8 data bits, no parity, 1 stop bit (USB CDC terminals).
    EightNoneOne,
}

/// Opens `path` for a Concert terminal: the stream to give [`super::ConcertClient`].
pub fn open_serial(
    path: &str,
    baud_rate: u32,
    format: LineFormat,
) -> Result<Box<dyn serialport::SerialPort>, HwError> {
    let (bits, parity) = match format {
        LineFormat::SevenEvenOne => (serialport::DataBits::Seven, serialport::Parity::Even),
        LineFormat::EightNoneOne => (serialport::DataBits::Eight, serialport::Parity::None),
    };
    serialport::new(path, baud_rate)
        .data_bits(bits)
        .parity(parity)
        .stop_bits(serialport::StopBits::One)
        .flow_control(serialport::FlowControl::None)
        .timeout(Duration::from_millis(50))
        .open()
        .map_err(|e| HwError::PaymentLink {
            kind: serial_error_kind(&e),
        })
}

fn serial_error_kind(e: &serialport::Error) -> ErrorKind {
    match e.kind() {
        serialport::ErrorKind::NoDevice => ErrorKind::NotFound,
        serialport::ErrorKind::InvalidInput => ErrorKind::InvalidInput,
        serialport::ErrorKind::Io(kind) => kind,
        _ => ErrorKind::Other,
    }
}
