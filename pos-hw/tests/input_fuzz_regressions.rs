//! Replays every input kept in fuzz/regressions/barcode/ (crashes found by
//! `cargo fuzz run barcode` and hand-written `seed-*` edge cases) through the
//! same checks as the fuzz target, as an ordinary test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use pos_hw::barcode::gs1::{parse_bracketed, parse_element_string};
use pos_hw::barcode::{Gtin, InStoreLayout, InStoreLayouts, ScanContext, describe};

/// The body of fuzz/fuzz_targets/barcode.rs, minus the fuzzing harness.
fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (pattern, scan) = text.split_once('\n').unwrap_or(("", &text));
    let mut context = ScanContext::new(2026);
    if let Ok(layout) = InStoreLayout::parse(pattern) {
        let _ = layout.decode(scan.as_bytes());
        if let Ok(layouts) = InStoreLayouts::from_patterns([pattern]) {
            context.in_store = layouts;
        }
    }
    if let Ok(info) = describe(scan, &context) {
        serde_json::to_string(&info).unwrap();
        if let Some(gtin) = info.gtin {
            assert_eq!(Gtin::parse(&gtin.to_string()), Ok(gtin));
        }
        assert_eq!(info.valid, info.check_digit_mismatch.is_none());
    }
    let _ = parse_element_string(scan, 1999);
    let _ = parse_bracketed(scan, 2075);
}

#[test]
fn replay_barcode_regressions() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/regressions/barcode");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(
                outcome.is_ok(),
                "regression input {} panics",
                path.display()
            );
            count += 1;
        }
    }
    assert!(count > 0, "no regression inputs in {dir}");
}
