//! Fuzzes pos-fiscal's record decoding and verifier: any bytes read as a
//! JSON Lines journal must decode to records or per-line defects, and the
//! verifier must report, never panic. A decoded record re-encodes to the
//! exact line it came from (canonical form is enforced).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_fiscal::archive::decode_jsonl;
use pos_fiscal::canon::to_canonical;
use pos_fiscal::record::signed_string;
use pos_fiscal::verify::{VerifyContext, verify_records};

fuzz_target!(|data: &[u8]| {
    let (records, _defects) = decode_jsonl(data);
    for r in &records {
        let line = to_canonical(r).expect("a decoded record re-encodes");
        assert!(data.windows(line.len()).any(|w| w == line.as_slice()));
        let _ = r.envelope_bytes();
        let _ = r.compute_hash();
        if let Some(stamp) = r.stamp() {
            let _ = signed_string::build(r.series, r.number, &r.kind, r.payload.as_bytes(), &stamp, None);
        }
    }
    let report = verify_records(&records, &VerifyContext::default());
    serde_json::to_string(&report).expect("a report serialises");
});
