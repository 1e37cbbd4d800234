//! Fuzzes the barcode / GS1 parser: any bytes must give a result or a typed
//! error, never a panic; a result must serialise and keep its invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_hw::barcode::gs1::{parse_bracketed, parse_element_string};
use pos_hw::barcode::{Gtin, InStoreLayout, InStoreLayouts, ScanContext, describe};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // First line may be an in-store layout pattern, the rest the scan.
    let (pattern, scan) = text.split_once('\n').unwrap_or(("", &text));
    let mut context = ScanContext::new(2026);
    if let Ok(layout) = InStoreLayout::parse(pattern) {
        let _ = layout.decode(scan.as_bytes());
        if let Ok(layouts) = InStoreLayouts::from_patterns([pattern]) {
            context.in_store = layouts;
        }
    }
    if let Ok(info) = describe(scan, &context) {
        serde_json::to_string(&info).expect("BarcodeInfo serialises");
        if let Some(gtin) = info.gtin {
            assert_eq!(Gtin::parse(&gtin.to_string()), Ok(gtin));
        }
        assert_eq!(info.valid, info.check_digit_mismatch.is_none());
    }
    let _ = parse_element_string(scan, 1999);
    let _ = parse_bracketed(scan, 2075);
});
