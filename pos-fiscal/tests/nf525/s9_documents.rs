//! Section 9, cases 10, 11, 12 and 15: duplicates, training, refunds,
//! admin events.

use crate::util::*;
use pos_fiscal::canon::from_canonical;
use pos_fiscal::jet::JetCode;
use pos_fiscal::payload::{DuplicatePayload, JetPayload};
use pos_fiscal::store::{self, rows, totals};
use pos_fiscal::ticket::{TicketMode, TicketPayload};
use pos_fiscal::{DocRef, FiscalError, Series, SoftwareSigner};
use std::collections::BTreeMap;

fn perpetual(t: &Till) -> totals::TotalsRow {
    totals::read(&t.conn, totals::Scope::Perpetual, "GT", None).unwrap()
}

fn jets(t: &Till) -> Vec<JetPayload> {
    rows::load_series(&t.conn, Series::E)
        .unwrap()
        .iter()
        .map(|r| from_canonical(r.payload.as_bytes(), "jet").unwrap())
        .collect()
}

#[test]
fn s9_10_three_reprints_make_counters_1_2_3_and_leave_totals() {
    let t = Till::new();
    let doc = t.sale_at("2026-11-02T09:00:00Z").doc;
    let before = perpetual(&t);
    let mut counters = Vec::new();
    for m in 1..=3 {
        let (_, k) = t
            .tx(|c| {
                store::record_duplicate(
                    c,
                    &t.signer,
                    at(&format!("2026-11-02T09:0{m}:00Z")),
                    doc,
                    "bob",
                )
            })
            .unwrap();
        counters.push(k);
    }
    assert_eq!(counters, vec![1, 2, 3]);
    assert_eq!(t.count(Series::C), 3);
    let c3: DuplicatePayload = from_canonical(
        rows::record_by_ref(
            &t.conn,
            DocRef {
                series: Series::C,
                number: 3,
            },
        )
        .unwrap()
        .unwrap()
        .payload
        .as_bytes(),
        "dup",
    )
    .unwrap();
    assert_eq!(
        (c3.original, c3.reprint, c3.doc_type.as_str()),
        (doc, 3, "ticket")
    );
    assert_eq!(perpetual(&t), before);
    assert!(t.verify().is_intact());
    // Reprinting something that does not exist is refused.
    let e = t.tx(|c| {
        store::record_duplicate(
            c,
            &t.signer,
            at("2026-11-02T09:09:00Z"),
            DocRef {
                series: Series::T,
                number: 99,
            },
            "bob",
        )
    });
    assert!(matches!(e, Err(FiscalError::UnknownDocument { .. })));
}

#[test]
fn s9_11_training_sale_moves_only_the_training_series() {
    let t = Till::new();
    t.sale_at("2026-11-02T09:00:00Z");
    let counts = |t: &Till| Series::ALL.map(|s| t.count(s));
    let before = (counts(&t), perpetual(&t));
    let mut s = sale(999, 111);
    s.mode = TicketMode::Training;
    let rec = t.record("2026-11-02T09:01:00Z", &s).unwrap();
    assert_eq!(rec.doc.series, Series::X);
    let after = (counts(&t), perpetual(&t));
    assert_eq!(after.1, before.1, "totals unchanged");
    for (i, s) in Series::ALL.iter().enumerate() {
        let delta = after.0[i] - before.0[i];
        assert_eq!(delta, i64::from(*s == Series::X), "series {s}");
    }
    // Provisional bills do not touch totals either.
    let mut b = sale(5, 5);
    b.mode = TicketMode::Provisional;
    assert_eq!(
        t.record("2026-11-02T09:02:00Z", &b).unwrap().doc.series,
        Series::B
    );
    assert_eq!(perpetual(&t), before.1);
    assert!(t.verify().is_intact());
}

#[test]
fn s9_12_refund_is_a_negative_document_referencing_the_original() {
    let t = Till::new();
    let orig = sale(1200, 550);
    let doc = t.record("2026-11-02T09:00:00Z", &orig).unwrap().doc;
    let orig_row = rows::record_by_ref(&t.conn, doc).unwrap().unwrap();
    let refund = refund_of(&orig, doc);
    let r = t.record("2026-11-02T09:30:00Z", &refund).unwrap();
    assert_eq!(
        r.doc,
        DocRef {
            series: Series::T,
            number: 2
        }
    );
    let stored = rows::record_by_ref(&t.conn, r.doc).unwrap().unwrap();
    assert_eq!(stored.kind, "refund");
    let p: TicketPayload = from_canonical(stored.payload.as_bytes(), "t").unwrap();
    assert!(p.ticket.total < 0);
    assert_eq!(p.ticket.original, Some(doc));
    assert!(stored.signed_string.contains(",refund,"));
    // JET 190 names both documents.
    let j = jets(&t).into_iter().find(|j| j.code == 190).unwrap();
    assert_eq!(j.detail.get("original").map(String::as_str), Some("T1"));
    assert_eq!(j.detail.get("document").map(String::as_str), Some("T2"));
    // The original is untouched.
    assert_eq!(
        rows::record_by_ref(&t.conn, doc).unwrap().unwrap(),
        orig_row
    );
    assert_eq!(perpetual(&t).gross, 0);
    // Refunding more than what is left is refused and changes nothing.
    let n = t.count(Series::T);
    let e = t.record("2026-11-02T09:31:00Z", &refund);
    assert!(matches!(e, Err(FiscalError::RefundTooLarge { .. })));
    assert_eq!(t.count(Series::T), n);
    assert!(t.verify().is_intact());
}

#[test]
fn s9_15_admin_events_each_make_a_signed_jet_record() {
    let t = Till::new();
    let events = [
        JetCode::SoftwareUpdate,
        JetCode::RightsChange,
        JetCode::SettingChange,
        JetCode::Export,
        JetCode::AccountantExchange,
        JetCode::TerminalAdded,
    ];
    for (i, code) in events.iter().enumerate() {
        let mut d = BTreeMap::new();
        d.insert("what".to_string(), format!("event {i}"));
        t.tx(|c| {
            store::record_event(
                c,
                &t.signer,
                at(&format!("2026-11-02T10:0{i}:00Z")),
                *code,
                "admin",
                d,
            )
        })
        .unwrap();
    }
    // Key change: JET 310 signed by the old key; later records by the new one.
    let new = SoftwareSigner::from_secret(&[0x44; 32]).unwrap();
    t.tx(|c| store::change_key(c, &t.signer, &new, at("2026-11-02T10:10:00Z"), "admin"))
        .unwrap();
    t.tx(|c| store::record_ticket(c, &new, at("2026-11-02T10:11:00Z"), &sale(100, 200)))
        .unwrap();
    let codes: Vec<u32> = jets(&t).iter().map(|j| j.code).collect();
    for code in events.iter().map(|c| c.code()).chain([310]) {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let r = t.verify();
    assert!(r.is_intact(), "{}", r.to_json());
    assert_eq!(r.key_ids.len(), 2);
    // The old key can no longer write.
    let e = t.tx(|c| store::record_ticket(c, &t.signer, at("2026-11-02T10:12:00Z"), &sale(1, 1)));
    assert!(matches!(e, Err(FiscalError::WrongKey { .. })));
}
