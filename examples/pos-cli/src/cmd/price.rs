//! `pos price FILE`: prices a basket with pos-core's pricing rules.

use std::process::ExitCode;

/// Arguments of `pos price`.
#[derive(Debug, clap::Args)]
pub struct PriceArgs {
    /// Basket JSON file, or `-` for standard input.
    pub file: String,
}

/// Runs `pos price`.
pub fn run(_args: &PriceArgs) -> ExitCode {
    ExitCode::from(2)
}
