//! The pricing rules against golden baskets and property tests.
//!
//! `testdata/pricing/golden.json` holds hand-checkable baskets (each with a
//! note showing the arithmetic); its expected values come from an independent
//! Python `decimal` implementation (`pytests/pricing_oracle.py`), so the Rust
//! engine is checked against a second implementation, not against itself.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pos_core::pricing::wire::{PricedOut, price_json};
use pos_core::{Currency, Discount, PriceLine, PriceRequest, TaxMode, VatRate, price};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    name: String,
    input: serde_json::Value,
    expected: Expected,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Expected {
    Ok(PricedOut),
    Error(String),
}

#[test]
fn golden_baskets() {
    let text = include_str!("../testdata/pricing/golden.json");
    let cases: Vec<Case> = serde_json::from_str(text).unwrap();
    assert!(cases.len() >= 40, "at least 40 golden baskets");
    for case in cases {
        let got = price_json(&case.input.to_string());
        match (&case.expected, got) {
            (Expected::Ok(want), Ok(out)) => assert_eq!(&out, want, "{}", case.name),
            (Expected::Error(kind), Err(e)) => assert_eq!(e.kind(), kind, "{}", case.name),
            (want, got) => panic!(
                "{}: expected {:?}, got {:?}",
                case.name,
                want_str(want),
                got
            ),
        }
    }
}

fn want_str(e: &Expected) -> String {
    match e {
        Expected::Ok(o) => serde_json::to_string(o).unwrap(),
        Expected::Error(k) => format!("error {k}"),
    }
}

const RATES: [u32; 5] = [2000, 1000, 550, 210, 0];

fn cents(max: i64) -> impl Strategy<Value = Decimal> {
    (0..=max).prop_map(|c| Decimal::new(c, 2))
}

fn quantity() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (1i64..=20).prop_map(Decimal::from),
        (1i64..=5000).prop_map(|g| Decimal::new(g, 3))
    ]
}

fn sale_line() -> impl Strategy<Value = PriceLine> {
    (
        cents(50_000),
        quantity(),
        0usize..5,
        prop::option::of(prop_oneof![
            (0i64..=100).prop_map(|p| Discount::Percent(Decimal::from(p))),
            (0i64..=100).prop_map(|c| Discount::Amount(Decimal::new(c, 2))),
        ]),
    )
        .prop_map(|(unit_price, quantity, r, discount)| PriceLine {
            unit_price,
            quantity,
            vat_rate: VatRate::from_bps(RATES[r]).unwrap(),
            discount,
        })
}

fn basket() -> impl Strategy<Value = PriceRequest> {
    (
        prop::collection::vec(sale_line(), 1..12),
        any::<bool>(),
        prop::option::of(0i64..=100),
    )
        .prop_map(|(lines, inclusive, pct)| PriceRequest {
            currency: Currency::EUR,
            tax_mode: if inclusive {
                TaxMode::Inclusive
            } else {
                TaxMode::Exclusive
            },
            lines,
            discount: pct.map(|p| Discount::Percent(Decimal::from(p))),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn totals_add_up(req in basket()) {
        if let Ok(t) = price(&req) {
            let mut total = Decimal::ZERO;
            for tax in &t.taxes {
                prop_assert_eq!(tax.gross, tax.net + tax.vat);
                total += tax.gross;
            }
            prop_assert_eq!(total, t.total);
            let shares: Decimal = t.lines.iter().map(|l| l.ticket_discount_share).sum();
            prop_assert_eq!(shares, t.ticket_discount);
            for l in &t.lines {
                prop_assert_eq!(l.amount, l.gross - l.line_discount - l.ticket_discount_share);
                prop_assert!(l.amount >= Decimal::ZERO);
                prop_assert!(l.ticket_discount_share >= Decimal::ZERO);
            }
            if req.tax_mode == TaxMode::Inclusive {
                let lines: Decimal = t.lines.iter().map(|l| l.amount).sum();
                prop_assert_eq!(lines, t.total);
            }
            let rates: Vec<_> = t.taxes.iter().map(|x| x.rate).collect();
            prop_assert!(rates.windows(2).all(|w| w[0] > w[1]));
        }
    }

    #[test]
    fn a_full_refund_nets_to_zero(mut req in basket()) {
        for l in &mut req.lines { l.discount = None; }
        req.discount = None;
        let sale = price(&req).unwrap();
        let mut refund_req = req.clone();
        for l in &mut refund_req.lines { l.quantity = -l.quantity; }
        let refund = price(&refund_req).unwrap();
        prop_assert_eq!(sale.total + refund.total, Decimal::ZERO);
        for (s, r) in sale.taxes.iter().zip(&refund.taxes) {
            prop_assert_eq!(s.rate, r.rate);
            prop_assert_eq!(s.net + r.net, Decimal::ZERO);
            prop_assert_eq!(s.vat + r.vat, Decimal::ZERO);
        }
    }

    #[test]
    fn any_input_gives_a_value_or_an_error(
        mantissas in prop::collection::vec((any::<i64>(), 0u32..12, any::<i64>(), 0u32..6, 0u32..10_100), 0..6),
        disc in prop::option::of((any::<i64>(), 0u32..6, any::<bool>())),
        inclusive in any::<bool>(),
    ) {
        let lines = mantissas.into_iter().map(|(p, ps, q, qs, bps)| PriceLine {
            unit_price: Decimal::new(p, ps),
            quantity: Decimal::new(q, qs),
            vat_rate: VatRate::from_bps(bps.min(10_000)).unwrap(),
            discount: None,
        }).collect();
        let discount = disc.map(|(m, s, pct)| if pct { Discount::Percent(Decimal::new(m, s)) } else { Discount::Amount(Decimal::new(m, s)) });
        let req = PriceRequest { currency: Currency::EUR, tax_mode: if inclusive { TaxMode::Inclusive } else { TaxMode::Exclusive }, lines, discount };
        let _ = price(&req);
    }

    #[test]
    fn wire_never_panics(s in ".{0,200}") {
        let _ = price_json(&s);
    }
}
