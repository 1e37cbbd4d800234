//! The replay loop of the regression tests (`<crate>/tests/*fuzz_regressions.rs`
//! include it with `#[path]`): runs a target's check on every input kept in
//! `fuzz/regressions/<target>/` and on a few inputs made by the test.

use std::path::PathBuf;

/// Runs `check` on every file kept for `target` and on `extra`; a panic
/// names the input.
pub fn replay(target: &str, check: fn(&[u8]), extra: &[&[u8]]) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
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
