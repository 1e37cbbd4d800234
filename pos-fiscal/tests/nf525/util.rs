//! A till on a real SQLite file, and ticket builders.

use pos_fiscal::store::{self, Recorded, VerifyOptions};
use pos_fiscal::ticket::{
    LineInput, Operation, PaymentInput, PaymentMethod, TicketInput, TicketMode, VatAmounts,
};
use pos_fiscal::verify::{DefectKind, Report};
use pos_fiscal::{DocRef, Result, Series, SoftwareSigner, Stamp};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub struct Till {
    pub _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub conn: Connection,
    pub signer: SoftwareSigner,
}

/// `2026-11-02T09:00:00Z` (UTC) with the Paris winter offset.
pub fn at(utc: &str) -> Stamp {
    at_off(utc, 60)
}

pub fn at_off(utc: &str, off: i32) -> Stamp {
    Stamp::new(
        chrono::DateTime::parse_from_rfc3339(utc).unwrap().to_utc(),
        off,
    )
    .unwrap()
}

pub fn signer() -> SoftwareSigner {
    SoftwareSigner::from_secret(&[0x11; 32]).unwrap()
}

impl Till {
    pub fn new() -> Till {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("till.sqlite");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        store::migrate(&conn).unwrap();
        let t = Till {
            _dir: dir,
            path,
            conn,
            signer: signer(),
        };
        t.tx(|c| store::init(c, &t.signer, "R1", at("2026-11-02T07:00:00Z")))
            .unwrap();
        t.tx(|c| store::open(c, &t.signer, at("2026-11-02T07:00:01Z"), "alice", "1.0.0"))
            .unwrap();
        t
    }

    pub fn reopen(&mut self) {
        self.conn = Connection::open(&self.path).unwrap();
        store::migrate(&self.conn).unwrap();
    }

    /// Runs `f` in one transaction, committed only on success.
    pub fn tx<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let tx = self.conn.unchecked_transaction()?;
        let v = f(&tx)?;
        tx.commit()?;
        Ok(v)
    }

    pub fn sale_at(&self, when: &str) -> Recorded {
        self.record(when, &sale(1200, 550)).unwrap()
    }

    pub fn record(&self, when: &str, t: &TicketInput) -> Result<Recorded> {
        self.tx(|c| store::record_ticket(c, &self.signer, at(when), t))
    }

    pub fn verify(&self) -> Report {
        store::verify_store(&self.conn, &VerifyOptions::default()).unwrap()
    }

    /// What an attacker with the sqlite3 tool does first.
    pub fn drop_guards(&self) {
        self.conn
            .execute_batch(
                "DROP TRIGGER IF EXISTS fiscal_record_no_update;
                 DROP TRIGGER IF EXISTS fiscal_record_no_delete;
                 DROP TRIGGER IF EXISTS fiscal_head_forward;
                 DROP INDEX IF EXISTS fiscal_record_series_number;",
            )
            .unwrap();
    }

    pub fn count(&self, series: Series) -> i64 {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM fiscal_record WHERE series = ?1",
                [series.code()],
                |r| r.get(0),
            )
            .unwrap()
    }
}

/// True when the report has a defect of `kind` at `series`/`number`.
/// Asserts the report holds that defect, printing the whole report if not.
#[track_caller]
pub fn assert_defect(r: &Report, kind: DefectKind, series: Series, number: u64) {
    assert!(has(r, kind, series, number), "{}", r.to_json());
}

pub fn has(r: &Report, kind: DefectKind, series: Series, number: u64) -> bool {
    r.defects.iter().any(|d| {
        d.kind == kind
            && d.series == Some(series)
            && d.number
                .is_some_and(|n| n <= number && d.last_number.unwrap_or(n) >= number)
    })
}

/// net = round(gross / (1 + rate)), half away from zero; VAT = gross - net.
pub fn split(gross: i64, bps: u32) -> VatAmounts {
    let den = 10_000 + i128::from(bps);
    let num = i128::from(gross) * 10_000;
    let q = num / den;
    let r = num % den;
    let net = if 2 * r.abs() >= den {
        q + num.signum()
    } else {
        q
    };
    let net = i64::try_from(net).unwrap();
    VatAmounts {
        net,
        vat: gross - net,
        gross,
    }
}

/// Builds a valid ticket from lines `(qty_milli, unit_price, discount, bps)`.
pub fn ticket(
    lines: &[(i64, i64, i64, u32)],
    op: Operation,
    pay: PaymentMethod,
    tendered_extra: i64,
) -> TicketInput {
    let mut ls = Vec::new();
    let mut per: BTreeMap<u32, i64> = BTreeMap::new();
    for (i, (q, u, d, bps)) in lines.iter().enumerate() {
        let raw = i128::from(*u) * i128::from(*q);
        let half = if raw >= 0 { 500 } else { -500 };
        let amount = i64::try_from((raw + half) / 1000).unwrap() - d;
        *per.entry(*bps).or_default() += amount;
        ls.push(LineInput {
            label: format!("item {i}, misc"),
            qty_milli: *q,
            unit_price: *u,
            discount: *d,
            amount,
            vat_bps: *bps,
        });
    }
    let vat: BTreeMap<u32, VatAmounts> = per.iter().map(|(r, g)| (*r, split(*g, *r))).collect();
    let total: i64 = per.values().sum();
    let change = if pay == PaymentMethod::Cash && total > 0 {
        tendered_extra
    } else {
        0
    };
    TicketInput {
        establishment: "SHOP1".into(),
        operator: "alice".into(),
        mode: TicketMode::Ticket,
        operation: op,
        original: None,
        original_register: None,
        currency: "EUR".into(),
        lines: ls,
        vat,
        total,
        payments: vec![PaymentInput {
            method: pay,
            amount: total + change,
        }],
        change,
        customer: Some("cust-7f3a".into()),
    }
}

pub fn sale(a: i64, b: i64) -> TicketInput {
    ticket(
        &[(1000, a, 0, 2000), (1000, b, 0, 550)],
        Operation::Sale,
        PaymentMethod::Cash,
        50,
    )
}

pub fn refund_of(orig: &TicketInput, doc: DocRef) -> TicketInput {
    let mut t = orig.clone();
    t.operation = Operation::Refund;
    t.original = Some(doc);
    for l in &mut t.lines {
        l.qty_milli = -l.qty_milli;
        l.amount = -l.amount;
        l.discount = -l.discount;
    }
    for v in t.vat.values_mut() {
        *v = VatAmounts {
            net: -v.net,
            vat: -v.vat,
            gross: -v.gross,
        };
    }
    t.total = -t.total;
    t.payments = vec![PaymentInput {
        method: PaymentMethod::Cash,
        amount: t.total,
    }];
    t.change = 0;
    t
}
