//! The `caisse_ap_tlv` fuzz target: the checks live in `fuzz/checks/caisse_ap_tlv.rs`, shared
//! with the replay test that runs every kept input as an ordinary test.
#![no_main]

#[path = "../checks/caisse_ap_tlv.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
