//! One module per `pos` subcommand.

pub mod backoffice;
pub mod barcode;
pub mod chain;
pub mod config;
pub mod demo;
pub mod exchange;
pub mod fiscal;
pub mod gift;
pub mod price;
pub mod receipt;
pub mod refund;
pub mod restore;
pub mod retention;
pub mod server_anchor;
pub mod server_ops;
pub mod sync;
pub mod till;
pub mod till_ids;
