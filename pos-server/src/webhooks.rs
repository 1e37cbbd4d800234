//! Signed webhooks, both ways.
//!
//! The signature is the hex HMAC-SHA256, under a shared secret, of the
//! string [`string_to_sign`]:
//!
//! ```text
//! POS-WEBHOOK\n{timestamp_ms}\n{METHOD}\n{path?query}\n{body}
//! ```
//!
//! the upper-case method, the request target exactly as sent (path and raw
//! query string, so `?store=` is covered) and the raw body bytes, sent in
//! [`HEADER_SIGNATURE`] with the timestamp in [`HEADER_TIMESTAMP`]. None
//! of the first four fields can hold a line feed, so the string splits one
//! way only. A receiver refuses a timestamp more than
//! [`crate::auth::MAX_SKEW_MS`] away from its clock and a signature it has
//! already seen. To check one by hand:
//!
//! ```text
//! printf 'POS-WEBHOOK\n%s\n%s\n%s\n%s' 1764351000000 POST '/v1/web/stock?store=S1' '[]' \
//!   | openssl dgst -sha256 -hmac 'secret'
//! ```
//!
//! - Incoming: stock updates posted to `/v1/web/stock` must carry a valid
//!   signature (on top of the bearer token) when the server has a webhook
//!   secret ([`super::Server::with_webhook_secret`]).
//! - Outgoing: [`deliver`] posts a store's stock and order changes to a
//!   subscriber, in order, one signed request per change with an
//!   [`HEADER_IDEMPOTENCY`] key. The store's change feed is the durable
//!   outbox and the subscriber's cursor is saved only after a 2xx answer:
//!   delivery is at least once, and a failed call is retried from the same
//!   change by the next call.

use super::handler::Server;
use super::store::Storage;
use crate::error::{AuthFailure, Result, ServerError, SyncError};
use crate::transport::{HttpRequest, Transport};
use crate::wire::ChangeKind;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Header with the webhook's timestamp (milliseconds since the epoch).
pub const HEADER_TIMESTAMP: &str = "x-pos-webhook-timestamp";
/// Header with the webhook's hex HMAC-SHA256.
pub const HEADER_SIGNATURE: &str = "x-pos-webhook-signature";
/// Header with the delivery's idempotency key (`{store}:{cursor}`).
pub const HEADER_IDEMPOTENCY: &str = "idempotency-key";

/// The bytes a webhook signature covers: `POS-WEBHOOK`, the timestamp, the
/// upper-case method and the request target (path and query as sent), one
/// per line, then the raw body.
pub fn string_to_sign(method: &str, target: &str, timestamp_ms: i64, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "POS-WEBHOOK\n{timestamp_ms}\n{}\n{target}\n",
        method.to_ascii_uppercase()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn mac(
    secret: &[u8],
    method: &str,
    target: &str,
    timestamp_ms: i64,
    body: &[u8],
) -> Option<Hmac<Sha256>> {
    // A line feed in the method or target would make two requests sign
    // the same string.
    if method.contains('\n') || target.contains('\n') {
        return None;
    }
    let mut m = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    m.update(&string_to_sign(method, target, timestamp_ms, body));
    Some(m)
}

/// The hex signature of a webhook: `method` and `target` (path and query,
/// e.g. `/v1/web/stock?store=S1`) as the request carries them.
pub fn sign(secret: &[u8], method: &str, target: &str, timestamp_ms: i64, body: &[u8]) -> String {
    mac(secret, method, target, timestamp_ms, body)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Checks a webhook's signature (constant time) over its method, target,
/// timestamp and body, and the timestamp window; the caller checks replay.
pub fn verify(secret: &[u8], req: &HttpRequest, now_ms: i64) -> Result<()> {
    let ts: i64 = req
        .header(HEADER_TIMESTAMP)
        .and_then(|t| t.parse().ok())
        .ok_or(AuthFailure::MissingHeader {
            header: HEADER_TIMESTAMP,
        })?;
    let sig = req
        .header(HEADER_SIGNATURE)
        .and_then(|s| hex::decode(s).ok())
        .ok_or(AuthFailure::MissingHeader {
            header: HEADER_SIGNATURE,
        })?;
    let skew = now_ms.saturating_sub(ts);
    if skew.saturating_abs() > crate::auth::MAX_SKEW_MS {
        return Err(AuthFailure::Stale {
            skew_seconds: skew / 1000,
        }
        .into());
    }
    let m = mac(secret, req.method, &req.path, ts, &req.body).ok_or(AuthFailure::BadSignature)?;
    m.verify_slice(&sig)
        .map_err(|_| AuthFailure::BadSignature.into())
}

/// A subscriber to a store's stock and order changes.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Its name (keys its delivery cursor).
    pub name: String,
    /// Path (and query) the transport posts to, signed as written (the
    /// transport knows the host).
    pub path: String,
    /// Shared secret of the signatures.
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.name)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

const CURSOR_KIND: &str = "webhook_cursor";

/// The subscriber's delivery cursor in a store's change feed.
pub fn cursor<S: Storage>(server: &Server<S>, store: &str, endpoint: &Endpoint) -> Result<u64> {
    server.with_tx(|tx| {
        Ok(tx
            .document(CURSOR_KIND, store, &endpoint.name)?
            .and_then(|(_, c)| c.parse().ok())
            .unwrap_or(0))
    })
}

/// Posts the store's stock and order changes after the subscriber's cursor
/// (at most `limit`), in order; returns how many were delivered. Stops at
/// the first failure (transport error or non-2xx answer), which it returns:
/// the next call starts again from that change.
pub fn deliver<S: Storage>(
    server: &Server<S>,
    store: &str,
    endpoint: &Endpoint,
    transport: &mut dyn Transport,
    now: &dyn Fn() -> i64,
    limit: u32,
) -> Result<u64> {
    let from = cursor(server, store, endpoint)?;
    let changes = server.with_tx(|tx| tx.changes_since(store, from, limit))?;
    let mut delivered = 0u64;
    for c in changes {
        let event = match c.kind {
            ChangeKind::Stock => Some("stock.changed"),
            ChangeKind::Order => Some("order.changed"),
            _ => None,
        };
        if let Some(event) = event {
            let mut body = serde_json::json!({
                "event": event, "store": store, "cursor": c.cursor, "key": c.key, "data": c.data,
            });
            if c.kind == ChangeKind::Stock
                && let (Some(sku), Some(location)) = (
                    c.data.get("sku").and_then(serde_json::Value::as_str),
                    c.data.get("location").and_then(serde_json::Value::as_str),
                )
            {
                let (on_hand, reserved, available) =
                    server.with_tx(|tx| super::web::available(tx, store, sku, location))?;
                let level = serde_json::json!({
                    "on_hand": on_hand.to_string(), "reserved": reserved.to_string(),
                    "available": available.to_string(),
                });
                if let Some(obj) = body.as_object_mut() {
                    obj.insert("level_now".into(), level);
                }
            }
            let body = body.to_string().into_bytes();
            let ts = now();
            let signature = sign(&endpoint.secret, "POST", &endpoint.path, ts, &body);
            let req = HttpRequest {
                method: "POST",
                path: endpoint.path.clone(),
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    (HEADER_TIMESTAMP.into(), ts.to_string()),
                    (HEADER_SIGNATURE.into(), signature),
                    (HEADER_IDEMPOTENCY.into(), format!("{store}:{}", c.cursor)),
                ],
                body,
            };
            let resp = transport.send(&req)?;
            if !(200..300).contains(&resp.status) {
                return Err(ServerError::from(SyncError::Server {
                    status: resp.status,
                    code: "webhook_refused".into(),
                }));
            }
            delivered = delivered.saturating_add(1);
        }
        let at = c.cursor.to_string();
        server.with_tx(|tx| tx.put_document(CURSOR_KIND, store, &endpoint.name, "{}", &at))?;
    }
    Ok(delivered)
}

/// A background delivery loop (what `pos sync-server --webhook-url` runs):
/// every `interval` it calls [`deliver`] for each store until the feed is
/// drained; after a failure it waits twice as long as the last time (up to
/// a minute) before trying that subscriber again. Stopped when dropped.
#[derive(Debug)]
pub struct Delivery {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Delivery {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The longest wait between two attempts after failures.
const MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(60);

/// Starts the delivery loop of `endpoint` for `stores`, posting through
/// `transport` (the subscriber's base URL) with the system clock.
pub fn spawn_delivery<S: Storage>(
    server: Server<S>,
    stores: Vec<String>,
    endpoint: Endpoint,
    mut transport: Box<dyn Transport + Send>,
    interval: std::time::Duration,
) -> Delivery {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        let clock = || chrono::Utc::now().timestamp_millis();
        let mut wait = interval;
        loop {
            let mut failed = false;
            for store in &stores {
                // Drain the store's feed in pages of 500, while it moves.
                let mut at = cursor(&server, store, &endpoint).ok();
                loop {
                    if deliver(&server, store, &endpoint, transport.as_mut(), &clock, 500).is_err()
                    {
                        failed = true;
                        break;
                    }
                    let now_at = cursor(&server, store, &endpoint).ok();
                    if now_at.is_none() || now_at == at {
                        break;
                    }
                    at = now_at;
                }
            }
            wait = if failed {
                wait.saturating_mul(2).min(MAX_BACKOFF).max(interval)
            } else {
                interval
            };
            match stopped.recv_timeout(wait) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                _ => return,
            }
        }
    });
    Delivery {
        stop: Some(stop),
        thread: Some(thread),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &'static str, path: &str, ts: i64, sig: &str, body: &[u8]) -> HttpRequest {
        HttpRequest {
            method,
            path: path.to_owned(),
            headers: vec![
                (HEADER_TIMESTAMP.into(), ts.to_string()),
                (HEADER_SIGNATURE.into(), sig.to_owned()),
            ],
            body: body.to_vec(),
        }
    }

    /// Checkable by hand (see the module docs):
    /// `printf 'POS-WEBHOOK\n%s\n%s\n%s\n%s' 1764351000000 POST '/v1/web/stock?store=S1' '[]'
    /// | openssl dgst -sha256 -hmac 'secret'`.
    #[test]
    fn the_golden_vector_matches_openssl() {
        assert_eq!(
            string_to_sign("post", "/v1/web/stock?store=S1", 1_764_351_000_000, b"[]"),
            b"POS-WEBHOOK\n1764351000000\nPOST\n/v1/web/stock?store=S1\n[]".to_vec()
        );
        assert_eq!(
            sign(
                b"secret",
                "POST",
                "/v1/web/stock?store=S1",
                1_764_351_000_000,
                b"[]"
            ),
            "eb37d93f079230effa823e6be26e399a30935af5d087103c3034e3a44050bdde"
        );
    }

    #[test]
    fn method_path_and_query_are_covered() {
        let ts = 1_764_351_000_000;
        let target = "/v1/web/stock?store=S1";
        let sig = sign(b"k", "POST", target, ts, b"[]");
        assert!(verify(b"k", &request("POST", target, ts, &sig, b"[]"), ts).is_ok());
        for (method, path) in [
            ("POST", "/v1/web/stock?store=S2"),
            ("POST", "/v1/web/stock"),
            ("POST", "/v1/web/stock?store=S1&x=1"),
            ("POST", "/v1/web/orders?store=S1"),
            ("PUT", target),
            ("GET", target),
        ] {
            let e = verify(b"k", &request(method, path, ts, &sig, b"[]"), ts).unwrap_err();
            assert_eq!(e.code(), "unauthorized", "{method} {path}");
            assert!(e.to_string().contains("signature"), "{method} {path}: {e}");
        }
        // A line feed cannot smuggle one field into the next.
        assert_eq!(sign(b"k", "POST", "/a\nb", ts, b""), "");
    }
}
