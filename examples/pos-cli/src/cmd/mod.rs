//! One module per `pos` subcommand.

pub mod price;
