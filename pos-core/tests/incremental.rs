//! Incremental promotions: after every change, what the incremental engine
//! gives equals a fresh full evaluation — at the engine level
//! (`Evaluator::apply` against `promotion::apply`) and at the cart level (a
//! cart repriced step by step against a copy repriced from scratch: every
//! line amount, promotion, reason and total).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{TimeZone, Utc};
use pos_core::cart::{Actor, Cart, ItemQuantity, Permissions};
use pos_core::ids::{CategoryId, OperatorId, ProductId, PromotionId, Sku};
use pos_core::item::{SellableItem, Unit};
use pos_core::money::round_half_away;
use pos_core::promotion::{
    self, Conditions, Evaluator, PromoContext, PromoLine, Promotion, Reward, Stacking, Target,
    Trigger,
};
use pos_core::{Currency, Discount, Money, VatRate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::sync::Arc;

/// Few SKUs and categories, so that scopes overlap and a change spreads.
const SKUS: [(&str, &str); 6] = [
    ("A", "FRUITS"),
    ("B", "FRUITS"),
    ("C", "VINS"),
    ("D", "VINS"),
    ("E", "FROMAGES"),
    ("F", "FROMAGES"),
];

fn eur(a: Decimal) -> Money {
    Money::new(a, Currency::EUR)
}

fn arb_target() -> impl Strategy<Value = Target> {
    prop_oneof![
        1 => Just(Target::All),
        3 => (0..SKUS.len()).prop_map(|i| Target::Skus(vec![Sku::new(SKUS[i].0).unwrap()])),
        1 => (0..SKUS.len()).prop_map(|i| Target::Products(vec![ProductId::new(format!("P-{}", SKUS[i].0)).unwrap()])),
        3 => prop::sample::select(vec!["FRUITS", "VINS", "FROMAGES", "TOUT"])
            .prop_map(|c| Target::Categories(vec![CategoryId::new(c).unwrap()])),
    ]
}

fn arb_reward() -> impl Strategy<Value = Reward> {
    prop_oneof![
        3 => (arb_target(), 0i64..=100).prop_map(|(target, p)| Reward::PercentOff {
            target,
            percent: Decimal::from(p)
        }),
        2 => (arb_target(), 0i64..800).prop_map(|(target, a)| Reward::AmountOff {
            target,
            amount: Decimal::new(a, 2)
        }),
        2 => (arb_target(), 1u32..4, arb_target(), 1u32..3, 0i64..=100).prop_map(
            |(buy, x, get, y, p)| Reward::BuyXGetY {
                buy,
                buy_quantity: x,
                get,
                get_quantity: y,
                percent: Decimal::from(p),
            }
        ),
        2 => (arb_target(), 2u32..5, 0i64..2000).prop_map(|(target, n, p)| Reward::NForPrice {
            target,
            quantity: n,
            price: Decimal::new(p, 2)
        }),
        1 => (0i64..=100).prop_map(|p| Reward::TicketPercentOff {
            percent: Decimal::from(p)
        }),
        1 => (0i64..3000).prop_map(|a| Reward::TicketAmountOff {
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
                Stacking::Stackable,
                Stacking::Exclusive,
                Stacking::GlobalExclusive,
            ]),
            prop::bool::weighted(0.2),
            prop_oneof![3 => Just(None), 1 => (0i64..8000).prop_map(Some)],
            any::<bool>(),
        ),
        0..14,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(
                |(i, (reward, priority, stacking, coupon, min, manual))| Promotion {
                    id: PromotionId::new(format!("P{i:02}")).unwrap(),
                    name: format!("Promo {i}"),
                    priority,
                    trigger: if coupon {
                        Trigger::Coupon {
                            code: format!("code{i}"),
                            single_use: false,
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

// ------------------------------------------------------------ engine level

/// A line: SKU, price in cents, quantity, measured, manual discount cents.
type RawLine = (usize, i64, Decimal, bool, i64);

fn arb_line() -> impl Strategy<Value = RawLine> {
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
}

fn promo_line(index: usize, raw: &RawLine) -> PromoLine {
    let (s, cents, qty, measured, manual) = raw;
    let (sku, cat) = SKUS[*s];
    let price = Decimal::new(*cents, 2);
    let gross = round_half_away(price * qty, 2);
    let manual = if qty.is_sign_negative() {
        Decimal::ZERO
    } else {
        Decimal::new(*manual, 2).min(gross)
    };
    PromoLine {
        index,
        sku: Sku::new(sku).unwrap(),
        product_id: ProductId::new(format!("P-{sku}")).unwrap(),
        categories: vec![
            CategoryId::new(cat).unwrap(),
            CategoryId::new("TOUT").unwrap(),
        ],
        unit: if *measured || !qty.fract().is_zero() {
            Unit::Kilogram
        } else {
            Unit::Piece
        },
        unit_price: eur(price),
        quantity: *qty,
        gross: eur(gross),
        manual_discount: eur(manual),
        price_overridden: false,
        reward_of: None,
    }
}

#[derive(Debug, Clone)]
enum Change {
    /// Replace line `pick` (quantity, price, SKU, manual discount...).
    Replace(usize, RawLine),
    /// Change only the quantity of line `pick`.
    Quantity(usize, i64),
    Add(RawLine),
    Remove(usize),
    /// Toggle coupon `code{n}`.
    Coupon(usize),
    /// Nothing changes (the evaluator must still give the same).
    Same,
}

fn arb_change() -> impl Strategy<Value = Change> {
    prop_oneof![
        3 => (any::<usize>(), arb_line()).prop_map(|(p, l)| Change::Replace(p, l)),
        4 => (any::<usize>(), 1i64..8).prop_map(|(p, q)| Change::Quantity(p, q)),
        3 => arb_line().prop_map(Change::Add),
        2 => any::<usize>().prop_map(Change::Remove),
        1 => (0usize..14).prop_map(Change::Coupon),
        1 => Just(Change::Same),
    ]
}

fn ctx(coupons: &[String]) -> PromoContext {
    let mut ctx = PromoContext::new(Currency::EUR, "2026-11-28T10:00:00Z".parse().unwrap());
    ctx.coupons = coupons.to_vec();
    ctx
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// After each change the evaluator gives exactly `promotion::apply`.
    #[test]
    fn evaluator_equals_a_full_evaluation(
        start in prop::collection::vec(arb_line(), 0..12),
        promos in arb_promotions(),
        changes in prop::collection::vec(arb_change(), 1..25),
    ) {
        let shared: Arc<[Promotion]> = Arc::from(promos.clone());
        let mut raw = start;
        let mut coupons: Vec<String> = Vec::new();
        let mut evaluator = Evaluator::new();
        let lines: Vec<PromoLine> = raw.iter().enumerate().map(|(i, r)| promo_line(i, r)).collect();
        prop_assert_eq!(
            evaluator.apply(&lines, &shared, &ctx(&coupons)),
            promotion::apply(&lines, &promos, &ctx(&coupons))
        );
        for change in &changes {
            let n = raw.len();
            match change {
                Change::Replace(p, l) if n > 0 => raw[p % n] = *l,
                Change::Quantity(p, q) if n > 0 => {
                    let line = &mut raw[p % n];
                    line.2 = if line.2.fract().is_zero() { Decimal::from(*q) } else { Decimal::new(*q * 137, 3) };
                }
                Change::Add(l) => raw.push(*l),
                Change::Remove(p) if n > 0 => {
                    raw.remove(p % n);
                }
                Change::Coupon(c) => {
                    let code = format!("CODE{c}");
                    if coupons.contains(&code) {
                        coupons.retain(|x| *x != code);
                    } else {
                        coupons.push(code);
                    }
                }
                _ => {}
            }
            let lines: Vec<PromoLine> = raw.iter().enumerate().map(|(i, r)| promo_line(i, r)).collect();
            let c = ctx(&coupons);
            prop_assert_eq!(
                evaluator.apply(&lines, &shared, &c),
                promotion::apply(&lines, &promos, &c),
                "after {:?}", change
            );
        }
    }
}

/// Lines whose indexes are not ascending still get the full evaluation's
/// answer (the evaluator does not try to reuse anything for them).
#[test]
fn unordered_indexes_fall_back_to_a_full_evaluation() {
    let promos: Vec<Promotion> = promotion::parse_promotions_json(
        r#"[{"id": "X", "name": "x", "reward": {"type": "buy_x_get_y", "buy": "all",
             "buy_quantity": 1, "get": "all", "get_quantity": 1}}]"#,
    )
    .unwrap();
    let shared: Arc<[Promotion]> = Arc::from(promos.clone());
    let raw: [RawLine; 3] = [
        (0, 300, Decimal::ONE, false, 0),
        (1, 300, Decimal::ONE, false, 0),
        (2, 300, Decimal::ONE, false, 0),
    ];
    let mut lines: Vec<PromoLine> = raw
        .iter()
        .enumerate()
        .map(|(i, r)| promo_line(i, r))
        .collect();
    let mut evaluator = Evaluator::new();
    let c = ctx(&[]);
    assert_eq!(
        evaluator.apply(&lines, &shared, &c),
        promotion::apply(&lines, &promos, &c)
    );
    // Same prices: ties go to the lower index; swap the indexes around.
    lines[0].index = 7;
    lines[2].index = 1;
    assert_eq!(
        evaluator.apply(&lines, &shared, &c),
        promotion::apply(&lines, &promos, &c)
    );
    lines[1].quantity = Decimal::from(2);
    lines[1].gross = eur(Decimal::new(600, 2));
    assert_eq!(
        evaluator.apply(&lines, &shared, &c),
        promotion::apply(&lines, &promos, &c)
    );
}

// -------------------------------------------------------------- cart level

fn manager() -> Actor {
    Actor::new(OperatorId::new("op").unwrap(), Permissions::manager())
}

fn item(s: usize, cents: i64, weighed: bool) -> SellableItem {
    let (sku, cat) = SKUS[s % SKUS.len()];
    SellableItem {
        sku: Sku::new(sku).unwrap(),
        product_id: ProductId::new(format!("P-{sku}")).unwrap(),
        label: format!("Article {sku}"),
        unit_price: eur(Decimal::new(cents, 2)),
        price_list: None,
        vat_rate: [VatRate::FR_STANDARD, VatRate::FR_REDUCED][s % 2],
        unit: if weighed { Unit::Kilogram } else { Unit::Piece },
        categories: vec![
            CategoryId::new(cat).unwrap(),
            CategoryId::new("TOUT").unwrap(),
        ],
        meal_voucher_eligible: false,
        durable_good: false,
        scanned_barcode: None,
        quantity_breaks: vec![],
    }
}

#[derive(Debug, Clone)]
enum Op {
    Add {
        sku: usize,
        cents: i64,
        qty: i64,
        weighed: bool,
    },
    SetQty {
        pick: usize,
        qty: i64,
    },
    Remove {
        pick: usize,
    },
    LineDiscount {
        pick: usize,
        value: i64,
        percent: bool,
    },
    ClearLineDiscount {
        pick: usize,
    },
    TicketDiscount {
        value: i64,
        percent: bool,
    },
    Return {
        sku: usize,
        cents: i64,
        qty: i64,
    },
    AddCoupon(usize),
    RemoveCoupon(usize),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..SKUS.len(), 0i64..4000, 1i64..6, prop::bool::weighted(0.2))
            .prop_map(|(sku, cents, qty, weighed)| Op::Add { sku, cents, qty, weighed }),
        4 => (any::<usize>(), -1i64..8).prop_map(|(pick, qty)| Op::SetQty { pick, qty }),
        2 => any::<usize>().prop_map(|pick| Op::Remove { pick }),
        2 => (any::<usize>(), 0i64..3000, any::<bool>())
            .prop_map(|(pick, value, percent)| Op::LineDiscount { pick, value, percent }),
        1 => any::<usize>().prop_map(|pick| Op::ClearLineDiscount { pick }),
        1 => (0i64..3000, any::<bool>()).prop_map(|(value, percent)| Op::TicketDiscount { value, percent }),
        1 => (0..SKUS.len(), 0i64..4000, 1i64..3)
            .prop_map(|(sku, cents, qty)| Op::Return { sku, cents, qty }),
        1 => (0usize..14).prop_map(Op::AddCoupon),
        1 => (0usize..14).prop_map(Op::RemoveCoupon),
    ]
}

fn run(cart: &mut Cart, op: &Op) {
    let pick = |cart: &Cart, p: usize| {
        let n = cart.lines().len();
        (n > 0).then(|| cart.lines()[p % n].id())
    };
    // Errors are allowed (a quantity of zero, a discount above the line):
    // the cart must then be unchanged, which the comparison checks too.
    let _ = match op {
        Op::Add {
            sku,
            cents,
            qty,
            weighed,
        } => {
            let q = if *weighed {
                Decimal::new(*qty * 173, 3)
            } else {
                Decimal::from(*qty)
            };
            cart.add_item(item(*sku, *cents, *weighed), ItemQuantity::Quantity(q))
                .map(drop)
        }
        Op::SetQty { pick: p, qty } => match pick(cart, *p) {
            Some(id) => {
                let weighed = cart.line(id).unwrap().item().unit == Unit::Kilogram;
                let q = if weighed {
                    Decimal::new(*qty * 211, 3)
                } else {
                    Decimal::from(*qty)
                };
                cart.set_quantity(id, q)
            }
            None => Ok(()),
        },
        Op::Remove { pick: p } => match pick(cart, *p) {
            Some(id) => cart.remove(id).map(drop),
            None => Ok(()),
        },
        Op::LineDiscount {
            pick: p,
            value,
            percent,
        } => match pick(cart, *p) {
            Some(id) => {
                let d = if *percent {
                    Discount::Percent(Decimal::new(*value % 10_000, 2))
                } else {
                    Discount::Amount(Decimal::new(*value, 2))
                };
                cart.set_line_discount(id, d, "P", None, &manager())
            }
            None => Ok(()),
        },
        Op::ClearLineDiscount { pick: p } => match pick(cart, *p) {
            Some(id) => cart.clear_line_discount(id),
            None => Ok(()),
        },
        Op::TicketDiscount { value, percent } => {
            let d = if *percent {
                Discount::Percent(Decimal::new(*value % 10_000, 2))
            } else {
                Discount::Amount(Decimal::new(*value, 2))
            };
            cart.set_ticket_discount(d, "P", None, &manager())
        }
        Op::Return { sku, cents, qty } => cart
            .add_return(
                item(*sku, *cents, false),
                Decimal::from(*qty),
                None,
                &manager(),
            )
            .map(drop),
        Op::AddCoupon(c) => cart.add_coupon(&format!("code{c}")).map(drop),
        Op::RemoveCoupon(c) => cart.remove_coupon(&format!("CODE{c}")),
    };
}

fn promo_ctx() -> PromoContext {
    let mut ctx = PromoContext::new(
        Currency::EUR,
        Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap(),
    );
    ctx.utc_offset_minutes = 60;
    ctx
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// After each operation the cart equals a copy of it repriced from
    /// scratch (a copy carries no promotion cache: its repricing is a full
    /// evaluation).
    #[test]
    fn incrementally_repriced_cart_equals_a_fresh_evaluation(
        promos in arb_promotions(),
        ops in prop::collection::vec(arb_op(), 1..30),
    ) {
        let shared: Arc<[Promotion]> = Arc::from(promos);
        let mut cart = Cart::new(Currency::EUR);
        cart.set_promotions(Arc::clone(&shared), promo_ctx()).unwrap();
        for op in &ops {
            let before = cart.clone();
            run(&mut cart, op);
            let mut fresh = cart.clone();
            let mut ctx = promo_ctx();
            ctx.coupons = cart.coupons().to_vec();
            fresh.set_promotions(Arc::clone(&shared), ctx).unwrap();
            prop_assert_eq!(cart.promotion_outcome(), fresh.promotion_outcome(), "after {:?}", op);
            for (a, b) in cart.lines().iter().zip(fresh.lines()) {
                prop_assert_eq!(a.amount(), b.amount(), "after {:?}", op);
                prop_assert_eq!(a.promotions(), b.promotions(), "after {:?}", op);
                prop_assert_eq!(a.manual_discount_amount(), b.manual_discount_amount());
                prop_assert_eq!(a.ticket_discount_share(), b.ticket_discount_share());
            }
            prop_assert_eq!(cart.totals(), fresh.totals(), "after {:?}", op);
            prop_assert_eq!(&cart, &fresh, "after {:?} (from {:?})", op, before.lines().len());
        }
    }
}
