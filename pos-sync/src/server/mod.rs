//! The server: core logic over a storage trait, the SQLite and PostgreSQL
//! back ends, the web shop API and the axum HTTP front.

mod apply;
mod core;
mod fiscal;
pub mod http;
mod pg_batch;
pub mod postgres;
pub mod sqlite;
pub mod store;
pub mod transfer;
pub mod web;
mod web_api;
pub mod webhooks;

pub use self::core::{Server, error_response};
pub use self::http::{InProcess, serve, serve_app, spawn_app, spawn_in_process};
pub use self::postgres::PostgresStorage;
pub use self::sqlite::SqliteStorage;
pub use self::store::{Device, Storage, Tx};
pub use apply::{POINTS, STORED_VALUE};

/// The OpenAPI description of the HTTP API, served at `/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");
