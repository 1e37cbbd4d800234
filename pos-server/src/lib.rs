//! pos-server: the cloud side of pos-sdk.
//!
//! - [`Server`]: the sync core over a storage trait ([`store`]), with the
//!   SQLite ([`sqlite`]) and PostgreSQL ([`postgres`]) back ends, the web
//!   shop API ([`web`]), stock transfers ([`transfer`]), webhooks
//!   ([`webhooks`]) and the axum front ([`http`]).
//! - [`verify_job`]: fiscal journal verification in the background, with
//!   a cached verdict per till, on read-only connections.
//! - [`credentials`]: enrolment codes and web-shop keys, owned by a
//!   retailer and stored hashed.
//! - [`ops`] and [`metrics`]: online SQLite backups, `/healthz`,
//!   `/readyz` and the Prometheus `/metrics` (see [`http::operations`]).
//! - [`backoffice`]: the retailer's web app, users, sessions, RGPD tools;
//!   [`notify`] wakes its live feed when a push commits.
//! - [`digital`]: receipt and customer pages, consented e-mail and SMS.
//!
//! The dependency runs one way: this crate uses `pos-sync`'s wire types,
//! request signing and merge rules; tills link `pos-sync` only.

#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]

// The sync protocol's modules, used by paths such as `crate::wire::...`.
use pos_sync::{auth, merge, transport, wire};

mod apply;
pub mod archives;
pub mod backoffice;
pub mod credentials;
pub mod digital;
pub mod error;
mod fiscal;
mod handler;
pub mod http;
pub mod metrics;
pub mod notify;
pub mod operators;
pub mod ops;
mod pg_batch;
pub mod postgres;
pub mod refunds;
#[doc(hidden)]
pub mod refunds_rows;
mod restore;
pub mod retail_queries;
pub mod schema;
pub mod sqlite;
pub mod store;
pub mod transfer;
pub mod validate;
pub mod verify_job;
pub mod web;
mod web_api;
pub mod web_sales;
pub mod webhooks;

pub use self::error::{Result, ServerError};
pub use self::handler::{Server, error_response};
pub use self::http::{InProcess, serve, serve_app, spawn_app, spawn_in_process};
pub use self::postgres::{PgTimeouts, PostgresStorage};
pub use self::sqlite::SqliteStorage;
pub use self::store::{Device, JournalReader, Storage, Tx};
pub use apply::{POINTS, STORED_VALUE};

/// The OpenAPI description of the HTTP API, served at `/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");
