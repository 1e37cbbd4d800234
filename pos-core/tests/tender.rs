//! Tender integration tests: split payments, change, cash rounding, meal
//! vouchers, overpayment rules, pay-outs.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pos_core::tender::{
    CashRounding, Direction, MealVoucherExcess, Payment, PaymentDue, Tender, TenderMethod,
    TenderPolicy,
};
use pos_core::{CoreError, Currency, Money};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn eur(a: Decimal) -> Money {
    Money::new(a, Currency::EUR)
}

fn plain() -> TenderPolicy {
    TenderPolicy::france(Currency::EUR)
}

fn rounding() -> TenderPolicy {
    let mut p = plain();
    p.cash_rounding = Some(CashRounding::new(dec!(0.05), Currency::EUR).unwrap());
    p
}

fn pay(total: Decimal, eligible: Decimal, policy: TenderPolicy) -> Payment {
    Payment::new(
        PaymentDue::new(eur(total), eur(eligible)),
        policy,
        eur(dec!(0)),
    )
    .unwrap()
}

fn cash(a: Decimal) -> Tender {
    Tender::new(TenderMethod::Cash, eur(a))
}
fn card(a: Decimal) -> Tender {
    Tender::new(TenderMethod::Card, eur(a))
}
fn mv(a: Decimal) -> Tender {
    Tender::new(TenderMethod::MealVoucher, eur(a))
}

#[test]
fn cash_gives_change() {
    let mut p = pay(dec!(12.34), dec!(0), plain());
    p.add(cash(dec!(20))).unwrap();
    assert_eq!(p.remaining().unwrap().format_plain(), "-7.66");
    let s = p.finish().unwrap();
    assert_eq!(s.change.format_plain(), "7.66");
    assert_eq!(s.cash_rounding.format_plain(), "0.00");
    assert_eq!(s.total_due.format_plain(), "12.34");
    assert_eq!(s.direction, Direction::Collect);
}

/// A refund's outstanding amount is what is owed back, positive like the
/// tenders that pay it; `remaining` keeps the total's sign.
#[test]
fn a_refund_is_outstanding_as_a_positive_amount() {
    let mut p = pay(dec!(-12.34), dec!(0), plain());
    assert_eq!(p.direction(), Direction::PayOut);
    assert_eq!(p.outstanding().unwrap().format_plain(), "12.34");
    assert_eq!(p.remaining().unwrap().format_plain(), "-12.34");
    p.add(card(dec!(2.34))).unwrap();
    assert_eq!(p.outstanding().unwrap().format_plain(), "10.00");
    assert!(p.add(card(dec!(-1))).is_err());
    assert_eq!(p.outstanding().unwrap().format_plain(), "10.00");
    let mut sale = pay(dec!(12.34), dec!(0), plain());
    sale.add(cash(dec!(20))).unwrap();
    assert_eq!(sale.outstanding().unwrap().format_plain(), "-7.66");
}

/// The cash rounding cases, by hand: the cash part is rounded to 0.05,
/// half away from zero, and the difference is its own line.
#[test]
fn cash_rounding_to_five_cents() {
    // (total, cash given, rounding, change)
    let cases = [
        (dec!(1.02), dec!(1.00), dec!(-0.02), dec!(0.00)),
        (dec!(1.03), dec!(1.05), dec!(0.02), dec!(0.00)),
        (dec!(1.025), dec!(1.05), dec!(0.025), dec!(0.00)),
        (dec!(1.07), dec!(2.00), dec!(-0.02), dec!(0.95)),
        (dec!(9.99), dec!(10.00), dec!(0.01), dec!(0.00)),
        (dec!(10.00), dec!(10.00), dec!(0.00), dec!(0.00)),
    ];
    for (total, given, want_rounding, want_change) in cases {
        if total.scale() > 2 {
            // Totals are whole cents; 1.025 is only a rounding unit case.
            assert!(
                Payment::new(
                    PaymentDue::new(eur(total), eur(dec!(0))),
                    rounding(),
                    eur(dec!(0))
                )
                .is_err()
            );
            continue;
        }
        let mut p = pay(total, dec!(0), rounding());
        p.add(cash(given)).unwrap();
        let s = p.finish().unwrap();
        assert_eq!(s.cash_rounding.amount(), want_rounding, "{total}");
        assert_eq!(s.change.amount(), want_change, "{total}");
        assert_eq!(s.total_due.amount(), total + want_rounding);
    }
    // 1.02 in cash: 0.99 is short of the rounded 1.00.
    let mut p = pay(dec!(1.02), dec!(0), rounding());
    p.add(cash(dec!(0.99))).unwrap();
    assert_eq!(
        p.finish().unwrap_err(),
        CoreError::PaymentShort {
            remaining: "0.01".into()
        }
    );
}

#[test]
fn no_rounding_without_cash_and_only_on_the_cash_part() {
    let mut p = pay(dec!(10.02), dec!(0), rounding());
    p.add(card(dec!(10.02))).unwrap();
    let s = p.finish().unwrap();
    assert!(s.cash_rounding.is_zero());
    // Card 5.00 then cash for the 5.02 left: rounded to 5.00.
    let mut p = pay(dec!(10.02), dec!(0), rounding());
    p.add(card(dec!(5))).unwrap();
    p.add(cash(dec!(5))).unwrap();
    let s = p.finish().unwrap();
    assert_eq!(s.cash_rounding.format_plain(), "-0.02");
    assert_eq!(s.total_due.format_plain(), "10.00");
    assert!(s.change.is_zero());
}

#[test]
fn a_cash_part_that_rounds_to_nothing_needs_no_cash() {
    // 10.02 with a 10.00 card payment: 0.02 left for cash rounds to 0.00.
    let mut p = pay(dec!(10.02), dec!(0), rounding());
    p.add(card(dec!(10))).unwrap();
    let s = p.finish().unwrap();
    assert_eq!(s.cash_rounding.format_plain(), "-0.02");
    assert_eq!(s.total_due.format_plain(), "10.00");
    // 0.03 left rounds to 0.05: cash is still due. Without rounding, 0.02 is.
    let mut p = pay(dec!(10.03), dec!(0), rounding());
    p.add(card(dec!(10))).unwrap();
    assert_eq!(p.finish().unwrap_err().kind(), "payment_short");
    let mut p = pay(dec!(10.02), dec!(0), plain());
    p.add(card(dec!(10))).unwrap();
    assert_eq!(p.finish().unwrap_err().kind(), "payment_short");
}

#[test]
fn split_payments_in_any_order() {
    // Card then cash.
    let mut p = pay(dec!(25), dec!(0), plain());
    p.add(card(dec!(10))).unwrap();
    p.add(cash(dec!(20))).unwrap();
    let s = p.finish().unwrap();
    assert_eq!(s.change.format_plain(), "5.00");
    // Cash then card for the balance.
    let mut p = pay(dec!(25), dec!(0), plain());
    p.add(cash(dec!(20))).unwrap();
    assert_eq!(
        p.add(card(dec!(10))).unwrap_err(),
        CoreError::OverpaymentWithoutCash {
            method: "card",
            amount: "10.00".into(),
            remaining: "5.00".into()
        }
    );
    p.add(card(dec!(5))).unwrap();
    let s = p.finish().unwrap();
    assert!(s.change.is_zero());
    assert_eq!(s.tenders.len(), 2);
    // Cheque, gift card, voucher, store credit together.
    let mut p = pay(dec!(100), dec!(0), plain());
    p.add(Tender::new(TenderMethod::Cheque, eur(dec!(40))))
        .unwrap();
    p.add(Tender::new(
        TenderMethod::GiftCard {
            reference: "GC-0042".into(),
        },
        eur(dec!(30)),
    ))
    .unwrap();
    p.add(Tender::new(
        TenderMethod::Voucher {
            reference: "AV-7".into(),
        },
        eur(dec!(20)),
    ))
    .unwrap();
    p.add(Tender::new(
        TenderMethod::StoreCredit {
            reference: "CUST-9".into(),
        },
        eur(dec!(10)),
    ))
    .unwrap();
    let s = p.finish().unwrap();
    let methods: Vec<&str> = s.tenders.iter().map(|t| t.method.code()).collect();
    assert_eq!(methods, ["cheque", "gift_card", "voucher", "store_credit"]);
    assert_eq!(s.tenders[1].method.reference(), Some("GC-0042"));
}

#[test]
fn only_cash_overpays() {
    for method in [
        TenderMethod::Card,
        TenderMethod::Cheque,
        TenderMethod::GiftCard {
            reference: "G".into(),
        },
    ] {
        let mut p = pay(dec!(9.99), dec!(0), plain());
        let e = p
            .add(Tender::new(method.clone(), eur(dec!(10))))
            .unwrap_err();
        assert_eq!(e.kind(), "overpayment_without_cash", "{method:?}");
        assert!(p.tenders().is_empty());
    }
}

#[test]
fn short_payment_is_an_error_at_completion() {
    let mut p = pay(dec!(30), dec!(0), plain());
    p.add(card(dec!(10))).unwrap();
    assert_eq!(
        p.finish().unwrap_err(),
        CoreError::PaymentShort {
            remaining: "20.00".into()
        }
    );
    let p = pay(dec!(0), dec!(0), plain());
    assert!(p.finish().unwrap().tenders.is_empty());
}

#[test]
fn bad_tenders_are_refused() {
    let mut p = pay(dec!(10), dec!(0), plain());
    for t in [cash(dec!(0)), cash(dec!(-1)), cash(dec!(1.001))] {
        assert_eq!(p.add(t).unwrap_err().kind(), "invalid_tender_amount");
    }
    let usd = Money::new(dec!(1), Currency::from_code("USD").unwrap());
    assert_eq!(
        p.add(Tender::new(TenderMethod::Cash, usd))
            .unwrap_err()
            .kind(),
        "currency_mismatch"
    );
    let bad = TenderMethod::GiftCard {
        reference: " ".into(),
    };
    assert_eq!(
        p.add(Tender::new(bad, eur(dec!(1)))).unwrap_err().kind(),
        "invalid_text"
    );
    assert!(p.tenders().is_empty());
}

#[test]
fn meal_vouchers_pay_food_only() {
    // 12.00 total of which 7.50 is food.
    let mut p = pay(dec!(12), dec!(7.50), plain());
    assert_eq!(
        p.add(mv(dec!(8))).unwrap_err(),
        CoreError::MealVoucherAboveEligible {
            requested: "8.00".into(),
            eligible: "7.50".into()
        }
    );
    p.add(mv(dec!(5))).unwrap();
    p.add(mv(dec!(2.50))).unwrap();
    assert_eq!(
        p.add(mv(dec!(1))).unwrap_err(),
        CoreError::MealVoucherNotEligible
    );
    p.add(card(dec!(4.50))).unwrap();
    let s = p.finish().unwrap();
    assert!(s.change.is_zero());
    // Nothing eligible at all.
    let mut p = pay(dec!(12), dec!(0), plain());
    assert_eq!(
        p.add(mv(dec!(1))).unwrap_err().kind(),
        "meal_voucher_not_eligible"
    );
}

#[test]
fn meal_voucher_daily_cap() {
    let policy = plain();
    assert_eq!(policy.meal_voucher.daily_cap.format_plain(), "25.00");
    let due = PaymentDue::new(eur(dec!(60)), eur(dec!(60)));
    // 18 € already used today: 7 € left.
    let mut p = Payment::new(due, policy, eur(dec!(18))).unwrap();
    assert_eq!(
        p.add(mv(dec!(8))).unwrap_err(),
        CoreError::MealVoucherAboveCap {
            requested: "8.00".into(),
            remaining: "7.00".into()
        }
    );
    p.add(mv(dec!(7))).unwrap();
    assert_eq!(
        p.add(mv(dec!(0.01))).unwrap_err().kind(),
        "meal_voucher_above_cap"
    );
    // A store may set its own cap.
    let mut custom = plain();
    custom.meal_voucher.daily_cap = eur(dec!(40));
    let mut p = Payment::new(due, custom, eur(dec!(0))).unwrap();
    p.add(mv(dec!(40))).unwrap();
}

#[test]
fn meal_voucher_excess_refused_or_forfeited() {
    // A 9 € paper voucher for 7.50 € of sandwiches.
    let mut p = pay(dec!(7.50), dec!(7.50), plain());
    assert_eq!(
        p.add(mv(dec!(9))).unwrap_err().kind(),
        "overpayment_without_cash"
    );
    let mut forfeit = plain();
    forfeit.meal_voucher.excess = MealVoucherExcess::Forfeit;
    let mut p = pay(dec!(7.50), dec!(7.50), forfeit);
    p.add(mv(dec!(9))).unwrap();
    let s = p.finish().unwrap();
    let t = &s.tenders[0];
    assert_eq!(
        (
            t.tendered.format_plain(),
            t.applied.format_plain(),
            t.forfeited.format_plain()
        ),
        ("9.00".into(), "7.50".into(), "1.50".into())
    );
    assert!(s.change.is_zero(), "no change on meal vouchers");
    // Forfeit also caps at the eligible amount: 9 € on 5 € of food in a
    // 20 € basket applies 5 €, loses 4 €.
    let mut p = pay(dec!(20), dec!(5), forfeit);
    p.add(mv(dec!(9))).unwrap();
    assert_eq!(p.remaining().unwrap().format_plain(), "15.00");
}

#[test]
fn paying_out_a_refund() {
    let mut p = pay(dec!(-23.47), dec!(0), rounding());
    assert_eq!(p.direction(), Direction::PayOut);
    assert_eq!(
        p.add(mv(dec!(1))).unwrap_err().kind(),
        "tender_not_accepted"
    );
    assert_eq!(
        p.add(card(dec!(30))).unwrap_err().kind(),
        "overpayment_without_cash"
    );
    p.add(card(dec!(20))).unwrap();
    // 3.47 left in cash rounds to 3.45; 3.50 is more than due.
    assert_eq!(
        p.add(cash(dec!(3.50))).unwrap_err().kind(),
        "overpayment_without_cash"
    );
    p.add(cash(dec!(3.45))).unwrap();
    let s = p.finish().unwrap();
    assert_eq!(s.cash_rounding.format_plain(), "0.02");
    assert_eq!(s.total_due.format_plain(), "-23.45");
    let paid: Vec<String> = s.tenders.iter().map(|t| t.applied.format_plain()).collect();
    assert_eq!(paid, ["-20.00", "-3.45"]);
    assert!(s.change.is_zero());
}

#[test]
fn removing_a_tender_rechecks_the_rest() {
    let mut p = pay(dec!(20), dec!(20), plain());
    p.add(card(dec!(5))).unwrap();
    p.add(mv(dec!(15))).unwrap();
    p.remove(0).unwrap();
    assert_eq!(p.tenders().len(), 1);
    assert_eq!(p.remaining().unwrap().format_plain(), "5.00");
    assert_eq!(p.remove(5).unwrap_err().kind(), "unknown_line");
}

#[test]
fn card_references_ride_on_electronic_tenders_only() {
    use pos_core::tender::{CardReference, MaskedPan};
    let reference = CardReference::new("pi_3Pq")
        .unwrap()
        .with_authorisation_code("123456")
        .unwrap()
        .with_masked_pan(MaskedPan::new("497010******1234").unwrap());
    let mut p = pay(dec!(30), dec!(0), plain());
    // Cash, cheque or gift card with a card reference: refused, nothing taken.
    let before = p.clone();
    for method in [
        TenderMethod::Cash,
        TenderMethod::Cheque,
        TenderMethod::GiftCard {
            reference: "GC-1".into(),
        },
    ] {
        let err = p
            .add(Tender::new(method, eur(dec!(5))).with_card(reference.clone()))
            .unwrap_err();
        assert_eq!(err.kind(), "card_reference_not_allowed");
    }
    assert_eq!(p, before);
    p.add(cash(dec!(10))).unwrap();
    p.add(card(dec!(20)).with_card(reference.clone())).unwrap();
    // Removing another tender re-checks the rest and keeps the reference.
    p.remove(0).unwrap();
    p.add(cash(dec!(10))).unwrap();
    let s = p.finish().unwrap();
    assert_eq!(s.tenders[0].card.as_ref(), Some(&reference));
    assert_eq!(s.tenders[1].card, None);
    // Stored JSON: the reference when set, nothing at all when not.
    let json = serde_json::to_value(&s.tenders).unwrap();
    assert_eq!(json[0]["card"]["authorisation_code"], "123456");
    assert!(json[1].get("card").is_none());
}

#[test]
fn a_refund_to_card_carries_the_pointer_to_the_charge() {
    use pos_core::tender::CardReference;
    let charge = CardReference::new("pi_1").unwrap();
    let mut p = pay(dec!(-12), dec!(0), plain());
    p.add(card(dec!(12)).with_card(CardReference::refund_of(&charge)))
        .unwrap();
    let s = p.finish().unwrap();
    assert_eq!(s.direction, Direction::PayOut);
    let card = s.tenders[0].card.as_ref().unwrap();
    assert_eq!(card.original_reference(), Some("pi_1"));
}
