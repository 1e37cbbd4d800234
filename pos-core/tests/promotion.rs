//! Promotion engine integration tests: the golden cases of
//! testdata/promotion/golden.json (checked by hand, every outcome also priced
//! by the real `pricing::price`), the sample promotions, and proptest
//! invariants (bounds, determinism under shuffling, unit consumption).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, Utc};
use pos_core::ids::{CategoryId, CustomerGroupId, ProductId, PromotionId, Sku};
use pos_core::item::Unit;
use pos_core::promotion::{
    self, Conditions, PromoContext, PromoLine, Promotion, PromotionOutcome, Reward, Stacking,
    Target, TicketRewardKind, Trigger,
};
use pos_core::{
    Currency, Discount, Money, PriceLine, PriceRequest, TaxMode, VatRate, money::round_half_away,
    price,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
struct Golden {
    library: Vec<Promotion>,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    at: DateTime<Utc>,
    #[serde(default)]
    utc_offset_minutes: i32,
    #[serde(default)]
    coupons: Vec<String>,
    #[serde(default)]
    customer_group: Option<CustomerGroupId>,
    promotions: Vec<String>,
    lines: Vec<GoldenLine>,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
struct GoldenLine {
    sku: String,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    unit: Unit,
    price: Decimal,
    qty: Decimal,
    #[serde(default)]
    manual_discount: Option<Decimal>,
    #[serde(default)]
    gross: Option<Decimal>,
}

#[derive(Debug, Deserialize)]
struct Expect {
    error: Option<String>,
    lines: Option<Vec<Vec<String>>>,
    applied: Option<Vec<String>>,
    ticket_rewards: Option<Vec<String>>,
    ticket_discount: Option<String>,
    accepted: Option<Vec<String>>,
    rejected: Option<Vec<String>>,
    total_discount: Option<String>,
}

fn eur(a: Decimal) -> Money {
    Money::new(a, Currency::EUR)
}

fn promo_line(index: usize, g: &GoldenLine) -> PromoLine {
    PromoLine {
        index,
        sku: Sku::new(g.sku.clone()).unwrap(),
        product_id: ProductId::new(format!("P-{}", g.sku)).unwrap(),
        categories: g
            .categories
            .iter()
            .map(|c| CategoryId::new(c.clone()).unwrap())
            .collect(),
        unit: g.unit,
        unit_price: eur(g.price),
        quantity: g.qty,
        gross: eur(g
            .gross
            .unwrap_or_else(|| round_half_away(g.price * g.qty, 2))),
        manual_discount: eur(g.manual_discount.unwrap_or(Decimal::new(0, 2))),
        price_overridden: false,
        reward_of: None,
    }
}

fn library() -> BTreeMap<String, Promotion> {
    let golden: Golden =
        serde_json::from_str(include_str!("../testdata/promotion/golden.json")).unwrap();
    promotion::parse_promotions_json(promotion::sample_promotions_json())
        .unwrap()
        .into_iter()
        .chain(golden.library)
        .map(|p| (p.id.to_string(), p))
        .collect()
}

/// Prices the outcome with the real pricing rules: it must be accepted.
fn priced_total(lines: &[PromoLine], outcome: &PromotionOutcome) -> Decimal {
    let request = PriceRequest {
        currency: Currency::EUR,
        tax_mode: TaxMode::Inclusive,
        lines: lines
            .iter()
            .zip(&outcome.lines)
            .map(|(l, o)| {
                let d = l.manual_discount.amount() + o.discount.amount();
                PriceLine {
                    unit_price: l.unit_price.amount(),
                    quantity: l.quantity,
                    vat_rate: VatRate::FR_STANDARD,
                    discount: (!d.is_zero()).then_some(Discount::Amount(d)),
                }
            })
            .collect(),
        discount: (!outcome.ticket_discount.is_zero())
            .then_some(Discount::Amount(outcome.ticket_discount.amount())),
    };
    price(&request)
        .unwrap_or_else(|e| panic!("pricing refused the outcome: {e}"))
        .total
}

#[test]
fn golden_cases() {
    let golden: Golden =
        serde_json::from_str(include_str!("../testdata/promotion/golden.json")).unwrap();
    let library = library();
    assert!(golden.cases.len() >= 20);
    for case in &golden.cases {
        let name = &case.name;
        let promotions: Vec<Promotion> = case
            .promotions
            .iter()
            .map(|id| {
                library
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| panic!("{name}: no {id}"))
            })
            .collect();
        let lines: Vec<PromoLine> = case
            .lines
            .iter()
            .enumerate()
            .map(|(i, g)| promo_line(i, g))
            .collect();
        let mut ctx = PromoContext::new(Currency::EUR, case.at);
        ctx.utc_offset_minutes = case.utc_offset_minutes;
        ctx.coupons = case.coupons.clone();
        ctx.customer_group = case.customer_group.clone();
        let result = promotion::apply(&lines, &promotions, &ctx);
        let e = &case.expect;
        if let Some(kind) = &e.error {
            assert_eq!(
                result.map_err(|e| e.kind()).err(),
                Some(kind.as_str()),
                "{name}"
            );
            continue;
        }
        let out = result.unwrap_or_else(|err| panic!("{name}: {err}"));
        if let Some(expected) = &e.lines {
            let got: Vec<Vec<String>> = out
                .lines
                .iter()
                .map(|l| {
                    l.adjustments
                        .iter()
                        .map(|a| {
                            format!(
                                "{} x{} {}",
                                a.promotion_id,
                                a.quantity.normalize(),
                                a.amount.format_plain()
                            )
                        })
                        .collect()
                })
                .collect();
            assert_eq!(&got, expected, "{name}: lines");
        }
        if let Some(expected) = &e.applied {
            let got: Vec<String> = out
                .applied
                .iter()
                .map(|a| a.promotion_id.to_string())
                .collect();
            assert_eq!(&got, expected, "{name}: applied");
        }
        if let Some(expected) = &e.ticket_rewards {
            let got: Vec<String> = out
                .ticket_rewards
                .iter()
                .map(|r| match &r.kind {
                    TicketRewardKind::Discount { amount } => {
                        format!("{}: {}", r.promotion_id, amount.format_plain())
                    }
                    TicketRewardKind::FreeItem { sku, quantity } => {
                        format!("{}: free {sku} x{quantity}", r.promotion_id)
                    }
                })
                .collect();
            assert_eq!(&got, expected, "{name}: ticket rewards");
        }
        if let Some(expected) = &e.ticket_discount {
            assert_eq!(&out.ticket_discount.format_plain(), expected, "{name}");
        }
        if let Some(expected) = &e.accepted {
            let got: Vec<String> = out
                .accepted_coupons
                .iter()
                .map(|c| {
                    if c.single_use {
                        format!("{} single_use", c.code)
                    } else {
                        c.code.clone()
                    }
                })
                .collect();
            assert_eq!(&got, expected, "{name}: accepted");
        }
        if let Some(expected) = &e.rejected {
            let got: Vec<String> = out
                .rejected_coupons
                .iter()
                .map(|c| format!("{}: {}", c.code, c.reason.kind()))
                .collect();
            assert_eq!(&got, expected, "{name}: rejected");
        }
        if let Some(expected) = &e.total_discount {
            assert_eq!(&out.total_discount.format_plain(), expected, "{name}");
        }
        // The real pricing accepts it, and the totals agree.
        let gross: Decimal = lines
            .iter()
            .map(|l| l.gross.amount() - l.manual_discount.amount())
            .sum();
        assert_eq!(
            priced_total(&lines, &out),
            gross - out.total_discount.amount(),
            "{name}: priced total"
        );
    }
}

#[test]
fn sample_promotions_load_and_round_trip() {
    let sample = promotion::parse_promotions_json(promotion::sample_promotions_json()).unwrap();
    assert!(sample.len() >= 5);
    let again = serde_json::to_string(&sample).unwrap();
    assert_eq!(promotion::parse_promotions_json(&again).unwrap(), sample);
    assert!(
        sample
            .iter()
            .any(|p| p.coupon_code().as_deref() == Some("BIENVENUE10"))
    );
}

#[test]
fn malformed_json_is_a_typed_error() {
    let err = promotion::parse_promotions_json("[{\"id\": \"X\"}]").unwrap_err();
    assert_eq!(err.kind(), "invalid_json");
    let err = promotion::parse_promotions_json(
        r#"[{"id":"X","name":"x","reward":{"type":"percent_off","target":"all","percent":"10"},"colour":"red"}]"#,
    )
    .unwrap_err();
    assert_eq!(err.kind(), "invalid_json");
}

#[test]
fn errors_say_what_is_wrong() {
    let lib = library();
    let ctx = PromoContext::new(Currency::EUR, "2026-11-24T10:00:00Z".parse().unwrap());
    let bad = lib["BAD-PERCENT"].clone();
    let err = promotion::apply(&[], &[bad], &ctx).unwrap_err();
    assert_eq!(
        err.to_string(),
        "promotion `BAD-PERCENT`: a percentage is outside 0..=100"
    );
    assert_eq!(err.kind(), "invalid_promotion");
    let croissants = lib["CROISSANTS-3-POUR-3"].clone();
    let err = promotion::apply(&[], &[croissants.clone(), croissants], &ctx).unwrap_err();
    assert_eq!(
        err.to_string(),
        "promotion `CROISSANTS-3-POUR-3`: the id is used twice"
    );
    let mut ctx = ctx;
    ctx.utc_offset_minutes = 20 * 60;
    let err = promotion::apply(&[], &[], &ctx).unwrap_err();
    assert_eq!(err.kind(), "invalid_utc_offset");
}

// ---------------------------------------------------------------- proptests

const SKUS: [(&str, &str); 5] = [
    ("A", "FRUITS"),
    ("B", "FRUITS"),
    ("C", "VINS"),
    ("D", "VINS"),
    ("E", "FROMAGES"),
];

fn arb_line() -> impl Strategy<Value = (usize, i64, Decimal, Unit, i64)> {
    (
        0..SKUS.len(),
        0i64..3000,
        prop_oneof![
            6 => (1i64..7).prop_map(Decimal::from),
            2 => (1i64..2500).prop_map(|g| Decimal::new(g, 3)),
            1 => (-3i64..0).prop_map(Decimal::from),
        ],
        any::<bool>(),
        prop_oneof![4 => Just(0i64), 1 => 0i64..200],
    )
        .prop_map(|(s, cents, qty, measured, manual)| {
            let unit = if measured || !qty.fract().is_zero() {
                Unit::Kilogram
            } else {
                Unit::Piece
            };
            (s, cents, qty, unit, manual)
        })
}

fn build_lines(raw: &[(usize, i64, Decimal, Unit, i64)]) -> Vec<PromoLine> {
    raw.iter()
        .enumerate()
        .map(|(i, (s, cents, qty, unit, manual))| {
            let (sku, cat) = SKUS[*s];
            let price = Decimal::new(*cents, 2);
            let gross = round_half_away(price * qty, 2);
            let manual = if qty.is_sign_negative() {
                Decimal::ZERO
            } else {
                Decimal::new(*manual, 2).min(gross)
            };
            PromoLine {
                index: i,
                sku: Sku::new(sku).unwrap(),
                product_id: ProductId::new(sku).unwrap(),
                categories: vec![
                    CategoryId::new(cat).unwrap(),
                    CategoryId::new("TOUT").unwrap(),
                ],
                unit: *unit,
                unit_price: eur(price),
                quantity: *qty,
                gross: eur(gross),
                manual_discount: eur(manual),
                price_overridden: false,
                reward_of: None,
            }
        })
        .collect()
}

fn arb_target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::All),
        (0..SKUS.len()).prop_map(|i| Target::Skus(vec![Sku::new(SKUS[i].0).unwrap()])),
        prop::sample::select(vec!["FRUITS", "VINS", "FROMAGES", "TOUT"])
            .prop_map(|c| Target::Categories(vec![CategoryId::new(c).unwrap()])),
    ]
}

fn arb_reward() -> impl Strategy<Value = Reward> {
    prop_oneof![
        (arb_target(), 0i64..=100).prop_map(|(target, p)| Reward::PercentOff {
            target,
            percent: Decimal::from(p)
        }),
        (arb_target(), 0i64..800).prop_map(|(target, a)| Reward::AmountOff {
            target,
            amount: Decimal::new(a, 2)
        }),
        (arb_target(), 1u32..4, arb_target(), 1u32..3, 0i64..=100).prop_map(
            |(buy, x, get, y, p)| Reward::BuyXGetY {
                buy,
                buy_quantity: x,
                get,
                get_quantity: y,
                percent: Decimal::from(p),
            }
        ),
        (arb_target(), 2u32..5, 0i64..2000).prop_map(|(target, n, p)| Reward::NForPrice {
            target,
            quantity: n,
            price: Decimal::new(p, 2)
        }),
        (0i64..=100).prop_map(|p| Reward::TicketPercentOff {
            percent: Decimal::from(p)
        }),
        (0i64..3000).prop_map(|a| Reward::TicketAmountOff {
            amount: Decimal::new(a, 2)
        }),
    ]
}

fn arb_promotions() -> impl Strategy<Value = Vec<Promotion>> {
    prop::collection::vec(
        (
            arb_reward(),
            0u32..5,
            prop::sample::select(vec![
                Stacking::Normal,
                Stacking::Normal,
                Stacking::Stackable,
                Stacking::Exclusive,
                Stacking::GlobalExclusive,
            ]),
            any::<bool>(),
            prop_oneof![3 => Just(None), 1 => (0i64..5000).prop_map(Some)],
            any::<bool>(),
        ),
        0..8,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(
                |(i, (reward, priority, stacking, coupon, min, manual))| Promotion {
                    id: PromotionId::new(format!("P{i}")).unwrap(),
                    name: format!("Promo {i}"),
                    priority,
                    trigger: if coupon {
                        Trigger::Coupon {
                            code: format!("code{i}"),
                            single_use: i % 2 == 0,
                        }
                    } else {
                        Trigger::Automatic
                    },
                    stacking,
                    conditions: Conditions {
                        min_spend: min.map(|m| Decimal::new(m, 2)),
                        with_manual_discounts: manual,
                        ..Conditions::default()
                    },
                    reward,
                },
            )
            .collect()
    })
}

fn ctx_with(coupons: Vec<String>) -> PromoContext {
    let mut ctx = PromoContext::new(Currency::EUR, "2026-11-28T10:00:00Z".parse().unwrap());
    ctx.coupons = coupons;
    ctx
}

fn arb_case() -> impl Strategy<Value = (Vec<PromoLine>, Vec<Promotion>, Vec<Promotion>, Vec<String>)>
{
    (
        prop::collection::vec(arb_line(), 1..10),
        arb_promotions(),
        prop::collection::vec(
            prop_oneof![
                (0..8usize).prop_map(|i| format!("CODE{i}")),
                Just("NOPE".to_owned())
            ],
            0..4,
        ),
    )
        .prop_flat_map(|(raw, promos, coupons)| {
            let lines = build_lines(&raw);
            (
                Just(lines),
                Just(promos.clone()),
                Just(promos).prop_shuffle(),
                Just(coupons),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn outcome_invariants((lines, promos, shuffled, coupons) in arb_case()) {
        let ctx = ctx_with(coupons);
        let out = promotion::apply(&lines, &promos, &ctx).unwrap();

        // Deterministic whatever the order of the definitions.
        let again = promotion::apply(&lines, &shuffled, &ctx).unwrap();
        prop_assert_eq!(&out, &again);

        let mut line_sum = Decimal::ZERO;
        let mut room_sum = Decimal::ZERO;
        for (line, lp) in lines.iter().zip(&out.lines) {
            let room = line.gross.amount() - line.manual_discount.amount();
            let d = lp.discount.amount();
            prop_assert!(!d.is_sign_negative() || d.is_zero());
            prop_assert_eq!(d.normalize().scale() <= 2, true);
            if line.is_return() {
                prop_assert!(lp.adjustments.is_empty());
            } else {
                prop_assert!(d <= room, "discount {} above room {}", d, room);
                room_sum += room;
            }
            let adj: Decimal = lp.adjustments.iter().map(|a| a.amount.amount()).sum();
            prop_assert_eq!(adj, d);
            // Each unit consumed by at most one non-stackable promotion.
            let consumed: Decimal = lp
                .adjustments
                .iter()
                .filter(|a| {
                    promos
                        .iter()
                        .find(|p| p.id == a.promotion_id)
                        .is_some_and(|p| p.stacking != Stacking::Stackable)
                })
                .map(|a| a.quantity)
                .sum();
            prop_assert!(consumed <= line.quantity.abs());
            // An exclusive promotion shares its line only with promotions on other units.
            let exclusive: Decimal = lp
                .adjustments
                .iter()
                .filter(|a| {
                    promos
                        .iter()
                        .find(|p| p.id == a.promotion_id)
                        .is_some_and(|p| p.stacking == Stacking::Exclusive)
                })
                .map(|a| a.quantity)
                .sum();
            if !exclusive.is_zero() {
                let stackables = lp.adjustments.iter().filter(|a| {
                    promos
                        .iter()
                        .find(|p| p.id == a.promotion_id)
                        .is_some_and(|p| p.stacking == Stacking::Stackable)
                });
                for s in stackables {
                    prop_assert!(s.quantity + exclusive <= line.quantity);
                }
            }
            line_sum += d;
        }
        prop_assert!(!out.ticket_discount.is_negative());
        prop_assert!(line_sum + out.ticket_discount.amount() <= room_sum.max(Decimal::ZERO));
        prop_assert_eq!(out.total_discount.amount(), line_sum + out.ticket_discount.amount());
        // A global exclusive promotion that applied is alone.
        if out.applied.iter().any(|a| {
            promos
                .iter()
                .find(|p| p.id == a.promotion_id)
                .is_some_and(|p| p.stacking == Stacking::GlobalExclusive)
        }) {
            prop_assert_eq!(out.applied.len(), 1);
        }
        // Every coupon entered is either accepted or rejected, once.
        prop_assert_eq!(
            out.accepted_coupons.len() + out.rejected_coupons.len(),
            ctx.coupons.len()
        );
        // The real pricing accepts the outcome.
        let _ = priced_total(&lines, &out);
    }
}
