//! The crash test: `pos simulate` is killed with SIGKILL at random moments,
//! many times in a row, on one real SQLite file. After each kill the file
//! must open cleanly, every ticket printed as `committed` must be there, the
//! stock ledger must match the tickets exactly, every sale must have its
//! outbox event, the fiscal chain must verify and a start-up (JET 80) must
//! be logged for each open. A cash session is opened before the first run:
//! every committed sale must be recorded in it (same transaction as the
//! sale), no more and no less.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::Connection;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::str::FromStr;
use std::time::Duration;
use support::pos::{open_till, pos};

const KILLS: u64 = 12;

/// Runs `pos simulate` and kills it after `after`; returns the numbers it
/// printed as committed.
fn run_and_kill(db: &Path, seed: u64, after: Duration) -> Vec<u64> {
    let mut child = pos()
        .args(["simulate", "--db"])
        .arg(db)
        .args(["--sales", "1000000", "--seed", &seed.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| {
                l.strip_prefix("committed ")
                    .and_then(|n| n.parse::<u64>().ok())
            })
            .collect::<Vec<_>>()
    });
    std::thread::sleep(after);
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    reader.join().unwrap()
}

fn check_file(db: &Path, committed: &[u64], opens: u64) {
    let conn = Connection::open(db).unwrap();
    let numbers: Vec<u64> = conn
        .prepare("SELECT number FROM tickets WHERE series = 'T' ORDER BY number")
        .unwrap()
        .query_map([], |r| r.get::<_, i64>(0))
        .unwrap()
        .map(|n| u64::try_from(n.unwrap()).unwrap())
        .collect();
    // Gapless numbering, and every printed ticket is there.
    assert_eq!(numbers, (1..=numbers.len() as u64).collect::<Vec<_>>());
    for n in committed {
        assert!(
            numbers.binary_search(n).is_ok(),
            "ticket {n} was printed as committed but is missing"
        );
    }
    // Stock ledger == tickets, and levels == movements.
    let mut sold: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT json FROM tickets").unwrap();
    for json in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
        let t: serde_json::Value = serde_json::from_str(&json.unwrap()).unwrap();
        for line in t["lines"].as_array().unwrap() {
            let q = Decimal::from_str(line["quantity"].as_str().unwrap()).unwrap();
            *sold
                .entry(line["sku"].as_str().unwrap().to_owned())
                .or_default() += q;
        }
    }
    let mut moved: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut stmt = conn
        .prepare("SELECT sku, quantity FROM stock_movements")
        .unwrap();
    for row in stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
    {
        let (sku, q) = row.unwrap();
        *moved.entry(sku).or_default() += Decimal::from_str(&q).unwrap();
    }
    let mut levels: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut stmt = conn
        .prepare("SELECT sku, on_hand FROM stock_levels")
        .unwrap();
    for row in stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
    {
        let (sku, q) = row.unwrap();
        levels.insert(sku, Decimal::from_str(&q).unwrap());
    }
    for (sku, q) in &sold {
        assert_eq!(
            moved.get(sku).copied().unwrap_or_default(),
            -*q,
            "movements of {sku}"
        );
        assert_eq!(
            levels.get(sku).copied().unwrap_or_default(),
            -*q,
            "level of {sku}"
        );
    }
    // One outbox event per ticket.
    let events: i64 = conn
        .query_row("SELECT COUNT(*) FROM outbox WHERE kind = 'sale'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(events as usize, numbers.len());
    // The chain verifies; one JET 80 per open.
    let report = pos_fiscal::store::verify_store(&conn, &Default::default()).unwrap();
    assert!(report.defects.is_empty(), "{:?}", report.defects);
    check_session(&conn);
    let startups = pos_fiscal::store::rows::load_series(&conn, pos_fiscal::model::Series::E)
        .unwrap()
        .iter()
        .filter(|r| r.payload.contains("\"code\":80"))
        .count() as u64;
    assert_eq!(startups, opens, "one JET 80 per open");
}

/// Opens the till file as `pos simulate` does (store `demo-store`, register
/// `till-1`) and opens the day's cash session with a 100.00 float.
fn open_cash_session(db: &Path) {
    use pos_core::ids::OperatorId;
    let mut reg = open_till(db, "till-1", pos_sdk::IdGenerator::seeded(99));
    let float = pos_core::Money::new(Decimal::ONE_HUNDRED, pos_core::Currency::EUR);
    reg.open_cash_session(&OperatorId::new("opener").unwrap(), float)
        .unwrap();
}

/// The open session holds exactly the committed sales, with their totals.
fn check_session(conn: &Connection) {
    let json: String = conn
        .query_row(
            "SELECT json FROM cash_sessions WHERE closed_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let session: pos_core::cash_session::CashSession = serde_json::from_str(&json).unwrap();
    let mut in_session: Vec<String> = session
        .ops()
        .iter()
        .filter(|o| matches!(o, pos_core::cash_session::SessionOp::Sale(_)))
        .map(|o| o.key().to_owned())
        .collect();
    in_session.sort();
    let mut tickets: Vec<String> = conn
        .prepare("SELECT id FROM tickets WHERE series = 'T' AND kind = 'sale' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tickets.sort();
    assert_eq!(in_session, tickets, "the session records every sale once");
    let total: Decimal = conn
        .prepare("SELECT total FROM tickets WHERE series = 'T'")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|t| Decimal::from_str(&t.unwrap()).unwrap())
        .sum();
    let report = session.x_report(session.opened_at()).unwrap();
    assert_eq!(report.sales_total.amount(), total);
}

#[test]
fn sigkill_during_sales_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("till.sqlite");
    let mut rng = ChaCha8Rng::seed_from_u64(525);
    let mut committed = Vec::new();
    open_cash_session(&db);
    let mut opens = 1;
    for round in 0..KILLS {
        let after = Duration::from_millis(rng.random_range(150..1200));
        let printed = run_and_kill(&db, round, after);
        committed.extend(printed);
        opens += 1;
        check_file(&db, &committed, opens);
    }
    assert!(
        committed.len() > 20,
        "the test must actually commit sales ({} did)",
        committed.len()
    );
}
