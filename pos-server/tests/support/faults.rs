//! A transport between a till and the server core that drops requests,
//! drops responses, duplicates, delays and reorders messages, and restarts
//! the server (reopening its database file).

use chrono::{DateTime, Utc};
use pos_server::{Server, Storage};
use pos_sync::transport::{HttpRequest, HttpResponse, Transport};
use pos_sync::{Result, SyncError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::{Arc, Mutex};

/// Fault rates in percent.
#[derive(Debug, Clone, Copy)]
pub struct Faults {
    pub drop_request: u32,
    pub drop_response: u32,
    pub duplicate: u32,
    pub delay: u32,
}

impl Faults {
    pub const NONE: Faults = Faults {
        drop_request: 0,
        drop_response: 0,
        duplicate: 0,
        delay: 0,
    };
    pub const HARSH: Faults = Faults {
        drop_request: 15,
        drop_response: 15,
        duplicate: 10,
        delay: 10,
    };
}

/// The server, shared and replaceable (a restart swaps it).
pub type SharedServer<S> = Arc<Mutex<Server<S>>>;

pub struct FaultyTransport<S: Storage> {
    pub server: SharedServer<S>,
    pub faults: Faults,
    pub rng: ChaCha8Rng,
    /// Requests held back, delivered later (out of order).
    pub delayed: Vec<HttpRequest>,
    pub now: DateTime<Utc>,
    pub stats: Stats,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub sent: u64,
    pub dropped_requests: u64,
    pub dropped_responses: u64,
    pub duplicated: u64,
    pub delayed: u64,
    pub late_delivered: u64,
}

impl<S: Storage> FaultyTransport<S> {
    pub fn new(server: SharedServer<S>, faults: Faults, seed: u64, now: DateTime<Utc>) -> Self {
        FaultyTransport {
            server,
            faults,
            rng: ChaCha8Rng::seed_from_u64(seed),
            delayed: Vec::new(),
            now,
            stats: Stats::default(),
        }
    }

    fn deliver(&self, req: &HttpRequest) -> HttpResponse {
        let server = self.server.lock().unwrap().clone();
        server.handle(req, self.now)
    }

    fn roll(&mut self, pct: u32) -> bool {
        pct > 0 && self.rng.random_range(0..100) < pct
    }

    /// Delivers every held-back request (late, after newer ones).
    pub fn flush_delayed(&mut self) {
        let held = std::mem::take(&mut self.delayed);
        for r in held {
            self.stats.late_delivered += 1;
            let _ = self.deliver(&r);
        }
    }
}

impl<S: Storage> Transport for FaultyTransport<S> {
    fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse> {
        self.stats.sent += 1;
        // Sometimes a held-back request arrives now, before this one.
        if !self.delayed.is_empty() && self.roll(30) {
            let i = self.rng.random_range(0..self.delayed.len());
            let late = self.delayed.swap_remove(i);
            self.stats.late_delivered += 1;
            let _ = self.deliver(&late);
        }
        if self.roll(self.faults.delay) {
            self.stats.delayed += 1;
            self.delayed.push(req.clone());
            return Err(SyncError::Transport { kind: "timeout" });
        }
        if self.roll(self.faults.drop_request) {
            self.stats.dropped_requests += 1;
            return Err(SyncError::Transport { kind: "connection" });
        }
        let resp = self.deliver(req);
        if self.roll(self.faults.duplicate) {
            self.stats.duplicated += 1;
            let dup = self.deliver(req);
            // The duplicate of a signed request is a replay: refused.
            assert!(
                dup.status == 401 || resp.status != 200,
                "a duplicate must be refused as a replay"
            );
        }
        if self.roll(self.faults.drop_response) {
            self.stats.dropped_responses += 1;
            return Err(SyncError::Transport { kind: "timeout" });
        }
        Ok(resp)
    }
}
