//! Digital receipts: each ticket's receipt link (an HMAC token the till
//! computes, see [`token`]), the server's receipt and customer pages, and
//! sending receipts by e-mail or SMS with the customer's recorded consent.
//!
//! - [`token`]: the link token and URLs (till and server).
//! - [`request`]: the till's signed "send this receipt" request, sans I/O.
//! - [`DigitalFailure`]: why a send was refused or failed.
//! - the server side (receipt and customer pages, consented e-mail and SMS
//!   delivery) is `pos_server::digital`.
//!
//! The printed QR opens `/r/{token}` (the receipt only); the link sent by
//! e-mail or SMS adds `?c={customer key}`, from which the receipt page links
//! to the customer's page `/c/{key}` (their tickets in their retailer's
//! stores, and the legal warranty of durable goods).

mod error;
pub mod request;
pub mod token;

pub use error::DigitalFailure;
pub use request::{SendReceiptRequest, SendReceiptResponse, SendStatus};
