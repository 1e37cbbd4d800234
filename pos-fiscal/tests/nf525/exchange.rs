//! Exchanges (kind `exchange`): return lines of an original and new sale
//! lines on one document, in the journal, the totals, the day closure, the
//! JET 190 log and the FEC; a published vector (`testdata/exchange/`) that
//! checker.py reads too. Run with `POS_FISCAL_BLESS=1` to rewrite it.

use crate::util::*;
use pos_fiscal::canon::{from_canonical, to_canonical};
use pos_fiscal::payload::{ClosurePayload, JetPayload};
use pos_fiscal::store::{self, rows, totals};
use pos_fiscal::ticket::{LineInput, Operation, PaymentInput, PaymentMethod, TicketInput};
use pos_fiscal::verify::DefectKind;
use pos_fiscal::{DocRef, FiscalError, Series};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn line(label: &str, qty_milli: i64, unit_price: i64, vat_bps: u32) -> LineInput {
    LineInput {
        label: label.into(),
        qty_milli,
        unit_price,
        discount: 0,
        amount: unit_price * qty_milli / 1000,
        vat_bps,
    }
}

/// An exchange of `original`: `lines` (returns negative), settled by one
/// payment of `method` (none for an even exchange).
fn exchange(original: DocRef, lines: Vec<LineInput>, method: PaymentMethod) -> TicketInput {
    let mut per: BTreeMap<u32, i64> = BTreeMap::new();
    for l in &lines {
        *per.entry(l.vat_bps).or_default() += l.amount;
    }
    let total: i64 = per.values().sum();
    let mut t = ticket(&[(1000, 100, 0, 2000)], Operation::Sale, method, 0);
    t.operation = Operation::Exchange;
    t.original = Some(original);
    t.vat = per.iter().map(|(r, g)| (*r, split(*g, *r))).collect();
    t.lines = lines;
    t.total = total;
    t.payments = if total == 0 {
        vec![]
    } else {
        vec![PaymentInput {
            method,
            amount: total,
        }]
    };
    t.change = 0;
    t
}

/// The mixed day of the tests: two sales, a refund, three exchanges
/// (positive, negative and even balance) and the day closure.
struct Day {
    till: Till,
    shirts: DocRef,
    plus: DocRef,
}

fn shirt(qty: i64) -> LineInput {
    line("T-shirt M", qty, 3000, 2000)
}

fn mixed_day() -> Day {
    let t = Till::new();
    // T1: 12.00 at 20 % + 5.50 at 5.5 %, cash (17.50, 0.50 change).
    let s1 = sale(1200, 550);
    let d1 = t.record("2026-11-02T09:00:00Z", &s1).unwrap().doc;
    // T2: three T-shirts at 30.00, 20 %, card.
    let mut s2 = ticket(
        &[(3000, 3000, 0, 2000)],
        Operation::Sale,
        PaymentMethod::Card,
        0,
    );
    s2.lines[0].label = "T-shirt M".into();
    let shirts = t.record("2026-11-02T09:05:00Z", &s2).unwrap().doc;
    // T3: T1 refunded in full, cash.
    t.record("2026-11-02T09:10:00Z", &refund_of(&s1, d1))
        .unwrap();
    // T4: one shirt back, a jacket at 45.00 taken: +15.00 paid by card.
    let plus = t
        .record(
            "2026-11-02T09:20:00Z",
            &exchange(
                shirts,
                vec![shirt(-1000), line("Jacket L", 1000, 4500, 2000)],
                PaymentMethod::Card,
            ),
        )
        .unwrap()
        .doc;
    // T5: one shirt back, a book at 10.00 (5.5 %) taken: 20.00 paid back in cash.
    t.record(
        "2026-11-02T09:30:00Z",
        &exchange(
            shirts,
            vec![shirt(-1000), line("Book", 1000, 1000, 550)],
            PaymentMethod::Cash,
        ),
    )
    .unwrap();
    // T6: the last shirt for a size L at the same price: nothing to pay.
    t.record(
        "2026-11-02T09:40:00Z",
        &exchange(
            shirts,
            vec![shirt(-1000), line("T-shirt L", 1000, 3000, 2000)],
            PaymentMethod::Cash,
        ),
    )
    .unwrap();
    Day {
        till: t,
        shirts,
        plus,
    }
}

fn close(t: &Till) -> ClosurePayload {
    let z = t
        .tx(|c| {
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
    let r = rows::record_by_ref(&t.conn, z[0]).unwrap().unwrap();
    from_canonical(r.payload.as_bytes(), "z").unwrap()
}

#[test]
fn an_exchange_is_one_signed_document_with_its_jet_190() {
    let d = mixed_day();
    let t = &d.till;
    let r = rows::record_by_ref(&t.conn, d.plus).unwrap().unwrap();
    assert_eq!(r.kind, "exchange");
    // Same layout as sale/refund: rates, total (the balance), time, id, kind.
    assert!(
        r.signed_string
            .starts_with("2000:1500,1500,20261102102000,T4,exchange,1,"),
        "{}",
        r.signed_string
    );
    let (ref_series, ref_number, amount): (String, i64, i64) = t
        .conn
        .query_row(
            "SELECT ref_series, ref_number, amount FROM fiscal_record WHERE series='T' AND number=4",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((ref_series.as_str(), ref_number, amount), ("T", 2, 1500));
    let jets: Vec<JetPayload> = rows::load_series(&t.conn, Series::E)
        .unwrap()
        .iter()
        .map(|r| from_canonical(r.payload.as_bytes(), "jet").unwrap())
        .filter(|j: &JetPayload| j.code == 190)
        .collect();
    let j = jets
        .iter()
        .find(|j| j.detail.get("document").map(String::as_str) == Some("T4"))
        .unwrap();
    assert_eq!(j.detail.get("original").map(String::as_str), Some("T2"));
    assert_eq!(j.detail.get("amount").map(String::as_str), Some("-3000"));
    assert_eq!(j.detail.get("balance").map(String::as_str), Some("1500"));
    assert_eq!(jets.len(), 4); // T3, T4, T5, T6
    // All three shirts are back: a fourth return is refused, nothing written.
    assert_eq!(rows::refunded_amount(&t.conn, d.shirts).unwrap(), -9000);
    let n = t.count(Series::T);
    let e = t.record(
        "2026-11-02T09:50:00Z",
        &exchange(
            d.shirts,
            vec![shirt(-1000), line("Cap", 1000, 3000, 2000)],
            PaymentMethod::Cash,
        ),
    );
    assert!(
        matches!(e, Err(FiscalError::RefundTooLarge { .. })),
        "{e:?}"
    );
    assert_eq!(t.count(Series::T), n);
    assert!(t.verify().is_intact(), "{}", t.verify().to_json());
}

#[test]
fn the_day_closure_and_totals_count_an_exchange_by_its_lines_net_per_rate() {
    let d = mixed_day();
    let t = &d.till;
    // By hand. 20 %: T1 12.00 + T2 90.00 − T3 12.00 + T4 (−30 + 45) − T5 30.00
    // + T6 (−30 + 30) = 75.00. 5.5 %: T1 5.50 − T3 5.50 + T5 10.00 = 10.00.
    let z = close(t);
    assert_eq!(z.period_total, 8500);
    assert_eq!(z.perpetual_total, 8500);
    assert_eq!(z.vat[&2000].gross, 7500);
    assert_eq!(z.vat[&550].gross, 1000);
    assert_eq!(z.vat[&2000], split(7500, 2000));
    assert_eq!((z.sales, z.refunds, z.refunds_total), (2, 1, -1750));
    assert_eq!((z.exchanges, z.exchange_returns), (3, -9000));
    // Card 90.00 + 15.00; cash 17.50 − 17.50 − 20.00.
    assert_eq!(z.payments.get("card"), Some(&10500));
    assert_eq!(z.payments.get("cash"), Some(&-2000));
    assert_eq!(z.covered[&Series::T].count, 6);
    let gt = totals::read(&t.conn, totals::Scope::Perpetual, "GT", None).unwrap();
    assert_eq!((gt.gross, gt.docs), (8500, 6));
    assert!(t.verify().is_intact(), "{}", t.verify().to_json());
    // The closure's bytes name the new fields; a day without exchange does not.
    let bytes = String::from_utf8(to_canonical(&z).unwrap()).unwrap();
    assert!(bytes.contains(r#""exchange_returns":-9000,"exchanges":3,"#));
}

#[test]
fn the_fec_of_a_day_with_exchanges_balances_per_account() {
    let d = mixed_day();
    let t = &d.till;
    let z = close(t);
    let lines = pos_fiscal::fec::lines("R1", &[(1, z)]).unwrap();
    let cents = |s: &str| -> i64 {
        let (u, c) = s.split_once(',').unwrap();
        u.parse::<i64>().unwrap() * 100 + c.parse::<i64>().unwrap()
    };
    let mut by_account: BTreeMap<String, i64> = BTreeMap::new();
    for l in &lines {
        *by_account.entry(l[4].clone()).or_default() += cents(&l[11]) - cents(&l[12]);
    }
    assert_eq!(by_account.values().sum::<i64>(), 0);
    assert_eq!(by_account["511200"], 10500); // card, debit
    assert_eq!(by_account["530000"], -2000); // cash paid back, credit
    let v20 = split(7500, 2000);
    let v55 = split(1000, 550);
    assert_eq!(by_account["70712000"], -v20.net);
    assert_eq!(by_account["445712000"], -v20.vat);
    assert_eq!(by_account["70710550"], -v55.net);
    assert_eq!(by_account["445710550"], -v55.vat);
}

#[test]
fn a_changed_exchange_is_found() {
    let d = mixed_day();
    let t = &d.till;
    t.drop_guards();
    let p: String = t
        .conn
        .query_row(
            "SELECT payload FROM fiscal_record WHERE series='T' AND number=4",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // The jacket's price raised by 1.00 in the line only.
    let changed = p.replacen("\"amount\":4500", "\"amount\":4600", 1);
    assert_ne!(changed, p);
    t.conn
        .execute(
            "UPDATE fiscal_record SET payload=?1 WHERE series='T' AND number=4",
            [changed],
        )
        .unwrap();
    assert_defect(&t.verify(), DefectKind::Modified, Series::T, 4);
}

#[test]
fn exchange_rules_are_enforced_before_signing() {
    let t = Till::new();
    let orig = t.sale_at("2026-11-02T09:00:00Z").doc;
    let good = exchange(
        orig,
        vec![
            line("Wine", -1000, 1200, 2000),
            line("Wine, white", 1000, 1500, 2000),
        ],
        PaymentMethod::Card,
    );
    let cases: Vec<(&str, TicketInput)> = vec![
        ("no original", {
            let mut x = good.clone();
            x.original = None;
            x
        }),
        ("no return line", {
            let mut x = exchange(
                orig,
                vec![line("Wine, white", 1000, 1500, 2000)],
                PaymentMethod::Card,
            );
            x.original = Some(orig);
            x
        }),
        ("no sale line", {
            exchange(
                orig,
                vec![line("Wine", -1000, 1200, 2000)],
                PaymentMethod::Cash,
            )
        }),
        ("payment against the balance", {
            let mut x = good.clone();
            x.payments = vec![
                PaymentInput {
                    method: PaymentMethod::Card,
                    amount: 500,
                },
                PaymentInput {
                    method: PaymentMethod::Cash,
                    amount: -200,
                },
            ];
            x
        }),
        ("return line with a positive amount", {
            let mut x = good.clone();
            x.lines[0].amount = 1200;
            x.lines[1].amount = -900;
            x.vat = [(2000, split(300, 2000))].into_iter().collect();
            x
        }),
        ("an original that is not a sale", {
            let mut x = good.clone();
            x.original = Some(DocRef {
                series: Series::T,
                number: 9,
            });
            x
        }),
    ];
    let n = t.count(Series::T);
    for (name, c) in cases {
        let e = t.record("2026-11-02T09:10:00Z", &c);
        assert!(e.is_err(), "{name}: {e:?}");
    }
    assert_eq!(t.count(Series::T), n);
    t.record("2026-11-02T09:10:00Z", &good).unwrap();
    assert!(t.verify().is_intact());
}

fn vector_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/exchange")
}

/// The mixed day, closed, as `pos journal` lines; the exchange T4 is
/// hand-checkable (see the README beside it).
#[test]
fn the_exchange_vector_matches_the_code() {
    let d = mixed_day();
    close(&d.till);
    let records = rows::load_records(&d.till.conn).unwrap();
    let mut text = String::new();
    for r in &records {
        text.push_str(std::str::from_utf8(&to_canonical(r).unwrap()).unwrap());
        text.push('\n');
    }
    let path = vector_dir().join("journal.jsonl");
    if std::env::var_os("POS_FISCAL_BLESS").is_some() {
        std::fs::create_dir_all(vector_dir()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text, want,
        "run with POS_FISCAL_BLESS=1 after an intended change"
    );
}
