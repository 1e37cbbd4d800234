//! The Adyen Terminal API (nexo JSON) in local mode, with message encryption.
//!
//! - [`crypto`]: key derivation, AES-256-CBC + HMAC-SHA256 `NexoBlob` (pure).
//! - [`message`]: `SaleToPOIRequest` / `SaleToPOIResponse` as typed JSON.
//! - [`amount`]: exact decimal JSON numbers (no float).
//! - [`transport`]: the I/O edges (HTTPS transport, nonces, time) as traits.
//! - [`client`]: the till side, a [`crate::payment::PaymentTerminal`] with
//!   `TransactionStatusRequest` recovery.
//! - [`simulator`]: a terminal that keeps a ledger and rehearses lost messages.

pub mod amount;
pub mod client;
pub mod crypto;
pub mod message;
pub mod simulator;
pub mod transport;

pub use client::{AdyenLocalClient, NexoConfig, service_id};
pub use crypto::{DerivedKeys, SecuredMessage, SecurityKey, SecurityTrailer, decrypt, encrypt};
pub use simulator::{AdyenSimulator, NexoFault, NexoSimConfig};
pub use transport::{
    NexoTransport, NonceSource, OsNonces, SystemTime, TimeSource, TransportFailure,
};
