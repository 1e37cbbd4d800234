//! Replays every input kept for pos-hw's fuzz targets, as ordinary tests:
//! the files of `fuzz/regressions/<target>/` (crashes found by `cargo fuzz
//! run <target>` and hand-written `seed-*` edge cases) and a few inputs made
//! here. `barcode` repeats its target's body below; the other targets'
//! checks live in `fuzz/checks/<target>.rs`, compiled here as they are.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

#[path = "../../fuzz/checks/caisse_ap_tlv.rs"]
mod caisse_ap_tlv;
#[path = "../../fuzz/checks/concert_frame.rs"]
mod concert_frame;
#[path = "../../fuzz/checks/escpos_status.rs"]
mod escpos_status;
#[path = "../../fuzz/checks/nexo_message.rs"]
mod nexo_message;
#[path = "../../fuzz/checks/replay.rs"]
mod replay;
#[path = "../../fuzz/checks/scale_frame.rs"]
mod scale_frame;
#[path = "../../fuzz/checks/wedge_input.rs"]
mod wedge_input;

use replay::replay;

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

#[test]
fn concert_frame_regressions_replay() {
    replay(
        "concert_frame",
        concert_frame::check,
        &[b"", b"\x02\x03\x03", b"\x06\x06\x05"],
    );
}

#[test]
fn caisse_ap_tlv_regressions_replay() {
    replay(
        "caisse_ap_tlv",
        caisse_ap_tlv::check,
        &[b"", b"CZ0040300AE00210", b"CZ999"],
    );
}

#[test]
fn nexo_message_regressions_replay() {
    replay(
        "nexo_message",
        nexo_message::check,
        &[b"", b"{}", b"[1e999999]"],
    );
}

#[test]
fn scale_frame_regressions_replay() {
    replay(
        "scale_frame",
        scale_frame::check,
        &[b"", b"\x06\x15", b"\x0209\x1b20\x03"],
    );
}

#[test]
fn escpos_status_regressions_replay() {
    replay(
        "escpos_status",
        escpos_status::check,
        &[b"", b"\x12\x12\x12\x12", b"\xff\x12\x12\x12\x12"],
    );
}

#[test]
fn wedge_input_regressions_replay() {
    replay(
        "wedge_input",
        wedge_input::check,
        &[
            b"",
            b"\x03\x32\x04\x40",
            b"\x03\x32\x04\x404\x080\x081\x082\x08\n\x08",
        ],
    );
}
