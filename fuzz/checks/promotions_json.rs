//! Checks of the `promotions_json` target, shared with pos-core's replay
//! test: any text given to the promotions import parses to promotions or a
//! typed error; parsed promotions serialise back to the same list, and the
//! engine runs them on a fixed basket (the sample catalog's articles: pieces,
//! a weighed cheese, wines, beers with a manual discount, an overridden
//! price; once more with a return line) to an outcome or a typed error, the
//! same twice, whose discounts are never negative, never above what each
//! line has left, and add up as documented.

use chrono::{TimeZone, Utc};
use pos_core::ids::{CategoryId, ProductId, Sku};
use pos_core::item::Unit;
use pos_core::promotion::{PromoContext, PromoLine, Promotion, apply, parse_promotions_json};
use pos_core::{Currency, Money};
use rust_decimal::Decimal;

fn eur(cents: i64) -> Money {
    Money::from_minor_units(cents, Currency::EUR)
}

fn line(
    index: usize,
    sku: &str,
    categories: &[&str],
    unit: Unit,
    price_cents: i64,
    quantity: Decimal,
    gross_cents: i64,
) -> PromoLine {
    PromoLine {
        index,
        sku: Sku::new(sku).expect("a valid SKU"),
        product_id: ProductId::new(sku).expect("a valid product id"),
        categories: categories
            .iter()
            .map(|c| CategoryId::new(*c).expect("a valid category id"))
            .collect(),
        unit,
        unit_price: eur(price_cents),
        quantity,
        gross: eur(gross_cents),
        manual_discount: eur(0),
        price_overridden: false,
        reward_of: None,
    }
}

fn basket() -> Vec<PromoLine> {
    let mut beers = line(
        4,
        "BIERE-IPA",
        &["boissons", "bieres"],
        Unit::Piece,
        320,
        Decimal::from(4),
        1280,
    );
    beers.manual_discount = eur(50);
    let mut wine = line(
        5,
        "VIN-BLANC",
        &["vins", "vins-blancs"],
        Unit::Piece,
        1200,
        Decimal::from(1),
        1000,
    );
    wine.unit_price = eur(1000);
    wine.price_overridden = true;
    vec![
        line(
            0,
            "CROISSANT",
            &["boulangerie", "viennoiseries"],
            Unit::Piece,
            120,
            Decimal::from(3),
            360,
        ),
        line(
            1,
            "COMTE-18",
            &["fromages"],
            Unit::Kilogram,
            2490,
            Decimal::new(347, 3),
            864,
        ),
        line(
            2,
            "VIN-ROUGE",
            &["vins", "vins-rouges"],
            Unit::Piece,
            850,
            Decimal::from(2),
            1700,
        ),
        line(
            3,
            "VIN-ROSE",
            &["vins", "vins-roses"],
            Unit::Piece,
            990,
            Decimal::from(1),
            990,
        ),
        beers,
        wine,
    ]
}

fn context(promotions: &[Promotion]) -> PromoContext {
    // A Saturday, 18:30 in Paris: days and happy hours take part.
    let at = Utc
        .with_ymd_and_hms(2026, 11, 28, 17, 30, 0)
        .single()
        .expect("a valid instant");
    let mut ctx = PromoContext::new(Currency::EUR, at);
    ctx.utc_offset_minutes = 60;
    ctx.coupons = promotions
        .iter()
        .filter_map(Promotion::coupon_code)
        .collect();
    ctx.coupons.push("BIENVENUE10".to_owned());
    ctx.loyalty_tier = Some("gold".to_owned());
    ctx
}

fn run(lines: &[PromoLine], promotions: &[Promotion], ctx: &PromoContext) {
    let Ok(outcome) = apply(lines, promotions, ctx) else {
        return;
    };
    assert_eq!(
        apply(lines, promotions, ctx).ok(),
        Some(outcome.clone()),
        "deterministic"
    );
    assert_eq!(outcome.lines.len(), lines.len());
    let mut lines_total = eur(0);
    let mut left_total = eur(0);
    for (input, promos) in lines.iter().zip(&outcome.lines) {
        assert_eq!(promos.line, input.index);
        assert!(!promos.discount.is_negative(), "a negative line discount");
        let sum = promos
            .adjustments
            .iter()
            .try_fold(eur(0), |acc, a| acc.checked_add(&a.amount))
            .expect("adjustments add up");
        assert_eq!(
            sum, promos.discount,
            "a line discount is the sum of its adjustments"
        );
        let left = input
            .gross
            .checked_sub(&input.manual_discount)
            .expect("no overflow");
        if input.is_return() {
            assert!(promos.discount.is_zero(), "a return line got a promotion");
        } else {
            assert!(
                promos.discount.amount() <= left.amount(),
                "a line discount above what the line has left"
            );
            left_total = left_total.checked_add(&left).expect("no overflow");
        }
        lines_total = lines_total
            .checked_add(&promos.discount)
            .expect("no overflow");
    }
    assert!(
        !outcome.ticket_discount.is_negative(),
        "a negative ticket discount"
    );
    let after_lines = left_total.checked_sub(&lines_total).expect("no overflow");
    assert!(
        outcome.ticket_discount.amount() <= after_lines.amount(),
        "a ticket discount above the ticket"
    );
    assert_eq!(
        outcome.total_discount,
        lines_total
            .checked_add(&outcome.ticket_discount)
            .expect("no overflow")
    );
}

/// Parses `data` (lossy UTF-8) as promotions and runs the engine on them.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(promotions) = parse_promotions_json(&text) else {
        return;
    };
    let json = serde_json::to_string(&promotions).expect("promotions serialise");
    assert_eq!(
        parse_promotions_json(&json).expect("serialised promotions parse again"),
        promotions
    );
    let ctx = context(&promotions);
    let mut lines = basket();
    run(&lines, &promotions, &ctx);
    lines.push(line(
        6,
        "CROISSANT",
        &["boulangerie", "viennoiseries"],
        Unit::Piece,
        120,
        Decimal::from(-1),
        -120,
    ));
    run(&lines, &promotions, &ctx);
}
