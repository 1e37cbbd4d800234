//! Fuzzes pos-fiscal's archive reader: any bytes given as an archive file
//! give a report or a typed error, never a panic; a report serialises.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = pos_fiscal::archive::verify_archive(data, &[]) {
        serde_json::to_string(&report).expect("a report serialises");
        assert_eq!(report.is_intact(), report.verdict == "intact");
    }
    let _ = pos_fiscal::archive::read_manifest(data);
});
