//! The `wedge_input` fuzz target: the checks live in `fuzz/checks/wedge_input.rs`, shared
//! with the replay test that runs every kept input as an ordinary test.
#![no_main]

#[path = "../checks/wedge_input.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
