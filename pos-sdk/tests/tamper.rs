//! The tamper campaign: a real 500-sale till file with refunds, a ticket
//! discount, a day closure and reprints, altered the way an auditor would
//! (triggers dropped, nothing re-signed, or re-signed with another key) and
//! verified read-only. Every alteration is reported at the right place; the
//! untouched copy verifies; no verification changes a byte of the file or
//! leaves a `-wal` / `-shm` beside it.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use chrono::{DateTime, Utc};
use pos_core::cart::{Actor, Permissions};
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::pricing::Discount;
use pos_core::tender::{Tender, TenderMethod};
use pos_fiscal::canon::from_canonical;
use pos_fiscal::model::{Series, Stamp};
use pos_fiscal::record::{StoredRecord, sha256_hex, signed_string};
use pos_fiscal::store::{VerifyOptions, rows};
use pos_fiscal::ticket::TicketPayload;
use pos_fiscal::verify::{DefectKind, Report};
use pos_fiscal::{PublicKey, Signer, SoftwareSigner};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use rusqlite::{Connection, params};
use rust_decimal::Decimal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

const SECRET: [u8; 32] = [7u8; 32];
const SALES: usize = 500;

fn config() -> RegisterConfig {
    let mut config = RegisterConfig::france(
        StoreId::new("paris-11").unwrap(),
        RegisterId::new("till-1").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    config.receipt.trader = pos_hw::receipt::TraderFacts {
        name: "Épicerie test".into(),
        address: vec!["1 rue de l'Exemple".into(), "75011 Paris".into()],
        siret: "40483304800022".into(),
        vat_number: Some("FR83404833048".into()),
    };
    config
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn registered_key() -> PublicKey {
    let s = SoftwareSigner::from_secret(&SECRET).unwrap();
    PublicKey::from_sec1(&s.public_key_sec1()).unwrap()
}

fn sell(reg: &mut Register, codes: &[&str], discount: Option<&Actor>) {
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    for c in codes {
        reg.scan(&mut cart, c, &ctx).unwrap();
    }
    if let Some(actor) = discount {
        cart.set_ticket_discount(Discount::Percent(Decimal::TEN), "STAFF", None, actor)
            .unwrap();
    }
    let mut payment = reg.start_payment(&cart, None).unwrap();
    let due = payment.remaining().unwrap();
    payment.add(Tender::new(TenderMethod::Card, due)).unwrap();
    let op = SaleOptions::by(OperatorId::new("alice").unwrap());
    reg.complete_sale(cart, payment, &op).unwrap();
}

/// The fixture, made once: 500 sales over two days, a discounted sale and
/// its partial refund, a day closure, a reprinted ticket (original then
/// three duplicates), then more sales on the second day.
fn fixture() -> &'static Path {
    static FIXTURE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("till.sqlite");
        let clock = Arc::new(ManualClock::new(at("2026-03-14T08:00:00Z")));
        let signer = SoftwareSigner::from_secret(&SECRET).unwrap();
        let mut reg = Register::open(
            &path,
            config(),
            clock.clone(),
            IdGenerator::seeded(5),
            Box::new(signer),
        )
        .unwrap();
        reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
            .unwrap();
        let manager = Actor::new(OperatorId::new("alice").unwrap(), Permissions::manager());
        let baskets: [&[&str]; 3] = [
            &["2000000001012"],
            &["2000000001012", "3760123000352"],
            &["3760123000352", "2501001003475"],
        ];
        sell(&mut reg, baskets[1], Some(&manager));
        let first = reg.ticket_by_number(Series::T, 1).unwrap().id().to_owned();
        let selection = [pos_sdk::RefundLine {
            line: 2,
            quantity: Decimal::ONE,
        }];
        let cart = reg.refund_cart(&first, Some(&selection), &manager).unwrap();
        let mut payment = reg.start_payment(&cart, None).unwrap();
        let due = payment.remaining().unwrap();
        payment
            .add(Tender::new(TenderMethod::Card, due.negated()))
            .unwrap();
        reg.complete_sale(
            cart,
            payment,
            &SaleOptions::by(OperatorId::new("alice").unwrap()),
        )
        .unwrap();
        for i in 0..SALES / 2 {
            clock.advance_millis(60_000);
            sell(&mut reg, baskets[i % 3], None);
        }
        let op = OperatorId::new("alice").unwrap();
        for _ in 0..4 {
            reg.print_receipt(Series::T, 3, pos_hw::receipt::OutputFormat::Text, &op)
                .unwrap();
        }
        clock.set(at("2026-03-14T20:00:00Z"));
        reg.close_day(None, None, &op).unwrap();
        clock.set(at("2026-03-15T08:00:00Z"));
        for i in 0..SALES - SALES / 2 {
            clock.advance_millis(60_000);
            sell(&mut reg, baskets[i % 3], None);
        }
        drop(reg);
        (dir, path)
    });
    path
}

struct Copy {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

/// A copy of the fixture with the fiscal triggers dropped, altered by `f`.
fn altered(f: impl FnOnce(&Connection)) -> Copy {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("till.sqlite");
    std::fs::copy(fixture(), &path).unwrap();
    let c = Connection::open(&path).unwrap();
    let triggers: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(triggers.len() >= 6, "{triggers:?}");
    for t in triggers {
        c.execute_batch(&format!("DROP TRIGGER \"{t}\"")).unwrap();
    }
    f(&c);
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    drop(c);
    Copy { _dir: dir, path }
}

/// Verifies read-only and checks that nothing was written beside or in it.
fn verify(path: &Path) -> Report {
    let before = std::fs::read(path).unwrap();
    let mut side = path.as_os_str().to_owned();
    side.push("-shm");
    let had_shm = Path::new(&side).exists();
    let opts = VerifyOptions {
        keys: vec![registered_key()],
        ..Default::default()
    };
    let report = pos_sdk::verify::verify_file(path, &opts).unwrap();
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "verification changed the file"
    );
    assert_eq!(
        Path::new(&side).exists(),
        had_shm,
        "verification made a -shm"
    );
    report
}

fn has_place(r: &Report, kind: DefectKind, table: &str, row: &str, column: &str) -> bool {
    r.defects.iter().any(|d| {
        d.kind == kind
            && d.place
                .as_ref()
                .is_some_and(|p| p.table == table && p.row == row && p.column == column)
    })
}

fn has_record(r: &Report, kind: DefectKind, series: Series, number: u64) -> bool {
    r.defects
        .iter()
        .any(|d| d.kind == kind && d.series == Some(series) && d.number == Some(number))
}

fn ticket_id(c: &Connection, number: i64) -> String {
    c.query_row(
        "SELECT id FROM tickets WHERE series = 'T' AND number = ?1",
        [number],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn tamper_campaign_the_untouched_copy_verifies_read_only() {
    let copy = altered(|_| {});
    let r = verify(&copy.path);
    assert!(r.is_intact(), "{}", r.to_json());
    assert!(r.records > 500, "{} records", r.records);
    // A file without write permission verifies the same.
    let mut perms = std::fs::metadata(&copy.path).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&copy.path, perms).unwrap();
    assert!(verify(&copy.path).is_intact());
}

#[test]
fn tamper_campaign_derived_record_columns() {
    let c = altered(|c| {
        c.execute(
            "UPDATE fiscal_record SET amount = amount + 100 WHERE series = 'T' AND number = 5",
            [],
        )
        .unwrap();
    });
    assert!(has_place(
        &verify(&c.path),
        DefectKind::Cache,
        "fiscal_record",
        "T5",
        "amount"
    ));
    let c = altered(|c| {
        c.execute(
            "UPDATE fiscal_record SET local_date = '2026-03-16' WHERE series = 'T' AND number = 7",
            [],
        )
        .unwrap();
    });
    assert!(has_place(
        &verify(&c.path),
        DefectKind::Cache,
        "fiscal_record",
        "T7",
        "local_date"
    ));
    let c = altered(|c| {
        c.execute(
            "UPDATE fiscal_record SET ref_number = 9 WHERE series = 'T' AND number = 2",
            [],
        )
        .unwrap();
    });
    assert!(has_place(
        &verify(&c.path),
        DefectKind::Cache,
        "fiscal_record",
        "T2",
        "ref_number"
    ));
}

#[test]
fn tamper_campaign_running_totals_and_grand_total() {
    let c = altered(|c| {
        c.execute(
            "UPDATE fiscal_totals SET gross = gross - 500, net = net - 500
             WHERE scope = 'perpetual' AND rate_bps = -1",
            [],
        )
        .unwrap();
    });
    let r = verify(&c.path);
    assert!(
        has_place(
            &r,
            DefectKind::Cache,
            "fiscal_totals",
            "perpetual/GT/-1",
            "gross"
        ),
        "{}",
        r.to_json()
    );
    let c = altered(|c| {
        c.execute(
            "UPDATE fiscal_totals SET docs = docs + 1 WHERE scope = 'day' AND period = '2026-03-15' AND rate_bps = 550",
            [],
        )
        .unwrap();
    });
    assert!(has_place(
        &verify(&c.path),
        DefectKind::Cache,
        "fiscal_totals",
        "day/2026-03-15/550",
        "docs"
    ));
    let c = altered(|c| {
        c.execute("DELETE FROM fiscal_totals WHERE scope = 'month'", [])
            .unwrap();
    });
    assert!(verify(&c.path).defects.iter().any(|d| {
        d.kind == DefectKind::Cache
            && d.place
                .as_ref()
                .is_some_and(|p| p.table == "fiscal_totals" && p.row.starts_with("month/"))
    }));
}

#[test]
fn tamper_campaign_head_row() {
    let c = altered(|c| {
        c.execute("UPDATE fiscal_head SET head_seq = head_seq + 7", [])
            .unwrap();
    });
    assert!(has_place(
        &verify(&c.path),
        DefectKind::Cache,
        "fiscal_head",
        "1",
        "head_seq"
    ));
    let c = altered(|c| {
        c.execute("DELETE FROM fiscal_head", []).unwrap();
    });
    let r = verify(&c.path);
    assert!(
        r.defects.iter().any(|d| d.kind == DefectKind::MissingHead),
        "{}",
        r.to_json()
    );
    // Cut the last tickets AND delete the head: never "intact".
    let c = altered(|c| {
        c.execute(
            "DELETE FROM fiscal_record WHERE series = 'T' AND number > (SELECT MAX(number) - 3 FROM fiscal_record WHERE series = 'T')",
            [],
        )
        .unwrap();
        c.execute("DELETE FROM fiscal_head", []).unwrap();
    });
    let r = verify(&c.path);
    assert!(!r.is_intact());
    assert!(r.defects.iter().any(|d| d.kind == DefectKind::MissingHead));
}

#[test]
fn tamper_campaign_meta() {
    for (sql, row) in [
        (
            "UPDATE fiscal_meta SET value = '2026-03-13T00:00:00Z' WHERE key = 'last_ts'",
            "last_ts",
        ),
        (
            "UPDATE fiscal_meta SET value = 'till-9' WHERE key = 'register'",
            "register",
        ),
        (
            "UPDATE fiscal_meta SET value = 'abcd' WHERE key = 'current_key_id'",
            "current_key_id",
        ),
        (
            "INSERT INTO fiscal_meta VALUES ('last_closed_day', '2026-03-01')",
            "last_closed_day",
        ),
    ] {
        let c = altered(|c| {
            c.execute(sql, []).unwrap();
        });
        let r = verify(&c.path);
        assert!(
            r.defects.iter().any(|d| d.kind == DefectKind::Cache
                && d.place
                    .as_ref()
                    .is_some_and(|p| p.table == "fiscal_meta" && p.row == row)),
            "{row}: {}",
            r.to_json()
        );
    }
}

#[test]
fn tamper_campaign_business_copy() {
    let mut id = String::new();
    let c = altered(|c| {
        id = ticket_id(c, 4);
        c.execute("UPDATE tickets SET total = '0.10' WHERE id = ?1", [&id])
            .unwrap();
    });
    assert!(has_place(
        &verify(&c.path),
        DefectKind::Cache,
        "tickets",
        &id,
        "total"
    ));
    let c = altered(|c| {
        id = ticket_id(c, 6);
        let json: String = c
            .query_row("SELECT json FROM tickets WHERE id = ?1", [&id], |r| {
                r.get(0)
            })
            .unwrap();
        let changed = json.replacen("Baguette", "Baguette XL", 1);
        assert_ne!(changed, json);
        c.execute(
            "UPDATE tickets SET json = ?1 WHERE id = ?2",
            params![changed, id],
        )
        .unwrap();
    });
    let r = verify(&c.path);
    assert!(
        has_place(&r, DefectKind::Cache, "tickets", &id, "json"),
        "{}",
        r.to_json()
    );
    // The altered copy is never printed under the genuine extract.
    let clock = Arc::new(ManualClock::new(at("2026-03-15T19:00:00Z")));
    let reg = Register::open(
        &c.path,
        config(),
        clock,
        IdGenerator::seeded(9),
        Box::new(SoftwareSigner::from_secret(&SECRET).unwrap()),
    )
    .unwrap();
    let err = reg.stored_receipt_facts(Series::T, 6).unwrap_err();
    assert!(err.to_string().contains("differs from its signed"), "{err}");
}

#[test]
fn tamper_campaign_deleted_duplicate_and_fake_purge() {
    let c = altered(|c| {
        c.execute(
            "DELETE FROM fiscal_record WHERE series = 'C' AND number = 2",
            [],
        )
        .unwrap();
    });
    let r = verify(&c.path);
    assert!(
        has_record(&r, DefectKind::Missing, Series::C, 2),
        "{}",
        r.to_json()
    );
    let c = altered(|c| {
        c.execute(
            "DELETE FROM fiscal_record WHERE series = 'T' AND number <= 10",
            [],
        )
        .unwrap();
        c.execute("INSERT INTO fiscal_purge_allow VALUES ('T', 10)", [])
            .unwrap();
    });
    let r = verify(&c.path);
    assert!(
        has_record(&r, DefectKind::Missing, Series::T, 1),
        "{}",
        r.to_json()
    );
    assert!(has_place(
        &r,
        DefectKind::Cache,
        "fiscal_purge_allow",
        "T",
        "upto"
    ));
}

/// Re-signs record `number` of series T (and re-chains the rest of the
/// series) after `edit` changed its payload, with `signer`.
fn resign_from(
    c: &Connection,
    number: u64,
    signer: &dyn Signer,
    edit: impl Fn(&mut TicketPayload),
) {
    let mut recs: Vec<StoredRecord> = rows::load_series(c, Series::T)
        .unwrap()
        .into_iter()
        .filter(|r| r.number >= number.saturating_sub(1))
        .collect();
    let mut prev: Option<StoredRecord> = None;
    for r in recs.iter_mut() {
        if r.number < number {
            prev = Some(r.clone());
            continue;
        }
        if r.number == number {
            let mut p: TicketPayload = from_canonical(r.payload.as_bytes(), "t").unwrap();
            edit(&mut p);
            r.payload = String::from_utf8(pos_fiscal::canon::to_canonical(&p).unwrap()).unwrap();
        }
        let p = prev.as_ref().unwrap();
        r.prev_hash = p.hash.clone();
        r.key_id = signer.key_id();
        let stamp = Stamp::parse(&r.ts, r.utc_offset_min).unwrap();
        r.signed_string = signed_string::build(
            Series::T,
            r.number,
            &r.kind,
            r.payload.as_bytes(),
            &stamp,
            p.signature_b64().as_deref(),
        )
        .unwrap();
        let sig = signer.sign(&r.envelope_bytes().unwrap()).unwrap();
        let bytes: Vec<u8> = match sig {
            pos_fiscal::RawSignature::Fixed(b) => b.to_vec(),
            other => panic!("{other:?}"),
        };
        r.signature = hex::encode(&bytes);
        let mut env = r.envelope_bytes().unwrap();
        env.extend_from_slice(&bytes);
        r.hash = sha256_hex(&env);
        c.execute(
            "UPDATE fiscal_record SET payload = ?1, prev_hash = ?2, key_id = ?3, signed_string = ?4,
               signature = ?5, hash = ?6 WHERE series = 'T' AND number = ?7",
            params![
                r.payload,
                r.prev_hash,
                r.key_id,
                r.signed_string,
                r.signature,
                r.hash,
                i64::try_from(r.number).unwrap()
            ],
        )
        .unwrap();
        prev = Some(r.clone());
    }
}

#[test]
fn tamper_campaign_resigned_history() {
    // An amount removed from a ticket of the closed day and the chain
    // re-made with a key that is not the registered one: forged.
    let other = SoftwareSigner::from_secret(&[9u8; 32]).unwrap();
    let c = altered(|c| {
        resign_from(c, 10, &other, |p| p.ticket.operator = "mallory".into());
    });
    let r = verify(&c.path);
    assert!(
        has_record(&r, DefectKind::Forged, Series::T, 10),
        "{}",
        r.to_json()
    );
    // The same with the till's own key: the day's closure, signed before,
    // no longer matches the documents it covers.
    let own = SoftwareSigner::from_secret(&SECRET).unwrap();
    let c = altered(|c| {
        resign_from(c, 10, &own, |p| p.ticket.operator = "mallory".into());
    });
    let r = verify(&c.path);
    assert!(
        r.defects
            .iter()
            .any(|d| d.kind == DefectKind::Closure || d.kind == DefectKind::TruncatedTail),
        "{}",
        r.to_json()
    );
}

#[test]
fn refund_lines_carry_their_share_of_the_ticket_discount() {
    let conn = pos_fiscal::store::open_read_only(fixture()).unwrap();
    for n in [1u64, 2] {
        let rec = rows::record_by_ref(
            &conn,
            pos_fiscal::model::DocRef {
                series: Series::T,
                number: n,
            },
        )
        .unwrap()
        .unwrap();
        let p: TicketPayload = from_canonical(rec.payload.as_bytes(), "t").unwrap();
        let mut sum = 0i64;
        for l in &p.ticket.lines {
            // quantity × unit price − discount = amount, to the cent.
            let gross =
                Decimal::from(l.qty_milli) * Decimal::from(l.unit_price) / Decimal::ONE_THOUSAND;
            assert_eq!(
                gross.round_dp_with_strategy(
                    0,
                    rust_decimal::RoundingStrategy::MidpointAwayFromZero
                ) - Decimal::from(l.discount),
                Decimal::from(l.amount),
                "T{n} {l:?}"
            );
            sum += l.amount;
        }
        assert_eq!(sum, p.ticket.total, "T{n}");
        assert_ne!(
            p.ticket.lines[0].discount, 0,
            "T{n} carries the ticket discount"
        );
    }
}

#[test]
fn the_z_ticket_prints_the_chain_head_from_the_signed_closure() {
    let clock = Arc::new(ManualClock::new(at("2026-03-15T19:00:00Z")));
    let copy = altered(|_| {});
    let reg = Register::open(
        &copy.path,
        config(),
        clock,
        IdGenerator::seeded(9),
        Box::new(SoftwareSigner::from_secret(&SECRET).unwrap()),
    )
    .unwrap();
    let text = String::from_utf8(
        reg.closure_receipt(1, pos_hw::receipt::OutputFormat::Text)
            .unwrap(),
    )
    .unwrap();
    let z = rows::record_by_ref(
        reg.connection(),
        pos_fiscal::model::DocRef {
            series: Series::Z,
            number: 1,
        },
    )
    .unwrap()
    .unwrap();
    let p: pos_fiscal::payload::ClosurePayload = from_canonical(z.payload.as_bytes(), "z").unwrap();
    let t = &p.head[&Series::T];
    assert!(
        text.contains(&format!("T{} {}", t.last, &t.hash[..8])),
        "{text}"
    );
    assert!(text.contains("Z1 — 2026-03-14"), "{text}");
    let extract = pos_fiscal::record::receipt_extract(&z.signature_b64().unwrap());
    assert!(text.contains(&format!("Signature {extract}")), "{text}");
}

/// Counts the signatures the till asks of its key: on a phone each is a
/// hardware-keystore call of milliseconds.
struct CountingSigner {
    inner: SoftwareSigner,
    calls: Arc<std::sync::atomic::AtomicUsize>,
}

impl Signer for CountingSigner {
    fn sign(&self, m: &[u8]) -> Result<pos_fiscal::RawSignature, pos_fiscal::SignerError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.sign(m)
    }
    fn public_key_sec1(&self) -> Vec<u8> {
        self.inner.public_key_sec1()
    }
    fn key_id(&self) -> String {
        self.inner.key_id()
    }
}

/// A till on a real SQLite file whose signatures are counted.
fn counted_till(dir: &Path) -> (Register, Arc<std::sync::atomic::AtomicUsize>, PathBuf) {
    let path = dir.join("till.sqlite");
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let signer = CountingSigner {
        inner: SoftwareSigner::from_secret(&SECRET).unwrap(),
        calls: calls.clone(),
    };
    let clock = Arc::new(ManualClock::new(at("2026-03-14T08:00:00Z")));
    let mut reg = Register::open(
        &path,
        config(),
        clock,
        IdGenerator::seeded(11),
        Box::new(signer),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    (reg, calls, path)
}

fn calls(c: &std::sync::atomic::AtomicUsize) -> usize {
    c.load(std::sync::atomic::Ordering::SeqCst)
}

/// A consistent copy of a live till file (committed data, WAL included),
/// taken without touching the till.
fn snapshot(live: &Path, to: &Path) {
    let c = Connection::open(live).unwrap();
    c.execute("VACUUM INTO ?1", [to.to_str().unwrap()]).unwrap();
}

/// What the sync server holds once it accepted every record of `path`:
/// the last number and hash of each series.
fn server_mirror(
    path: &Path,
) -> std::collections::BTreeMap<Series, pos_fiscal::payload::HeadEntry> {
    let c = Connection::open(path).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for r in rows::load_records(&c).unwrap() {
        out.insert(
            r.series,
            pos_fiscal::payload::HeadEntry {
                last: r.number,
                hash: r.hash.clone(),
            },
        );
    }
    out
}

#[test]
fn a_sale_commit_makes_exactly_one_signature() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, n, path) = counted_till(dir.path());
    // Opening sealed what it wrote; the first sale then costs one signature.
    reg.seal().unwrap();
    for i in 0..3 {
        let before = calls(&n);
        sell(&mut reg, &["2000000001012"], None);
        assert_eq!(
            calls(&n) - before,
            1,
            "sale {i}: one signature, the record's"
        );
    }
    // Idle: one seal signs one head; with nothing new it signs nothing.
    let before = calls(&n);
    assert!(reg.seal().unwrap());
    assert!(!reg.seal().unwrap());
    assert_eq!(calls(&n) - before, 1);
    sell(&mut reg, &["2000000001012"], None);
    // Shutdown seals the sale just made.
    let before = calls(&n);
    drop(reg);
    assert_eq!(calls(&n) - before, 1);
    let r = verify(&path);
    assert!(r.is_intact(), "{}", r.to_json());
    assert_eq!(r.unsealed, 0);
}

#[test]
fn unsealed_tail_cut_or_holed_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, _, path) = counted_till(dir.path());
    sell(&mut reg, &["2000000001012"], None);
    reg.seal().unwrap();
    let backup = dir.path().join("backup.sqlite");
    snapshot(&path, &backup);
    // After the seal: a sale, a reprint (C1, another series), a sale.
    sell(&mut reg, &["2000000001012"], None);
    let op = OperatorId::new("alice").unwrap();
    for _ in 0..2 {
        reg.print_receipt(Series::T, 2, pos_hw::receipt::OutputFormat::Text, &op)
            .unwrap();
    }
    sell(&mut reg, &["2000000001012"], None);
    let live = dir.path().join("live.sqlite");
    snapshot(&path, &live);
    let mirror = server_mirror(&live);
    let r = verify(&live);
    assert!(r.is_intact(), "{}", r.to_json());
    assert!(r.unsealed >= 3, "{}", r.to_json());

    let cut = |sql: &str| {
        let p = dir.path().join("cut.sqlite");
        let _ = std::fs::remove_file(&p);
        std::fs::copy(&live, &p).unwrap();
        let c = Connection::open(&p).unwrap();
        c.execute_batch("DROP TRIGGER fiscal_record_no_delete")
            .unwrap();
        c.execute(sql, []).unwrap();
        drop(c);
        p
    };
    // The middle of the unsealed tail, in series C: the journal counter
    // shows the hole though every chain is whole.
    let holed = cut("DELETE FROM fiscal_record WHERE series = 'C'");
    let r = verify(&holed);
    assert!(
        r.defects
            .iter()
            .any(|d| d.kind == DefectKind::Missing && d.series.is_none()),
        "{}",
        r.to_json()
    );
    // The end of the unsealed tail: no chain, counter or head defect alone
    // (only caches an attacker also rewrites), found by the server's mirror
    // of the records it accepted.
    let cut_end = cut("DELETE FROM fiscal_record WHERE series = 'T' AND number = 3");
    let r = verify(&cut_end);
    assert!(
        !r.defects.iter().any(|d| matches!(
            d.kind,
            DefectKind::TruncatedTail | DefectKind::Missing | DefectKind::BeyondHead
        )),
        "{}",
        r.to_json()
    );
    let r = pos_sdk::verify::verify_file(
        &cut_end,
        &VerifyOptions {
            keys: vec![registered_key()],
            mirrored_heads: mirror.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        has_record(&r, DefectKind::TruncatedTail, Series::T, 3),
        "{}",
        r.to_json()
    );
    // An old backup (taken at the seal) put back: sealed and consistent
    // alone, older than what the server accepted.
    drop(reg);
    assert!(verify(&backup).is_intact());
    let r = pos_sdk::verify::verify_file(
        &backup,
        &VerifyOptions {
            keys: vec![registered_key()],
            mirrored_heads: mirror,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        has_record(&r, DefectKind::TruncatedTail, Series::T, 3),
        "{}",
        r.to_json()
    );
}
