//! The `escpos_status` fuzz target: the checks live in `fuzz/checks/escpos_status.rs`, shared
//! with the replay test that runs every kept input as an ordinary test.
#![no_main]

#[path = "../checks/escpos_status.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
