//! The till's clock in JS: `Date.now()`, or pinned by the app (tests, demos).

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

const UNPINNED: i64 = i64::MIN;

/// Reads `Date.now()` unless pinned to a fixed instant.
#[derive(Debug)]
pub(crate) struct JsClock {
    pinned: AtomicI64,
}

impl JsClock {
    /// A clock pinned at `millis`, or reading `Date.now()` when `None`.
    pub(crate) fn new(millis: Option<i64>) -> JsClock {
        JsClock {
            pinned: AtomicI64::new(millis.unwrap_or(UNPINNED)),
        }
    }

    /// Pins the clock at `millis`, or unpins it with `None`.
    pub(crate) fn pin(&self, millis: Option<i64>) {
        self.pinned
            .store(millis.unwrap_or(UNPINNED), Ordering::SeqCst);
    }
}

fn date_now() -> i64 {
    // Date.now() is an integral number of milliseconds well inside i64.
    #[allow(clippy::cast_possible_truncation)]
    let ms = js_sys::Date::now() as i64;
    ms
}

impl pos_sdk::Clock for JsClock {
    fn now(&self) -> DateTime<Utc> {
        let pinned = self.pinned.load(Ordering::SeqCst);
        let ms = if pinned == UNPINNED {
            date_now()
        } else {
            pinned
        };
        DateTime::from_timestamp_millis(ms).unwrap_or_default()
    }
}
