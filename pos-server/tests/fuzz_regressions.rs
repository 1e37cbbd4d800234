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

#[path = "../../fuzz/checks/sync_request.rs"]
mod sync_request;
#[path = "../../fuzz/checks/webhook.rs"]
mod webhook;

/// Runs `check` on every file kept for `target` and on `extra`; a panic
/// names the input.
fn replay(target: &str, check: fn(&[u8]), extra: &[&[u8]]) {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| (path.display().to_string(), std::fs::read(&path).unwrap()))
        .collect();
    assert!(!inputs.is_empty(), "no kept inputs in {}", dir.display());
    inputs.sort();
    inputs.extend(
        extra
            .iter()
            .enumerate()
            .map(|(i, data)| (format!("made here #{i}"), data.to_vec())),
    );
    for (name, data) in inputs {
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{target}: input {name} fails the checks");
    }
}

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
