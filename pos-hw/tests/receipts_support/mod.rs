//! Helpers for the receipts tests: fixed facts, golden files, a fake printer.
#![allow(dead_code)]

pub mod fake_printer;
mod props;

use std::path::PathBuf;

use pos_hw::receipt::ReceiptFacts;

/// pos-hw/testdata/receipts.
pub fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join("receipts")
}

/// The fixed sale of the golden files.
pub fn sale_facts() -> ReceiptFacts {
    let text = std::fs::read_to_string(testdata().join("facts_sale.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Compares `actual` with the golden file `name`; with `POS_HW_BLESS=1`
/// rewrites it instead.
pub fn golden(name: &str, actual: &[u8]) {
    let path = testdata().join(name);
    if std::env::var_os("POS_HW_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with POS_HW_BLESS=1 cargo test -p pos-hw --test receipts",
            path.display()
        )
    });
    if expected != actual {
        let at = expected
            .iter()
            .zip(actual)
            .position(|(a, b)| a != b)
            .unwrap_or(expected.len().min(actual.len()));
        panic!(
            "{name} differs at byte {at} (expected {} bytes, got {}); if the change is intended, rerun with POS_HW_BLESS=1 and review the diff",
            expected.len(),
            actual.len()
        );
    }
}
