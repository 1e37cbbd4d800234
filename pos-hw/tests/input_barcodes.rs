//! Barcode and GS1 parsing: the golden vectors of testdata/barcodes and
//! property tests (never panics, check digits catch every single-digit error,
//! GS1 element strings round-trip).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use pos_hw::HwError;
use pos_hw::barcode::check::{gs1_check_digit, has_valid_gs1_check_digit};
use pos_hw::barcode::gs1::parse_element_string;
use pos_hw::barcode::{InStoreLayouts, ScanContext, describe};
use proptest::prelude::*;
use serde_json::Value;

/// Every key of `expected` must be in `actual` with an equal value; objects
/// and arrays are compared recursively the same way (arrays by position and
/// length).
fn assert_subset(expected: &Value, actual: &Value, path: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, value) in e {
                let inner = a
                    .get(key)
                    .unwrap_or_else(|| panic!("{path}.{key} missing in {actual}"));
                assert_subset(value, inner, &format!("{path}.{key}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            assert_eq!(e.len(), a.len(), "{path}: length of {actual}");
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                assert_subset(ev, av, &format!("{path}[{i}]"));
            }
        }
        _ => assert_eq!(expected, actual, "{path}"),
    }
}

fn error_name(error: &HwError) -> String {
    format!("{error:?}")
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect()
}

#[test]
fn golden_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/barcodes/describe.json"
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let input = case["input"].as_str().unwrap();
        let year = case["year"].as_i64().unwrap() as i32;
        let mut context = ScanContext::new(year);
        if let Some(layouts) = case.get("layouts") {
            let patterns: Vec<&str> = layouts
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            context.in_store = InStoreLayouts::from_patterns(patterns).unwrap();
        }
        match (
            describe(input, &context),
            case.get("expect"),
            case.get("error"),
        ) {
            (Ok(info), Some(expect), None) => {
                assert_subset(expect, &serde_json::to_value(&info).unwrap(), name);
            }
            (Err(error), None, Some(kind)) => {
                assert_eq!(
                    error_name(&error),
                    kind.as_str().unwrap(),
                    "{name}: {error}"
                );
            }
            (result, _, _) => panic!("{name}: unexpected {result:?}"),
        }
    }
}

#[test]
fn in_store_layouts_deserialize_from_pattern_lists() {
    let layouts: InStoreLayouts =
        serde_json::from_str(r#"["2[0-4]IIIIIPPPPPC", "27IIIIIWWW.WWC"]"#).unwrap();
    assert_eq!(layouts.layouts().len(), 2);
    assert!(serde_json::from_str::<InStoreLayouts>(r#"["2IIIC"]"#).is_err());
    assert_eq!(
        serde_json::to_string(&layouts).unwrap(),
        r#"["2[0-4]IIIIIPPPPPC","27IIIIIWWW.WWC"]"#
    );
}

fn digit_string(len: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, len)
        .prop_map(|d| d.into_iter().map(|x| char::from(b'0' + x)).collect())
}

/// One GS1 element: (AI, value, variable length?).
fn element() -> impl Strategy<Value = (String, String, bool)> {
    prop_oneof![
        digit_string(13).prop_map(|p| {
            let c = gs1_check_digit(p.as_bytes()).unwrap();
            ("01".to_owned(), format!("{p}{c}"), false)
        }),
        "[A-Za-z0-9_./-]{1,20}".prop_map(|v| ("10".to_owned(), v, true)),
        "[A-Za-z0-9]{1,20}".prop_map(|v| ("21".to_owned(), v, true)),
        (0u32..100, 1u32..13, 0u32..29).prop_map(|(y, m, d)| (
            "17".to_owned(),
            format!("{y:02}{m:02}{d:02}"),
            false
        )),
        (0u8..6, digit_string(6)).prop_map(|(n, v)| (format!("310{n}"), v, false)),
        (0u8..10, 1usize..16).prop_flat_map(|(n, len)| digit_string(len).prop_map(move |v| (
            format!("392{n}"),
            v,
            true
        ))),
        digit_string(8).prop_map(|v| ("37".to_owned(), v, true)),
    ]
}

proptest! {
    #[test]
    fn describe_never_panics_on_any_text(text in ".{0,80}") {
        let _ = describe(&text, &ScanContext::new(2026));
    }

    #[test]
    fn describe_never_panics_on_scanner_like_text(text in "(\\]C1|\\]E0|\\(|\u{1d})?[0-9\u{1d}()A-Z]{0,60}") {
        let _ = describe(&text, &ScanContext::new(2026));
    }

    #[test]
    fn every_single_digit_error_is_caught(payload in digit_string(12), at in 0usize..13, delta in 1u8..10) {
        let check = gs1_check_digit(payload.as_bytes()).unwrap();
        let code = format!("{payload}{check}");
        prop_assert!(has_valid_gs1_check_digit(code.as_bytes()));
        let mut bytes = code.into_bytes();
        bytes[at] = b'0' + (bytes[at] - b'0' + delta) % 10;
        prop_assert!(!has_valid_gs1_check_digit(&bytes));
        let info = describe(std::str::from_utf8(&bytes).unwrap(), &ScanContext::new(2026)).unwrap();
        prop_assert!(!info.valid);
    }

    #[test]
    fn gs1_element_strings_round_trip(elements in proptest::collection::vec(element(), 1..6)) {
        let mut unique: Vec<(String, String, bool)> = Vec::new();
        for e in elements {
            if !unique.iter().any(|u| u.0 == e.0) {
                unique.push(e);
            }
        }
        let mut text = String::new();
        for (i, (ai, value, variable)) in unique.iter().enumerate() {
            text.push_str(ai);
            text.push_str(value);
            if *variable && i + 1 < unique.len() {
                text.push('\u{1d}');
            }
        }
        // Dates with a day past the month's end are refused; skip those.
        match parse_element_string(&text, 2026) {
            Ok(parsed) => {
                let got: Vec<(&str, &str)> = parsed.iter().map(|e| (e.ai, e.value)).collect();
                let want: Vec<(&str, &str)> = unique.iter().map(|(a, v, _)| (a.as_str(), v.as_str())).collect();
                prop_assert_eq!(got, want);
            }
            Err(HwError::Gs1 { problem: pos_hw::barcode::Gs1Problem::Date { .. }, .. }) => {}
            Err(other) => prop_assert!(false, "{text:?}: {other}"),
        }
    }
}
