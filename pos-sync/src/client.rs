//! The till side of the protocol, sans I/O: it builds signed requests from
//! the outbox and the fiscal journal and consumes the responses; a
//! [`TillStore`] is the till's durable state and a [`Transport`] carries the
//! bytes. [`sync_once`] drives one full round (push until empty, then pull
//! until up to date) with the steps of [`crate::round::Round`].

use crate::auth;
use crate::error::{Result, SyncError};
use crate::merge::hlc_tick;
use crate::transport::{HttpRequest, HttpResponse, Transport};
use crate::wire::{
    self, Change, Hlc, PROTOCOL_VERSION, PullRequest, PullResponse, PushRequest, PushResponse,
    WireEvent, paths,
};
use chrono::{DateTime, Utc};
use pos_fiscal::Series;
use pos_fiscal::record::StoredRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A device's identity for signing requests.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Device id.
    pub device: String,
    /// Enrolment secret.
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

/// What the client remembers between rounds (persisted by the till).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClientState {
    /// Last pull cursor.
    pub cursor: u64,
    /// Highest event sequence the server acknowledged.
    pub acked_seq: u64,
    /// Last fiscal number the server accepted per series.
    pub fiscal_heads: BTreeMap<Series, u64>,
    /// Hybrid logical clock.
    pub hlc: Hlc,
    /// Last complete successful round.
    pub last_success: Option<DateTime<Utc>>,
}

/// The till's durable side of sync.
pub trait TillStore {
    /// Unacknowledged outbox events in sequence order, at most `limit`.
    fn pending_events(&mut self, limit: u32) -> Result<Vec<WireEvent>>;
    /// Fiscal records after the given per-series numbers, in append order.
    fn fiscal_after(
        &mut self,
        heads: &BTreeMap<Series, u64>,
        limit: usize,
    ) -> Result<Vec<StoredRecord>>;
    /// Marks events up to `seq` acknowledged.
    fn ack_through(&mut self, seq: u64) -> Result<()>;
    /// Applies pulled changes (idempotently).
    fn apply_changes(&mut self, changes: &[Change]) -> Result<()>;
    /// Applies pulled changes like [`TillStore::apply_changes`] and returns
    /// how many it set aside instead of applying: a till that checks each
    /// change records an invalid one and skips it, so one bad change in the
    /// feed cannot stop every later pull. An error here stops the round and
    /// the cursor stays where it was. The default applies them all through
    /// `apply_changes` and skips none.
    fn apply_pulled(&mut self, changes: &[Change]) -> Result<u64> {
        self.apply_changes(changes).map(|()| 0)
    }
    /// Loads the client state.
    fn load_state(&mut self) -> Result<ClientState>;
    /// Saves the client state.
    fn save_state(&mut self, state: &ClientState) -> Result<()>;
}

/// Builds and reads protocol messages for one device.
#[derive(Debug, Clone)]
pub struct SyncClient {
    creds: Credentials,
    /// Events per push.
    pub batch: u32,
    /// Fiscal records per push.
    pub fiscal_batch: usize,
    /// Changes per pull.
    pub pull_limit: u32,
}

/// A signed request.
pub fn signed(
    creds: &Credentials,
    method: &'static str,
    path: &str,
    body: Vec<u8>,
    now_ms: i64,
) -> HttpRequest {
    let sig = auth::sign(&creds.secret, method, path, now_ms, &body);
    HttpRequest {
        method,
        path: path.to_owned(),
        headers: vec![
            (auth::HEADER_DEVICE.into(), creds.device.clone()),
            (auth::HEADER_TIMESTAMP.into(), now_ms.to_string()),
            (auth::HEADER_SIGNATURE.into(), sig),
            ("content-type".into(), "application/json".into()),
        ],
        body,
    }
}

/// Reads an error response: [`SyncError::Unavailable`] for a 503, and for
/// a gateway's 502 or 504 (no server behind it could answer: the body is
/// the proxy's, not one of our JSON errors), with the server's
/// `Retry-After`; [`SyncError::Server`] for any other status, and for a
/// 502 / 504 our own server wrote (e.g. `delivery_failed`: the SMS or mail
/// provider refused, a result the caller must see, not a reason to retry).
pub fn server_error(resp: &HttpResponse) -> SyncError {
    let ours = wire::decode_error(&resp.body).ok();
    let gateway = matches!(resp.status, 502 | 504) && ours.is_none();
    if resp.status == 503 || gateway {
        return SyncError::Unavailable {
            status: resp.status,
            retry_after_s: resp.retry_after_s(),
        };
    }
    SyncError::Server {
        status: resp.status,
        code: ours.map_or_else(|| "unknown".into(), |e| e.code),
    }
}

impl SyncClient {
    /// A client for a device.
    pub fn new(creds: Credentials) -> SyncClient {
        SyncClient {
            creds,
            batch: 500,
            fiscal_batch: 500,
            pull_limit: 1000,
        }
    }

    /// The device id.
    pub fn device(&self) -> &str {
        &self.creds.device
    }

    /// A push request for these events and records; stamps the events with
    /// the HLC (advancing `state.hlc`).
    pub fn push_request(
        &self,
        state: &mut ClientState,
        mut events: Vec<WireEvent>,
        fiscal: Vec<StoredRecord>,
        now_ms: i64,
    ) -> Result<HttpRequest> {
        for e in &mut events {
            state.hlc = hlc_tick(
                &state.hlc,
                e.created_at.timestamp_millis(),
                &self.creds.device,
            );
            e.hlc = state.hlc.clone();
        }
        let body = wire::encode(&PushRequest {
            protocol: PROTOCOL_VERSION,
            events,
            fiscal,
        })?;
        Ok(signed(&self.creds, "POST", paths::PUSH, body, now_ms))
    }

    /// Reads a push response into the state.
    pub fn on_push_response(
        &self,
        state: &mut ClientState,
        resp: &HttpResponse,
    ) -> Result<PushResponse> {
        if resp.status != 200 {
            return Err(server_error(resp));
        }
        let r = wire::decode_push_response(&resp.body)?;
        state.acked_seq = state.acked_seq.max(r.acked_seq);
        state.fiscal_heads = r.fiscal_heads.clone();
        Ok(r)
    }

    /// A pull request from the state's cursor.
    pub fn pull_request(&self, state: &ClientState, now_ms: i64) -> Result<HttpRequest> {
        let body = wire::encode(&PullRequest {
            protocol: PROTOCOL_VERSION,
            cursor: state.cursor,
            limit: self.pull_limit,
        })?;
        Ok(signed(&self.creds, "POST", paths::PULL, body, now_ms))
    }

    /// Reads a pull response (the caller applies the changes, then stores
    /// the new cursor with [`SyncClient::advance`]).
    pub fn on_pull_response(
        &self,
        state: &ClientState,
        resp: &HttpResponse,
    ) -> Result<PullResponse> {
        if resp.status != 200 {
            return Err(server_error(resp));
        }
        let r = wire::decode_pull_response(&resp.body)?;
        if r.cursor < state.cursor {
            return Err(SyncError::Invalid {
                message: "pull response",
                rule: "the cursor never goes back",
            });
        }
        Ok(r)
    }

    /// Moves the cursor after the changes were applied.
    pub fn advance(&self, state: &mut ClientState, r: &PullResponse) {
        state.cursor = state.cursor.max(r.cursor);
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Push requests answered.
    pub pushes: u32,
    /// Highest acknowledged sequence.
    pub acked_seq: u64,
    /// Changes pulled (applied, or skipped as counted in `skipped`).
    pub pulled: u64,
    /// Pulled changes the till set aside instead of applying (invalid; the
    /// till records them and the cursor moves past them).
    pub skipped: u64,
    /// Fiscal batches kept aside by the server.
    pub quarantined: Vec<crate::wire::FiscalQuarantine>,
    /// Events the server applied but refused a merge rule for.
    pub rejections: Vec<crate::wire::Rejection>,
}

/// [`sync_once`], tried again while it fails transiently (the server is
/// unavailable, the connection was refused or reset, a timeout), with the
/// capped, jittered backoff of `policy` and within its time budget; `env`
/// sleeps, reads the clock and draws the jitter, and `on_wait` hears of
/// each wait before it starts. A refusal (4xx) or a server bug (500) is
/// returned at once. Trying again is safe: a push whose answer was lost is
/// sent again with a fresh signature, and the server applies each device
/// sequence once and acknowledges what it already holds. The report is
/// the last (successful) round's.
pub fn sync_with_retry(
    client: &SyncClient,
    store: &mut dyn TillStore,
    transport: &mut dyn Transport,
    now: &dyn Fn() -> DateTime<Utc>,
    policy: &crate::retry::RetryPolicy,
    env: &mut dyn crate::retry::RetryEnv,
    on_wait: &mut dyn FnMut(&crate::retry::Wait<'_>),
) -> Result<RoundReport> {
    let mut on_wait = |w: &crate::retry::Wait<'_>| {
        tracing::info!(
            target: "pos_sync::retry",
            device = client.device(),
            retry = w.retry,
            delay_ms = u64::try_from(w.delay.as_millis()).unwrap_or(u64::MAX),
            cause = w.cause.code(),
            "sync round failed transiently, retrying"
        );
        on_wait(w);
    };
    crate::retry::run(policy, env, &mut on_wait, || {
        sync_once(client, store, transport, now)
    })
}

/// One sync round: pushes the outbox and fiscal records until nothing is
/// pending, then pulls until up to date. Any failure stops the round; the
/// next round resumes safely (everything is idempotent).
pub fn sync_once(
    client: &SyncClient,
    store: &mut dyn TillStore,
    transport: &mut dyn Transport,
    now: &dyn Fn() -> DateTime<Utc>,
) -> Result<RoundReport> {
    crate::round::log_start(client);
    let out = (|| {
        let mut round = crate::round::Round::begin(store)?;
        loop {
            match round.next(client, store, now().timestamp_millis())? {
                crate::round::Step::Send(req) => {
                    let resp = transport.send(&req)?;
                    round.on_response(client, store, &resp, now())?;
                }
                crate::round::Step::Done(report) => return Ok(report),
            }
        }
    })();
    crate::round::log_end(client, &out);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn answer(status: u16, retry_after: Option<&str>) -> HttpResponse {
        let mut r = HttpResponse::new(status, br#"{"code":"unavailable","message":"m"}"#.to_vec());
        if let Some(v) = retry_after {
            r.headers.push(("Retry-After".into(), v.into()));
        }
        r
    }

    #[test]
    fn a_503_or_a_gateway_error_is_unavailable_other_statuses_are_refusals_or_bugs() {
        let e = server_error(&answer(503, Some("2")));
        assert!(matches!(
            e,
            SyncError::Unavailable {
                status: 503,
                retry_after_s: Some(2)
            }
        ));
        assert_eq!(e.code(), "server_unavailable");
        assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(2)));
        assert!(e.is_transient());
        // An HTTP-date or garbage Retry-After reads as none.
        assert!(matches!(
            server_error(&answer(503, Some("Wed, 21 Oct 2015 07:28:00 GMT"))),
            SyncError::Unavailable {
                retry_after_s: None,
                ..
            }
        ));
        for gateway in [502, 504] {
            let proxy = HttpResponse::new(gateway, b"<html>Bad Gateway</html>".to_vec());
            assert!(server_error(&proxy).is_transient(), "{gateway}");
            // The same status written by our server (a provider that
            // refused a receipt) is a result, not an outage.
            let e = server_error(&HttpResponse::new(
                gateway,
                br#"{"code":"delivery_failed","message":"m"}"#.to_vec(),
            ));
            assert!(
                matches!(&e, SyncError::Server { code, .. } if code == "delivery_failed"),
                "{gateway}"
            );
        }
        for status in [400, 401, 403, 404, 409, 413, 500] {
            let e = server_error(&answer(status, Some("1")));
            assert!(matches!(e, SyncError::Server { .. }), "{status}");
            assert!(!e.is_transient(), "{status}");
        }
    }
}
