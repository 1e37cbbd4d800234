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

mod steps;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("usage: cargo xtask test [--no-lint] [--only rust|python|node|bindings]");
        return ExitCode::from(2);
    };
    if command != "test" {
        eprintln!(
            "unknown xtask command `{command}`; usage: cargo xtask test [--no-lint] [--only rust|python|node|bindings]"
        );
        return ExitCode::from(2);
    }
    let options = match steps::Options::parse(rest) {
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
