//! The back office: a web app for the retailer served by `pos sync-server`
//! (dashboard with live sales, charts, closures, stock alerts, downloads),
//! its users, sessions and roles, and the RGPD tools (export, erasure,
//! retention, personal-data access log).
//!
//! - [`model`]: users, roles, sessions, the access log, typed refusals.
//! - [`auth`]: Argon2id passwords, session cookies, CSRF tokens, throttling.
//! - [`report`]: the dashboard's figures from the accepted fiscal records.
//! - [`service`]: retailers, users, sign-in, and what a viewer may read.
//! - [`rgpd`]: customer export, erasure, retention, the access log.
//! - [`html`]: escaping, French money, page frame, SVG charts.
//! - [`pages`]: the pages, from data to escaped HTML.
//! - [`assets`]: the style sheet and the live-feed script.
//! - [`web`]: the axum routes ([`router`]), merged next to the sync router.

pub mod assets;
pub mod auth;
pub mod html;
pub mod model;
pub mod pages;
pub mod report;
pub mod rgpd;
pub mod service;
pub mod web;

pub use model::{AccessEntry, BackOfficeFailure, BoSession, BoUser, Role, StoredEvent};
pub use web::{Config, attach, router};
