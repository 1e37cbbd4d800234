//! The `promotions_json` fuzz target: the checks live in `fuzz/checks/promotions_json.rs`, shared
//! with the replay test that runs every kept input as an ordinary test.
#![no_main]

#[path = "../checks/promotions_json.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
