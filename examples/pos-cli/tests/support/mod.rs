//! Helpers of the deployment tests: PostgreSQL nodes (primary, streaming
//! standby, a restore from a base backup), Debian's nginx as a load
//! balancer, and `pos` processes (sync servers, tills). Every process is
//! stopped when its guard is dropped.
#![allow(
    dead_code,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod nginx;
pub mod pg_node;
pub mod pos;

use std::time::{Duration, Instant};

/// A free loopback port (bound, then released for the caller).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `f` until it gives `Some`, failing with `what` at the deadline.
pub fn wait_for<T>(what: &str, within: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until something listens on `127.0.0.1:port`.
pub fn wait_listening(what: &str, port: u16) {
    wait_for(what, Duration::from_secs(60), || {
        std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .map(|_| ())
    });
}
