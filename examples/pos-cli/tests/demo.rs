//! The main job end to end: `pos demo` on a fresh folder succeeds, its
//! receipts decode back to French text with accents and the euro sign, the
//! QR of the digital receipt decodes with a real reader (zbarimg), the FEC has
//! its 18 columns, and the till file verifies.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::Command;

#[test]
fn the_store_day_demo_runs_and_its_outputs_check_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(["demo", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("verdict intact"), "{stdout}");
    assert!(
        stdout.contains(
            "back office: 7 tickets, day total 240,39 € = sum of the Z 240,39 € (to the cent: true)"
        ),
        "the back office's day equals the Z: {stdout}"
    );
    assert!(
        stdout.contains("3 croissants pour 3 €"),
        "promotions applied: {stdout}"
    );

    // ESC/POS receipts decode back to the right text.
    let bytes = std::fs::read(dir.path().join("receipts.escpos")).unwrap();
    let text = pos_hw::escpos::decoder::text_lines(&bytes).join("\n");
    for needle in [
        "Boulangerie-Épicerie",
        "du Marché",
        "Comté AOP 18 mois",
        "Côtes-du-Rhône",
        "Éclair",
        "TOTAL TTC",
        "€",
        "REMBOURSEMENT",
    ] {
        assert!(
            text.contains(needle),
            "`{needle}` missing from the decoded receipts:\n{text}"
        );
    }

    // The digital receipt's QR decodes with zbar.
    let png = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("a PNG receipt");
    let zbar = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&png)
        .output();
    let zbar = zbar.unwrap_or_else(|_| panic!("zbarimg is missing: apt-get install -y zbar-tools"));
    let link = String::from_utf8_lossy(&zbar.stdout);
    assert!(
        link.trim()
            .starts_with("https://recus.boulangerie-du-marche.fr/r/01"),
        "QR decoded to {link:?}"
    );

    // The FEC: header of 18 columns, one balanced entry.
    let fec = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().contains("FEC"))
        .expect("a FEC file");
    let fec = std::fs::read(fec).unwrap();
    let header = fec.split(|b| *b == b'\n').next().unwrap();
    assert_eq!(header.split(|b| *b == b'|').count(), 18);

    // The till file verifies with the CLI's verifier.
    let verify = Command::new(env!("CARGO_BIN_EXE_pos"))
        .arg("verify")
        .arg(dir.path().join("store-day.sqlite"))
        .output()
        .unwrap();
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}
