//! Archive and purge on the till (issue 18), against a real in-process sync
//! server: many sales over many simulated days with daily closures and
//! syncs, and at each new month the closed months archived, sent to the
//! server, confirmed, purged beyond the days the till keeps and the space
//! given back. The file stays under a stated bound, the till's journal and
//! every archive verify, and the server holds every event, every record
//! and every archive.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use chrono::{DateTime, Duration, Utc};
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_fiscal::Series;
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use pos_server::{InProcess, Server, SqliteStorage};
use pos_sync::client::SyncClient;
use pos_sync::http_client::UreqTransport;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;

#[path = "support/server.rs"]
mod support_server;

const DEVICE: &str = "lille-1/till-a";

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn op() -> OperatorId {
    OperatorId::new("alice").unwrap()
}

struct Till {
    reg: Register,
    clock: Arc<ManualClock>,
    client: SyncClient,
    url: String,
    path: std::path::PathBuf,
}

fn setup(dir: &std::path::Path, days_kept: u32) -> (Server<SqliteStorage>, InProcess, Till) {
    let (server, running) = support_server::server(dir);
    let clock = Arc::new(ManualClock::new(start()));
    let config = RegisterConfig::france(
        StoreId::new("lille-1").unwrap(),
        RegisterId::new("till-a").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    let path = dir.join("till-a.sqlite");
    let mut reg =
        Register::open_with_key_file(&path, config, clock.clone(), IdGenerator::seeded(7)).unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    let mut settings = reg.settings();
    settings
        .set("journal_days_kept", &days_kept.to_string())
        .unwrap();
    assert!(reg.set_settings(settings, &op()).unwrap());
    let code = support_server::code(&server, None);
    let mut http = UreqTransport::new(running.url());
    pos_sdk::sync::enroll(&mut reg, &mut http, &code, None).unwrap();
    let client = pos_sdk::sync::client(&mut reg).unwrap().unwrap();
    let url = running.url().to_owned();
    (
        server,
        running,
        Till {
            reg,
            clock,
            client,
            url,
            path,
        },
    )
}

impl Till {
    /// A basket of three baguettes, paid cash.
    fn sell(&mut self) {
        self.clock.advance_millis(60_000);
        let ctx = self.reg.price_context(None);
        let mut cart = self.reg.new_cart();
        for _ in 0..3 {
            self.reg.scan(&mut cart, "2000000001012", &ctx).unwrap();
        }
        let mut payment = cart
            .start_payment(self.reg.config().tender_policy, Money::zero(Currency::EUR))
            .unwrap();
        payment
            .add(Tender::new(
                TenderMethod::Cash,
                Money::new(Decimal::new(390, 2), Currency::EUR),
            ))
            .unwrap();
        self.reg
            .complete_sale(cart, payment, &SaleOptions::by(op()))
            .unwrap();
    }

    fn sync(&mut self) {
        let mut http = UreqTransport::new(&self.url);
        pos_sdk::sync::sync_register(&mut self.reg, &self.client, &mut http).unwrap();
    }

    fn push_archives(&mut self) -> Vec<pos_sync::archive::ArchiveReceipt> {
        let mut http = UreqTransport::new(&self.url);
        pos_sdk::sync::push_archives(&mut self.reg, &mut http).unwrap()
    }

    fn int(&self, sql: &str) -> i64 {
        self.reg
            .connection()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }

    /// The file's size on disk after a checkpoint.
    fn file_bytes(&self) -> u64 {
        self.reg
            .connection()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        std::fs::metadata(&self.path).unwrap().len()
    }

    /// One business day: sales from 09:00 local, a sync, the Z at 19:00.
    fn day(&mut self, day: i64, sales: u32) {
        let morning = start() + Duration::days(day) + Duration::hours(1);
        self.clock.set(morning);
        for _ in 0..sales {
            self.sell();
        }
        self.clock.set(morning + Duration::hours(10));
        self.reg.close_day(None, None, &op()).unwrap();
        self.sync();
    }

    /// The monthly housekeeping: archive the closed months, sync (the
    /// server checks archived records against its journal copy), send the
    /// archives, purge what is confirmed and old enough, reclaim space.
    fn housekeeping(&mut self) -> (usize, pos_sdk::PurgeReport, u64) {
        let made = self.reg.archive_closed_months(&op()).unwrap();
        self.sync();
        let confirmed = self.push_archives();
        assert_eq!(confirmed.len(), made.len());
        let purged = self.reg.purge_confirmed(&op()).unwrap();
        let reclaimed = self.reg.reclaim_space(u32::MAX).unwrap();
        (made.len(), purged, reclaimed)
    }
}

/// Runs pos-fiscal's Python checker on `file` and asserts it is intact;
/// says so and returns when python3 or its `cryptography` package is
/// missing (the checker's own tests run in CI with both).
fn check_with_python(file: &std::path::Path) {
    let has = std::process::Command::new("python3")
        .args(["-c", "import cryptography"])
        .status()
        .is_ok_and(|s| s.success());
    if !has {
        eprintln!("python3 with cryptography not found: checker.py not run");
        return;
    }
    let checker =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pos-fiscal/pytests/checker.py");
    let out = std::process::Command::new("python3")
        .arg(&checker)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "checker.py {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stdout)
            .chars()
            .take(3000)
            .collect::<String>()
    );
}

fn max_numbers(conn: &rusqlite::Connection) -> BTreeMap<String, u64> {
    let mut st = conn
        .prepare("SELECT series, MAX(number) FROM fiscal_record GROUP BY series")
        .unwrap();
    st.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// 90 days of 4 sales (360 sales; the 100k-sale year is the
/// `archive_purge_year` bench example), 31 days of journal kept.
#[test]
fn months_of_sales_archive_purge_and_the_file_stays_bounded() {
    const DAYS: i64 = 90;
    const SALES_PER_DAY: u32 = 4;
    let dir = tempfile::tempdir().unwrap();
    let (server, _running, mut till) = setup(dir.path(), 31);
    assert_eq!(till.int("PRAGMA auto_vacuum"), 2, "incremental auto-vacuum");
    let mut sizes = Vec::new();
    let mut archives = 0;
    let mut purged_records = 0;
    for day in 0..DAYS {
        let first_of_month = (start() + Duration::days(day)).format("%d").to_string() == "01";
        if first_of_month && day > 0 {
            till.clock.set(start() + Duration::days(day));
            let (made, purged, _) = till.housekeeping();
            archives += made;
            purged_records += purged.records;
            sizes.push((day, till.file_bytes()));
        }
        till.day(day, SALES_PER_DAY);
    }
    till.clock.set(start() + Duration::days(DAYS));
    let (made, purged, _) = till.housekeeping();
    archives += made;
    purged_records += purged.records;
    let total_sales = DAYS as u64 * u64::from(SALES_PER_DAY);

    // Jan, Feb and Mar archived; Jan and Feb (older than 31 days at the
    // last housekeeping on 1 April) purged.
    assert_eq!(archives, 3);
    let tickets_left = till.int("SELECT COUNT(*) FROM fiscal_record WHERE series = 'T'") as u64;
    assert_eq!(
        purged_records,
        59 * u64::from(SALES_PER_DAY),
        "January and February"
    );
    assert!(
        tickets_left == 31 * u64::from(SALES_PER_DAY),
        "T records kept: {tickets_left}"
    );
    let copies = till.int("SELECT COUNT(*) FROM tickets") as u64;
    assert!(copies <= tickets_left, "{copies} business copies");
    assert_eq!(
        till.int("SELECT COUNT(*) FROM archive_uploads WHERE file IS NOT NULL"),
        0,
        "every archive confirmed and its file dropped"
    );

    // The file stays under a bound set by the days kept, not by the days
    // sold: after the housekeeping of 1 April it is no larger than after
    // that of 1 March (both hold about a month of sales).
    let end = till.file_bytes();
    let march = sizes.iter().find(|(d, _)| *d == 59).unwrap().1;
    println!("file sizes after housekeeping: {sizes:?}, end {end}");
    assert!(end <= march + march / 4, "{end} > 1.25 x {march}");
    const BOUND: u64 = 4 * 1024 * 1024;
    assert!(end < BOUND, "file {end} bytes, bound {BOUND}");
    assert_eq!(till.int("PRAGMA freelist_count"), 0, "space given back");

    // The till's journal verifies across the purge (anchored on the
    // archives' ranges), and so does every archive on the server.
    let report = till.reg.verify().unwrap();
    assert!(report.is_intact(), "{}", report.to_json());
    let held = server.device_archives(DEVICE).unwrap();
    assert_eq!(held.len(), 3);
    let mut previous = String::new();
    let mut archived_tickets = 0;
    for a in &held {
        let file = server
            .archive_file(DEVICE, &a.manifest_sha256)
            .unwrap()
            .unwrap();
        let r = pos_fiscal::archive::verify_archive(&file, &[]).unwrap();
        assert!(r.is_intact(), "{}", r.to_json());
        let m = pos_fiscal::archive::read_manifest(&file).unwrap();
        assert_eq!(m.previous_manifest_sha256, previous, "archives chain");
        previous = a.manifest_sha256.clone();
        if let Some(t) = m.ranges.get(&Series::T) {
            archived_tickets += t.last - t.first + 1;
        }
        assert!(a.keep_until.starts_with("2032"), "{}", a.keep_until);
    }
    assert_eq!(archived_tickets, total_sales, "every sale is in an archive");

    // The independent Python checker agrees, on the purged till file and on
    // every archive (when python3 with `cryptography` is on this machine).
    let mut files = vec![till.path.clone()];
    for a in &held {
        let f = dir.path().join(format!("{}.tar", a.from));
        std::fs::write(
            &f,
            server
                .archive_file(DEVICE, &a.manifest_sha256)
                .unwrap()
                .unwrap(),
        )
        .unwrap();
        files.push(f);
    }
    till.file_bytes();
    for f in &files {
        check_with_python(f);
    }

    // The server holds every event and every record the till ever made
    // (the purge's own JET 20 included, after one more sync).
    till.sync();
    let events = till.int("SELECT last_seq FROM outbox_state");
    assert_eq!(
        server.with_tx(|tx| tx.event_count(DEVICE)).unwrap(),
        events as u64
    );
    let status = server.device_status(DEVICE).unwrap();
    assert_eq!(status.quarantined, 0);
    let server_heads: BTreeMap<String, u64> = status
        .fiscal_heads
        .iter()
        .map(|(s, n)| (s.code().to_owned(), *n))
        .collect();
    assert_eq!(server_heads, max_numbers(till.reg.connection()));
    assert_eq!(server_heads["T"], total_sales);

    // Reopening the purged file works and it still verifies.
    let config = till.reg.config().clone();
    drop(till.reg);
    let reg = Register::open_with_key_file(
        &dir.path().join("till-a.sqlite"),
        config,
        till.clock.clone(),
        IdGenerator::seeded(8),
    )
    .unwrap();
    assert!(reg.verify().unwrap().is_intact());
}

/// Nothing is purged before the server confirmed the archive, nor within
/// the days kept, nor when the setting is unset.
#[test]
fn nothing_is_purged_before_the_server_confirms_or_within_the_days_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _running, mut till) = setup(dir.path(), 20);
    for day in 0..31 {
        till.day(day, 2);
    }
    till.clock
        .set(start() + Duration::days(31) + Duration::hours(1));
    let made = till.reg.archive_closed_months(&op()).unwrap();
    assert_eq!(made.len(), 1, "January");
    assert!(till.reg.archive_closed_months(&op()).unwrap().is_empty());
    // Archived, not confirmed: nothing purged.
    let before = till.int("SELECT COUNT(*) FROM fiscal_record");
    assert_eq!(
        till.reg.purge_confirmed(&op()).unwrap(),
        pos_sdk::PurgeReport::default()
    );
    assert_eq!(till.int("SELECT COUNT(*) FROM fiscal_record"), before);
    till.sync();
    assert_eq!(till.push_archives().len(), 1);
    assert!(till.push_archives().is_empty(), "sent once");
    // Confirmed, but January ended 1 day ago and 20 days are kept.
    assert_eq!(
        till.reg.purge_confirmed(&op()).unwrap(),
        pos_sdk::PurgeReport::default()
    );
    // 25 days later it goes; the copies and movements go with it.
    for day in 31..56 {
        till.day(day, 1);
    }
    till.clock
        .set(start() + Duration::days(56) + Duration::hours(1));
    let p = till.reg.purge_confirmed(&op()).unwrap();
    assert_eq!(p.records, 62, "the 62 tickets of January");
    assert_eq!(p.tickets, 62);
    assert!(p.stock_movements >= 62);
    assert_eq!(
        till.int("SELECT MIN(number) FROM fiscal_record WHERE series = 'T'"),
        63
    );
    // The freed pages go back to the file system, a bounded step at a time.
    let free = till.int("PRAGMA freelist_count");
    assert!(free > 0, "a purge frees pages");
    let freed = till.reg.reclaim_space(1).unwrap() as i64;
    assert_eq!(freed, free.min(i64::from(pos_sdk::VACUUM_PAGES_PER_STEP)));
    till.reg.reclaim_space(u32::MAX).unwrap();
    assert_eq!(till.int("PRAGMA freelist_count"), 0);
    let r = till.reg.verify().unwrap();
    assert!(r.is_intact(), "{}", r.to_json());
    // A purge is logged (JET 20, action=purge).
    assert_eq!(
        till.int(
            "SELECT COUNT(*) FROM fiscal_record WHERE series = 'E' AND instr(payload, '\"purge\"') > 0"
        ),
        1
    );
    // Unset, nothing more is purged.
    let mut s = till.reg.settings();
    s.set("journal_days_kept", "").unwrap();
    till.reg.set_settings(s, &op()).unwrap();
    assert_eq!(
        till.reg.purge_confirmed(&op()).unwrap(),
        pos_sdk::PurgeReport::default()
    );
    // A kept ticket's copy cannot be deleted by hand.
    assert!(
        till.reg
            .connection()
            .execute(
                "DELETE FROM tickets WHERE rowid = (SELECT MAX(rowid) FROM tickets)",
                []
            )
            .is_err()
    );
    assert!(
        till.reg
            .connection()
            .execute(
                "DELETE FROM stock_movements WHERE seq = (SELECT MAX(seq) FROM stock_movements)",
                []
            )
            .is_err()
    );
}

#[test]
fn a_bad_days_kept_value_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, _running, till) = setup(dir.path(), 10);
    let mut s = till.reg.settings();
    assert_eq!(s.get("journal_days_kept").unwrap(), "10");
    for bad in ["0", "-3", "ten", "99999999"] {
        assert!(s.set("journal_days_kept", bad).is_err(), "{bad}");
    }
    assert_eq!(s.journal_days_kept, Some(10));
}
