//! The `catalog_csv` fuzz target: the checks live in `fuzz/checks/catalog_csv.rs`, shared
//! with the replay test that runs every kept input as an ordinary test.
#![no_main]

#[path = "../checks/catalog_csv.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check(data));
