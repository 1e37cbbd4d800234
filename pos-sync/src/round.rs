//! One sync round as a state machine, sans I/O: [`Round::next`] says which
//! request to send next (or that the round is done), [`Round::on_response`]
//! reads its answer into the till's store. The blocking
//! [`crate::client::sync_once`] and the async [`sync_once_async`] are the
//! same loop around these two steps, one sending with a blocking
//! [`crate::transport::Transport`], the other awaiting the app's async
//! client; the async one borrows the till's store ([`StoreAccess`]) for
//! each step only, never across the wait for an answer.
//!
//! ```
//! use pos_sync::client::{ClientState, Credentials, SyncClient, TillStore};
//! use pos_sync::round::{Round, Step};
//! # fn demo(store: &mut dyn TillStore, mut send: impl FnMut(&pos_sync::transport::HttpRequest)
//! #     -> pos_sync::Result<pos_sync::transport::HttpResponse>) -> pos_sync::Result<()> {
//! let client = SyncClient::new(Credentials { device: "T1".into(), secret: b"s".to_vec() });
//! let mut round = Round::begin(store)?;
//! loop {
//!     match round.next(&client, store, 1_700_000_000_000)? {
//!         Step::Send(request) => {
//!             let answer = send(&request)?;
//!             round.on_response(&client, store, &answer, chrono::Utc::now())?;
//!         }
//!         Step::Done(report) => break,
//!     }
//! }
//! # Ok(()) }
//! ```

use crate::client::{ClientState, RoundReport, SyncClient, TillStore};
use crate::error::{Result, SyncError};
use crate::transport::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use pos_fiscal::Series;
use std::collections::BTreeMap;
use std::future::Future;

/// Lends the till's store for one step of a round. An async round asks
/// for it before and after each request, never across the wait for an
/// answer, so a till behind a lock sells while the round waits.
pub trait StoreAccess {
    /// Runs `f` with the store (taking and releasing any lock around it).
    fn with_store<O>(&mut self, f: impl FnOnce(&mut dyn TillStore) -> O) -> O;
}

impl StoreAccess for &mut dyn TillStore {
    fn with_store<O>(&mut self, f: impl FnOnce(&mut dyn TillStore) -> O) -> O {
        f(&mut **self)
    }
}

/// What the next step of a round is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this request, then give its answer to [`Round::on_response`].
    Send(HttpRequest),
    /// The round is complete (the state saved, `last_success` set).
    Done(RoundReport),
}

/// The push sent and what the answer is checked against.
#[derive(Debug, Clone)]
struct PushSent {
    events: usize,
    last_seq: Option<u64>,
    heads_before: BTreeMap<Series, u64>,
}

#[derive(Debug, Clone)]
enum Phase {
    /// Deciding whether to push (again).
    Push,
    /// A push is out, waiting for its answer.
    Pushed(PushSent),
    /// Pulling until up to date.
    Pull,
    /// A pull is out.
    Pulled,
    /// Finished.
    Done,
}

/// One round in progress: push the outbox and the fiscal records until
/// nothing is pending (or nothing progresses), then pull until up to date.
/// Any error stops the round; the next one resumes safely (everything is
/// idempotent and the state is saved after each answer).
#[derive(Debug, Clone)]
pub struct Round {
    state: ClientState,
    report: RoundReport,
    phase: Phase,
}

impl Round {
    /// Starts a round from the till's saved state.
    pub fn begin(store: &mut dyn TillStore) -> Result<Round> {
        Ok(Round {
            state: store.load_state()?,
            report: RoundReport::default(),
            phase: Phase::Push,
        })
    }

    /// The request to send next, or the round's report when it is done.
    /// `now_ms` stamps (and signs) the request.
    pub fn next(
        &mut self,
        client: &SyncClient,
        store: &mut dyn TillStore,
        now_ms: i64,
    ) -> Result<Step> {
        match &self.phase {
            Phase::Push => {
                let events = store.pending_events(client.batch)?;
                let fiscal = store.fiscal_after(&self.state.fiscal_heads, client.fiscal_batch)?;
                let first = self.report.pushes == 0;
                if events.is_empty() && fiscal.is_empty() && !first {
                    self.phase = Phase::Pull;
                    return self.next(client, store, now_ms);
                }
                let sent = PushSent {
                    events: events.len(),
                    last_seq: events.last().map(|e| e.seq),
                    heads_before: self.state.fiscal_heads.clone(),
                };
                let req = client.push_request(&mut self.state, events, fiscal, now_ms)?;
                self.phase = Phase::Pushed(sent);
                Ok(Step::Send(req))
            }
            Phase::Pull => {
                let req = client.pull_request(&self.state, now_ms)?;
                self.phase = Phase::Pulled;
                Ok(Step::Send(req))
            }
            Phase::Done => Ok(Step::Done(self.report.clone())),
            Phase::Pushed(_) | Phase::Pulled => Err(SyncError::Invalid {
                message: "sync round",
                rule: "a request's answer comes before the next request",
            }),
        }
    }

    /// Reads the answer to the request [`Round::next`] gave; `now` is the
    /// round's `last_success` when this answer completes it.
    pub fn on_response(
        &mut self,
        client: &SyncClient,
        store: &mut dyn TillStore,
        resp: &HttpResponse,
        now: DateTime<Utc>,
    ) -> Result<()> {
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Pushed(sent) => {
                let r = client.on_push_response(&mut self.state, resp)?;
                self.report.pushes = self.report.pushes.saturating_add(1);
                if r.acked_seq > 0 {
                    store.ack_through(r.acked_seq)?;
                }
                self.report.acked_seq = r.acked_seq;
                self.report.rejections.extend(r.rejections.iter().cloned());
                let stuck_fiscal =
                    !r.quarantined.is_empty() || self.state.fiscal_heads == sent.heads_before;
                self.report.quarantined.extend(r.quarantined);
                let events_done =
                    sent.events == 0 || sent.last_seq.is_some_and(|s| r.acked_seq < s);
                store.save_state(&self.state)?;
                // Stop pushing when neither events nor fiscal records make
                // progress (a gap the server is waiting on, or a
                // quarantined fiscal batch).
                self.phase = if events_done && stuck_fiscal {
                    Phase::Pull
                } else {
                    Phase::Push
                };
                Ok(())
            }
            Phase::Pulled => {
                let r = client.on_pull_response(&self.state, resp)?;
                let skipped = store.apply_pulled(&r.changes)?;
                self.report.skipped = self.report.skipped.saturating_add(skipped);
                self.report.pulled = self
                    .report
                    .pulled
                    .saturating_add(u64::try_from(r.changes.len()).unwrap_or(0));
                client.advance(&mut self.state, &r);
                store.save_state(&self.state)?;
                if r.more {
                    self.phase = Phase::Pull;
                } else {
                    self.state.last_success = Some(now);
                    store.save_state(&self.state)?;
                    self.phase = Phase::Done;
                }
                Ok(())
            }
            other => {
                self.phase = other;
                Err(SyncError::Invalid {
                    message: "sync round",
                    rule: "an answer follows a request",
                })
            }
        }
    }
}

/// [`crate::client::sync_once`] without blocking: the same round, with
/// `send` the app's async HTTP client (fetch, aiohttp, OkHttp with
/// coroutines...) and the store borrowed through `store` for each step
/// only. A failure of `send` means the outcome is unknown; the next round
/// sends again safely.
pub async fn sync_once_async<S, F, Fut, N>(
    client: &SyncClient,
    store: &mut S,
    mut send: F,
    now: N,
) -> Result<RoundReport>
where
    S: StoreAccess + ?Sized,
    F: FnMut(HttpRequest) -> Fut,
    Fut: Future<Output = Result<HttpResponse>>,
    N: Fn() -> DateTime<Utc>,
{
    log_start(client);
    let out = async {
        let mut round = store.with_store(|s| Round::begin(s))?;
        loop {
            let at = now().timestamp_millis();
            match store.with_store(|s| round.next(client, s, at))? {
                Step::Send(req) => {
                    let resp = send(req).await?;
                    let at = now();
                    store.with_store(|s| round.on_response(client, s, &resp, at))?;
                }
                Step::Done(report) => return Ok(report),
            }
        }
    }
    .await;
    log_end(client, &out);
    out
}

/// Logs a round's start (the device id only: no secret, no payload).
pub fn log_start(client: &SyncClient) {
    tracing::info!(target: "pos_sync::round", device = client.device(), "sync round started");
}

/// Logs a round's outcome: counts on success; on failure the error's
/// stable code and whether the round will be tried again later.
pub fn log_end(client: &SyncClient, out: &Result<RoundReport>) {
    match out {
        Ok(r) => tracing::info!(
            target: "pos_sync::round",
            device = client.device(),
            pushes = r.pushes,
            acked_seq = r.acked_seq,
            pulled = r.pulled,
            skipped = r.skipped,
            quarantined = r.quarantined.len(),
            rejections = r.rejections.len(),
            "sync round finished"
        ),
        Err(e) => tracing::warn!(
            target: "pos_sync::round",
            device = client.device(),
            code = e.code(),
            transient = e.is_transient(),
            "sync round failed"
        ),
    }
}
