//! Checks of the `sync_request` target (bodies tills and the web shop post
//! to the sync server), shared with pos-sync's replay test. The first byte
//! picks a route (enrolment, push, pull, status, web order, transfer, order
//! state), the rest is the body; the harness adds valid credentials (a
//! fresh enrolment code, the device's HMAC signature, the retailer's web
//! key) so
//! the body reaches the same decoders and handlers as a real request, on a
//! fresh in-memory server with one enrolled till and 100 croissants in
//! stock. Whatever the body:
//! `Server::handle` answers, never panics, never with a 5xx (a bad body is
//! the client's fault); a body the wire decoder refuses is answered 4xx with
//! an error body; a 200 decodes as the route's response; and a push sent
//! twice is acknowledged to the same sequence number.

use chrono::{DateTime, TimeZone, Utc};
use pos_server::{Server, SqliteStorage};
use pos_sync::auth;
use pos_sync::transport::{HttpRequest, HttpResponse};
use pos_sync::wire::{self, paths};

const SECRET: &[u8] = b"fuzz device secret, 32 bytes ...";
/// The P-256 base point: a valid SEC1 public key.
const PUBLIC_KEY: &str = "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 17, 30, 0)
        .single()
        .expect("a valid instant")
}

/// An enrolment code for store S1 of retailer R1.
fn code(server: &Server<SqliteStorage>) -> String {
    server
        .enrolment_code("R1", "S1", None, 3_600_000, now())
        .expect("a code is issued")
        .0
        .secret
}

/// A server with one enrolled till and its retailer's web key.
fn server() -> (Server<SqliteStorage>, String) {
    let server = Server::new(SqliteStorage::in_memory().expect("an in-memory server"));
    server
        .with_tx(|tx| {
            tx.bo_put_retailer("R1", "Retailer One", "123456789")?;
            tx.bo_put_store("S1", "R1")?;
            Ok(())
        })
        .expect("the retailer is set up");
    let enrol = format!(
        r#"{{"device":"TILL-1","store":"S1","location":"S1","public_key":"{PUBLIC_KEY}"}}"#
    );
    server
        .enroll_device(&code(&server), enrol.as_bytes(), SECRET.to_vec(), now())
        .expect("the till enrols");
    let web = server
        .web_key("R1", &[], now())
        .expect("a web key is issued")
        .0
        .secret;
    // Stock on hand, so web orders and transfers get past the stock check.
    let stock: Vec<pos_core::stock::StockMovement> = serde_json::from_str(
        r#"[{"id":"5a9e5c1e-4d2a-4c53-9a1e-1f6a2b3c4d00","reason":"receipt","sku":"CROISSANT",
            "location":"S1","quantity":"100","operator":"OP-1","at":"2026-11-28T08:00:00Z","reference":null}]"#,
    )
    .expect("a stock movement");
    server.add_stock("S1", &stock).expect("stock is added");
    (server, web)
}

fn signed(path: &str, body: &[u8], at: DateTime<Utc>) -> HttpRequest {
    let ts = at.timestamp_millis();
    HttpRequest {
        method: "POST",
        path: path.to_owned(),
        headers: vec![
            (auth::HEADER_DEVICE.to_owned(), "S1/TILL-1".to_owned()),
            (auth::HEADER_TIMESTAMP.to_owned(), ts.to_string()),
            (
                auth::HEADER_SIGNATURE.to_owned(),
                auth::sign(SECRET, "POST", path, ts, body),
            ),
        ],
        body: body.to_vec(),
    }
}

fn bearer(path: &str, body: &[u8], web: &str) -> HttpRequest {
    HttpRequest {
        method: "POST",
        path: path.to_owned(),
        headers: vec![("authorization".to_owned(), format!("Bearer {web}"))],
        body: body.to_vec(),
    }
}

fn answered(response: &HttpResponse) {
    assert!(
        response.status < 500,
        "status {} for a request body: {}",
        response.status,
        String::from_utf8_lossy(&response.body)
    );
    if response.status >= 400 {
        wire::decode_error(&response.body).expect("an error answer has an error body");
    }
}

/// Sends `data` (route byte, then body) to a fresh server.
pub fn check(data: &[u8]) {
    let Some((&route, body)) = data.split_first() else {
        return;
    };
    let (server, web) = server();
    let at = now();
    match route % 7 {
        0 => {
            let request = HttpRequest {
                method: "POST",
                path: paths::ENROLL.to_owned(),
                headers: vec![(auth::HEADER_ENROLMENT_CODE.to_owned(), code(&server))],
                body: body.to_vec(),
            };
            let response = server.handle(&request, at);
            answered(&response);
            match wire::decode_enroll_request(body) {
                Err(_) => assert!(
                    response.status >= 400,
                    "a refused enrolment body was accepted"
                ),
                Ok(_) if response.status == 200 => {
                    wire::decode_enroll_response(&response.body).expect("an enrolment answer");
                }
                Ok(_) => {}
            }
        }
        1 => {
            let response = server.handle(&signed(paths::PUSH, body, at), at);
            answered(&response);
            match wire::decode_push_request(body) {
                Err(_) => assert!(response.status >= 400, "a refused push body was accepted"),
                Ok(push) if response.status == 200 => {
                    let first = wire::decode_push_response(&response.body).expect("a push answer");
                    let last_seq = push.events.last().map_or(0, |e| e.seq);
                    assert!(
                        first.acked_seq <= last_seq,
                        "acknowledged beyond what was sent"
                    );
                    let later = at + chrono::Duration::seconds(1);
                    let again = server.handle(&signed(paths::PUSH, body, later), later);
                    assert_eq!(
                        again.status,
                        200,
                        "{}",
                        String::from_utf8_lossy(&again.body)
                    );
                    let second = wire::decode_push_response(&again.body).expect("a push answer");
                    assert_eq!(
                        second.acked_seq, first.acked_seq,
                        "a repeated push moved the ack"
                    );
                }
                Ok(_) => {}
            }
        }
        2 => {
            let response = server.handle(&signed(paths::PULL, body, at), at);
            answered(&response);
            match wire::decode_pull_request(body) {
                Err(_) => assert!(response.status >= 400, "a refused pull body was accepted"),
                Ok(_) if response.status == 200 => {
                    wire::decode_pull_response(&response.body).expect("a pull answer");
                }
                Ok(_) => {}
            }
        }
        3 => answered(&server.handle(&signed(paths::STATUS, body, at), at)),
        4 => answered(&server.handle(&bearer("/v1/web/orders?store=S1", body, &web), at)),
        5 => answered(&server.handle(&bearer("/v1/web/transfers?store=S1", body, &web), at)),
        _ => answered(&server.handle(&bearer("/v1/web/orders/W1/state?store=S1", body, &web), at)),
    }
}
