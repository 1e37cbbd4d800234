//! `pos`: the store-day demo and the admin tool of pos-sdk.
//!
//! Each subcommand lives in its own module under `cmd/`; this file only
//! parses arguments and dispatches. Exit codes: 0 success, 1 a finding (e.g.
//! a journal defect), 2 unusable input.

mod cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The pos-sdk command line.
#[derive(Debug, Parser)]
#[command(name = "pos", version, about = "pos-sdk: demo and admin tool")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Price a basket given as JSON (FILE or `-` for stdin) with the pricing rules.
    Price(cmd::price::PriceArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Price(args) => cmd::price::run(&args),
    }
}
