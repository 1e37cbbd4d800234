//! Replays every kept fuzz input of the `fiscal_record` and `fiscal_archive`
//! targets (`fuzz/regressions/<target>/`) as an ordinary test, with the
//! same invariants as the targets. `POS_FISCAL_BLESS=1` also writes the
//! intact-archive seed.

use pos_fiscal::archive::{decode_jsonl, read_manifest, verify_archive};
use pos_fiscal::canon::to_canonical;
use pos_fiscal::verify::{VerifyContext, verify_records};
use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn fiscal_record_regressions_replay() {
    let all = inputs("fiscal_record");
    assert!(!all.is_empty());
    for (name, data) in all {
        let (records, _) = decode_jsonl(&data);
        for r in &records {
            let line = to_canonical(r).unwrap();
            assert!(
                data.windows(line.len()).any(|w| w == line.as_slice()),
                "{name}"
            );
            let _ = r.compute_hash();
        }
        let report = verify_records(&records, &VerifyContext::default());
        serde_json::to_string(&report).unwrap();
        if name == "seed-intact-journal" {
            assert!(records.len() > 10);
        }
    }
}

#[test]
fn fiscal_archive_regressions_replay() {
    if std::env::var("POS_FISCAL_BLESS").is_ok_and(|v| v == "1") {
        let t = crate::util::Till::new();
        t.sale_at("2026-11-02T09:00:00Z");
        let a = t
            .tx(|c| {
                pos_fiscal::archive::make_archive(
                    c,
                    &t.signer,
                    crate::util::at("2026-11-03T08:00:00Z"),
                    "2026-11-01".parse().unwrap(),
                    "2026-11-02".parse().unwrap(),
                    "a",
                )
            })
            .unwrap();
        let dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/fiscal_archive");
        std::fs::write(dir.join("seed-intact.tar"), &a.bytes).unwrap();
    }
    for (name, data) in inputs("fiscal_archive") {
        if let Ok(r) = verify_archive(&data, &[]) {
            serde_json::to_string(&r).unwrap();
            assert_eq!(r.is_intact(), name == "seed-intact.tar", "{name}");
        }
        let _ = read_manifest(&data);
    }
}
