//! Routes of the web shop API (bearer token; described in `openapi.json`).

use super::handler::Server;
use super::store::Storage;
use super::web::{self, WebOrder};
use crate::error::{Result, ServerError, SyncError};
use crate::transport::{HttpRequest, HttpResponse};
use std::collections::BTreeMap;

fn query(path_and_query: &str) -> BTreeMap<String, String> {
    path_and_query
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
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
    HttpResponse {
        status,
        body: v.to_string().into_bytes(),
    }
}

fn decode<T: for<'de> serde::Deserialize<'de>>(body: &[u8], message: &'static str) -> Result<T> {
    serde_json::from_slice(body)
        .map_err(|source| ServerError::from(SyncError::Decode { message, source }))
}

/// Dispatches `/v1/web/...`.
pub fn route<S: Storage>(
    server: &Server<S>,
    req: &HttpRequest,
    path: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<HttpResponse> {
    let q = query(&req.path);
    let store = required(&q, "store")?;
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
            let movements: Vec<pos_core::stock::StockMovement> =
                decode(&req.body, "stock movements")?;
            let added = server.add_stock(store, &movements)?;
            Ok(ok(200, &serde_json::json!({ "added": added })))
        }
        ("POST", ["transfers"]) => {
            let t: super::transfer::Transfer = decode(&req.body, "transfer")?;
            let (doc, new) = server.transfer_stock(store, &t, now)?;
            Ok(ok(if new { 201 } else { 200 }, &doc))
        }
        ("POST", ["orders"]) => {
            let order: WebOrder = decode(&req.body, "web order")?;
            let stored = server.create_order(store, &order)?;
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
            server.set_order_state(store, id, &change.state)?;
            Ok(ok(
                200,
                &serde_json::json!({ "order": id, "state": change.state }),
            ))
        }
        _ => Err(ServerError::from(SyncError::NotFound { what: "route" })),
    }
}
