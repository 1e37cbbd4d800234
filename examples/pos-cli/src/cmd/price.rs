//! `pos price FILE`: prices a basket with pos-core's pricing rules and prints
//! the result as JSON; bad input exits 2 with `{"error":{"kind","message"}}`.

use pos_core::pricing::wire;
use std::io::Read;
use std::process::ExitCode;

/// Arguments of `pos price`.
#[derive(Debug, clap::Args)]
pub struct PriceArgs {
    /// Basket JSON file, or `-` for standard input.
    pub file: String,
}

/// Runs `pos price`.
pub fn run(args: &PriceArgs) -> ExitCode {
    let text = match read_input(&args.file) {
        Ok(t) => t,
        Err(e) => {
            let err = serde_json::json!({"error": {"kind": "io", "message": format!("cannot read {}: {e}", args.file)}});
            println!("{err}");
            return ExitCode::from(2);
        }
    };
    match wire::price_json(&text) {
        Ok(out) => match serde_json::to_string(&out) {
            Ok(s) => {
                println!("{s}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("pos price: cannot write JSON: {e}");
                ExitCode::from(2)
            }
        },
        Err(e) => {
            println!("{}", wire::error_json(&e));
            ExitCode::from(2)
        }
    }
}

fn read_input(file: &str) -> std::io::Result<String> {
    if file == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s)
    } else {
        std::fs::read_to_string(file)
    }
}
