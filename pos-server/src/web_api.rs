//! Routes of the web shop API (a retailer's bearer key, scoped to some of
//! its stores; described in `openapi.json`).

use super::credentials::WebScope;
use super::handler::Server;
use super::store::Storage;
use super::web::{self, WebOrder};
use crate::error::{Result, ServerError, SyncError};
use crate::transport::{HttpRequest, HttpResponse};
use std::collections::BTreeMap;

/// One query-string component percent-decoded (`+` is a space, as forms
/// send it); a malformed escape or a result that is not UTF-8 is refused.
fn percent_decode(s: &str) -> Result<String> {
    let bad = || {
        ServerError::from(SyncError::Invalid {
            message: "web request",
            rule: "query parameters are percent-encoded UTF-8",
        })
    };
    let hex = |b: u8| {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.next().and_then(hex).ok_or_else(bad)?;
                let lo = bytes.next().and_then(hex).ok_or_else(bad)?;
                out.push(hi.wrapping_shl(4) | lo);
            }
            _ => out.push(b),
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

/// The query string's parameters, percent-decoded (the first of a repeated
/// name wins; a parameter without `=` is empty).
fn query(path_and_query: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let q = path_and_query.split_once('?').map_or("", |(_, q)| q);
    for kv in q.split('&').filter(|kv| !kv.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        out.entry(percent_decode(k)?).or_insert(percent_decode(v)?);
    }
    Ok(out)
}

fn required<'a>(q: &'a BTreeMap<String, String>, name: &'static str) -> Result<&'a str> {
    q.get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .ok_or(ServerError::from(SyncError::Invalid {
            message: "web request",
            rule: "store, sku and location query parameters are 1 to 128 characters",
        }))
}

fn ok(status: u16, v: &serde_json::Value) -> HttpResponse {
    HttpResponse::new(status, v.to_string().into_bytes())
}

fn decode<T: for<'de> serde::Deserialize<'de>>(body: &[u8], message: &'static str) -> Result<T> {
    serde_json::from_slice(body)
        .map_err(|source| ServerError::from(SyncError::Decode { message, source }))
}

/// Dispatches `/v1/web/...` for a key of `scope`: a store outside the
/// key's scope is refused (403) before anything is read or written.
pub fn route<S: Storage>(
    server: &Server<S>,
    scope: &WebScope,
    req: &HttpRequest,
    path: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<HttpResponse> {
    let q = query(&req.path)?;
    let store = required(&q, "store")?;
    scope.check(store)?;
    let segments: Vec<&str> = path.trim_start_matches("/v1/web/").split('/').collect();
    match (req.method, segments.as_slice()) {
        ("GET", ["stock"]) => {
            let sku = required(&q, "sku")?;
            let location = required(&q, "location")?;
            let (on_hand, reserved, available) =
                server.with_tx(|tx| web::available(tx, store, sku, location))?;
            Ok(ok(
                200,
                &serde_json::json!({
                    "sku": sku, "location": location,
                    "on_hand": on_hand.to_string(), "reserved": reserved.to_string(),
                    "available": available.to_string(),
                }),
            ))
        }
        ("POST", ["stock"]) => {
            server.check_webhook(req, now)?;
            let body: serde_json::Value = decode(&req.body, "stock movements")?;
            let movements = crate::validate::movements(&body)?;
            let added = server.add_stock(store, &movements)?;
            Ok(ok(200, &serde_json::json!({ "added": added })))
        }
        ("POST", ["transfers"]) => {
            let t: super::transfer::Transfer = decode(&req.body, "transfer")?;
            if let Some(to) = &t.to_store {
                scope.check(to)?;
            }
            let (doc, new) = server.transfer_stock(store, &t, now)?;
            Ok(ok(if new { 201 } else { 200 }, &doc))
        }
        ("POST", ["orders"]) => {
            let order: WebOrder = decode(&req.body, "web order")?;
            let stored = server.create_order_at(store, &order, now)?;
            let doc: serde_json::Value = serde_json::from_str(&stored.json)
                .map_err(|_| SyncError::Corrupt { what: "order" })?;
            Ok(ok(201, &doc))
        }
        ("POST", ["orders", id, "state"]) => {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            struct StateChange {
                state: String,
            }
            let change: StateChange = decode(&req.body, "order state")?;
            // The id is a path segment: percent-decoded like the query.
            let id = percent_decode(id)?;
            let id = id.as_str();
            server.set_order_state(store, id, &change.state)?;
            Ok(ok(
                200,
                &serde_json::json!({ "order": id, "state": change.state }),
            ))
        }
        _ => Err(ServerError::from(SyncError::NotFound { what: "route" })),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_percent_decoded() {
        let q = query("/v1/web/stock?store=S%201&sku=PAIN+AU%20CHOCOLAT&location=L%2F1&x").unwrap();
        assert_eq!(q["store"], "S 1");
        assert_eq!(q["sku"], "PAIN AU CHOCOLAT");
        assert_eq!(q["location"], "L/1");
        assert_eq!(q["x"], "");
        assert_eq!(query("/p?a=%C3%A9").unwrap()["a"], "é");
        assert!(query("/p?a=%E9").is_err());
        assert!(query("/p?a=%4").is_err());
        assert!(query("/p?a=%zz").is_err());
        let q = query("/p?store=A&store=B").unwrap();
        assert_eq!(q["store"], "A");
    }
}
