//! Gift receipts ("ticket cadeau") from fixed facts: the golden text and
//! ESC/POS bytes (regenerate with `POS_HW_BLESS=1 cargo test -p pos-hw --test
//! gift_receipts` and review the diff), no amount anywhere on the paper, the
//! banner at head and foot, and the gift code in a QR that a real decoder
//! (zbarimg) reads back.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod receipts_support;

use pos_hw::escpos::{Decoded, decode, text_lines};
use pos_hw::printer::PrinterProfile;
use pos_hw::receipt::{GiftFacts, OutputFormat, build_gift, render};
use receipts_support::{golden, testdata};

fn gift_facts() -> GiftFacts {
    let text = std::fs::read_to_string(testdata().join("facts_gift.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

const CODE: &str = "GIFT-0190f3a2-7c4e-7b1d-9a55-3c1e2f4a5b6c";

#[test]
fn golden_gift_receipt_text_shows_items_and_code_but_no_price() {
    let doc = build_gift(&gift_facts());
    let profile = PrinterProfile::epson_tm_t88();
    let text = String::from_utf8(render(&doc, OutputFormat::Text, &profile).unwrap()).unwrap();
    golden("gift.epson-tm-t88.txt", text.as_bytes());
    assert!(text.lines().all(|l| l.chars().count() <= 42));
    assert_eq!(text.matches("TICKET CADEAU").count(), 2, "head and foot");
    for needle in [
        "Crème brûlée",
        "x 2",
        "x 0,352 kg",
        "Achat n° T-000042",
        CODE,
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    // Nothing that is or looks like money or a fiscal receipt.
    for absent in ["€", "TOTAL", "TVA", "HT", "Rendu", "DUPLICATA", "Signature"] {
        assert!(!text.contains(absent), "{absent}: {text}");
    }
}

#[test]
fn golden_gift_escpos_bytes_decode_to_the_text_and_carry_the_code_in_a_qr() {
    let doc = build_gift(&gift_facts());
    for profile in [
        PrinterProfile::epson_tm_t88(),
        PrinterProfile::generic_58mm(),
    ] {
        let bytes = render(&doc, OutputFormat::EscPos, &profile).unwrap();
        golden(&format!("gift.{}.bin", profile.id), &bytes);
        let lines = text_lines(&bytes);
        golden(
            &format!("gift.{}.decoded.txt", profile.id),
            (lines.join("\n") + "\n").as_bytes(),
        );
        let flat = lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
        assert!(flat.contains("TICKET CADEAU"), "{flat}");
        assert!(!flat.contains('€'), "{flat}");
        assert!(!flat.contains("TOTAL"), "{flat}");
        let qr: Vec<Vec<u8>> = decode(&bytes)
            .into_iter()
            .filter_map(|d| match d {
                Decoded::QrData(data) => Some(data),
                _ => None,
            })
            .collect();
        if profile.id == "epson-tm-t88" {
            // Native QR: the printer is sent the code itself.
            assert_eq!(qr, vec![CODE.as_bytes().to_vec()]);
        }
    }
}

#[test]
fn the_gift_qr_reads_back_as_the_code_with_a_real_decoder() {
    let png = render(
        &build_gift(&gift_facts()),
        OutputFormat::Png,
        &PrinterProfile::epson_tm_t20(),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("pos-hw-gift-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gift.png");
    std::fs::write(&path, png).unwrap();
    let out = std::process::Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("zbarimg is needed ({e}): apt-get install -y zbar-tools"));
    std::fs::remove_dir_all(&dir).ok();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim_end(), CODE);
}

#[test]
fn gift_facts_round_trip_as_json() {
    let facts = gift_facts();
    let json = serde_json::to_string(&facts).unwrap();
    assert_eq!(serde_json::from_str::<GiftFacts>(&json).unwrap(), facts);
}
