//! Tills' period archives on the server (issue 18), on SQLite and on a real
//! PostgreSQL: a device stores its own archive once the server's journal
//! copy holds the archived records, gets the same receipt when it sends it
//! again, and cannot store another register's archive, a tampered one or
//! one that does not chain to the last.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

mod support;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use pos_fiscal::archive::{ArchiveOutput, make_archive};
use pos_fiscal::model::Stamp;
use pos_server::{Server, Storage};
use pos_sync::archive::{decode_archive_receipt, paths};
use pos_sync::client::{Credentials, signed, sync_once};
use pos_sync::transport::{HttpRequest, HttpResponse, Transport};
use support::enrol::enroll;
use support::pg;
use support::till::{TestTill, t0, ticking};

struct Direct<S: Storage>(Server<S>, DateTime<Utc>);
impl<S: Storage> Transport for Direct<S> {
    fn send(&mut self, req: &HttpRequest) -> pos_sync::Result<HttpResponse> {
        Ok(self.0.handle(req, self.1))
    }
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(t: DateTime<Utc>) -> Stamp {
    Stamp::new(t, 60).unwrap()
}

/// Closes `d` and archives `[d, d]` on the till's journal, the next morning.
fn close_and_archive(till: &TestTill, d: &str) -> ArchiveOutput {
    let next_morning = d.parse::<NaiveDate>().unwrap().succ_opt().unwrap();
    let now: DateTime<Utc> = next_morning.and_hms_opt(7, 0, 0).unwrap().and_utc();
    pos_fiscal::store::close_day(&till.journal, &till.signer, at(now), day(d), None, "alice")
        .unwrap();
    make_archive(
        &till.journal,
        &till.signer,
        at(now + Duration::minutes(1)),
        day(d),
        day(d),
        "alice",
    )
    .unwrap()
}

/// Distinct request times (a request signed twice in the same millisecond
/// is a replay).
static TICK: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

fn post<S: Storage>(server: &Server<S>, till: &TestTill, body: &[u8]) -> HttpResponse {
    let creds = Credentials {
        device: till.server_id.clone(),
        secret: till.secret.clone(),
    };
    let now = t0()
        + Duration::days(3)
        + Duration::milliseconds(TICK.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    server.handle(
        &signed(
            &creds,
            "POST",
            paths::ARCHIVE,
            body.to_vec(),
            now.timestamp_millis(),
        ),
        now,
    )
}

fn code_of(resp: &HttpResponse) -> String {
    let v: serde_json::Value = serde_json::from_slice(&resp.body).unwrap_or_default();
    v["code"].as_str().unwrap_or_default().to_owned()
}

fn scenario<S: Storage>(storage: S) {
    let server = Server::new(storage);
    let clock = ticking();
    let mut a = TestTill::new("T1", "S1", "L1", 1);
    let mut b = TestTill::new("T2", "S1", "L1", 2);
    enroll(&server, &mut a, None);
    enroll(&server, &mut b, None);
    for _ in 0..3 {
        a.sell("APPLE", 1, None, None);
    }
    let first = close_and_archive(&a, "2026-01-01");

    // The server holds none of the archived records yet: refused.
    let r = post(&server, &a, &first.bytes);
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert!(
        String::from_utf8_lossy(&r.body).contains("sync first"),
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert!(server.device_archives(&a.server_id).unwrap().is_empty());

    let mut t = Direct(server.clone(), t0());
    sync_once(&a.client(), &mut a, &mut t, &clock).unwrap();
    let r = post(&server, &a, &first.bytes);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let receipt = decode_archive_receipt(&r.body).unwrap();
    assert_eq!(receipt.device, "S1/T1");
    assert_eq!(receipt.manifest_sha256, first.manifest_sha256);
    assert_eq!(
        (receipt.from.as_str(), receipt.to.as_str()),
        ("2026-01-01", "2026-01-01")
    );
    assert_eq!(receipt.keep_until, "2032-01-01");
    assert_eq!(receipt.verification, "intact");
    assert_eq!(receipt.bytes, first.bytes.len() as u64);
    assert!(
        receipt.records >= 4,
        "3 tickets, a Z and JET: {}",
        receipt.records
    );
    assert_eq!(
        server
            .archive_file("S1/T1", &first.manifest_sha256)
            .unwrap()
            .unwrap(),
        first.bytes
    );

    // Sent again: the same receipt, stored once.
    let again = post(&server, &a, &first.bytes);
    assert_eq!(decode_archive_receipt(&again.body).unwrap(), receipt);
    assert_eq!(
        server.device_archives("S1/T1").unwrap(),
        vec![receipt.clone()]
    );

    // Another device cannot store T1's archive, even a verified one.
    let r = post(&server, &b, &first.bytes);
    assert_eq!(r.status, 400);
    assert!(String::from_utf8_lossy(&r.body).contains("own register"));
    assert!(server.device_archives("S1/T2").unwrap().is_empty());
    // Without the device's signature: refused before anything is read.
    let mut forged = b.clone_credentials_of(&a);
    forged.secret = b"not-the-secret".to_vec();
    let now = t0() + Duration::days(3);
    let r = server.handle(
        &signed(
            &forged,
            "POST",
            paths::ARCHIVE,
            first.bytes.clone(),
            now.timestamp_millis(),
        ),
        now,
    );
    assert_eq!(r.status, 401, "{}", code_of(&r));

    // The next day's archive chains to the first; a tampered copy of it
    // is refused and nothing is stored.
    a.clock = t0() + Duration::days(1);
    for _ in 0..2 {
        a.sell("APPLE", 1, None, None);
    }
    let second = close_and_archive(&a, "2026-01-02");
    sync_once(&a.client(), &mut a, &mut t, &clock).unwrap();
    let mut bad = second.bytes.clone();
    let key = b"\"signature\":\"";
    let p = bad.windows(key.len()).position(|w| w == key).unwrap() + key.len();
    bad[p] = if bad[p] == b'0' { b'1' } else { b'0' };
    let r = post(&server, &a, &bad);
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(server.device_archives("S1/T1").unwrap().len(), 1);
    let r = post(&server, &a, &second.bytes);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let held = server.device_archives("S1/T1").unwrap();
    assert_eq!(held.len(), 2);
    assert_eq!(held[1].manifest_sha256, second.manifest_sha256);
    // Not a tar at all.
    assert_eq!(post(&server, &a, b"hello").status, 400);
}

trait Creds {
    fn clone_credentials_of(&self, other: &TestTill) -> Credentials;
}
impl Creds for TestTill {
    fn clone_credentials_of(&self, other: &TestTill) -> Credentials {
        Credentials {
            device: other.server_id.clone(),
            secret: self.secret.clone(),
        }
    }
}

#[test]
fn archives_on_sqlite() {
    scenario(pos_server::SqliteStorage::in_memory().unwrap());
}

#[test]
fn archives_on_postgres() {
    let pg = pg::Pg::start();
    scenario(pos_server::PostgresStorage::connect(&pg.url).unwrap());
}
