//! Refunds whose original was sold at another till of the retailer
//! (`original_register`): recorded with the foreign reference, kept apart
//! from this till's own documents of the same number, and verified.

use crate::util::*;
use pos_fiscal::canon::from_canonical;
use pos_fiscal::payload::JetPayload;
use pos_fiscal::store::rows;
use pos_fiscal::ticket::TicketPayload;
use pos_fiscal::{DocRef, FiscalError, Series};

fn t(n: u64) -> DocRef {
    DocRef {
        series: Series::T,
        number: n,
    }
}

fn foreign_refund(register: &str, doc: DocRef) -> pos_fiscal::ticket::TicketInput {
    let mut r = refund_of(&sale(1200, 550), doc);
    r.original_register = Some(register.into());
    r
}

#[test]
fn a_refund_of_another_tills_ticket_is_recorded_with_its_register() {
    let t_ = Till::new();
    // T1 of this till, and a refund of R2's T1 (not in this journal).
    let local = t_.sale_at("2026-11-02T09:00:00Z").doc;
    let r = t_
        .record("2026-11-02T09:10:00Z", &foreign_refund("R2", t(1)))
        .unwrap();
    let stored = rows::record_by_ref(&t_.conn, r.doc).unwrap().unwrap();
    let p: TicketPayload = from_canonical(stored.payload.as_bytes(), "t").unwrap();
    assert_eq!(p.ticket.original, Some(t(1)));
    assert_eq!(p.ticket.original_register.as_deref(), Some("R2"));
    assert!(stored.payload.contains(r#""original_register":"R2""#));
    let (ref_series, ref_number): (Option<String>, Option<i64>) = t_
        .conn
        .query_row(
            "SELECT ref_series, ref_number FROM fiscal_record WHERE series='T' AND number=2",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((ref_series.as_deref(), ref_number), (Some("T"), Some(1)));
    let jet: JetPayload = rows::load_series(&t_.conn, Series::E)
        .unwrap()
        .iter()
        .map(|r| from_canonical::<JetPayload>(r.payload.as_bytes(), "jet").unwrap())
        .find(|j| j.code == 190)
        .unwrap();
    assert_eq!(jet.detail.get("original").map(String::as_str), Some("T1"));
    assert_eq!(
        jet.detail.get("original_register").map(String::as_str),
        Some("R2")
    );
    // R2's T1 refund does not eat this till's T1: it can still be refunded
    // in full, once.
    assert_eq!(rows::refunded_amount(&t_.conn, local).unwrap(), 0);
    let own = refund_of(&sale(1200, 550), local);
    t_.record("2026-11-02T09:20:00Z", &own).unwrap();
    assert!(matches!(
        t_.record("2026-11-02T09:21:00Z", &own),
        Err(FiscalError::RefundTooLarge { .. })
    ));
    assert!(t_.verify().is_intact(), "{}", t_.verify().to_json());
}

#[test]
fn a_foreign_original_is_refused_when_it_names_this_till_or_is_malformed() {
    let t_ = Till::new();
    t_.sale_at("2026-11-02T09:00:00Z");
    let n = t_.count(Series::T);
    // This till's own register: the reference would be ambiguous.
    assert!(matches!(
        t_.record("2026-11-02T09:10:00Z", &foreign_refund("R1", t(1))),
        Err(FiscalError::InvalidTicket { .. })
    ));
    for bad in ["", "R\n2", &"x".repeat(65)] {
        assert!(matches!(
            t_.record("2026-11-02T09:10:00Z", &foreign_refund(bad, t(1))),
            Err(FiscalError::InvalidTicket { .. })
        ));
    }
    // Only with an original.
    let mut s = sale(1200, 550);
    s.original_register = Some("R2".into());
    assert!(matches!(
        t_.record("2026-11-02T09:10:00Z", &s),
        Err(FiscalError::InvalidTicket { .. })
    ));
    assert_eq!(t_.count(Series::T), n);
    assert!(t_.verify().is_intact());
}
