//! pos-fiscal integration tests: every case of NF525.md section 9 as a
//! named test (`s9_NN_...`), on real SQLite files, plus property tests.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod util;

mod fuzz_regressions;

mod cross_till;
mod exchange;
mod proptests;
mod s9_archive;
mod s9_clock_and_crash;
mod s9_documents;
mod s9_tamper;
mod s9_totals;
mod vectors;
