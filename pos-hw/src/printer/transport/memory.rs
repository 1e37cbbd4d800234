//! An in-memory printer: keeps what it receives and answers status requests
//! with configured bytes; failures can be scripted (for queue tests and demos).

use std::collections::VecDeque;
use std::io::ErrorKind;

use super::{SendFailure, Transport};

/// What the memory printer does on a future `send`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptedSend {
    /// Accept everything.
    Accept,
    /// Accept `accepted` bytes, then fail with `kind`.
    Fail {
        /// Bytes accepted before the failure.
        accepted: usize,
        /// The error.
        kind: ErrorKind,
    },
}

/// A printer in memory.
#[derive(Debug, Clone)]
pub struct MemoryTransport {
    /// Every byte accepted so far (status requests excluded).
    pub received: Vec<u8>,
    /// Replies to `DLE EOT 1..4` (ready: `0x12` each).
    pub status: [u8; 4],
    /// Outcomes of the next sends, oldest first; empty = accept.
    pub script: VecDeque<ScriptedSend>,
    /// Whether the printer answers status requests.
    pub answers_status: bool,
}

impl Default for MemoryTransport {
    fn default() -> MemoryTransport {
        MemoryTransport {
            received: Vec::new(),
            status: [0x12; 4],
            script: VecDeque::new(),
            answers_status: true,
        }
    }
}

impl Transport for MemoryTransport {
    fn send(&mut self, bytes: &[u8]) -> Result<(), SendFailure> {
        match self.script.pop_front().unwrap_or(ScriptedSend::Accept) {
            ScriptedSend::Accept => {
                self.received.extend_from_slice(bytes);
                Ok(())
            }
            ScriptedSend::Fail { accepted, kind } => {
                let accepted = accepted.min(bytes.len());
                self.received
                    .extend_from_slice(bytes.get(..accepted).unwrap_or(&[]));
                Err(SendFailure { accepted, kind })
            }
        }
    }

    fn query(&mut self, request: &[u8]) -> Result<Option<u8>, SendFailure> {
        if !self.answers_status {
            return Ok(None);
        }
        match request {
            [0x10, 0x04, n @ 1..=4] => {
                Ok(self.status.get(usize::from(n.saturating_sub(1))).copied())
            }
            _ => Err(SendFailure {
                accepted: 0,
                kind: ErrorKind::InvalidInput,
            }),
        }
    }
}
