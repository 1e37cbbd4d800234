//! Sync through the app's own HTTP stack: pos-sync builds each request and
//! reads each response (sans I/O); the app's [`SyncTransport`] carries them.

use crate::PosError;
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
    /// Changes pulled and applied.
    pub pulled: u64,
    /// Fiscal batches the server kept aside.
    pub quarantined: u64,
    /// Events the server rejected.
    pub rejections: u64,
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
        let request = HttpRequest {
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
        };
        let answer = self
            .0
            .send(request)
            .map_err(|_| pos_sync::SyncError::Transport {
                kind: "the app's transport failed",
            })?;
        Ok(pos_sync::transport::HttpResponse {
            status: answer.status,
            body: answer.body,
        })
    }
}

impl From<pos_sync::client::RoundReport> for SyncReport {
    fn from(r: pos_sync::client::RoundReport) -> SyncReport {
        SyncReport {
            pushes: r.pushes,
            acked_seq: r.acked_seq,
            pulled: r.pulled,
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
