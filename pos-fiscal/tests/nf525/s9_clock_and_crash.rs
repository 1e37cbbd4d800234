//! Section 9, cases 6 and 7: clock changes and a process killed mid-sale.

use crate::util::*;
use pos_fiscal::canon::from_canonical;
use pos_fiscal::payload::JetPayload;
use pos_fiscal::store::{self, rows};
use pos_fiscal::{FiscalError, Series};

fn jet_codes(t: &Till) -> Vec<u32> {
    rows::load_series(&t.conn, Series::E)
        .unwrap()
        .iter()
        .map(|r| {
            from_canonical::<JetPayload>(r.payload.as_bytes(), "jet")
                .unwrap()
                .code
        })
        .collect()
}

#[test]
fn s9_06_clock_moved_back_logs_a_jet_and_still_records() {
    let t = Till::new();
    t.sale_at("2026-11-02T10:00:00Z");
    t.sale_at("2026-11-02T09:00:00Z"); // clock moved back one hour
    let codes = jet_codes(&t);
    assert_eq!(codes.iter().filter(|c| **c == 300).count(), 1, "{codes:?}");
    let last = rows::load_series(&t.conn, Series::E)
        .unwrap()
        .pop()
        .unwrap();
    let p: JetPayload = from_canonical(last.payload.as_bytes(), "jet").unwrap();
    assert_eq!(
        p.detail.get("previous_ts").map(String::as_str),
        Some("2026-11-02T10:00:00Z")
    );
    // Forward jumps are not regressions: no further JET 300.
    t.sale_at("2026-11-05T09:00:00Z");
    assert_eq!(jet_codes(&t).iter().filter(|c| **c == 300).count(), 1);
    assert!(t.verify().is_intact());
}

#[test]
fn s9_06_midnight_and_dst_use_the_local_day() {
    let t = Till::new();
    t.tx(|c| {
        store::record_ticket(
            c,
            &t.signer,
            at_off("2026-11-02T22:59:59Z", 60),
            &sale(100, 100),
        )
    })
    .unwrap();
    t.tx(|c| {
        store::record_ticket(
            c,
            &t.signer,
            at_off("2026-11-02T23:00:00Z", 60),
            &sale(100, 100),
        )
    })
    .unwrap();
    let days: Vec<String> = t
        .conn
        .prepare("SELECT local_date FROM fiscal_record WHERE series='T' ORDER BY number")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(days, vec!["2026-11-02", "2026-11-03"]);
    // DST spring forward (28 March 2027):
    // 00:30 UTC+1 then 03:30 UTC+2 are 1 h apart and the same local day.
    let t2 = Till::new();
    let n = t2.count(Series::E);
    t2.tx(|c| {
        store::record_ticket(
            c,
            &t2.signer,
            at_off("2027-03-27T23:30:00Z", 60),
            &sale(1, 1),
        )
    })
    .unwrap();
    t2.tx(|c| {
        store::record_ticket(
            c,
            &t2.signer,
            at_off("2027-03-28T01:30:00Z", 120),
            &sale(1, 1),
        )
    })
    .unwrap();
    assert_eq!(t2.count(Series::E), n, "no clock JET across a DST change");
    let r = rows::load_series(&t2.conn, Series::T).unwrap();
    assert_eq!(
        r[0].stamp().unwrap().local_date(),
        r[1].stamp().unwrap().local_date()
    );
    assert!(r[1].signed_string.contains(",20270328033000,"));
    // Autumn back: 02:30 +2 then 02:10 +1 is later in UTC: no regression.
    t2.tx(|c| {
        store::record_ticket(
            c,
            &t2.signer,
            at_off("2027-10-31T00:30:00Z", 120),
            &sale(1, 1),
        )
    })
    .unwrap();
    t2.tx(|c| {
        store::record_ticket(
            c,
            &t2.signer,
            at_off("2027-10-31T01:10:00Z", 60),
            &sale(1, 1),
        )
    })
    .unwrap();
    assert_eq!(t2.count(Series::E), n);
    assert!(t2.verify().is_intact());
}

#[test]
fn s9_06_no_ticket_before_the_last_closure_and_no_closure_replayed() {
    let t = Till::new();
    t.sale_at("2026-11-02T09:00:00Z");
    t.tx(|c| {
        store::close_day(
            c,
            &t.signer,
            at("2026-11-02T20:00:00Z"),
            "2026-11-02".parse().unwrap(),
            None,
            "alice",
        )
    })
    .unwrap();
    // The clock goes back into the closed day: refused, nothing written.
    let n = t.count(Series::T);
    let e = t.record("2026-11-02T19:00:00Z", &sale(1, 1));
    assert!(
        matches!(e, Err(FiscalError::BeforeLastClosure { .. })),
        "{e:?}"
    );
    assert_eq!(t.count(Series::T), n);
    // A closure is never replayed.
    let e = t.tx(|c| {
        store::close_day(
            c,
            &t.signer,
            at("2026-11-02T21:00:00Z"),
            "2026-11-02".parse().unwrap(),
            None,
            "alice",
        )
    });
    assert!(matches!(e, Err(FiscalError::AlreadyClosed { .. })));
    // Nor made for the future.
    let e = t.tx(|c| {
        store::close_day(
            c,
            &t.signer,
            at("2026-11-02T21:00:00Z"),
            "2026-11-04".parse().unwrap(),
            None,
            "alice",
        )
    });
    assert!(matches!(e, Err(FiscalError::FuturePeriod { .. })));
    // The next day works.
    t.sale_at("2026-11-03T09:00:00Z");
    assert!(t.verify().is_intact());
}

#[test]
fn s9_07_abandoned_transaction_leaves_nothing_and_start_up_is_logged() {
    let mut t = Till::new();
    t.sale_at("2026-11-02T09:00:00Z");
    let before = std::fs::metadata(&t.path).is_ok();
    assert!(before);
    {
        // The facade's sale transaction dies after the fiscal record was
        // written but before commit (no commit = rollback).
        let tx = t.conn.unchecked_transaction().unwrap();
        store::record_ticket(&tx, &t.signer, at("2026-11-02T09:01:00Z"), &sale(5, 5)).unwrap();
        drop(tx);
    }
    t.reopen();
    assert_eq!(t.count(Series::T), 1);
    t.tx(|c| store::open(c, &t.signer, at("2026-11-02T09:02:00Z"), "alice", "1.0.0"))
        .unwrap();
    assert_eq!(jet_codes(&t).iter().filter(|c| **c == 80).count(), 2);
    assert!(t.verify().is_intact());
}

/// Child side of the kill test: sells in a loop until killed.
#[test]
#[ignore = "run by s9_07_process_killed_mid_sale"]
fn child_sells_until_killed() {
    let Ok(path) = std::env::var("POS_FISCAL_KILL_DB") else {
        return;
    };
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    let s = signer();
    for i in 0..1_000_000i64 {
        let tx = conn.unchecked_transaction().unwrap();
        let when = at_off("2026-11-02T09:00:00Z", 60);
        let when = pos_fiscal::Stamp::new(when.utc + chrono::Duration::seconds(i), 60).unwrap();
        store::record_ticket(&tx, &s, when, &sale(100 + i % 7, 50)).unwrap();
        tx.commit().unwrap();
    }
}

#[test]
fn s9_07_process_killed_mid_sale_recovers_all_or_nothing() {
    let mut t = Till::new();
    let exe = std::env::current_exe().unwrap();
    for round in 0..3u64 {
        let mut child = std::process::Command::new(&exe)
            .args([
                "--exact",
                "s9_clock_and_crash::child_sells_until_killed",
                "--ignored",
                "--nocapture",
            ])
            .env("POS_FISCAL_KILL_DB", &t.path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(700 + 230 * round));
        child.kill().unwrap(); // SIGKILL: no destructor, no commit
        child.wait().unwrap();
        t.reopen();
        t.tx(|c| store::open(c, &t.signer, at("2026-11-02T07:30:00Z"), "alice", "1.0.0"))
            .unwrap();
        let r = t.verify();
        assert!(r.is_intact(), "round {round}: {}", r.to_json());
        // Running totals hold exactly the committed tickets.
        let docs = store::totals::read(&t.conn, store::totals::Scope::Perpetual, "GT", None)
            .unwrap()
            .docs;
        assert_eq!(docs, t.count(Series::T), "round {round}");
    }
    assert!(t.count(Series::T) > 0, "the child sold something");
}
