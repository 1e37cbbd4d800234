//! Digital receipts: each ticket's receipt link (an HMAC token the till
//! computes, see [`token`]), the server's receipt and customer pages, and
//! sending receipts by e-mail or SMS with the customer's recorded consent.
//!
//! - [`token`]: the link token and URLs (till and server).
//! - [`request`]: the till's signed "send this receipt" request, sans I/O.
//! - [`DigitalFailure`]: why a send was refused or failed.
//! - server side (feature `server`): [`model`] rows, [`capture`] of the
//!   receipt from sale events, [`page`] HTML, [`sqlite`] / [`postgres`]
//!   storage operations, [`mail`] (SMTP via lettre) and [`sms`] (HTTP
//!   provider) delivery, the [`service`] (consent, once per ticket and
//!   channel, send log, marketing under marketing consent, pages) and its
//!   axum routes in [`http`]; [`app`] merges them with the sync router.
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

#[cfg(feature = "server")]
pub mod capture;
#[cfg(feature = "server")]
pub mod model;
#[cfg(feature = "server")]
pub mod page;
#[cfg(feature = "server")]
pub mod postgres;
#[cfg(feature = "server")]
pub mod sqlite;

#[cfg(feature = "server")]
pub use model::{CustomerLink, SendLogEntry, SendRecord, StoredReceipt};
#[cfg(feature = "server")]
pub mod http;
#[cfg(feature = "server")]
pub mod mail;
#[cfg(feature = "server")]
pub mod service;
#[cfg(feature = "server")]
pub mod sms;

#[cfg(feature = "server")]
pub use http::router;
#[cfg(feature = "server")]
pub use service::Digital;

/// The sync router ([`crate::server::http::router`]) merged with the
/// digital-receipt routes, ready for [`crate::server::serve_app`].
#[cfg(feature = "server")]
pub fn app<S: crate::server::Storage>(
    server: crate::server::Server<S>,
    digital: Digital<S>,
) -> axum::Router {
    crate::server::http::router(server).merge(router(std::sync::Arc::new(digital)))
}
