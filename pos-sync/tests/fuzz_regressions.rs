//! Replays every kept input of the `sync_message` fuzz target
//! (`fuzz/regressions/sync_message/`) with the target's invariants: every
//! decoder returns a value or a typed error, and a decoded message
//! re-encodes to the same value.
//!
//! It also replays the kept inputs of the `sync_request` and `webhook`
//! targets (`fuzz/regressions/<target>/`, plus a few inputs made here)
//! through those targets' own checks, `fuzz/checks/<target>.rs`, compiled
//! here as they are.
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

use pos_sync::wire;

fn check(data: &[u8]) {
    if let Ok(m) = wire::decode_push_request(data) {
        let again = wire::encode(&m).unwrap();
        assert_eq!(wire::decode_push_request(&again).unwrap(), m);
    }
    if let Ok(m) = wire::decode_pull_request(data) {
        let again = wire::encode(&m).unwrap();
        assert_eq!(wire::decode_pull_request(&again).unwrap(), m);
    }
    if let Ok(m) = wire::decode_push_response(data) {
        let again = wire::encode(&m).unwrap();
        assert_eq!(wire::decode_push_response(&again).unwrap(), m);
    }
    if let Ok(m) = wire::decode_pull_response(data) {
        let again = wire::encode(&m).unwrap();
        assert_eq!(wire::decode_pull_response(&again).unwrap(), m);
    }
    let _ = wire::decode_enroll_request(data);
    let _ = wire::decode_enroll_response(data);
    let _ = wire::decode_error(data);
}

#[test]
fn kept_fuzz_inputs_replay() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/sync_message");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("the regressions folder exists") {
        let path = entry.unwrap().path();
        check(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n >= 6, "seeds are kept");
}

#[test]
fn seeds_decode_as_documented() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions/sync_message");
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
    assert_eq!(
        wire::decode_push_request(&read("seed-push-one-event"))
            .unwrap()
            .events
            .len(),
        1
    );
    assert!(matches!(
        wire::decode_push_request(&read("seed-push-gap-bad-ids")),
        Err(pos_sync::SyncError::Invalid { .. })
    ));
    assert!(matches!(
        wire::decode_pull_request(&read("seed-pull-max-cursor-zero-limit")),
        Err(pos_sync::SyncError::Invalid { .. })
    ));
    assert!(wire::decode_pull_response(&read("seed-pull-response-cursor-back")).is_err());
    assert_eq!(
        wire::decode_push_response(&read("seed-push-response"))
            .unwrap()
            .acked_seq,
        3
    );
    assert!(matches!(
        wire::decode_push_request(&read("seed-push-extremes")),
        Err(pos_sync::SyncError::Decode { .. })
    ));
}

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
