//! Concert V2, the French till-to-terminal protocol over a serial line.
//!
//! - [`frame`]: `STX payload ETX LRC` and the control bytes (pure).
//! - [`message`]: the fixed-width request and answer (pure).
//! - [`link`]: ENQ/ACK/NAK/EOT and timers over a byte stream (I/O edge).
//! - [`client`]: the till side, a [`crate::payment::PaymentTerminal`].
//! - [`simulator`]: the terminal side, with a charge ledger and faults.
//! - [`serial`]: opening a real serial line (7E1 or 8N1).
//!
//! [`decode_frame`] is total (fuzz target material).

pub mod client;
pub mod frame;
pub mod link;
pub mod message;
pub mod serial;
pub mod simulator;

pub use client::ConcertClient;
pub use frame::{FrameFault, decode_frame, encode_frame, lrc};
pub use link::LinkTimings;
pub use message::{ConcertAnswer, ConcertRequest};
pub use serial::{LineFormat, open_serial};
pub use simulator::{ConcertSimulator, LedgerEntry, Served, SimConfig, SimFault};
