//! Sync through the app's own HTTP stack: pos-sync builds each request and
//! reads each response (sans I/O); the app's [`SyncTransport`] carries them.

use crate::PosError;
use crate::guard::{guard, lock};
use crate::register::Register;
use std::sync::Arc;

/// An HTTP request the sync protocol wants sent.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: String,
    /// Path on the sync server, e.g. `/v1/push`.
    pub path: String,
    /// Headers (lowercase names), in order.
    pub headers: Vec<HttpHeader>,
    /// Body bytes (JSON).
    pub body: Vec<u8>,
}

/// One HTTP header.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    /// Lowercase name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// The server's answer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Body bytes (JSON).
    pub body: Vec<u8>,
}

/// What one sync round did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Push requests answered.
    pub pushes: u32,
    /// Highest event sequence the server acknowledged.
    pub acked_seq: u64,
    /// Changes pulled (applied, or skipped as counted in `skipped`).
    pub pulled: u64,
    /// Pulled changes set aside as invalid this round (see
    /// `sync_skipped_changes`).
    pub skipped: u64,
    /// Fiscal batches the server kept aside.
    pub quarantined: u64,
    /// Events the server rejected.
    pub rejections: u64,
}

/// Where the till stands with its sync server.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncStatus {
    /// Events not yet acknowledged by the server.
    pub pending: u64,
    /// When the oldest pending event was made, epoch milliseconds.
    pub oldest_pending_millis: Option<i64>,
    /// The last complete successful round, epoch milliseconds.
    pub last_success_millis: Option<i64>,
    /// Since when the till is offline (JET 70 recorded), epoch milliseconds.
    pub offline_since_millis: Option<i64>,
    /// Pulled changes set aside as invalid, ever (see `sync_skipped_changes`).
    pub skipped_changes: u64,
}

/// A pulled change the till set aside as invalid (the pull moved past it).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SkippedChange {
    /// Its cursor in the store's feed.
    pub cursor: u64,
    /// What it was about (`stock`, `customer`, `stored_value`...).
    pub kind: String,
    /// Its key in the feed.
    pub key: String,
    /// Stable code (`invalid_stock_movement`, `invalid_card_code`...).
    pub code: String,
    /// The rule it broke, without personal data.
    pub message: String,
    /// When the till skipped it, epoch milliseconds.
    pub skipped_at_millis: i64,
}

/// The app's HTTP stack (URLSession, OkHttp, requests...), pointed at its
/// sync server. A failure means the outcome is unknown; sending again is safe.
#[uniffi::export(with_foreign)]
pub trait SyncTransport: Send + Sync {
    /// Sends one request and returns the server's answer.
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, PosError>;
}

/// pos-sync's transport over the app's.
pub(crate) struct TransportAdapter(pub(crate) Arc<dyn SyncTransport>);

impl pos_sync::transport::Transport for TransportAdapter {
    fn send(
        &mut self,
        req: &pos_sync::transport::HttpRequest,
    ) -> pos_sync::Result<pos_sync::transport::HttpResponse> {
        let request = to_ffi_request(req);
        let answer = self
            .0
            .send(request)
            .map_err(|_| pos_sync::SyncError::Transport {
                kind: "the app's transport failed",
            })?;
        Ok(pos_sync::transport::HttpResponse::new(
            answer.status,
            answer.body,
        ))
    }
}

/// A protocol request as the app's transport receives it.
pub(crate) fn to_ffi_request(req: &pos_sync::transport::HttpRequest) -> HttpRequest {
    HttpRequest {
        method: req.method.to_owned(),
        path: req.path.clone(),
        headers: req
            .headers
            .iter()
            .map(|(name, value)| HttpHeader {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        body: req.body.clone(),
    }
}

impl From<pos_sync::client::RoundReport> for SyncReport {
    fn from(r: pos_sync::client::RoundReport) -> SyncReport {
        SyncReport {
            pushes: r.pushes,
            acked_seq: r.acked_seq,
            pulled: r.pulled,
            skipped: r.skipped,
            quarantined: u64::try_from(r.quarantined.len()).unwrap_or(u64::MAX),
            rejections: u64::try_from(r.rejections.len()).unwrap_or(u64::MAX),
        }
    }
}

impl From<pos_sync::SyncError> for PosError {
    fn from(e: pos_sync::SyncError) -> PosError {
        PosError::Sync {
            code: e.code().to_owned(),
            detail: e.to_string(),
        }
    }
}

pub(crate) fn not_enrolled() -> PosError {
    PosError::Sync {
        code: "not_enrolled".to_owned(),
        detail: "the till is not enrolled with a sync server".to_owned(),
    }
}

#[uniffi::export]
impl Register {
    /// Enrols this till with the sync server through the app's `transport`
    /// with a single-use enrolment `code` the retailer issued for this
    /// till's store, and keeps the device id and secret in the till file.
    /// `replaces`: the server id (`store/register`) of the lost or broken
    /// till this one takes over, which the code must name.
    pub fn enroll_sync(
        &self,
        code: String,
        replaces: Option<String>,
        transport: Arc<dyn SyncTransport>,
    ) -> Result<(), PosError> {
        guard(|| {
            let mut http = TransportAdapter(transport);
            let mut reg = lock(&self.inner);
            pos_sdk::sync::enroll(&mut reg, &mut http, &code, replaces.as_deref())?;
            Ok(())
        })
    }

    /// One sync round as the enrolled till (see `enroll_sync`): push the
    /// outbox and the fiscal journal, pull changes. A transport failure
    /// opens an offline period (JET 70); the next success closes it (JET 120).
    pub fn sync_enrolled(&self, transport: Arc<dyn SyncTransport>) -> Result<SyncReport, PosError> {
        guard(|| {
            let mut reg = lock(&self.inner);
            let client = pos_sdk::sync::client(&mut reg)?.ok_or_else(not_enrolled)?;
            let mut http = TransportAdapter(transport);
            Ok(pos_sdk::sync::sync_register(&mut reg, &client, &mut http)?.into())
        })
    }

    /// [`Register::sync_enrolled`] that rides out a short outage: a round
    /// that fails transiently (the transport raised, or the server answered
    /// 503: its database is unavailable) is tried again with capped
    /// exponential backoff and jitter (first wait up to 250 ms, doubling to
    /// 8 s) until it succeeds, fails otherwise (a refusal is never
    /// retried), or `budget_ms` has passed since the first attempt; then
    /// the last error is raised. The register is locked during each
    /// attempt only, so sales go on while it waits. Blocking: call it off
    /// the UI thread (or use `sync_enrolled_async`).
    pub fn sync_enrolled_with_retry(
        &self,
        transport: Arc<dyn SyncTransport>,
        budget_ms: u32,
    ) -> Result<SyncReport, PosError> {
        guard(|| {
            let client = {
                let mut reg = lock(&self.inner);
                pos_sdk::sync::client(&mut reg)?.ok_or_else(not_enrolled)?
            };
            let policy = pos_sync::retry::RetryPolicy::with_budget(
                std::time::Duration::from_millis(u64::from(budget_ms)),
            );
            let mut env = pos_sdk::sync::SystemRetryEnv::new();
            let mut http = TransportAdapter(transport);
            let report = pos_sync::retry::run(&policy, &mut env, &mut |_| {}, || {
                let mut reg = lock(&self.inner);
                pos_sdk::sync::sync_register(&mut reg, &client, &mut http)
            })?;
            Ok(report.into())
        })
    }

    /// Pending events, last success and offline state.
    pub fn sync_status(&self) -> Result<SyncStatus, PosError> {
        guard(|| {
            let s = pos_sdk::sync::status(&mut lock(&self.inner))?;
            Ok(SyncStatus {
                pending: s.pending,
                oldest_pending_millis: s.oldest_pending.map(|t| t.timestamp_millis()),
                last_success_millis: s.last_success.map(|t| t.timestamp_millis()),
                offline_since_millis: s.offline_since.map(|t| t.timestamp_millis()),
                skipped_changes: s.skipped,
            })
        })
    }

    /// The last `limit` pulled changes set aside as invalid, newest first.
    pub fn sync_skipped_changes(&self, limit: u32) -> Result<Vec<SkippedChange>, PosError> {
        guard(|| {
            let rows = pos_sdk::sync::skipped_changes(&lock(&self.inner), limit)?;
            Ok(rows
                .into_iter()
                .map(|s| SkippedChange {
                    cursor: s.cursor,
                    kind: serde_json::to_value(s.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    key: s.key,
                    code: s.code,
                    message: s.message,
                    skipped_at_millis: s.skipped_at.timestamp_millis(),
                })
                .collect())
        })
    }
}
