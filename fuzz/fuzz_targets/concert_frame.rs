//! The `concert_frame` fuzz target: the checks live in `fuzz/checks/concert_frame.rs`, shared
//! with the replay test that runs every kept input as an ordinary test.
#![no_main]

#[path = "../checks/concert_frame.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
