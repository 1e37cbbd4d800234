//! The edges of the nexo adapter: moving bytes, drawing nonces, reading time.
//!
//! Adyen terminals in local mode take each request as an HTTPS POST on port
//! 8443 (`/nexo`) and answer in the response body. TLS to the terminal (with
//! Adyen's terminal root certificate) is the app's business: it implements
//! [`NexoTransport`] over its HTTP stack; tests and the demo use the simulator.

use rand::RngCore as _;
use std::io::ErrorKind;

/// Why an exchange gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// The request provably did not leave (connection refused, DNS, TLS
    /// handshake): nothing can have been charged.
    NotSent(ErrorKind),
    /// The request may have arrived but no answer came back in time.
    NoAnswer,
}

/// One request, one answer, both as the JSON bytes on the wire.
pub trait NexoTransport {
    /// Sends `request` and returns the answer body.
    fn exchange(&mut self, request: &[u8]) -> Result<Vec<u8>, TransportFailure>;
}

/// Fresh 16-byte nonces for message encryption.
pub trait NonceSource {
    /// A new nonce; never reuse one with the same key.
    fn nonce(&mut self) -> [u8; 16];
}

/// Nonces from the operating system's random generator.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsNonces;

impl NonceSource for OsNonces {
    fn nonce(&mut self) -> [u8; 16] {
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        nonce
    }
}

/// ISO 8601 UTC time stamps for `TimeStamp` fields.
pub trait TimeSource {
    /// Now, e.g. `2026-03-01T09:30:00.000Z`.
    fn timestamp(&mut self) -> String;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemTime;

impl TimeSource for SystemTime {
    fn timestamp(&mut self) -> String {
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }
}
