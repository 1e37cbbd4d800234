//! Transports: how bytes reach a printer. The queue only sees this trait, so
//! the same code prints over TCP 9100, a serial line, a device file or memory.

mod file;
mod memory;
mod serial;
mod tcp;

use std::io::{ErrorKind, Read, Write};

pub use file::FileTransport;
pub use memory::{MemoryTransport, ScriptedSend};
pub use serial::{SerialFlow, SerialTransport};
pub use tcp::TcpTransport;

use crate::HwError;
use crate::escpos::commands::status_request;
use crate::escpos::status::{StatusFlags, parse_replies};

/// A failed send: how many bytes the transport had accepted, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendFailure {
    /// Bytes accepted before the failure (0: nothing went out, safe to retry).
    pub accepted: usize,
    /// The I/O error kind.
    pub kind: ErrorKind,
}

/// A connection to a printer.
pub trait Transport {
    /// Sends every byte, or says how many were accepted before failing.
    fn send(&mut self, bytes: &[u8]) -> Result<(), SendFailure>;

    /// Sends a real-time request and reads the one-byte reply;
    /// `Ok(None)` when this transport cannot read back (a device file).
    fn query(&mut self, request: &[u8]) -> Result<Option<u8>, SendFailure>;

    /// Asks `DLE EOT 1..4` and parses the replies; `Ok(None)` without read-back.
    fn read_status(&mut self) -> Result<Option<StatusFlags>, StatusFailure> {
        let mut replies = [0u8; 4];
        for (slot, n) in replies.iter_mut().zip(1u8..=4) {
            match self
                .query(&status_request(n))
                .map_err(StatusFailure::Transport)?
            {
                Some(byte) => *slot = byte,
                None => return Ok(None),
            }
        }
        parse_replies(&replies)
            .map(Some)
            .map_err(StatusFailure::Garbled)
    }
}

/// Why a status could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusFailure {
    /// The connection failed.
    Transport(SendFailure),
    /// The replies were not status bytes.
    Garbled(HwError),
}

/// Writes `bytes`, counting what the writer accepted.
pub(crate) fn write_counting<W: Write>(w: &mut W, bytes: &[u8]) -> Result<(), SendFailure> {
    let mut accepted = 0usize;
    while let Some(rest) = bytes.get(accepted..) {
        if rest.is_empty() {
            break;
        }
        match w.write(rest) {
            Ok(0) => {
                return Err(SendFailure {
                    accepted,
                    kind: ErrorKind::WriteZero,
                });
            }
            Ok(n) => accepted = accepted.saturating_add(n),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(SendFailure {
                    accepted,
                    kind: e.kind(),
                });
            }
        }
    }
    w.flush().map_err(|e| SendFailure {
        accepted,
        kind: e.kind(),
    })
}

/// Sends a request and reads exactly one reply byte.
pub(crate) fn exchange<S: Read + Write>(s: &mut S, request: &[u8]) -> Result<u8, SendFailure> {
    write_counting(s, request)?;
    let mut reply = [0u8; 1];
    loop {
        match s.read(&mut reply) {
            Ok(0) => {
                return Err(SendFailure {
                    accepted: request.len(),
                    kind: ErrorKind::UnexpectedEof,
                });
            }
            Ok(_) => return Ok(reply[0]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(SendFailure {
                    accepted: request.len(),
                    kind: e.kind(),
                });
            }
        }
    }
}
