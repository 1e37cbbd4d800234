//! pos-sync: offline-first sync between tills and a server.
//!
//! A till sells for days without network; when the network returns, every
//! outbox event (sale, refund, stock movement, customer, stored value)
//! arrives exactly once and in order, the fiscal journal arrives verified,
//! and shared stock, points and gift-card balances add up.
//!
//! - [`wire`]: the JSON messages and their validating decoders.
//! - [`auth`]: HMAC-SHA256 request signing (method, path, time, body hash).
//! - [`merge`]: conflict rules (ledgers sum, LWW by HLC, order states, caps).
//! - [`client`]: the till side, sans I/O, and [`client::sync_once`].
//! - [`round`]: one round as push/pull steps, and its async driver
//!   ([`round::sync_once_async`]) over an app's async HTTP client.
//! - [`retry`]: capped exponential backoff with jitter and a time budget
//!   for transient failures ([`client::sync_with_retry`]).
//! - The server (storage, HTTP front, web-shop API, back office, receipt
//!   pages) is the `pos-server` crate, which depends on this one.
//! - [`http_client`] (feature `http-client`): a blocking ureq transport.
//! - [`refunds`]: finding an original anywhere in the retailer and
//!   reserving what a refund takes back.
//! - [`restore`]: rebuilding a lost till from the server's copy.
//! - [`archive`]: period archives kept by the server, confirmed to the till.
//! - [`retail`]: customers, history and stock across the retailer's stores.
//! - [`digital`]: digital receipts, till side (link token, the till's send
//!   request); the pages and delivery are in `pos-server`.
//!
//! ```
//! use pos_sync::auth;
//! let sig = auth::sign(b"secret", "POST", "/v1/push", 1_700_000_000_000, b"{}");
//! assert!(auth::verify(b"secret", "POST", "/v1/push", 1_700_000_000_000, b"{}", &sig,
//!     1_700_000_000_000).is_ok());
//! ```
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]

pub mod archive;
pub mod auth;
pub mod client;
pub mod digital;
mod error;
#[cfg(feature = "http-client")]
pub mod http_client;
pub mod merge;
pub mod operators;
pub mod refunds;
pub mod restore;
pub mod retail;
pub mod retry;
pub mod round;
pub mod transport;
pub mod wire;

pub use error::{AuthFailure, Result, SyncError};
