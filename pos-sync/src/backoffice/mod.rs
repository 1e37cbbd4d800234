//! The back office: a web app for the retailer served by `pos sync-server`
//! (dashboard with live sales, charts, closures, stock alerts, downloads),
//! its users, sessions and roles, and the RGPD tools (export, erasure,
//! retention, personal-data access log).
//!
//! - [`model`]: users, roles, sessions, the access log, typed refusals.
//! - [`auth`]: Argon2id passwords, session cookies, CSRF tokens, throttling.
//! - [`report`]: the dashboard's figures from the accepted fiscal records.
//! - [`service`]: retailers, users, sign-in, and what a viewer may read.

pub mod auth;
pub mod model;
pub mod report;
pub mod service;

pub use model::{AccessEntry, BackOfficeFailure, BoSession, BoUser, Role, StoredEvent};
