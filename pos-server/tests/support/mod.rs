#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
//! Test tills, a fault-injecting transport and server helpers.
#![allow(dead_code)]

pub mod enrol;
pub mod faults;
pub mod live;
pub mod pg;
pub mod snapshot;
pub mod till;
