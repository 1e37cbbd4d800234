//! Replays the kept inputs of the `sync_request` and `webhook` fuzz targets
//! (`fuzz/regressions/<target>/`, plus a few inputs made here) through
//! those targets' own checks, `fuzz/checks/<target>.rs`, compiled here as
//! they are.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

#[path = "../../fuzz/checks/replay.rs"]
mod replay;
#[path = "../../fuzz/checks/sync_request.rs"]
mod sync_request;
#[path = "../../fuzz/checks/webhook.rs"]
mod webhook;

use replay::replay;

#[test]
fn sync_request_regressions_replay() {
    replay(
        "sync_request",
        sync_request::check,
        &[
            b"",
            b"\x00{}",
            b"\x01{\"protocol\":1,\"events\":[],\"fiscal\":[]}",
            b"\x02{\"protocol\":1,\"cursor\":0,\"limit\":10}",
            b"\x03",
            b"\x04{}",
            b"\x05{}",
            b"\x06{\"state\":\"ready\"}",
        ],
    );
}

#[test]
fn webhook_regressions_replay() {
    replay(
        "webhook",
        webhook::check,
        &[b"", b"\x00[]", b"\x01\n\n[]", b"\x011796491800000\n00\n[]"],
    );
}
