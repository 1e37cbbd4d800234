//! `pos barcode CODE`: what a scanned code is, as JSON (kind, GTIN,
//! validity, embedded price or weight, GS1 elements with decoded dates and
//! decimals). Garbage exits 2 with `{"error":{"kind","message"}}`.

use chrono::Datelike;
use pos_hw::barcode::{ScanContext, describe};
use std::process::ExitCode;

/// Arguments of `pos barcode`.
#[derive(Debug, clap::Args)]
pub struct BarcodeArgs {
    /// The code as the scanner sent it (AIM prefix `]C1`, `]d2`, `]Q3` and
    /// GS separators allowed; write GS as `\x1d` or `<GS>`).
    pub code: String,
}

/// Runs `pos barcode`.
pub fn run(args: &BarcodeArgs) -> ExitCode {
    let code = args
        .code
        .replace("<GS>", "\u{1d}")
        .replace("\\x1d", "\u{1d}");
    let context = ScanContext::new(chrono::Utc::now().year());
    match describe(&code, &context) {
        Ok(info) => match serde_json::to_string_pretty(&info) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("pos barcode: {e}");
                ExitCode::from(2)
            }
        },
        Err(e) => {
            let kind = snake_case(
                format!("{e:?}")
                    .split([' ', '{', '('])
                    .next()
                    .unwrap_or("error"),
            );
            println!(
                "{}",
                serde_json::json!({"error": {"kind": kind, "message": e.to_string()}})
            );
            ExitCode::from(2)
        }
    }
}

/// `BarcodeEmpty` -> `barcode_empty`.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len().saturating_add(4));
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
