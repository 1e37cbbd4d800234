//! Digital receipts, server side: [`model`] rows, [`capture`] of the
//! receipt from sale events, [`page`] HTML, [`sqlite`] / [`postgres`]
//! storage operations, [`mail`] (SMTP via lettre) and [`sms`] (HTTP
//! provider) delivery, the [`service`] (consent, once per ticket and
//! channel, send log, marketing under marketing consent, pages) and its
//! axum routes in [`http`]; [`app`] merges them with the sync router.
//!
//! The till side (link token, the signed send request) is
//! `pos_sync::digital`, re-exported here.

pub use pos_sync::digital::{
    DigitalFailure, SendReceiptRequest, SendReceiptResponse, SendStatus, request, token,
};

pub mod capture;
pub mod http;
pub mod mail;
pub mod model;
pub mod page;
pub mod postgres;
pub mod service;
pub mod sms;
pub mod sqlite;

pub use http::router;
pub use model::{CustomerLink, SendLogEntry, SendRecord, StoredReceipt};
pub use service::Digital;

/// The sync router ([`crate::http::router`]) merged with the
/// digital-receipt routes, ready for [`crate::serve_app`].
pub fn app<S: crate::Storage>(server: crate::Server<S>, digital: Digital<S>) -> axum::Router {
    crate::http::router(server).merge(router(std::sync::Arc::new(digital)))
}
