//! Replays every kept input of the `sync_message` fuzz target
//! (`fuzz/regressions/sync_message/`) with the target's invariants: every
//! decoder returns a value or a typed error, and a decoded message
//! re-encodes to the same value.
//!
//! The `sync_request` and `webhook` targets exercise the server; their kept
//! inputs are replayed by pos-server's `tests/fuzz_regressions.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

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
