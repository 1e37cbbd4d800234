//! `cargo xtask test`: every suite in every language, in one command.
//!
//! Steps, in order (each prints its command; the first failure stops the run
//! with a non-zero exit):
//! 1. prerequisites: checks the tools each suite needs and says how to
//!    install what is missing;
//! 2. `cargo fmt --check` and `cargo clippy -D warnings` over the workspace;
//! 3. the Rust tests of every crate (nextest when installed, else cargo test)
//!    and the doctests; fuzz regressions are ordinary Rust tests;
//! 4. Python suites (`*/pytests/`, in a project-local `.venv`);
//! 5. Node suites (`*/nodetests/`, with a local `node_modules`);
//! 6. binding suites (`bindings/*/run-tests.sh`).
//!
//! `cargo xtask test --no-lint` skips step 2; `--only rust|python|node|bindings` runs one family.
//!
//! `cargo xtask certify [--fuzz-seconds N] [--proptest-cases N]`: the
//! certifier's kit (NF525 section 9 cases, tamper campaign, property suites
//! at a raised case count, the independent checker, each fuzz target for a
//! set time), recorded case by case in `build/certify/<UTC date-time>/`
//! (`report.md`, `report.json`); see `certify.rs`.

mod certify;
mod steps;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask test [--no-lint] [--only rust|python|node|bindings]\n       \
                     cargo xtask certify [--fuzz-seconds N (default 60)] [--proptest-cases N (default 2048)]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match command.as_str() {
        "test" => test(rest),
        "certify" => certify(rest),
        other => {
            eprintln!("unknown xtask command `{other}`\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn test(args: &[String]) -> ExitCode {
    let options = match steps::Options::parse(args) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    match steps::run_all(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("\nxtask: FAILED: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn certify(args: &[String]) -> ExitCode {
    let options = match certify::Options::parse(args) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    match certify::run(&options) {
        Ok(outcome) => {
            if outcome.skipped > 0 {
                println!("{} skipped (listed in the report)", outcome.skipped);
            }
            println!("report: {}", outcome.dir.display());
            println!("{} passed, {} failed", outcome.passed, outcome.failed);
            if outcome.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(msg) => {
            eprintln!("\nxtask certify: STOPPED: {msg}");
            ExitCode::FAILURE
        }
    }
}
