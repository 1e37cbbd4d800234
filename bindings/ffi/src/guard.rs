//! No panic crosses the boundary: every exported call body runs in
//! [`guard`], which turns a panic into [`PosError::Internal`].

use crate::PosError;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, MutexGuard};

/// Runs `body`, returning its result, or an internal error if it panicked.
pub(crate) fn guard<T>(body: impl FnOnce() -> Result<T, PosError>) -> Result<T, PosError> {
    // AssertUnwindSafe: state behind our mutexes is recovered explicitly
    // (see `lock`), and SQLite rolls back the open transaction on unwind.
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| {
        Err(PosError::Internal {
            code: "panic".to_owned(),
            detail: "a bug stopped the call; it was abandoned and changed nothing".to_owned(),
        })
    })
}

/// Locks `m`, recovering the value if an earlier call panicked while holding it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Panics inside the guard on purpose, so binding tests can prove a Rust
/// panic comes back as `PosError.Internal` and the library stays usable.
#[uniffi::export]
pub fn trigger_panic_for_tests() -> Result<(), PosError> {
    guard(|| {
        #[allow(clippy::panic)] // the whole point of this test hook
        {
            panic!("deliberate panic for the boundary test")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let e = trigger_panic_for_tests().unwrap_err();
        assert_eq!(
            e.to_string(),
            "internal error (panic): a bug stopped the call; it was abandoned and changed nothing"
        );
    }

    #[test]
    fn a_poisoned_lock_is_recovered() {
        let m = std::sync::Arc::new(Mutex::new(1));
        let m2 = m.clone();
        let _ = std::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("poison");
        })
        .join();
        assert!(m.is_poisoned());
        assert_eq!(*lock(&m), 1);
    }
}
