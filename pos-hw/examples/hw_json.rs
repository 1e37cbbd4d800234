//! Reads scanned codes from stdin, one per line, and prints one JSON object
//! per line: `{"input": ..., "ok": BarcodeInfo}` or `{"input": ..., "error":
//! {"kind": ..., "message": ...}}`. Used by the Python oracle tests
//! (pos-hw/pytests/test_barcode_oracles.py) and handy by hand:
//!
//! ```text
//! printf '4006381333931\n]C10109506000134352\x1d3103000750\n' \
//!   | cargo run -p pos-hw --example hw_json -- --year 2026
//! ```
//!
//! Options: `--year YYYY` (the GS1 century-rule reference year; default: the
//! current year), `--layout PATTERN` (repeatable; replaces the French default
//! in-store layouts), `--no-layouts` (decode no in-store codes).

use std::io::{self, BufRead, Write};

use pos_hw::HwError;
use pos_hw::barcode::{InStoreLayouts, ScanContext, describe};
use serde_json::json;

fn error_json(error: &HwError) -> serde_json::Value {
    let debug = format!("{error:?}");
    let kind: String = debug.chars().take_while(|c| c.is_alphanumeric()).collect();
    let position = match error {
        HwError::Gs1 { position, .. } | HwError::BarcodeCharacter { position } => Some(*position),
        _ => None,
    };
    json!({ "kind": kind, "message": error.to_string(), "position": position, "debug": debug })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut year: Option<i32> = None;
    let mut layouts: Vec<String> = Vec::new();
    let mut no_layouts = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--year" => year = Some(args.next().ok_or("--year needs a value")?.parse()?),
            "--layout" => layouts.push(args.next().ok_or("--layout needs a pattern")?),
            "--no-layouts" => no_layouts = true,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    // The edge of the program: the only place that reads the clock.
    let year = match year {
        Some(year) => year,
        None => chrono::Datelike::year(&chrono::Utc::now()),
    };
    let mut context = ScanContext::new(year);
    if no_layouts || !layouts.is_empty() {
        context.in_store = InStoreLayouts::from_patterns(layouts.iter().map(String::as_str))?;
    }
    let stdin = io::stdin();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    for line in stdin.lock().split(b'\n') {
        let line = line?;
        let input = String::from_utf8_lossy(&line);
        let input = input.strip_suffix('\r').unwrap_or(&input);
        let value = match describe(input, &context) {
            Ok(info) => json!({ "input": input, "ok": info }),
            Err(error) => json!({ "input": input, "error": error_json(&error) }),
        };
        serde_json::to_writer(&mut out, &value)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
