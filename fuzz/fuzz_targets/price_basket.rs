//! The `price_basket` fuzz target: the checks live in `fuzz/checks/price_basket.rs`, shared
//! with the replay test that runs every kept input as an ordinary test.
#![no_main]

#[path = "../checks/price_basket.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
