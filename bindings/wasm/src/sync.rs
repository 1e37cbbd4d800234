//! Sync with a `pos sync-server` through an HTTP function the app gives
//! (a synchronous one here, e.g. an `XMLHttpRequest` in a Worker; the
//! Promise-based round is `syncAsync`, in `async_sync`), and the sync
//! status the till shows.

use crate::register::Register;
use crate::{PosError, convert};
use pos_sync::transport::{HttpRequest, HttpResponse, Transport};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Carries requests through a JS function
/// `(method, path, headers: [name, value][], body: Uint8Array) =>
/// {status, body: Uint8Array}` that throws when the server is unreachable.
pub(crate) struct JsTransport<'a>(pub(crate) &'a js_sys::Function);

impl Transport for JsTransport<'_> {
    fn send(&mut self, req: &HttpRequest) -> pos_sync::Result<HttpResponse> {
        let unreachable = |kind: &'static str| pos_sync::SyncError::Transport { kind };
        let out = self
            .0
            .apply(&JsValue::NULL, &request_args(req))
            .map_err(|_| unreachable("unreachable"))?;
        response_of(&out)
    }
}

/// The JS transport's arguments for `req`: `(method, path, headers:
/// [name, value][], body: Uint8Array)`.
pub(crate) fn request_args(req: &HttpRequest) -> js_sys::Array {
    let headers = js_sys::Array::new();
    for (name, value) in &req.headers {
        headers.push(&js_sys::Array::of2(
            &name.as_str().into(),
            &value.as_str().into(),
        ));
    }
    js_sys::Array::of4(
        &req.method.into(),
        &req.path.as_str().into(),
        &headers,
        &js_sys::Uint8Array::from(req.body.as_slice()),
    )
}

/// The server's answer from what the JS transport returned: `{status,
/// body}`, `body` a `Uint8Array` or an `ArrayBuffer`. Anything else is a
/// transport failure (the outcome is unknown; sending again is safe).
pub(crate) fn response_of(out: &JsValue) -> pos_sync::Result<HttpResponse> {
    let unreachable = |kind: &'static str| pos_sync::SyncError::Transport { kind };
    let status = js_sys::Reflect::get(out, &"status".into())
        .ok()
        .and_then(|s| s.as_f64())
        .filter(|s| (100.0..600.0).contains(s))
        .ok_or_else(|| unreachable("no_status"))?;
    let body = js_sys::Reflect::get(out, &"body".into()).map_err(|_| unreachable("no_body"))?;
    // Checked above: an HTTP status code.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let status = status as u16;
    Ok(HttpResponse::new(
        status,
        js_sys::Uint8Array::new(&body).to_vec(),
    ))
}

/// The error of a round asked of a till that is not enrolled.
pub(crate) fn not_enrolled() -> PosError {
    PosError {
        kind: crate::error::ErrorKind::Sync,
        code: "not_enrolled".to_owned(),
        detail: "this till is not enrolled with a sync server".to_owned(),
    }
}

/// The error of a round asked while a `syncAsync` round is running.
pub(crate) fn sync_in_progress() -> PosError {
    PosError {
        kind: crate::error::ErrorKind::Sync,
        code: "sync_in_progress".to_owned(),
        detail: "a sync round of this till is already running".to_owned(),
    }
}

/// The sync status the till shows.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusView {
    pending: u64,
    oldest_pending_millis: Option<i64>,
    last_success_millis: Option<i64>,
    offline_since_millis: Option<i64>,
    enrolled: bool,
}

/// A fiscal batch the server kept aside.
#[derive(Debug, Serialize)]
struct QuarantineView {
    id: u64,
    records: u64,
    defects: Vec<String>,
}

/// An event the server applied but refused a merge rule for.
#[derive(Debug, Serialize)]
struct RejectionView {
    seq: u64,
    code: String,
}

/// What one sync round did, and where the till stands after it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoundView {
    /// Push requests the server answered.
    pushes: u32,
    /// Outbox events the server acknowledged in this round.
    pushed: u64,
    /// The highest outbox sequence the server has acknowledged.
    acknowledged: u64,
    /// Changes pulled from the server and applied.
    pulled: u64,
    /// Events applied but refused a merge rule (`{seq, code}`).
    rejected: Vec<RejectionView>,
    /// Fiscal batches kept aside (`{id, records, defects}`).
    quarantined: Vec<QuarantineView>,
    /// Outbox events still waiting after the round.
    pending: u64,
    /// When the last round succeeded (epoch ms): this one.
    last_success_millis: Option<i64>,
}

impl RoundView {
    pub(crate) fn new(
        r: pos_sync::client::RoundReport,
        before: u64,
        after: &pos_sdk::sync::SyncStatus,
    ) -> RoundView {
        RoundView {
            pushes: r.pushes,
            pushed: before.saturating_sub(after.pending),
            acknowledged: r.acked_seq,
            pulled: r.pulled,
            rejected: r
                .rejections
                .into_iter()
                .map(|x| RejectionView {
                    seq: x.seq,
                    code: x.code,
                })
                .collect(),
            quarantined: r
                .quarantined
                .into_iter()
                .map(|q| QuarantineView {
                    id: q.id,
                    records: q.records,
                    defects: q.defects,
                })
                .collect(),
            pending: after.pending,
            last_success_millis: after.last_success.map(|t| t.timestamp_millis()),
        }
    }
}

#[wasm_bindgen]
impl Register {
    /// The sync status: `{pending, oldestPendingMillis, lastSuccessMillis,
    /// offlineSinceMillis, enrolled}`.
    #[wasm_bindgen(js_name = syncStatus, unchecked_return_type = "SyncStatus")]
    pub fn sync_status(&self) -> Result<JsValue, JsValue> {
        let mut reg = self.sdk()?;
        let s = pos_sdk::sync::status(&mut reg).map_err(PosError::from)?;
        let enrolled = pos_sdk::sync::client(&mut reg)
            .map_err(PosError::from)?
            .is_some();
        Ok(convert::to_js(&StatusView {
            pending: s.pending,
            oldest_pending_millis: s.oldest_pending.map(|t| t.timestamp_millis()),
            last_success_millis: s.last_success.map(|t| t.timestamp_millis()),
            offline_since_millis: s.offline_since.map(|t| t.timestamp_millis()),
            enrolled,
        })?)
    }

    /// Enrols this till with the server using a single-use enrolment
    /// `code` the retailer issued for this till's store.
    pub fn enroll(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SyncHttp")] http: &js_sys::Function,
        code: &str,
    ) -> Result<(), JsValue> {
        let mut reg = self.sdk()?;
        pos_sdk::sync::enroll(&mut reg, &mut JsTransport(http), code, None)
            .map_err(PosError::from)?;
        Ok(())
    }

    /// One sync round (push the outbox and the journal, pull changes):
    /// `{pushes, pushed, acknowledged, pulled, rejected: {seq, code}[],
    /// quarantined: {id, records, defects}[], pending, lastSuccessMillis}`.
    /// A transport failure opens an offline period (JET 70) and throws a
    /// `SyncError` `transport`; the next success closes it (JET 120).
    /// While a `syncAsync` round runs: `SyncError` `sync_in_progress`.
    #[wasm_bindgen(unchecked_return_type = "SyncReport")]
    pub fn sync(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SyncHttp")] http: &js_sys::Function,
    ) -> Result<JsValue, JsValue> {
        if self.shared().1.get() {
            return Err(sync_in_progress().into());
        }
        let mut reg = self.sdk()?;
        let client = pos_sdk::sync::client(&mut reg)
            .map_err(PosError::from)?
            .ok_or_else(not_enrolled)?;
        let before = pos_sdk::sync::status(&mut reg)
            .map_err(PosError::from)?
            .pending;
        let report = pos_sdk::sync::sync_register(&mut reg, &client, &mut JsTransport(http))
            .map_err(PosError::from)?;
        let after = pos_sdk::sync::status(&mut reg).map_err(PosError::from)?;
        Ok(convert::to_js(&RoundView::new(report, before, &after))?)
    }
}
