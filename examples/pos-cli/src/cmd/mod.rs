//! One module per `pos` subcommand.

pub mod fiscal;
pub mod price;
pub mod till;
