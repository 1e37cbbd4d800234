//! Time and identifiers, injected: domain code never reads the clock or draws
//! random numbers, the facade asks these traits.

use chrono::{DateTime, Utc};
use rand::RngCore;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current instant.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to (tests, simulations, replays).
#[derive(Debug)]
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    /// A clock stopped at `at`.
    pub fn new(at: DateTime<Utc>) -> ManualClock {
        ManualClock {
            millis: AtomicI64::new(at.timestamp_millis()),
        }
    }

    /// Moves the clock by `millis` (negative moves it back).
    pub fn advance_millis(&self, millis: i64) {
        self.millis.fetch_add(millis, Ordering::SeqCst);
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        self.millis.store(at.timestamp_millis(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.millis.load(Ordering::SeqCst)).unwrap_or_default()
    }
}

/// Makes UUID v7 identifiers (time-ordered, the idempotency keys of every
/// document and event) from an injected clock and random source.
pub struct IdGenerator {
    rng: Mutex<ChaCha20Rng>,
}

impl std::fmt::Debug for IdGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdGenerator")
    }
}

impl IdGenerator {
    /// Seeded from the operating system (production).
    pub fn from_entropy() -> IdGenerator {
        IdGenerator {
            rng: Mutex::new(ChaCha20Rng::from_os_rng()),
        }
    }

    /// Deterministic (tests and simulations).
    pub fn seeded(seed: u64) -> IdGenerator {
        IdGenerator {
            rng: Mutex::new(ChaCha20Rng::seed_from_u64(seed)),
        }
    }

    /// A new UUID v7 for the instant `at`, as its hyphenated string.
    pub fn next(&self, at: DateTime<Utc>) -> String {
        let mut random = [0u8; 10];
        match self.rng.lock() {
            Ok(mut rng) => rng.fill_bytes(&mut random),
            Err(poisoned) => poisoned.into_inner().fill_bytes(&mut random),
        }
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(millis, &random)
            .into_uuid()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v7_is_time_ordered_and_deterministic_when_seeded() {
        let t0 = DateTime::from_timestamp_millis(1_700_000_000_000).unwrap();
        let t1 = DateTime::from_timestamp_millis(1_700_000_000_001).unwrap();
        let a = IdGenerator::seeded(1);
        let b = IdGenerator::seeded(1);
        let (x, y) = (a.next(t0), a.next(t1));
        assert!(x < y);
        assert_eq!(x, b.next(t0));
        assert_eq!(uuid::Uuid::parse_str(&x).unwrap().get_version_num(), 7);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(DateTime::from_timestamp_millis(1_000).unwrap());
        assert_eq!(c.now().timestamp_millis(), 1_000);
        c.advance_millis(-500);
        assert_eq!(c.now().timestamp_millis(), 500);
    }
}
