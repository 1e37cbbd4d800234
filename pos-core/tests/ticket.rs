//! Ticket integration tests: completion, JSON, refunds (partial, repeated,
//! full), exchanges, and proptest invariants of refunds.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{TimeZone, Utc};
use pos_core::cart::{Actor, Cart, ItemQuantity, Permissions};
use pos_core::ids::{CustomerId, OperatorId, ProductId, RegisterId, Sku, StoreId};
use pos_core::item::{SellableItem, Unit};
use pos_core::tender::{CashRounding, Tender, TenderMethod, TenderPolicy};
use pos_core::ticket::{RefundSelection, Ticket, TicketKind, TicketMeta};
use pos_core::{CoreError, Currency, Discount, Money, VatRate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::BTreeMap;

fn eur(a: Decimal) -> Money {
    Money::new(a, Currency::EUR)
}

fn item(sku: &str, price: Decimal, bps: u32, unit: Unit) -> SellableItem {
    SellableItem {
        sku: Sku::new(sku).unwrap(),
        product_id: ProductId::new(format!("P-{sku}")).unwrap(),
        label: format!("Article {sku}"),
        unit_price: eur(price),
        price_list: None,
        vat_rate: VatRate::from_bps(bps).unwrap(),
        unit,
        categories: vec![],
        meal_voucher_eligible: bps == 550,
        durable_good: bps == 2000,
        scanned_barcode: None,
        quantity_breaks: vec![],
    }
}

fn manager() -> Actor {
    Actor::new(OperatorId::new("op-marie").unwrap(), Permissions::manager())
}

fn meta(n: u32) -> TicketMeta {
    TicketMeta {
        ticket_id: format!("01936f4e-8c2a-7b3d-9e4f-{n:012x}"),
        store: StoreId::new("PARIS-11").unwrap(),
        register: RegisterId::new("R1").unwrap(),
        operator: OperatorId::new("op-marie").unwrap(),
        at: Utc.with_ymd_and_hms(2026, 3, 14, 10, 30, 5).unwrap(),
        utc_offset_seconds: 3600,
        customer: Some(CustomerId::new("c-7f3a").unwrap()),
    }
}

/// Pays the cart in full: in cash (with change) when it is a sale, by card
/// when it is a pay-out.
fn settle(cart: &Cart, n: u32) -> Ticket {
    let mut p = cart
        .start_payment(TenderPolicy::france(Currency::EUR), eur(dec!(0)))
        .unwrap();
    let total = cart.total();
    if total.is_negative() {
        p.add(Tender::new(TenderMethod::Card, total.negated()))
            .unwrap();
    } else if !total.is_zero() {
        p.add(Tender::new(TenderMethod::Card, total)).unwrap();
    }
    cart.complete(&p, meta(n)).unwrap()
}

/// A sale: 3 mugs at 7.50 (20 %) with 10 % off, 0.347 kg of Comté at 24.90
/// (5.5 %), 2 croque at 6.50 (10 %), 2.00 off the ticket.
fn sample_sale() -> Ticket {
    let mut cart = Cart::new(Currency::EUR);
    let mug = cart
        .add_item(
            item("MUG", dec!(7.50), 2000, Unit::Piece),
            ItemQuantity::Quantity(dec!(3)),
        )
        .unwrap();
    cart.add_item(
        item("COMTE", dec!(24.90), 550, Unit::Kilogram),
        ItemQuantity::Weight(dec!(0.347)),
    )
    .unwrap();
    cart.add_item(
        item("CROQUE", dec!(6.50), 1000, Unit::Piece),
        ItemQuantity::Quantity(dec!(2)),
    )
    .unwrap();
    cart.set_line_discount(
        mug,
        Discount::Percent(dec!(10)),
        "PROMO-MAG",
        None,
        &manager(),
    )
    .unwrap();
    cart.set_ticket_discount(
        Discount::Amount(dec!(2)),
        "FIDELITE",
        Some("carte"),
        &manager(),
    )
    .unwrap();
    cart.set_note(Some("merci")).unwrap();
    settle(&cart, 1)
}

#[test]
fn a_completed_sale_holds_everything_nf525_lists() {
    let t = sample_sale();
    assert_eq!(t.kind(), TicketKind::Sale);
    assert_eq!(t.register().as_str(), "R1");
    assert_eq!(t.store().as_str(), "PARIS-11");
    assert_eq!(t.operator().as_str(), "op-marie");
    assert_eq!(t.utc_offset_seconds(), 3600);
    assert_eq!(t.customer().unwrap().as_str(), "c-7f3a");
    // Lines by hand: mug 22.50 − 2.25 = 20.25; Comté 8.64; croque 13.00.
    // Σ 41.89; 2.00 spread: 20.25 × 2 / 41.89 = 0.9668 -> 0.96 (rem .68),
    // 8.64 → 0.4125 -> 0.41 (.25), 13.00 → 0.6206 -> 0.62 (.06); 1 cent left
    // goes to the mug (largest remainder): 0.97, 0.41, 0.62.
    let amounts: Vec<(String, String)> = t
        .lines()
        .iter()
        .map(|l| {
            (
                l.ticket_discount_share.format_plain(),
                l.amount.format_plain(),
            )
        })
        .collect();
    assert_eq!(
        amounts,
        [
            ("0.97".to_string(), "19.28".to_string()),
            ("0.41".to_string(), "8.23".to_string()),
            ("0.62".to_string(), "12.38".to_string())
        ]
    );
    let mug = &t.lines()[0];
    assert_eq!(mug.label, "Article MUG");
    assert_eq!(mug.quantity, dec!(3));
    assert_eq!(mug.unit_price.format_plain(), "7.50");
    let d = mug.manual_discount.as_ref().unwrap();
    assert_eq!(
        (d.amount.format_plain(), d.reason_code.as_str()),
        ("2.25".into(), "PROMO-MAG")
    );
    assert_eq!(t.lines()[1].unit, Unit::Kilogram);
    // Per rate: 20 % 19.28 -> net 16.07 VAT 3.21; 10 % 12.38 -> 11.25 / 1.13;
    // 5.5 % 8.23 -> 7.80 / 0.43. Total 39.89.
    let taxes: Vec<(u32, String, String, String)> = t
        .taxes()
        .iter()
        .map(|x| {
            (
                x.rate.bps(),
                x.net.format_plain(),
                x.vat.format_plain(),
                x.gross.format_plain(),
            )
        })
        .collect();
    assert_eq!(
        taxes,
        [
            (2000, "16.07".into(), "3.21".into(), "19.28".into()),
            (1000, "11.25".into(), "1.13".into(), "12.38".into()),
            (550, "7.80".into(), "0.43".into(), "8.23".into()),
        ]
    );
    assert_eq!(t.total().format_plain(), "39.89");
    assert_eq!(t.ticket_discount().unwrap().amount.format_plain(), "2.00");
    assert_eq!(t.payments()[0].method.code(), "card");
    assert_eq!(t.payments()[0].applied.format_plain(), "39.89");
    assert!(t.change().is_zero());
    assert_eq!(t.note(), Some("merci"));
}

#[test]
fn json_round_trip_with_decimals_as_strings() {
    let t = sample_sale();
    let json = serde_json::to_string(&t).unwrap();
    assert!(json.contains("\"quantity\":\"0.347\""), "{json}");
    assert!(json.contains("\"amount\":\"39.89\""));
    assert!(!json.contains(":39.89"), "no JSON number for money");
    let back: Ticket = serde_json::from_str(&json).unwrap();
    assert_eq!(back, t);
}

#[test]
fn completion_checks_its_inputs() {
    let mut cart = Cart::new(Currency::EUR);
    let p = cart
        .start_payment(TenderPolicy::france(Currency::EUR), eur(dec!(0)))
        .unwrap();
    assert_eq!(
        cart.complete(&p, meta(1)).unwrap_err(),
        CoreError::EmptyTicket
    );
    cart.add_item(
        item("A", dec!(5), 2000, Unit::Piece),
        ItemQuantity::Quantity(dec!(1)),
    )
    .unwrap();
    let mut p = cart
        .start_payment(TenderPolicy::france(Currency::EUR), eur(dec!(0)))
        .unwrap();
    p.add(Tender::new(TenderMethod::Cash, eur(dec!(5))))
        .unwrap();
    let mut bad = meta(1);
    bad.ticket_id = "not-a-uuid".into(); // any UUID version passes, not this
    assert_eq!(cart.complete(&p, bad).unwrap_err().kind(), "invalid_id");
    let mut bad = meta(1);
    bad.utc_offset_seconds = 19 * 3600;
    assert_eq!(
        cart.complete(&p, bad).unwrap_err().kind(),
        "invalid_utc_offset"
    );
    // The cart changed after the payment started.
    let mut changed = cart.clone();
    changed
        .add_item(
            item("B", dec!(1), 2000, Unit::Piece),
            ItemQuantity::Quantity(dec!(1)),
        )
        .unwrap();
    assert_eq!(
        changed.complete(&p, meta(1)).unwrap_err(),
        CoreError::PaymentMismatch {
            paid_for: "5.00".into(),
            total: "6.00".into()
        }
    );
    // Short.
    let p = cart
        .start_payment(TenderPolicy::france(Currency::EUR), eur(dec!(0)))
        .unwrap();
    assert_eq!(
        cart.complete(&p, meta(1)).unwrap_err().kind(),
        "payment_short"
    );
}

#[test]
fn cash_rounding_and_change_are_recorded() {
    let mut cart = Cart::new(Currency::EUR);
    cart.add_item(
        item("A", dec!(1.02), 2000, Unit::Piece),
        ItemQuantity::Quantity(dec!(1)),
    )
    .unwrap();
    let mut policy = TenderPolicy::france(Currency::EUR);
    policy.cash_rounding = Some(CashRounding::new(dec!(0.05), Currency::EUR).unwrap());
    let mut p = cart.start_payment(policy, eur(dec!(0))).unwrap();
    p.add(Tender::new(TenderMethod::Cash, eur(dec!(5))))
        .unwrap();
    let t = cart.complete(&p, meta(2)).unwrap();
    assert_eq!(t.total().format_plain(), "1.02");
    assert_eq!(t.cash_rounding().format_plain(), "-0.02");
    assert_eq!(t.total_due().format_plain(), "1.00");
    assert_eq!(t.change().format_plain(), "4.00");
    // VAT is on the 1.02 sold, not on the rounded amount.
    assert_eq!(t.taxes()[0].gross.format_plain(), "1.02");
}

#[test]
fn partial_refunds_add_up_to_what_was_paid() {
    let sale = sample_sale();
    // The mug line: 3 sold for 19.28. Refund 1, then 1, then 1.
    let mut refunded = BTreeMap::new();
    let mut amounts = Vec::new();
    for n in 0..3u32 {
        let cart = Cart::refund_of(
            &sale,
            &[RefundSelection {
                line: 0,
                quantity: dec!(1),
            }],
            &refunded,
            &manager(),
        )
        .unwrap();
        let t = settle(&cart, 10 + n);
        assert_eq!(t.kind(), TicketKind::Refund);
        assert_eq!(t.originals(), [sale.id().to_string()]);
        assert_eq!(t.lines()[0].return_of.as_ref().unwrap().line, 0);
        assert_eq!(t.lines()[0].quantity, dec!(-1));
        amounts.push(t.total().format_plain());
        *refunded.entry(0).or_insert(Decimal::ZERO) += dec!(1);
    }
    // round(19.28/3) = 6.43, round(2×19.28/3) − 6.43 = 12.85 − 6.43 = 6.42,
    // 19.28 − 12.85 = 6.43.
    assert_eq!(amounts, ["-6.43", "-6.42", "-6.43"]);
    // Nothing left.
    let e = Cart::refund_of(
        &sale,
        &[RefundSelection {
            line: 0,
            quantity: dec!(1),
        }],
        &refunded,
        &manager(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        CoreError::RefundExceedsRefundable {
            line: 0,
            requested: "1".into(),
            remaining: "0".into()
        }
    );
}

#[test]
fn refund_rules() {
    let sale = sample_sale();
    let none = BTreeMap::new();
    let sel = |line, quantity| RefundSelection { line, quantity };
    let cashier = Actor::new(OperatorId::new("op-paul").unwrap(), Permissions::cashier());
    assert_eq!(
        Cart::refund_of(&sale, &[sel(0, dec!(1))], &none, &cashier)
            .unwrap_err()
            .kind(),
        "permission_denied"
    );
    assert_eq!(
        Cart::refund_of(&sale, &[sel(9, dec!(1))], &none, &manager()).unwrap_err(),
        CoreError::UnknownOriginalLine { line: 9 }
    );
    assert_eq!(
        Cart::refund_of(&sale, &[sel(0, dec!(4))], &none, &manager())
            .unwrap_err()
            .kind(),
        "refund_exceeds_refundable"
    );
    assert_eq!(
        Cart::refund_of(&sale, &[sel(0, dec!(0.5))], &none, &manager())
            .unwrap_err()
            .kind(),
        "fractional_quantity"
    );
    // Two selections of the same line add up, and are checked together.
    assert_eq!(
        Cart::refund_of(
            &sale,
            &[sel(0, dec!(2)), sel(0, dec!(2))],
            &none,
            &manager()
        )
        .unwrap_err()
        .kind(),
        "refund_exceeds_refundable"
    );
    let cart = Cart::refund_of(
        &sale,
        &[sel(0, dec!(1)), sel(0, dec!(2))],
        &none,
        &manager(),
    )
    .unwrap();
    assert_eq!(cart.lines().len(), 1);
    assert_eq!(cart.total().format_plain(), "-19.28");
    // Weighed goods refund by weight.
    let cart = Cart::refund_of(&sale, &[sel(1, dec!(0.1))], &none, &manager()).unwrap();
    // round(8.23 × 0.1 / 0.347) = round(2.3717...) = 2.37
    assert_eq!(cart.total().format_plain(), "-2.37");
    // A refund cannot itself be refunded.
    let refund = settle(&Cart::full_refund_of(&sale, &none, &manager()).unwrap(), 5);
    assert_eq!(
        Cart::full_refund_of(&refund, &none, &manager())
            .unwrap_err()
            .kind(),
        "empty_ticket"
    );
    assert_eq!(
        Cart::refund_of(&refund, &[sel(0, dec!(1))], &none, &manager())
            .unwrap_err()
            .kind(),
        "unknown_original_line"
    );
}

#[test]
fn a_full_refund_nets_to_zero_per_rate() {
    let sale = sample_sale();
    let refund = settle(
        &Cart::full_refund_of(&sale, &BTreeMap::new(), &manager()).unwrap(),
        3,
    );
    assert_eq!(refund.total(), sale.total().negated());
    for (s, r) in sale.taxes().iter().zip(refund.taxes()) {
        assert_eq!(s.rate, r.rate);
        assert_eq!(s.net, r.net.negated());
        assert_eq!(s.vat, r.vat.negated());
    }
    assert_eq!(refund.payments()[0].applied, sale.total().negated());
}

#[test]
fn exchange_pays_or_pays_back_the_balance() {
    let sale = sample_sale();
    let none = BTreeMap::new();
    // Give back one mug (6.43) and take a tote bag at 6.90: 0.47 to pay.
    let mut cart = Cart::refund_of(
        &sale,
        &[RefundSelection {
            line: 0,
            quantity: dec!(1),
        }],
        &none,
        &manager(),
    )
    .unwrap();
    cart.add_item(
        item("TOTE", dec!(6.90), 2000, Unit::Piece),
        ItemQuantity::Quantity(dec!(1)),
    )
    .unwrap();
    assert_eq!(cart.total().format_plain(), "0.47");
    let t = settle(&cart, 20);
    assert_eq!(t.kind(), TicketKind::Exchange);
    assert_eq!(t.payments()[0].applied.format_plain(), "0.47");
    // Give back the Comté (8.23) for a 4.20 camembert: 4.03 paid back.
    let mut cart = Cart::refund_of(
        &sale,
        &[RefundSelection {
            line: 1,
            quantity: dec!(0.347),
        }],
        &none,
        &manager(),
    )
    .unwrap();
    cart.add_item(
        item("CAMEMBERT", dec!(4.20), 550, Unit::Piece),
        ItemQuantity::Quantity(dec!(1)),
    )
    .unwrap();
    assert_eq!(cart.total().format_plain(), "-4.03");
    let t = settle(&cart, 21);
    assert_eq!(t.payments()[0].applied.format_plain(), "-4.03");
    // 5.5 % nets: −8.23 + 4.20 = −4.03 in one rate.
    assert_eq!(t.taxes().len(), 1);
    assert_eq!(t.taxes()[0].gross.format_plain(), "-4.03");
}

fn arb_line() -> impl Strategy<Value = (i64, u32, u32, bool)> {
    // price in cents, quantity (pieces or grams), rate index, weighed
    (1i64..20_000, 1u32..5_000, 0usize..4, any::<bool>()).prop_map(|(c, q, r, w)| {
        let rates = [2000, 1000, 550, 210];
        (c, if w { q } else { q % 9 + 1 }, rates[r], w)
    })
}

proptest! {
    /// Refunding everything, in one or two documents, gives back exactly the
    /// sale: Σ refunds = −total, and per rate nets and VATs cancel out.
    #[test]
    fn full_refunds_net_to_zero(
        lines in prop::collection::vec(arb_line(), 1..8),
        ticket_pct in 0u32..30,
        split in any::<bool>(),
    ) {
        let mut cart = Cart::new(Currency::EUR);
        for (i, (cents, q, bps, weighed)) in lines.iter().enumerate() {
            let unit = if *weighed { Unit::Kilogram } else { Unit::Piece };
            let qty = if *weighed { Decimal::new(i64::from(*q), 3) } else { Decimal::from(*q) };
            cart.add_item(item(&format!("S{i}"), Decimal::new(*cents, 2), *bps, unit), ItemQuantity::Quantity(qty)).unwrap();
        }
        cart.set_ticket_discount(Discount::Percent(Decimal::from(ticket_pct)), "P", None, &manager()).unwrap();
        let sale = settle(&cart, 100);
        let mut refunded: BTreeMap<usize, Decimal> = BTreeMap::new();
        let mut refund_totals = Decimal::ZERO;
        let mut per_rate: BTreeMap<u32, (Decimal, Decimal)> = BTreeMap::new();
        if split {
            // First refund: half of each piece line (rounded down), a third of
            // each weighed line (to the gram).
            let selections: Vec<RefundSelection> = sale.lines().iter().enumerate().filter_map(|(i, l)| {
                let part = if l.unit == Unit::Piece { (l.quantity / dec!(2)).floor() } else { (l.quantity / dec!(3)).round_dp(3) };
                (part > Decimal::ZERO).then_some(RefundSelection { line: i, quantity: part })
            }).collect();
            if !selections.is_empty() {
                let first = settle(&Cart::refund_of(&sale, &selections, &refunded, &manager()).unwrap(), 101);
                refund_totals += first.total().amount();
                for t in first.taxes() {
                    let e = per_rate.entry(t.rate.bps()).or_default();
                    e.0 += t.net.amount(); e.1 += t.vat.amount();
                }
                for s in selections { refunded.insert(s.line, s.quantity); }
            }
        }
        let rest = settle(&Cart::full_refund_of(&sale, &refunded, &manager()).unwrap(), 102);
        refund_totals += rest.total().amount();
        for t in rest.taxes() {
            let e = per_rate.entry(t.rate.bps()).or_default();
            e.0 += t.net.amount(); e.1 += t.vat.amount();
        }
        prop_assert_eq!(refund_totals, -sale.total().amount());
        if !split {
            for t in sale.taxes() {
                let (net, vat) = per_rate[&t.rate.bps()];
                prop_assert_eq!(net, -t.net.amount());
                prop_assert_eq!(vat, -t.vat.amount());
            }
        }
        // Per line, refunds give back exactly the line amount.
        prop_assert!(Cart::full_refund_of(&sale, &sale.lines().iter().enumerate().map(|(i, l)| (i, l.quantity)).collect(), &manager()).is_err());
    }
}
