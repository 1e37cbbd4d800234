//! Section 9, cases 8, 9 and 17: totals, closures (with the cascade and
//! their invariants), rounding, FEC.

use crate::util::*;
use pos_fiscal::payload::{ClosureLevel, ClosurePayload};
use pos_fiscal::store::{self, totals};
use pos_fiscal::ticket::{Operation, PaymentMethod};
use pos_fiscal::{DocRef, FiscalError, Series};
use proptest::prelude::*;

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn zs(t: &Till, level: ClosureLevel) -> Vec<ClosurePayload> {
    store::closures(&t.conn, level)
        .unwrap()
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

#[test]
fn s9_08_month_closure_cascades_missing_days_and_year_the_months() {
    let t = Till::new();
    t.sale_at("2026-11-02T09:00:00Z");
    t.sale_at("2026-11-03T09:00:00Z");
    t.sale_at("2026-11-05T09:00:00Z");
    t.tx(|c| {
        store::close_day(
            c,
            &t.signer,
            at("2026-11-03T20:00:00Z"),
            day("2026-11-03"),
            None,
            "alice",
        )
    })
    .unwrap();
    // Closing the 3rd closed the 2nd first.
    let days: Vec<String> = zs(&t, ClosureLevel::Day)
        .into_iter()
        .map(|p| p.period)
        .collect();
    assert_eq!(days, vec!["2026-11-02", "2026-11-03"]);
    t.sale_at("2026-12-01T09:00:00Z");
    let made = t
        .tx(|c| store::close_month(c, &t.signer, at("2026-12-01T20:00:00Z"), 2026, 11, "alice"))
        .unwrap();
    assert_eq!(made.len(), 2, "day 5 then the month");
    let month = zs(&t, ClosureLevel::Month).pop().unwrap();
    assert_eq!(month.period, "2026-11");
    assert_eq!(month.children.len(), 3);
    assert_eq!(month.sales, 3);
    // A month closes once; a later ticket dated in it is refused.
    let e =
        t.tx(|c| store::close_month(c, &t.signer, at("2026-12-01T21:00:00Z"), 2026, 11, "alice"));
    assert!(matches!(e, Err(FiscalError::AlreadyClosed { .. })));
    // The year can't close before its end ...
    let e = t.tx(|c| store::close_year(c, &t.signer, at("2026-12-02T21:00:00Z"), 2026, "alice"));
    assert!(matches!(e, Err(FiscalError::FuturePeriod { .. })));
    // ... and then closes December (and its day) first.
    let made = t
        .tx(|c| store::close_year(c, &t.signer, at("2027-01-02T08:00:00Z"), 2026, "alice"))
        .unwrap();
    assert_eq!(made.len(), 3, "day 1 Dec, month Dec, year: {made:?}");
    let year = zs(&t, ClosureLevel::Year).pop().unwrap();
    assert_eq!(
        year.period_total,
        totals::read(&t.conn, totals::Scope::Year, "2026", None)
            .unwrap()
            .gross
    );
    assert_eq!(year.perpetual_total, year.period_total);
    assert_eq!(year.children.len(), 2);
    assert!(
        year.head.contains_key(&Series::T),
        "the head is copied into closures"
    );
    assert!(t.verify().is_intact());
}

fn rate() -> impl Strategy<Value = u32> {
    prop_oneof![Just(2000u32), Just(1000), Just(550), Just(210)]
}

fn line() -> impl Strategy<Value = (i64, i64, i64, u32)> {
    // quantity (weighed or counted), unit price, discount, rate
    (
        prop_oneof![(1i64..5).prop_map(|q| q * 1000), 1i64..3000],
        1i64..20_000,
        0i64..50,
        rate(),
    )
        .prop_map(|(q, u, d, r)| {
            let amount = (u * q + 500) / 1000;
            (q, u, d.min(amount), r)
        })
}

#[derive(Debug, Clone)]
enum Act {
    Sale(Vec<(i64, i64, i64, u32)>, bool),
    Refund(usize),
    Training(Vec<(i64, i64, i64, u32)>),
    NextDay,
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        5 => (prop::collection::vec(line(), 1..5), any::<bool>()).prop_map(|(l, cash)| Act::Sale(l, cash)),
        1 => (0usize..100).prop_map(Act::Refund),
        1 => prop::collection::vec(line(), 1..3).prop_map(Act::Training),
        1 => Just(Act::NextDay),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn s9_08_random_baskets_keep_every_total_and_closure_invariant(acts in prop::collection::vec(act(), 1..25)) {
        let t = Till::new();
        let mut d = 2u32;
        let mut minute = 0u32;
        let mut sales: Vec<(pos_fiscal::ticket::TicketInput, DocRef, chrono::NaiveDate)> = vec![];
        let mut expected_gt = 0i64;
        for a in acts {
            minute += 1;
            let when = format!("2026-11-{d:02}T{:02}:{:02}:00Z", 8 + minute / 60, minute % 60);
            match a {
                Act::Sale(lines, cash) => {
                    let pay = if cash { PaymentMethod::Cash } else { PaymentMethod::Card };
                    let tk = ticket(&lines, Operation::Sale, pay, 30);
                    let doc = t.record(&when, &tk).unwrap().doc;
                    expected_gt += tk.total;
                    sales.push((tk, doc, day(&format!("2026-11-{d:02}"))));
                }
                Act::Refund(i) if !sales.is_empty() => {
                    let (tk, doc, _) = sales.remove(i % sales.len());
                    let rf = refund_of(&tk, doc);
                    t.record(&when, &rf).unwrap();
                    expected_gt += rf.total;
                }
                Act::Refund(_) => {}
                Act::Training(lines) => {
                    let mut tk = ticket(&lines, Operation::Sale, PaymentMethod::Card, 0);
                    tk.mode = pos_fiscal::ticket::TicketMode::Training;
                    t.record(&when, &tk).unwrap();
                }
                Act::NextDay => { d += 1; minute = 0; }
            }
        }
        let gt = totals::read(&t.conn, totals::Scope::Perpetual, "GT", None).unwrap();
        prop_assert_eq!(gt.gross, expected_gt);
        prop_assert_eq!(gt.net + gt.vat, gt.gross);
        let month = totals::read(&t.conn, totals::Scope::Month, "2026-11", None).unwrap();
        prop_assert_eq!(month, gt);
        // Close the month (cascading every day): the closure invariants are
        // checked inside; then check them again from outside.
        let now = at("2026-12-01T08:00:00Z");
        t.tx(|c| store::close_month(c, &t.signer, now, 2026, 11, "alice")).unwrap();
        let days = zs(&t, ClosureLevel::Day);
        let mut perpetual = 0;
        for z in &days {
            prop_assert_eq!(z.vat.values().map(|v| v.gross).sum::<i64>(), z.period_total);
            prop_assert_eq!(z.payments.values().sum::<i64>(), z.period_total);
            prop_assert_eq!(z.perpetual_total - perpetual, z.period_total);
            perpetual = z.perpetual_total;
            let day_total = totals::read(&t.conn, totals::Scope::Day, &z.period, None).unwrap();
            prop_assert_eq!(day_total.gross, z.period_total);
        }
        let m = zs(&t, ClosureLevel::Month).pop().unwrap();
        prop_assert_eq!(m.period_total, expected_gt);
        prop_assert_eq!(m.perpetual_total, expected_gt);
        prop_assert!(t.verify().is_intact());
    }
}

#[test]
fn s9_09_rounding_printed_vat_equals_stored_vat_equals_closure_vat() {
    let t = Till::new();
    // Weighed quantities, line discounts, every French rate.
    let baskets = [
        vec![
            (1000, 333, 0, 2000),
            (1235, 799, 10, 550),
            (3000, 101, 0, 210),
        ],
        vec![
            (457, 1299, 0, 1000),
            (1000, 1, 0, 2000),
            (2000, 333, 7, 550),
        ],
        vec![
            (999, 9999, 99, 2000),
            (1500, 45, 0, 210),
            (1000, 1234, 0, 1000),
        ],
    ];
    let mut printed = std::collections::BTreeMap::<u32, i64>::new();
    for (i, b) in baskets.iter().enumerate() {
        let tk = ticket(b, Operation::Sale, PaymentMethod::Card, 0);
        // "Printed" VAT: what the receipt shows, from the ticket given to the journal.
        for (r, v) in &tk.vat {
            *printed.entry(*r).or_default() += v.vat;
        }
        t.record(&format!("2026-11-02T09:0{i}:00Z"), &tk).unwrap();
    }
    for (r, vat) in &printed {
        let stored = totals::read(&t.conn, totals::Scope::Day, "2026-11-02", Some(*r)).unwrap();
        assert_eq!(stored.vat, *vat, "rate {r}");
    }
    t.tx(|c| {
        store::close_day(
            c,
            &t.signer,
            at("2026-11-02T20:00:00Z"),
            day("2026-11-02"),
            None,
            "alice",
        )
    })
    .unwrap();
    let z = zs(&t, ClosureLevel::Day).pop().unwrap();
    for (r, vat) in &printed {
        assert_eq!(z.vat[r].vat, *vat, "rate {r}");
    }
    // The split rule itself: 20 % on 1.00 -> 0.83 + 0.17; 5.5 % on 3.33 -> 3.16 + 0.17.
    assert_eq!((split(100, 2000).net, split(100, 2000).vat), (83, 17));
    assert_eq!((split(333, 550).net, split(333, 550).vat), (316, 17));
}

#[test]
fn s9_09_day_closure_holds_cash_control_counts_and_previous_signature() {
    let t = Till::new();
    let s = sale(1200, 550);
    let doc = t.record("2026-11-02T09:00:00Z", &s).unwrap().doc;
    t.record("2026-11-02T09:10:00Z", &refund_of(&s, doc))
        .unwrap();
    t.sale_at("2026-11-02T09:20:00Z");
    t.tx(|c| store::record_duplicate(c, &t.signer, at("2026-11-02T09:30:00Z"), doc, "bob"))
        .unwrap();
    let cash = store::CashCount {
        opening_float: 10_000,
        pay_ins: 500,
        pay_outs: 200,
        counted: Some(12_050),
    };
    t.tx(|c| {
        store::close_day(
            c,
            &t.signer,
            at("2026-11-02T20:00:00Z"),
            day("2026-11-02"),
            Some(cash),
            "alice",
        )
    })
    .unwrap();
    let z = zs(&t, ClosureLevel::Day).pop().unwrap();
    assert_eq!((z.sales, z.refunds, z.duplicates), (2, 1, 1));
    assert_eq!(z.refunds_total, -s.total);
    assert_eq!(z.period_total, s.total);
    let c = z.cash.unwrap();
    assert_eq!(c.expected, 10_000 + s.total + 500 - 200);
    assert_eq!(z.covered[&Series::T].first, 1);
    assert_eq!(z.covered[&Series::T].last, 3);
    assert!(z.previous_signature.is_empty());
    t.sale_at("2026-11-03T09:00:00Z");
    t.tx(|c| {
        store::close_day(
            c,
            &t.signer,
            at("2026-11-03T20:00:00Z"),
            day("2026-11-03"),
            None,
            "alice",
        )
    })
    .unwrap();
    let z2 = zs(&t, ClosureLevel::Day).pop().unwrap();
    let z1_sig = store::closures(&t.conn, ClosureLevel::Day).unwrap()[0]
        .0
        .signature_b64
        .clone();
    assert_eq!(z2.previous_signature, z1_sig);
    assert_eq!(z2.cumulative_total, z.cumulative_total + z2.period_total);
}

#[test]
fn s9_17_fec_has_18_columns_balanced_entries_and_the_formats() {
    let t = Till::new();
    let mut card = sale(1999, 333);
    card.payments[0].method = PaymentMethod::Card;
    card.payments[0].amount = card.total;
    card.change = 0;
    t.record("2026-11-02T09:00:00Z", &card).unwrap();
    t.sale_at("2026-11-02T09:05:00Z");
    t.sale_at("2026-11-03T09:05:00Z");
    t.tx(|c| {
        store::close_day(
            c,
            &t.signer,
            at("2026-11-03T20:00:00Z"),
            day("2026-11-03"),
            None,
            "alice",
        )
    })
    .unwrap();
    let (name, bytes) = t
        .tx(|c| {
            store::export_fec(
                c,
                &t.signer,
                at("2026-11-03T20:05:00Z"),
                "123456789",
                "alice",
            )
        })
        .unwrap();
    assert_eq!(name, "123456789FEC20261103.txt");
    let text: String = bytes.iter().map(|b| char::from(*b)).collect(); // Latin-9 == Latin-1 for these
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], pos_fiscal::fec::COLUMNS.join("|"));
    let cents = |s: &str| -> i64 {
        let (u, c) = s.split_once(',').unwrap();
        assert_eq!(c.len(), 2);
        assert!(!s.contains('.') && !s.contains(' '));
        u.parse::<i64>().unwrap() * 100 + c.parse::<i64>().unwrap()
    };
    let mut per_entry = std::collections::BTreeMap::<String, (i64, i64)>::new();
    for l in &lines[1..] {
        let f: Vec<&str> = l.split('|').collect();
        assert_eq!(f.len(), 18, "{l}");
        assert_eq!(f[3].len(), 8);
        assert!(f[3].starts_with("202611"));
        let e = per_entry.entry(f[2].to_string()).or_default();
        e.0 += cents(f[11]);
        e.1 += cents(f[12]);
    }
    assert_eq!(per_entry.len(), 2, "one entry per daily closure");
    for (n, (d, c)) in &per_entry {
        assert_eq!(d, c, "entry {n} balances");
    }
    assert!(
        text.contains("|530000|")
            && text.contains("|511200|")
            && text.contains("|70712000|")
            && text.contains("|445710550|")
    );
    // The export is logged (JET 110), and a bad SIREN is refused.
    let e = t.tx(|c| store::export_fec(c, &t.signer, at("2026-11-03T20:06:00Z"), "12345", "alice"));
    assert!(matches!(e, Err(FiscalError::InvalidExport { .. })));
    assert!(t.verify().is_intact());
}
