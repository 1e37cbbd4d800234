//! Test tills, a fault-injecting transport and server helpers.
#![allow(dead_code)]

pub mod faults;
pub mod pg;
pub mod till;
