//! Operations: an online backup of a SQLite server database taken while a
//! till keeps pushing sales through a real server holds every sale
//! acknowledged before it started and a journal that verifies, and a
//! server started on it takes a till's sync (the restore drill);
//! `/healthz`, `/readyz` and the token-guarded `/metrics`, whose text is
//! parsed line by line against the Prometheus exposition format.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod support;

use pos_server::metrics::{Registry, ScrapeGauges};
use pos_server::ops::{BackupError, BackupOptions, backup_sqlite_with};
use pos_server::verify_job::verify_device;
use pos_server::{InProcess, Server, SqliteStorage, Storage};
use pos_sync::client::sync_once;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::till::TestTill;

const TOKEN: &str = "operator-token-7f3a";

/// The sync API with the operations endpoints, on a loopback port.
fn serve<S: Storage>(server: &Server<S>) -> InProcess {
    let app = pos_server::http::operations(pos_server::http::router(server.clone()), server);
    pos_server::spawn_app(app).unwrap()
}

/// `GET url` with an optional bearer token: (status, body).
fn get(url: &str, bearer: Option<&str>) -> (u16, String) {
    let mut req = ureq::get(url);
    if let Some(t) = bearer {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    match req.call() {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
        Err(e) => panic!("GET {url}: {e}"),
    }
}

/// Sells `n` sales on `till` and syncs them over HTTP; the event ids
/// the server acknowledged.
fn sell_and_sync(url: &str, till: &mut TestTill, n: usize) -> Vec<String> {
    for i in 0..n {
        till.sell(
            if i % 2 == 0 { "BAGUETTE" } else { "CROISSANT" },
            1,
            None,
            None,
        );
    }
    let mut http = pos_sync::http_client::UreqTransport::new(url);
    let r = sync_once(&till.client(), till, &mut http, &chrono::Utc::now).unwrap();
    till.outbox
        .iter()
        .take_while(|e| e.seq <= r.acked_seq)
        .map(|e| e.event_id.clone())
        .collect()
}

#[test]
fn a_backup_taken_while_serving_holds_every_acknowledged_sale_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite");
    let server = Server::new(SqliteStorage::open(&db).unwrap());
    let mut till = TestTill::new("CAISSE-B1", "S1", "L1", 3);
    support::enrol::enroll(&server, &mut till, None);
    let running = serve(&server);
    let url = running.url().to_owned();

    // A till pushes three sales per round until told to stop; each
    // round's acknowledged ids are published after the server answered.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let pusher = {
        let (acked, stop, url) = (Arc::clone(&acked), Arc::clone(&stop), url.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let ids = sell_and_sync(&url, &mut till, 3);
                *acked.lock().unwrap() = ids;
            }
            till
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 60 {
        assert!(Instant::now() < deadline, "the till did not push");
        std::thread::sleep(Duration::from_millis(20));
    }

    // Few pages per step and a pause: the copy spans many of the till's
    // pushes, which go on meanwhile.
    let before = acked.lock().unwrap().clone();
    let out = dir.path().join("backup.sqlite");
    let opts = BackupOptions {
        pages_per_step: 1,
        pause: Duration::from_millis(10),
        force: false,
    };
    let report = backup_sqlite_with(&db, &out, opts).unwrap();
    let during = acked.lock().unwrap().len();
    assert!(
        during > before.len(),
        "the till's pushes went on during the backup ({} then {during})",
        before.len()
    );
    stop.store(true, Ordering::Relaxed);
    let mut till = pusher.join().unwrap();
    let after = acked.lock().unwrap().clone();

    assert!(report.steps > 2, "{report:?}");
    assert_eq!(report.integrity, "ok");
    assert!(report.rows["events"] >= before.len() as u64, "{report:?}");
    assert!(report.rows["events"] <= after.len() as u64, "{report:?}");
    assert!(!out.with_extension("sqlite-wal").exists());

    // An existing output is refused unless forced; nothing is changed.
    let again = backup_sqlite_with(&db, &out, opts);
    assert!(
        matches!(again, Err(BackupError::OutputExists { .. })),
        "{again:?}"
    );
    assert_eq!(std::fs::metadata(&out).unwrap().len(), report.bytes);

    // The copy, opened by a fresh server: every sale acknowledged before
    // the backup started is there, nothing that was never pushed is, and
    // the fiscal journal verifies.
    drop(running);
    let restored = Server::new(SqliteStorage::open(&out).unwrap());
    let all: std::collections::BTreeSet<&String> = after.iter().collect();
    restored
        .with_tx(|tx| {
            for id in &before {
                assert!(tx.event_exists(id)?, "acknowledged sale {id} missing");
            }
            Ok(())
        })
        .unwrap();
    let kept = restored
        .with_tx(|tx| tx.event_count(&till.server_id))
        .unwrap();
    assert_eq!(kept, report.rows["events"]);
    assert!(kept as usize <= all.len());
    let mut reader = restored.storage().journal_reader().unwrap();
    let verdict = verify_device(
        &restored,
        reader.as_mut(),
        &till.server_id,
        &|_, _| true,
        &chrono::Utc::now,
    )
    .unwrap();
    assert!(verdict.is_intact(), "{verdict:?}");
    assert!(verdict.records >= before.len() as u64, "{verdict:?}");

    // The restore drill: a server on the copy enrols a new till and takes
    // its sales to 0 pending; the old till's credentials still answer.
    let drill = serve(&restored);
    let mut fresh = TestTill::new("CAISSE-B2", "S1", "L1", 4);
    support::enrol::enroll(&restored, &mut fresh, None);
    let ids = sell_and_sync(drill.url(), &mut fresh, 5);
    assert_eq!(ids.len(), 5);
    assert_eq!(fresh.outbox_pending(), 0);
    assert_eq!(get(&format!("{}/readyz", drill.url()), None).0, 200);
    let status = restored.device_status(&till.server_id).unwrap();
    assert_eq!(status.acked_seq, kept);
    // The till rewinds to what the restored server holds (as a till whose
    // server lost its tail would be told by `/v1/status`).
    till.acked = status.acked_seq;
    till.state.acked_seq = status.acked_seq;
    till.state.fiscal_heads = status.fiscal_heads.clone();
    let mut http = pos_sync::http_client::UreqTransport::new(drill.url());
    let r = sync_once(&till.client(), &mut till, &mut http, &chrono::Utc::now).unwrap();
    assert_eq!(
        r.acked_seq,
        till.outbox.len() as u64,
        "the till's lost tail resent"
    );
    let restored_count = restored
        .with_tx(|tx| tx.event_count(&till.server_id))
        .unwrap();
    assert_eq!(restored_count, till.outbox.len() as u64);
}

#[test]
fn health_and_readiness() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.sqlite");
    let server = Server::new(SqliteStorage::open(&db).unwrap());
    let running = serve(&server);
    let url = running.url();
    assert_eq!(get(&format!("{url}/healthz"), None).0, 200);
    let (status, body) = get(&format!("{url}/readyz"), None);
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ready"}"#));

    // Another program changes the schema version under the server.
    let other = rusqlite::Connection::open(&db).unwrap();
    other.pragma_update(None, "user_version", 99).unwrap();
    let (status, body) = get(&format!("{url}/readyz"), None);
    assert_eq!(status, 503, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["reason"], "schema_version");
    // The process is still up.
    assert_eq!(get(&format!("{url}/healthz"), None).0, 200);
    other
        .pragma_update(None, "user_version", pos_server::schema::SCHEMA_VERSION)
        .unwrap();
    assert_eq!(get(&format!("{url}/readyz"), None).0, 200);
}

#[test]
fn metrics_need_the_operator_token() {
    let plain = Server::new(SqliteStorage::in_memory().unwrap());
    let running = serve(&plain);
    assert_eq!(get(&format!("{}/metrics", running.url()), None).0, 404);
    assert_eq!(
        get(&format!("{}/metrics", running.url()), Some(TOKEN)).0,
        404,
        "no token configured: no route"
    );

    let guarded = Server::new(SqliteStorage::in_memory().unwrap()).with_metrics_token(TOKEN);
    let running = serve(&guarded);
    let url = format!("{}/metrics", running.url());
    assert_eq!(get(&url, None).0, 401);
    assert_eq!(get(&url, Some("operator-token-7f3b")).0, 401);
    assert_eq!(get(&url, Some(&TOKEN[..TOKEN.len() - 1])).0, 401);
    let (status, body) = get(&url, Some(TOKEN));
    assert_eq!(status, 200);
    assert!(body.contains("# TYPE pos_http_requests_total counter"));
    assert!(!body.contains(TOKEN));
}

/// One sample value of a scrape (`name{labels}` exactly as printed).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{series} not in\n{text}"))
        .parse()
        .unwrap()
}

#[test]
fn pushing_n_sales_adds_n_applied_events() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::new(SqliteStorage::open(&dir.path().join("s.sqlite")).unwrap())
        .with_metrics_token(TOKEN);
    let mut till = TestTill::new("CAISSE-M1", "S1", "L1", 5);
    support::enrol::enroll(&server, &mut till, None);
    let running = serve(&server);
    let url = format!("{}/metrics", running.url());
    sell_and_sync(running.url(), &mut till, 2);

    let scrape = |what: &str| sample(&get(&url, Some(TOKEN)).1, what);
    let applied = "pos_sync_events_applied_total";
    let pushes = "pos_http_requests_total{family=\"push\",class=\"2xx\"}";
    let (applied0, pushes0) = (scrape(applied), scrape(pushes));
    assert_eq!(applied0, 2.0);
    const N: usize = 17;
    sell_and_sync(running.url(), &mut till, N);
    let text = get(&url, Some(TOKEN)).1;
    assert_eq!(sample(&text, applied), applied0 + N as f64);
    assert!(sample(&text, pushes) > pushes0);
    assert!(
        sample(
            &text,
            "pos_sync_request_duration_seconds_count{op=\"push\"}"
        ) >= sample(&text, pushes)
    );
    // The till's store has a sync lag, in whole seconds.
    let lag = sample(&text, "pos_sync_store_lag_seconds{store=\"S1\"}");
    assert!((0.0..60.0).contains(&lag), "{lag}");
    // A refused request counts as an error of its family.
    let mut http = pos_sync::http_client::UreqTransport::new(running.url());
    let bad = pos_sync::client::SyncClient::new(pos_sync::client::Credentials {
        device: till.server_id.clone(),
        secret: b"wrong".to_vec(),
    });
    till.sell("BAGUETTE", 1, None, None);
    assert!(sync_once(&bad, &mut till, &mut http, &chrono::Utc::now).is_err());
    let text = get(&url, Some(TOKEN)).1;
    assert_eq!(
        sample(
            &text,
            "pos_http_request_errors_total{family=\"push\",class=\"4xx\"}"
        ),
        1.0
    );
    check_exposition(&text);
}

#[test]
fn the_exposition_follows_the_text_format() {
    let server = Server::new(SqliteStorage::in_memory().unwrap()).with_metrics_token(TOKEN);
    let mut till = TestTill::new("CAISSE-F1", "S1", "L1", 6);
    support::enrol::enroll(&server, &mut till, None);
    let running = serve(&server);
    sell_and_sync(running.url(), &mut till, 4);
    get(&format!("{}/nowhere", running.url()), None);
    let text = get(&format!("{}/metrics", running.url()), Some(TOKEN)).1;
    let families = check_exposition(&text);
    assert_eq!(families["pos_sync_request_duration_seconds"], "histogram");
    assert_eq!(families["pos_sync_store_lag_seconds"], "gauge");

    // Store labels that need escaping, through the same parser.
    let r = Registry::default();
    let text = r.render(&ScrapeGauges {
        store_lag_seconds: vec![("Caf\u{e9} \"du\" coin\\\nnord".into(), 42)],
        pool_idle: Some(3),
        pool_in_use: None,
    });
    check_exposition(&text);
    assert!(text.contains(
        "pos_sync_store_lag_seconds{store=\"Caf\u{e9} \\\"du\\\" coin\\\\\\nnord\"} 42\n"
    ));
    assert!(text.contains("pos_db_pool_connections{state=\"idle\"} 3\n"));
}

// ---- a checker of the Prometheus text exposition format (0.0.4) ----

fn is_metric_name(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with("__")
}

/// Parses `{a="x",b="y"}` (escapes `\\`, `\"`, `\n` only); the labels and
/// the rest of the line.
fn parse_labels(s: &str) -> (Vec<(String, String)>, &str) {
    let Some(mut rest) = s.strip_prefix('{') else {
        return (Vec::new(), s);
    };
    let mut labels = Vec::new();
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return (labels, r);
        }
        let eq = rest.find('=').expect("label =");
        let name = &rest[..eq];
        assert!(is_label_name(name), "label name {name:?}");
        rest = rest[eq + 1..]
            .strip_prefix('"')
            .expect("label value opens with \"");
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            let (i, c) = chars.next().expect("label value closes");
            match c {
                '"' => break i,
                '\\' => match chars.next().expect("escape").1 {
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    'n' => value.push('\n'),
                    other => panic!("bad escape \\{other}"),
                },
                '\n' => panic!("raw line feed in a label value"),
                c => value.push(c),
            }
        };
        rest = &rest[end + 1..];
        labels.push((name.to_owned(), value));
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// One histogram series (its labels but `le`) as read.
#[derive(Default)]
struct Hist {
    bounds: Vec<f64>,
    counts: Vec<f64>,
    count: Option<f64>,
    sum: bool,
}

/// Checks the whole exposition; returns each family's type.
fn check_exposition(text: &str) -> BTreeMap<String, String> {
    assert!(text.ends_with('\n'), "ends with a line feed");
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut helps = std::collections::BTreeSet::new();
    let mut seen_samples = std::collections::BTreeSet::new();
    let mut current: Option<String> = None;
    let mut hist: BTreeMap<String, Hist> = BTreeMap::new();
    for line in text.lines() {
        assert!(!line.is_empty(), "no empty lines");
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kw, name, tail) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap_or(""),
            );
            assert!(is_metric_name(name), "{line}");
            match kw {
                "HELP" => {
                    assert!(helps.insert(name.to_owned()), "one HELP per family: {line}");
                    assert!(!tail.is_empty());
                }
                "TYPE" => {
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&tail),
                        "{line}"
                    );
                    assert!(
                        types.insert(name.to_owned(), tail.to_owned()).is_none(),
                        "one TYPE per family: {line}"
                    );
                    assert!(
                        !seen_samples.contains(name),
                        "TYPE before the family's samples: {line}"
                    );
                    current = Some(name.to_owned());
                }
                _ => panic!("unknown comment keyword: {line}"),
            }
            continue;
        }
        let name_end = line.find(['{', ' ']).expect("a sample has a value");
        let name = &line[..name_end];
        assert!(is_metric_name(name), "{line}");
        let (labels, rest) = parse_labels(&line[name_end..]);
        let value_text = rest.strip_prefix(' ').expect("space before the value");
        let value: f64 = match value_text {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("value {v:?} in {line}")),
        };
        let family = current.clone().expect("a TYPE line before samples");
        let kind = types[&family].clone();
        seen_samples.insert(family.clone());
        if kind == "histogram" {
            let suffix = name
                .strip_prefix(family.as_str())
                .expect("sample of its family");
            let key_labels: Vec<String> = labels
                .iter()
                .filter(|(k, _)| k != "le")
                .map(|(k, v)| format!("{k}={v:?}"))
                .collect();
            let h = hist.entry(key_labels.join(",")).or_default();
            match suffix {
                "_bucket" => {
                    let le = &labels.iter().find(|(k, _)| k == "le").expect("le label").1;
                    let bound = if le == "+Inf" {
                        f64::INFINITY
                    } else {
                        le.parse().unwrap()
                    };
                    if let Some(last) = h.bounds.last() {
                        assert!(bound > *last, "bucket bounds increase: {line}");
                    }
                    if let Some(last) = h.counts.last() {
                        assert!(value >= *last, "buckets are cumulative: {line}");
                    }
                    h.bounds.push(bound);
                    h.counts.push(value);
                }
                "_sum" => h.sum = true,
                "_count" => h.count = Some(value),
                _ => panic!("histogram sample {line}"),
            }
        } else {
            assert_eq!(name, family, "a sample of its TYPE's family: {line}");
            if kind == "counter" {
                assert!(value >= 0.0, "{line}");
            }
        }
    }
    for (key, h) in &hist {
        assert_eq!(
            h.bounds.last(),
            Some(&f64::INFINITY),
            "{key}: ends with +Inf"
        );
        assert_eq!(
            h.counts.last().copied(),
            h.count,
            "{key}: +Inf equals _count"
        );
        assert!(h.sum, "{key}: has _sum");
    }
    types
}

#[test]
fn postgres_readiness_pool_gauge_and_a_database_that_goes_away() {
    let pg = support::pg::Pg::start();
    let server = Server::new(pos_server::PostgresStorage::connect(&pg.url).unwrap())
        .with_metrics_token(TOKEN);
    let mut till = TestTill::new("CAISSE-P1", "S1", "L1", 8);
    support::enrol::enroll(&server, &mut till, None);
    let running = serve(&server);
    let url = running.url();
    assert_eq!(sell_and_sync(url, &mut till, 6).len(), 6);
    assert_eq!(get(&format!("{url}/readyz"), None).0, 200);
    let text = get(&format!("{url}/metrics"), Some(TOKEN)).1;
    check_exposition(&text);
    assert_eq!(sample(&text, "pos_sync_events_applied_total"), 6.0);
    assert!(sample(&text, "pos_db_pool_connections{state=\"idle\"}") >= 1.0);
    assert!(sample(&text, "pos_sync_store_lag_seconds{store=\"S1\"}") < 60.0);

    // The database goes away: not ready (in bounded time), still alive,
    // and the counters are still served.
    drop(pg);
    let started = Instant::now();
    let (status, body) = get(&format!("{url}/readyz"), None);
    assert_eq!(status, 503, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["reason"], "database_unavailable", "{body}");
    assert!(started.elapsed() < pos_server::http::READY_TIMEOUT + Duration::from_secs(5));
    assert_eq!(get(&format!("{url}/healthz"), None).0, 200);
    let (status, text) = get(&format!("{url}/metrics"), Some(TOKEN));
    assert_eq!(status, 200);
    check_exposition(&text);
    assert_eq!(sample(&text, "pos_sync_events_applied_total"), 6.0);
    assert!(!text.contains("pos_sync_store_lag_seconds{"));
}

#[test]
fn a_quarantined_fiscal_batch_is_counted() {
    let server = Server::new(SqliteStorage::in_memory().unwrap());
    let mut till = TestTill::new("CAISSE-Q1", "S1", "L1", 9);
    support::enrol::enroll(&server, &mut till, None);
    let text = server.metrics().render(&ScrapeGauges::default());
    assert_eq!(sample(&text, "pos_fiscal_quarantined_total"), 0.0);
    till.sell("BAGUETTE", 1, None, None);
    till.sell("BAGUETTE", 1, None, None);
    // The second record alone: a gap, kept aside by the server.
    let second = till
        .records()
        .into_iter()
        .filter(|r| r.series == pos_fiscal::Series::T && r.number == 2)
        .collect();
    let client = till.client();
    let now = support::till::t0();
    let req = client
        .push_request(
            &mut till.state.clone(),
            vec![],
            second,
            now.timestamp_millis(),
        )
        .unwrap();
    let resp = server.handle(&req, now);
    let r = client
        .on_push_response(&mut till.state.clone(), &resp)
        .unwrap();
    assert_eq!(r.quarantined.len(), 1);
    let text = server.metrics().render(&ScrapeGauges::default());
    assert_eq!(sample(&text, "pos_fiscal_quarantined_total"), 1.0);
    assert_eq!(sample(&text, "pos_sync_events_applied_total"), 0.0);
}

#[test]
fn a_postgres_server_stopped_holding_the_last_copy_of_its_storage_exits_cleanly() {
    // A PostgreSQL storage with pooled connections whose last copy is
    // dropped inside a tokio runtime (an axum server holding it when it
    // stops) used to abort the whole process ("Cannot start a runtime from
    // within a runtime"): the synchronous client blocks on its own runtime.
    let pg = support::pg::Pg::start();
    let server = Server::new(pos_server::PostgresStorage::connect(&pg.url).unwrap());
    let mut till = TestTill::new("CAISSE-P2", "S1", "L1", 9);
    support::enrol::enroll(&server, &mut till, None);
    let running = serve(&server);
    assert_eq!(sell_and_sync(running.url(), &mut till, 2).len(), 2);
    drop(running);
    // The same, made certain: the last copy dropped inside a runtime.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async move { drop(server) });
    // Still here, and the database still answers a fresh server.
    let again = Server::new(pos_server::PostgresStorage::connect(&pg.url).unwrap());
    assert_eq!(again.device_status(&till.server_id).unwrap().acked_seq, 2);
}
