//! The `webhook` fuzz target: the checks live in `fuzz/checks/webhook.rs`, shared
//! with the replay test that runs every kept input as an ordinary test.
#![no_main]

#[path = "../checks/webhook.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
