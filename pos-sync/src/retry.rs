//! Trying again after a transient failure, sans I/O: capped exponential
//! backoff with full jitter, within a bounded time budget, honouring the
//! server's `Retry-After` (capped).
//!
//! The wait before retry `n` (0 for the first) is drawn uniformly in
//! `[0, min(max_delay, first_delay * 2^n)]` ("full jitter": tills that
//! failed together spread out instead of coming back together), and is at
//! least the server's `Retry-After` when it gave one, that one capped at
//! `max_retry_after`. A wait never runs past the budget: the last one is
//! cut to what is left, then one last attempt is made, and when the budget
//! is spent the last error is returned. Only [`SyncError::is_transient`]
//! failures are retried.
//!
//! The clock, the sleep and the randomness come from a [`RetryEnv`], so the
//! schedule is a pure function of the draws and tests run without sleeping.
//!
//! ```
//! use pos_sync::retry::{RetryPolicy, SimulatedEnv, run};
//! use pos_sync::SyncError;
//! use std::time::Duration;
//! let policy = RetryPolicy::default();
//! // Draws the largest wait each time; sleeping only moves the clock.
//! let mut env = SimulatedEnv::new(|upper| upper);
//! let mut calls = 0;
//! let out = run(&policy, &mut env, &mut |_| {}, || {
//!     calls += 1;
//!     if calls < 3 {
//!         Err(SyncError::Unavailable { status: 503, retry_after_s: None })
//!     } else {
//!         Ok(calls)
//!     }
//! });
//! assert_eq!(out.unwrap(), 3);
//! assert_eq!(env.slept, [Duration::from_millis(250), Duration::from_millis(500)]);
//! ```

use crate::error::{Result, SyncError};
use std::time::Duration;

/// How long and how often to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The ceiling of the first wait; each later ceiling doubles.
    pub first_delay: Duration,
    /// The largest ceiling of a wait.
    pub max_delay: Duration,
    /// Total time from the first attempt after which no retry starts.
    pub budget: Duration,
    /// The longest `Retry-After` honoured (a server asking for more gets
    /// this).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 250 ms first ceiling, 8 s largest, a 30 s budget, `Retry-After`
    /// honoured up to 10 s.
    fn default() -> RetryPolicy {
        RetryPolicy {
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            budget: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The default policy with another budget.
    pub fn with_budget(budget: Duration) -> RetryPolicy {
        RetryPolicy {
            budget,
            ..RetryPolicy::default()
        }
    }

    /// The ceiling of the wait before retry `n` (0 for the first):
    /// `min(max_delay, first_delay * 2^n)`.
    pub fn ceiling(&self, n: u32) -> Duration {
        let factor = 1u32.checked_shl(n).unwrap_or(u32::MAX);
        self.first_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The wait before retry `n`, given the jitter drawn in
    /// `[0, ceiling(n)]` (clamped to it) and the server's `Retry-After`.
    pub fn wait(&self, n: u32, jitter: Duration, retry_after: Option<Duration>) -> Duration {
        let jittered = jitter.min(self.ceiling(n));
        let asked = retry_after.map_or(Duration::ZERO, |r| r.min(self.max_retry_after));
        jittered.max(asked)
    }
}

/// The effects a retry loop needs, injected.
pub trait RetryEnv {
    /// Time elapsed on a monotonic clock since a fixed origin.
    fn elapsed(&mut self) -> Duration;
    /// Waits `d`.
    fn sleep(&mut self, d: Duration);
    /// A duration drawn uniformly in `[0, upper]`.
    fn jitter(&mut self, upper: Duration) -> Duration;
}

/// A wait about to start (for a progress line or a log).
#[derive(Debug, Clone, Copy)]
pub struct Wait<'a> {
    /// Which retry this wait precedes (1 for the first).
    pub retry: u32,
    /// How long the wait is.
    pub delay: Duration,
    /// The failure being retried.
    pub cause: &'a SyncError,
    /// What is left of the budget after this wait.
    pub budget_left: Duration,
}

/// Runs `op` until it succeeds, fails with an error that is not transient,
/// or the budget is spent (then its last error is returned).
pub fn run<T>(
    policy: &RetryPolicy,
    env: &mut dyn RetryEnv,
    on_wait: &mut dyn FnMut(&Wait<'_>),
    op: impl FnMut() -> Result<T>,
) -> Result<T> {
    run_if(policy, env, on_wait, SyncError::is_transient, op)
}

/// Like [`run`], retrying only the errors `retryable` accepts (a subset of
/// the transient ones, such as only [`SyncError::Unavailable`] for a
/// request that must not be sent twice).
pub fn run_if<T>(
    policy: &RetryPolicy,
    env: &mut dyn RetryEnv,
    on_wait: &mut dyn FnMut(&Wait<'_>),
    retryable: impl Fn(&SyncError) -> bool,
    mut op: impl FnMut() -> Result<T>,
) -> Result<T> {
    let start = env.elapsed();
    let mut n = 0u32;
    loop {
        let e = match op() {
            Ok(v) => return Ok(v),
            Err(e) if retryable(&e) => e,
            Err(e) => return Err(e),
        };
        let spent = env.elapsed().saturating_sub(start);
        let left = policy.budget.saturating_sub(spent);
        if left.is_zero() {
            return Err(e);
        }
        let jitter = env.jitter(policy.ceiling(n));
        let delay = policy.wait(n, jitter, e.retry_after()).min(left);
        n = n.saturating_add(1);
        on_wait(&Wait {
            retry: n,
            delay,
            cause: &e,
            budget_left: left.saturating_sub(delay),
        });
        env.sleep(delay);
    }
}

/// A [`RetryEnv`] whose clock moves only when it sleeps (and by
/// [`SimulatedEnv::advance`]), with jitter from a function of the ceiling:
/// for tests and simulations.
pub struct SimulatedEnv {
    now: Duration,
    draw: Box<dyn FnMut(Duration) -> Duration + Send>,
    /// Every wait, in order.
    pub slept: Vec<Duration>,
}

impl std::fmt::Debug for SimulatedEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedEnv")
            .field("now", &self.now)
            .field("slept", &self.slept)
            .finish_non_exhaustive()
    }
}

impl SimulatedEnv {
    /// A clock at zero drawing jitter with `draw(upper)`.
    pub fn new(draw: impl FnMut(Duration) -> Duration + Send + 'static) -> SimulatedEnv {
        SimulatedEnv {
            now: Duration::ZERO,
            draw: Box::new(draw),
            slept: Vec::new(),
        }
    }

    /// Moves the clock (time an attempt took).
    pub fn advance(&mut self, d: Duration) {
        self.now = self.now.saturating_add(d);
    }
}

impl RetryEnv for SimulatedEnv {
    fn elapsed(&mut self) -> Duration {
        self.now
    }

    fn sleep(&mut self, d: Duration) {
        self.slept.push(d);
        self.advance(d);
    }

    fn jitter(&mut self, upper: Duration) -> Duration {
        (self.draw)(upper)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use rand::{Rng, SeedableRng};

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    fn down() -> SyncError {
        SyncError::Unavailable {
            status: 503,
            retry_after_s: None,
        }
    }

    /// Fails `failures` times with `err()`, then answers the call count.
    fn flaky(failures: u32, err: fn() -> SyncError) -> impl FnMut() -> Result<u32> {
        let mut calls = 0u32;
        move || {
            calls += 1;
            if calls <= failures {
                Err(err())
            } else {
                Ok(calls)
            }
        }
    }

    #[test]
    fn ceilings_double_from_the_first_delay_up_to_the_cap() {
        let p = RetryPolicy::default();
        let got: Vec<u128> = (0..8).map(|n| p.ceiling(n).as_millis()).collect();
        assert_eq!(got, [250, 500, 1000, 2000, 4000, 8000, 8000, 8000]);
        // No overflow far out.
        assert_eq!(p.ceiling(40), ms(8000));
        assert_eq!(p.ceiling(u32::MAX), ms(8000));
    }

    #[test]
    fn golden_schedule_with_the_largest_and_a_fixed_fraction_of_draws() {
        let p = RetryPolicy::default();
        let mut env = SimulatedEnv::new(|upper| upper);
        run(&p, &mut env, &mut |_| {}, flaky(7, down)).unwrap();
        let got: Vec<u128> = env.slept.iter().map(Duration::as_millis).collect();
        assert_eq!(got, [250, 500, 1000, 2000, 4000, 8000, 8000]);

        // Three tenths of each ceiling.
        let mut env = SimulatedEnv::new(|upper| upper * 3 / 10);
        run(&p, &mut env, &mut |_| {}, flaky(6, down)).unwrap();
        let got: Vec<u128> = env.slept.iter().map(Duration::as_millis).collect();
        assert_eq!(got, [75, 150, 300, 600, 1200, 2400]);
    }

    #[test]
    fn golden_schedule_with_a_seeded_rng() {
        // Full jitter: uniform in [0, ceiling] from ChaCha8 seeded with 7.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut env = SimulatedEnv::new(move |upper| {
            ms(rng.random_range(0..=u64::try_from(upper.as_millis()).unwrap()))
        });
        run(
            &RetryPolicy::default(),
            &mut env,
            &mut |_| {},
            flaky(6, down),
        )
        .unwrap();
        let got: Vec<u128> = env.slept.iter().map(Duration::as_millis).collect();
        assert_eq!(got, GOLDEN_SEED_7);
        for (n, d) in env.slept.iter().enumerate() {
            assert!(*d <= RetryPolicy::default().ceiling(u32::try_from(n).unwrap()));
        }
    }
    // Each within its ceiling: 250, 500, 1000, 2000, 4000, 8000.
    const GOLDEN_SEED_7: [u128; 6] = [39, 84, 704, 1454, 2405, 2875];

    #[test]
    fn retry_after_is_a_floor_capped_at_max_retry_after() {
        let p = RetryPolicy::default();
        assert_eq!(p.wait(0, ms(100), Some(Duration::from_secs(2))), ms(2000));
        assert_eq!(p.wait(5, ms(7000), Some(Duration::from_secs(2))), ms(7000));
        assert_eq!(
            p.wait(0, ms(100), Some(Duration::from_secs(3600))),
            ms(10_000)
        );
        // A draw above the ceiling is clamped to it.
        assert_eq!(p.wait(0, ms(9999), None), ms(250));
        let mut env = SimulatedEnv::new(|_| Duration::ZERO);
        let mut calls = 0;
        run(&p, &mut env, &mut |_| {}, || {
            calls += 1;
            if calls == 1 {
                Err(SyncError::Unavailable {
                    status: 503,
                    retry_after_s: Some(3),
                })
            } else {
                Ok(())
            }
        })
        .unwrap();
        assert_eq!(env.slept, [ms(3000)]);
    }

    #[test]
    fn the_budget_bounds_the_total_time_and_the_last_error_is_returned() {
        let p = RetryPolicy::with_budget(ms(2000));
        let mut env = SimulatedEnv::new(|upper| upper);
        let mut waits = Vec::new();
        let out = run(
            &p,
            &mut env,
            &mut |w| waits.push((w.retry, w.delay)),
            flaky(100, down),
        );
        assert!(matches!(
            out,
            Err(SyncError::Unavailable { status: 503, .. })
        ));
        // 250 + 500 + 1000 = 1750, then the 2000 ms wait is cut to 250.
        assert_eq!(env.slept, [ms(250), ms(500), ms(1000), ms(250)]);
        assert_eq!(
            waits,
            [(1, ms(250)), (2, ms(500)), (3, ms(1000)), (4, ms(250))]
        );
        assert_eq!(env.elapsed(), ms(2000));

        // Time spent in the attempts themselves counts too.
        let mut env = SimulatedEnv::new(|upper| upper);
        let mut attempts = 0;
        let out: Result<()> = run(&p, &mut env, &mut |_| {}, || {
            attempts += 1;
            Err(down())
        });
        assert!(out.is_err());
        assert_eq!(attempts, 5);
        // Each attempt takes 1.5 s: one wait, then the budget is spent.
        let mut env = SimulatedEnv::new(|upper| upper);
        let mut slow = SlowEnv {
            env: &mut env,
            cost: ms(1500),
            reads: 0,
        };
        let mut attempts = 0;
        let out: Result<()> = run(&p, &mut slow, &mut |_| {}, || {
            attempts += 1;
            Err(down())
        });
        assert!(out.is_err());
        assert_eq!(attempts, 2);

        // A zero budget never waits.
        let mut env = SimulatedEnv::new(|upper| upper);
        let out = run(
            &RetryPolicy::with_budget(Duration::ZERO),
            &mut env,
            &mut |_| {},
            flaky(1, down),
        );
        assert!(out.is_err());
        assert!(env.slept.is_empty());
    }

    /// An env whose clock moves by `cost` at each reading but the first
    /// (each later reading follows an attempt that took `cost`).
    struct SlowEnv<'a> {
        env: &'a mut SimulatedEnv,
        cost: Duration,
        reads: u32,
    }
    impl RetryEnv for SlowEnv<'_> {
        fn elapsed(&mut self) -> Duration {
            if self.reads > 0 {
                self.env.advance(self.cost);
            }
            self.reads += 1;
            self.env.elapsed()
        }
        fn sleep(&mut self, d: Duration) {
            self.env.sleep(d);
        }
        fn jitter(&mut self, upper: Duration) -> Duration {
            self.env.jitter(upper)
        }
    }

    #[test]
    fn refusals_and_bugs_are_not_retried_transport_failures_are() {
        let p = RetryPolicy::default();
        for refusal in [
            (|| SyncError::Server {
                status: 400,
                code: "invalid".into(),
            }) as fn() -> SyncError,
            || SyncError::Server {
                status: 500,
                code: "storage".into(),
            },
            || SyncError::Auth(crate::AuthFailure::BadSignature),
            || SyncError::SequenceConflict { seq: 3 },
        ] {
            let mut env = SimulatedEnv::new(|upper| upper);
            let out = run(&p, &mut env, &mut |_| {}, flaky(1, refusal));
            assert!(out.is_err());
            assert!(env.slept.is_empty(), "{:?} was retried", refusal());
        }
        let mut env = SimulatedEnv::new(|upper| upper);
        let out = run(
            &p,
            &mut env,
            &mut |_| {},
            flaky(2, || SyncError::Transport {
                kind: "connection_refused",
            }),
        );
        assert_eq!(out.unwrap(), 3);
        assert_eq!(env.slept.len(), 2);
        // run_if narrows what is retried.
        let mut env = SimulatedEnv::new(|upper| upper);
        let out = run_if(
            &p,
            &mut env,
            &mut |_| {},
            |e| matches!(e, SyncError::Unavailable { .. }),
            flaky(1, || SyncError::Transport { kind: "reset" }),
        );
        assert!(matches!(out, Err(SyncError::Transport { .. })));
        assert!(env.slept.is_empty());
    }
}
