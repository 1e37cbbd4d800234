//! pos-sync: offline-first sync between tills and a server.
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]
