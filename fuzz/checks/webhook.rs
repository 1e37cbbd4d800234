//! Checks of the `webhook` target (signed webhooks posted to the sync
//! server: stock movements on `POST /v1/web/stock`), shared with pos-sync's
//! replay test, on a fresh in-memory server with a webhook secret. The first
//! byte picks the mode: even, the harness signs the rest as the body with
//! the right secret and time (so the body reaches the stock decoder), then
//! sends the same request again; odd, the rest is `timestamp \n signature \n
//! body` as the sender wrote them. Whatever the input: no panic, no 5xx; a
//! signature other than the body's true one is refused with 401, by
//! `webhooks::verify` and by the server; and a replayed signed webhook is
//! refused with 401.

use chrono::{DateTime, TimeZone, Utc};
use pos_server::webhooks::{self, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use pos_server::{Server, SqliteStorage};
use pos_sync::transport::{HttpRequest, HttpResponse};
use pos_sync::wire;

const HOOK_SECRET: &[u8] = b"fuzz webhook secret";
const PATH: &str = "/v1/web/stock?store=S1";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 17, 30, 0)
        .single()
        .expect("a valid instant")
}

fn request(web: &str, timestamp: &str, signature: &str, body: &[u8]) -> HttpRequest {
    HttpRequest {
        method: "POST",
        path: PATH.to_owned(),
        headers: vec![
            ("authorization".to_owned(), format!("Bearer {web}")),
            (HEADER_TIMESTAMP.to_owned(), timestamp.to_owned()),
            (HEADER_SIGNATURE.to_owned(), signature.to_owned()),
        ],
        body: body.to_vec(),
    }
}

fn answered(response: &HttpResponse) {
    assert!(
        response.status < 500,
        "status {} for a webhook: {}",
        response.status,
        String::from_utf8_lossy(&response.body)
    );
    if response.status >= 400 {
        wire::decode_error(&response.body).expect("an error answer has an error body");
    }
}

/// Posts `data` as a webhook (see the module docs for the modes).
pub fn check(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let server = Server::new(SqliteStorage::in_memory().expect("an in-memory server"))
        .with_webhook_secret(HOOK_SECRET);
    server
        .with_tx(|tx| {
            tx.bo_put_retailer("R1", "Retailer One", "123456789")?;
            tx.bo_put_store("S1", "R1")?;
            Ok(())
        })
        .expect("the retailer is set up");
    let web = server
        .web_key("R1", &["S1".to_owned()], now())
        .expect("a web key is issued")
        .0
        .secret;
    let at = now();
    let now_ms = at.timestamp_millis();
    if mode % 2 == 0 {
        let signature = webhooks::sign(HOOK_SECRET, "POST", PATH, now_ms, rest);
        let req = request(&web, &now_ms.to_string(), &signature, rest);
        webhooks::verify(HOOK_SECRET, &req, now_ms).expect("a signed webhook verifies");
        answered(&server.handle(&req, at));
        let replay = server.handle(&req, at);
        answered(&replay);
        assert_eq!(replay.status, 401, "a replayed webhook was not refused");
        return;
    }
    let mut parts = rest.splitn(3, |b| *b == b'\n');
    let timestamp = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let signature = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let body = parts.next().unwrap_or_default();
    let req = request(&web, &timestamp, &signature, body);
    let genuine = req
        .header(HEADER_TIMESTAMP)
        .and_then(|t| t.parse::<i64>().ok())
        .map(|ts| webhooks::sign(HOOK_SECRET, "POST", PATH, ts, body));
    let is_genuine = genuine.is_some_and(|g| {
        req.header(HEADER_SIGNATURE)
            .and_then(|s| hex::decode(s).ok())
            .is_some_and(|s| hex::decode(g).ok() == Some(s))
    });
    let verified = webhooks::verify(HOOK_SECRET, &req, now_ms);
    let response = server.handle(&req, at);
    answered(&response);
    if !is_genuine {
        assert!(verified.is_err(), "a forged webhook signature verified");
        assert_eq!(response.status, 401, "a forged webhook was not refused");
    }
}
