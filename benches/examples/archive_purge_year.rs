//! A simulated year of a busy shop on one till (issue 18), in release mode:
//! sales every day with a daily closure and a sync to a real in-process
//! sync server, and at each new month the closed months archived, sent to
//! the server, confirmed, purged beyond the days kept and the space given
//! back. Prints the file size and bytes per sale before and after each
//! purge, the file size at the end of the year and the time to open it.
//! Figures are recorded in `benches/README.md`.
//!
//! `nice -n 19 cargo run --release -p pos-benches --example archive_purge_year -- DAYS SALES_PER_DAY DAYS_KEPT`
//! (defaults 365, 275, 31: 100,375 sales).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::print_stdout,
    clippy::indexing_slicing
)]

use chrono::{DateTime, Duration, Utc};
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_core::{Currency, Money};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use pos_server::{Server, SqliteStorage};
use pos_sync::http_client::UreqTransport;
use std::sync::Arc;
use std::time::Instant;

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-01T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn op() -> OperatorId {
    OperatorId::new("alice").unwrap()
}

fn config() -> RegisterConfig {
    RegisterConfig::france(
        StoreId::new("lille-1").unwrap(),
        RegisterId::new("till-a").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap()
}

fn file_bytes(reg: &Register, path: &std::path::Path) -> u64 {
    reg.connection()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    std::fs::metadata(path).unwrap().len()
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: DAYS SALES_PER_DAY DAYS_KEPT"))
        .collect();
    let days = args.first().copied().unwrap_or(365) as i64;
    let per_day = args.get(1).copied().unwrap_or(275);
    let kept = args.get(2).copied().unwrap_or(31) as u32;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::new(SqliteStorage::open(&dir.path().join("server.sqlite")).unwrap());
    server
        .with_tx(|tx| {
            tx.bo_put_retailer("r1", "Retailer One", "123456789")?;
            tx.bo_put_store("lille-1", "r1")?;
            Ok(())
        })
        .unwrap();
    let running = pos_server::spawn_in_process(server.clone()).unwrap();
    let clock = Arc::new(ManualClock::new(start()));
    let path = dir.path().join("till-a.sqlite");
    let mut reg =
        Register::open_with_key_file(&path, config(), clock.clone(), IdGenerator::seeded(7))
            .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    let mut s = reg.settings();
    s.set("journal_days_kept", &kept.to_string()).unwrap();
    reg.set_settings(s, &op()).unwrap();
    let code = server
        .enrolment_code("r1", "lille-1", None, 3_600_000, Utc::now())
        .unwrap()
        .0
        .secret;
    let mut http = UreqTransport::new(running.url());
    pos_sdk::sync::enroll(&mut reg, &mut http, &code, None).unwrap();
    let client = pos_sdk::sync::client(&mut reg).unwrap().unwrap();
    let codes = ["2000000001012", "2000000002019", "3760123000079"];
    let began = Instant::now();
    let mut sales: u64 = 0;
    for day in 0..=days {
        let morning = start() + Duration::days(day) + Duration::hours(1);
        clock.set(morning - Duration::hours(2));
        if day > 0 && morning.format("%d").to_string() == "01" || day == days {
            let held_before = reg
                .connection()
                .query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get::<_, i64>(0))
                .unwrap() as u64;
            let before = file_bytes(&reg, &path);
            let made = reg.archive_closed_months(&op()).unwrap();
            pos_sdk::sync::sync_register(&mut reg, &client, &mut http).unwrap();
            let confirmed = pos_sdk::sync::push_archives(&mut reg, &mut http).unwrap();
            let t = Instant::now();
            let purged = reg.purge_confirmed(&op()).unwrap();
            let purge_ms = t.elapsed().as_millis();
            let t = Instant::now();
            let mut steps = 0u32;
            while reg.reclaim_space(1).unwrap() > 0 {
                steps += 1;
            }
            let step_ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(steps.max(1));
            let held_after = reg
                .connection()
                .query_row("SELECT COUNT(*) FROM tickets", [], |r| r.get::<_, i64>(0))
                .unwrap() as u64;
            let after = file_bytes(&reg, &path);
            println!(
                "{} sales so far: archives {} (confirmed {}), file {} B = {} B/held sale ({} held) before purge; purged {} records, {} copies in {} ms, vacuum {} steps of <= {} pages ({:.1} ms/step); file {} B = {} B/held sale ({} held) after",
                sales,
                made.len(),
                confirmed.len(),
                before,
                before / held_before.max(1),
                held_before,
                purged.records,
                purged.tickets,
                purge_ms,
                steps,
                pos_sdk::VACUUM_PAGES_PER_STEP,
                step_ms,
                after,
                after / held_after.max(1),
                held_after
            );
        }
        if day == days {
            break;
        }
        clock.set(morning);
        for i in 0..per_day {
            clock.advance_millis(20_000);
            let ctx = reg.price_context(None);
            let mut cart = reg.new_cart();
            reg.scan(&mut cart, codes[(i % 3) as usize], &ctx).unwrap();
            reg.scan(&mut cart, codes[0], &ctx).unwrap();
            let due = cart.total();
            let mut payment = cart
                .start_payment(reg.config().tender_policy, Money::zero(Currency::EUR))
                .unwrap();
            payment.add(Tender::new(TenderMethod::Cash, due)).unwrap();
            reg.complete_sale(cart, payment, &SaleOptions::by(op()))
                .unwrap();
            sales += 1;
        }
        clock.set(morning + Duration::hours(10));
        reg.close_day(None, None, &op()).unwrap();
        pos_sdk::sync::sync_register(&mut reg, &client, &mut http).unwrap();
    }
    let elapsed = began.elapsed().as_secs();
    let end = file_bytes(&reg, &path);
    let report = reg.verify().unwrap();
    assert!(report.is_intact(), "{}", report.to_json());
    let archives = server.device_archives("lille-1/till-a").unwrap();
    for a in &archives {
        let f = server
            .archive_file("lille-1/till-a", &a.manifest_sha256)
            .unwrap()
            .unwrap();
        assert!(
            pos_fiscal::archive::verify_archive(&f, &[])
                .unwrap()
                .is_intact()
        );
    }
    drop(reg);
    let t = Instant::now();
    let reg = Register::open_with_key_file(&path, config(), clock.clone(), IdGenerator::seeded(8))
        .unwrap();
    let open_ms = t.elapsed().as_secs_f64() * 1000.0;
    drop(reg);
    println!(
        "{days} days x {per_day} sales = {sales} sales, {kept} days kept, in {elapsed} s: end file {end} B ({:.1} MB), open {open_ms:.1} ms, {} archives on the server, all verified; journal verified",
        end as f64 / 1e6,
        archives.len()
    );
}
