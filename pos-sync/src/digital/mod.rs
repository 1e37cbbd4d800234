//! Digital receipts: each ticket's receipt link (an HMAC token the till
//! computes, see [`token`]), the server's receipt and customer pages, and
//! sending receipts by e-mail or SMS with the customer's recorded consent.
//!
//! - [`token`]: the link token and URLs (till and server).
//! - [`request`]: the till's signed "send this receipt" request, sans I/O.
//! - [`DigitalFailure`]: why a send was refused or failed.
//! - server side (feature `server`): [`model`] rows, [`capture`] of the
//!   receipt from sale events, [`page`] HTML, [`sqlite`] / [`postgres`]
//!   storage operations.

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
