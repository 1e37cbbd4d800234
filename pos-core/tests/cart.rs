//! Cart integration tests: scanning from the real sample catalog, every
//! operation, the "a failed operation changes nothing" rule, the golden
//! baskets of testdata/cart/golden.json, and proptest invariants.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{TimeZone, Utc};
use pos_core::cart::{Actor, Cart, ItemQuantity, Permissions, PriceSource};
use pos_core::catalog::{Catalog, sample_catalog_json};
use pos_core::ids::{OperatorId, ProductId, Sku};
use pos_core::item::{PriceContext, QuantityBreak, SellableItem, Unit};
use pos_core::{CoreError, Currency, Discount, Money, VatRate};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

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
        durable_good: false,
        scanned_barcode: None,
        quantity_breaks: vec![],
    }
}

fn manager() -> Actor {
    Actor::new(OperatorId::new("op-marie").unwrap(), Permissions::manager())
}

fn cashier() -> Actor {
    Actor::new(OperatorId::new("op-paul").unwrap(), Permissions::cashier())
}

fn ctx() -> PriceContext {
    PriceContext {
        store: None,
        customer_group: None,
        at: Utc.with_ymd_and_hms(2026, 3, 14, 10, 0, 0).unwrap(),
    }
}

fn catalog() -> Catalog {
    Catalog::from_json(sample_catalog_json()).unwrap()
}

/// Per rate gross = net + VAT, Σ rates = total, Σ line amounts = total and
/// Σ shares = the ticket discount: what every cart must satisfy.
fn assert_consistent(cart: &Cart) {
    let t = cart.totals();
    let mut sum_rates = Decimal::ZERO;
    for tax in &t.taxes {
        assert_eq!(tax.gross, tax.net + tax.vat, "rate {}", tax.rate);
        sum_rates += tax.gross;
    }
    assert_eq!(sum_rates, t.total.amount());
    let lines: Decimal = cart.lines().iter().map(|l| l.amount().amount()).sum();
    if cart.tax_mode() == pos_core::TaxMode::Inclusive {
        assert_eq!(lines, t.total.amount());
    }
    let shares: Decimal = cart
        .lines()
        .iter()
        .map(|l| l.ticket_discount_share().amount())
        .sum();
    assert_eq!(shares, t.ticket_discount.amount());
    for l in cart.lines() {
        let promos: Decimal = l.promotions().iter().map(|p| p.amount.amount()).sum();
        assert_eq!(
            l.amount().amount(),
            l.gross().amount()
                - promos
                - l.manual_discount_amount().amount()
                - l.ticket_discount_share().amount()
        );
    }
}

#[test]
fn scans_the_sample_catalog() {
    let catalog = catalog();
    let mut cart = Cart::new(Currency::EUR);
    cart.add_barcode(&catalog, "2000000001012", &ctx(), dec!(2))
        .unwrap(); // baguette tradition 1.30 × 2
    cart.add_sku(&catalog, &Sku::new("VIN-CDR").unwrap(), &ctx(), dec!(1))
        .unwrap(); // 8.90, 20 %
    let comte = catalog.item_by_article_code("01001", &ctx()).unwrap();
    cart.add_item(comte, ItemQuantity::Weight(dec!(0.347)))
        .unwrap(); // 24.90 × 0.347 = 8.6403 -> 8.64
    let amounts: Vec<String> = cart
        .lines()
        .iter()
        .map(|l| l.amount().format_plain())
        .collect();
    assert_eq!(amounts, ["2.60", "8.90", "8.64"]);
    assert_eq!(cart.total().format_plain(), "20.14");
    // 20 %: 8.90 -> net round(8.90 / 1.2) = 7.42, VAT 1.48.
    // 5.5 %: 11.24 -> net round(11.24 / 1.055) = 10.65, VAT 0.59.
    let taxes = &cart.totals().taxes;
    assert_eq!(taxes[0].rate, VatRate::FR_STANDARD);
    assert_eq!((taxes[0].net, taxes[0].vat), (dec!(7.42), dec!(1.48)));
    assert_eq!((taxes[1].net, taxes[1].vat), (dec!(10.65), dec!(0.59)));
    assert_eq!(
        cart.lines()[0]
            .item()
            .scanned_barcode
            .as_ref()
            .unwrap()
            .as_str(),
        "2000000001012"
    );
    assert_consistent(&cart);
}

#[test]
fn unknown_codes_are_typed_errors_and_change_nothing() {
    let catalog = catalog();
    let mut cart = Cart::new(Currency::EUR);
    cart.add_barcode(&catalog, "2000000001012", &ctx(), dec!(1))
        .unwrap();
    let before = cart.clone();
    let e = cart
        .add_barcode(&catalog, "0000000000000", &ctx(), dec!(1))
        .unwrap_err();
    assert_eq!(e.kind(), "unknown_barcode");
    let e = cart
        .add_sku(&catalog, &Sku::new("NOPE").unwrap(), &ctx(), dec!(1))
        .unwrap_err();
    assert_eq!(e.kind(), "unknown_sku");
    assert_eq!(cart, before);
    assert_eq!(
        Cart::for_currency_code("XYZ").unwrap_err().kind(),
        "unknown_currency"
    );
}

#[test]
fn quantity_breaks_count_the_sku_over_all_lines() {
    let catalog = catalog();
    let mut cart = Cart::new(Currency::EUR);
    let wine = Sku::new("VIN-CDR").unwrap();
    for _ in 0..5 {
        cart.add_sku(&catalog, &wine, &ctx(), dec!(1)).unwrap();
    }
    assert!(
        cart.lines()
            .iter()
            .all(|l| l.unit_price().amount() == dec!(8.90))
    );
    assert_eq!(cart.total().format_plain(), "44.50");
    let sixth = cart.add_sku(&catalog, &wine, &ctx(), dec!(1)).unwrap();
    // Six bottles reach the 6+ break at 7.90: 6 × 7.90 = 47.40.
    assert!(
        cart.lines()
            .iter()
            .all(|l| l.unit_price().amount() == dec!(7.90))
    );
    assert_eq!(
        cart.lines()[0].price_source(),
        &PriceSource::QuantityBreak {
            min_quantity: dec!(6)
        }
    );
    assert_eq!(cart.total().format_plain(), "47.40");
    cart.remove(sixth).unwrap();
    assert_eq!(cart.total().format_plain(), "44.50");
}

#[test]
fn weighed_and_piece_quantities() {
    let mut cart = Cart::new(Currency::EUR);
    let bread = item("PAIN", dec!(1.30), 550, Unit::Piece);
    assert_eq!(
        cart.add_item(bread.clone(), ItemQuantity::Quantity(dec!(1.5)))
            .unwrap_err()
            .kind(),
        "fractional_quantity"
    );
    assert_eq!(
        cart.add_item(bread.clone(), ItemQuantity::Quantity(dec!(0)))
            .unwrap_err(),
        CoreError::ZeroQuantity { line: 0 }
    );
    let ham = item("JAMBON", dec!(29.90), 550, Unit::Kilogram);
    assert_eq!(
        cart.add_item(ham.clone(), ItemQuantity::Weight(dec!(0.1234)))
            .unwrap_err()
            .kind(),
        "quantity_precision"
    );
    assert!(cart.is_empty());
    let id = cart
        .add_item(ham, ItemQuantity::Weight(dec!(0.125)))
        .unwrap();
    // 29.90 × 0.125 = 3.7375 -> 3.74
    assert_eq!(cart.total().format_plain(), "3.74");
    cart.set_quantity(id, dec!(0.2)).unwrap();
    assert_eq!(cart.total().format_plain(), "5.98");
    let b = cart
        .add_item(bread, ItemQuantity::Quantity(dec!(2)))
        .unwrap();
    assert_eq!(
        cart.set_quantity(b, dec!(2.5)).unwrap_err().kind(),
        "fractional_quantity"
    );
    cart.set_quantity(b, dec!(3)).unwrap();
    assert_eq!(cart.total().format_plain(), "9.88");
}

#[test]
fn scale_label_with_embedded_price_is_a_fixed_amount() {
    let mut cart = Cart::new(Currency::EUR);
    let comte = item("COMTE", dec!(24.90), 550, Unit::Kilogram);
    let id = cart
        .add_item(comte.clone(), ItemQuantity::LabelPrice(eur(dec!(7.47))))
        .unwrap();
    let line = cart.line(id).unwrap();
    assert_eq!(line.quantity(), dec!(1));
    assert_eq!(line.price_source(), &PriceSource::ScaleLabel);
    assert_eq!(cart.total().format_plain(), "7.47");
    // Two identical labels: a whole count; a fraction of a label is refused.
    cart.set_quantity(id, dec!(2)).unwrap();
    assert_eq!(cart.total().format_plain(), "14.94");
    assert_eq!(
        cart.set_quantity(id, dec!(1.5)).unwrap_err().kind(),
        "fractional_quantity"
    );
    // A labelled price below a cent or negative is refused.
    assert_eq!(
        cart.add_item(comte.clone(), ItemQuantity::LabelPrice(eur(dec!(7.475))))
            .unwrap_err()
            .kind(),
        "sub_minor_amount"
    );
    assert_eq!(
        cart.add_item(comte, ItemQuantity::LabelPrice(eur(dec!(-1))))
            .unwrap_err()
            .kind(),
        "negative_price"
    );
}

#[test]
fn line_discounts_need_a_reason_and_a_permission() {
    let mut cart = Cart::new(Currency::EUR);
    let id = cart
        .add_item(
            item("MUG", dec!(7.50), 2000, Unit::Piece),
            ItemQuantity::Quantity(dec!(3)),
        )
        .unwrap();
    let trainee = Actor::new(OperatorId::new("op-new").unwrap(), Permissions::none());
    assert_eq!(
        cart.set_line_discount(id, Discount::Percent(dec!(10)), "DAMAGED", None, &trainee)
            .unwrap_err(),
        CoreError::PermissionDenied {
            permission: "line_discount"
        }
    );
    assert_eq!(
        cart.set_line_discount(id, Discount::Percent(dec!(10)), "", None, &cashier())
            .unwrap_err()
            .kind(),
        "invalid_text"
    );
    cart.set_line_discount(
        id,
        Discount::Percent(dec!(10)),
        "DAMAGED",
        Some("boîte abîmée"),
        &cashier(),
    )
    .unwrap();
    // 22.50 × 10 % = 2.25
    let line = cart.line(id).unwrap();
    assert_eq!(line.manual_discount_amount().format_plain(), "2.25");
    assert_eq!(line.manual_discount().unwrap().reason_code, "DAMAGED");
    assert_eq!(line.manual_discount().unwrap().operator.as_str(), "op-paul");
    assert_eq!(cart.total().format_plain(), "20.25");
    let before = cart.clone();
    assert_eq!(
        cart.set_line_discount(id, Discount::Amount(dec!(22.51)), "X", None, &cashier())
            .unwrap_err()
            .kind(),
        "discount_exceeds_line"
    );
    assert_eq!(
        cart.set_line_discount(id, Discount::Amount(dec!(-1)), "X", None, &cashier())
            .unwrap_err()
            .kind(),
        "invalid_discount"
    );
    assert_eq!(cart, before);
    cart.clear_line_discount(id).unwrap();
    assert_eq!(cart.total().format_plain(), "22.50");
}

#[test]
fn ticket_discount_is_spread_by_largest_remainder() {
    let mut cart = Cart::new(Currency::EUR);
    for (sku, bps) in [("A", 2000), ("B", 2000), ("C", 550)] {
        cart.add_item(
            item(sku, dec!(1), bps, Unit::Piece),
            ItemQuantity::Quantity(dec!(1)),
        )
        .unwrap();
    }
    cart.set_ticket_discount(Discount::Amount(dec!(0.10)), "FIDELITE", None, &cashier())
        .unwrap();
    let shares: Vec<String> = cart
        .lines()
        .iter()
        .map(|l| l.ticket_discount_share().format_plain())
        .collect();
    assert_eq!(shares, ["0.04", "0.03", "0.03"]);
    assert_eq!(cart.total().format_plain(), "2.90");
    assert_eq!(cart.totals().manual_ticket_discount.format_plain(), "0.10");
    assert_consistent(&cart);
    assert_eq!(
        cart.set_ticket_discount(Discount::Amount(dec!(3.01)), "X", None, &cashier())
            .unwrap_err()
            .kind(),
        "discount_exceeds_ticket"
    );
    assert_eq!(cart.total().format_plain(), "2.90");
}

#[test]
fn price_override_needs_the_permission() {
    let mut cart = Cart::new(Currency::EUR);
    let id = cart
        .add_item(
            item("TSHIRT", dec!(19.90), 2000, Unit::Piece),
            ItemQuantity::Quantity(dec!(1)),
        )
        .unwrap();
    let before = cart.clone();
    assert_eq!(
        cart.override_price(id, eur(dec!(15)), "défaut", &cashier())
            .unwrap_err(),
        CoreError::PermissionDenied {
            permission: "price_override"
        }
    );
    assert_eq!(
        cart.override_price(id, eur(dec!(-1)), "défaut", &manager())
            .unwrap_err()
            .kind(),
        "negative_price"
    );
    let usd = Money::new(dec!(15), Currency::from_code("USD").unwrap());
    assert_eq!(
        cart.override_price(id, usd, "défaut", &manager())
            .unwrap_err()
            .kind(),
        "currency_mismatch"
    );
    assert_eq!(cart, before);
    cart.override_price(id, eur(dec!(15)), "tache", &manager())
        .unwrap();
    let line = cart.line(id).unwrap();
    assert_eq!(cart.total().format_plain(), "15.00");
    match line.price_source() {
        PriceSource::Override {
            operator,
            reason,
            replaced,
        } => {
            assert_eq!(operator.as_str(), "op-marie");
            assert_eq!(reason, "tache");
            assert_eq!(replaced.format_plain(), "19.90");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn notes_are_kept_and_checked() {
    let mut cart = Cart::new(Currency::EUR);
    let id = cart
        .add_item(
            item("CROQUE", dec!(6.50), 1000, Unit::Piece),
            ItemQuantity::Quantity(dec!(1)),
        )
        .unwrap();
    cart.set_line_note(id, Some("sans fromage")).unwrap();
    cart.set_note(Some("table 4")).unwrap();
    assert_eq!(cart.line(id).unwrap().note(), Some("sans fromage"));
    assert_eq!(cart.note(), Some("table 4"));
    assert_eq!(
        cart.set_note(Some(&"x".repeat(201))).unwrap_err().kind(),
        "invalid_text"
    );
    assert_eq!(cart.note(), Some("table 4"));
    cart.set_line_note(id, None).unwrap();
    assert_eq!(cart.line(id).unwrap().note(), None);
}

#[test]
fn return_lines_are_negative_and_need_the_permission() {
    let mut cart = Cart::new(Currency::EUR);
    cart.add_item(
        item("MUG", dec!(7.50), 2000, Unit::Piece),
        ItemQuantity::Quantity(dec!(1)),
    )
    .unwrap();
    let tote = item("TOTE", dec!(6.90), 2000, Unit::Piece);
    assert_eq!(
        cart.add_return(tote.clone(), dec!(1), None, &cashier())
            .unwrap_err(),
        CoreError::PermissionDenied {
            permission: "return"
        }
    );
    let r = cart.add_return(tote, dec!(1), None, &manager()).unwrap();
    assert!(cart.line(r).unwrap().is_return());
    assert_eq!(cart.line(r).unwrap().amount().format_plain(), "-6.90");
    assert_eq!(cart.total().format_plain(), "0.60");
    // A return line cannot be discounted.
    assert_eq!(
        cart.set_line_discount(r, Discount::Percent(dec!(5)), "X", None, &manager())
            .unwrap_err()
            .kind(),
        "discount_on_return_line"
    );
    cart.set_quantity(r, dec!(2)).unwrap();
    assert_eq!(cart.line(r).unwrap().quantity(), dec!(-2));
    assert_consistent(&cart);
}

#[test]
fn currency_of_items_must_match_the_cart() {
    let mut cart = Cart::new(Currency::EUR);
    let mut it = item("X", dec!(1), 2000, Unit::Piece);
    it.unit_price = Money::new(dec!(1), Currency::from_code("CHF").unwrap());
    assert_eq!(
        cart.add_item(it, ItemQuantity::Quantity(dec!(1)))
            .unwrap_err()
            .kind(),
        "currency_mismatch"
    );
    let mut it = item("Y", dec!(1), 2000, Unit::Piece);
    it.quantity_breaks = vec![QuantityBreak {
        min_quantity: dec!(2),
        unit_price: eur(dec!(-0.5)),
    }];
    assert_eq!(
        cart.add_item(it, ItemQuantity::Quantity(dec!(1)))
            .unwrap_err()
            .kind(),
        "negative_price"
    );
}

#[test]
fn overflow_is_an_error_not_a_panic() {
    let mut cart = Cart::new(Currency::EUR);
    let huge = item("HUGE", Decimal::MAX, 2000, Unit::Piece);
    assert_eq!(
        cart.add_item(huge, ItemQuantity::Quantity(dec!(2)))
            .unwrap_err()
            .kind(),
        "overflow"
    );
    assert!(cart.is_empty());
}

#[test]
fn unknown_line_ids_are_refused() {
    let mut cart = Cart::new(Currency::EUR);
    let id = cart
        .add_item(
            item("A", dec!(1), 2000, Unit::Piece),
            ItemQuantity::Quantity(dec!(1)),
        )
        .unwrap();
    cart.remove(id).unwrap();
    assert_eq!(cart.remove(id).unwrap_err().kind(), "unknown_line");
    assert_eq!(
        cart.set_quantity(id, dec!(1)).unwrap_err().kind(),
        "unknown_line"
    );
    // Ids are never reused.
    let id2 = cart
        .add_item(
            item("A", dec!(1), 2000, Unit::Piece),
            ItemQuantity::Quantity(dec!(1)),
        )
        .unwrap();
    assert_ne!(id, id2);
}

/// Every failing operation leaves the cart exactly as it was: clone,
/// attempt, compare.
#[test]
fn failed_operations_change_nothing() {
    let mut cart = Cart::new(Currency::EUR);
    let a = cart
        .add_item(
            item("A", dec!(4.99), 2000, Unit::Piece),
            ItemQuantity::Quantity(dec!(2)),
        )
        .unwrap();
    let k = cart
        .add_item(
            item("K", dec!(12.00), 550, Unit::Kilogram),
            ItemQuantity::Weight(dec!(0.5)),
        )
        .unwrap();
    cart.set_ticket_discount(Discount::Percent(dec!(5)), "VIP", None, &cashier())
        .unwrap();
    cart.set_line_discount(k, Discount::Amount(dec!(1)), "DLC", None, &cashier())
        .unwrap();
    let dead = cart
        .add_item(
            item("D", dec!(1), 2000, Unit::Piece),
            ItemQuantity::Quantity(dec!(1)),
        )
        .unwrap();
    cart.remove(dead).unwrap();
    let catalog = catalog();
    type Op = Box<dyn Fn(&mut Cart) -> Result<(), CoreError>>;
    let ops: Vec<(&str, Op)> = vec![
        (
            "unknown barcode",
            Box::new(move |c| c.add_barcode(&catalog, "123", &ctx(), dec!(1)).map(drop)),
        ),
        (
            "zero quantity",
            Box::new(move |c| c.set_quantity(a, dec!(0))),
        ),
        (
            "negative quantity",
            Box::new(move |c| c.set_quantity(a, dec!(-1))),
        ),
        (
            "fractional pieces",
            Box::new(move |c| c.set_quantity(a, dec!(1.5))),
        ),
        (
            "too precise",
            Box::new(move |c| c.set_quantity(k, dec!(0.0001))),
        ),
        (
            "negative price",
            Box::new(|c| {
                c.add_item(
                    item("N", dec!(-1), 2000, Unit::Piece),
                    ItemQuantity::Quantity(dec!(1)),
                )
                .map(drop)
            }),
        ),
        (
            "discount above line",
            Box::new(move |c| {
                c.set_line_discount(a, Discount::Amount(dec!(100)), "X", None, &cashier())
            }),
        ),
        (
            "percent above 100",
            Box::new(move |c| {
                c.set_line_discount(a, Discount::Percent(dec!(101)), "X", None, &cashier())
            }),
        ),
        (
            "sub-cent discount",
            Box::new(move |c| {
                c.set_line_discount(a, Discount::Amount(dec!(0.001)), "X", None, &cashier())
            }),
        ),
        (
            "ticket discount above total",
            Box::new(|c| {
                c.set_ticket_discount(Discount::Amount(dec!(1000)), "X", None, &cashier())
            }),
        ),
        (
            "override without permission",
            Box::new(move |c| c.override_price(a, eur(dec!(1)), "x", &cashier())),
        ),
        (
            "return without permission",
            Box::new(|c| {
                c.add_return(
                    item("R", dec!(1), 2000, Unit::Piece),
                    dec!(1),
                    None,
                    &cashier(),
                )
                .map(drop)
            }),
        ),
        (
            "return with ticket discount",
            Box::new(|c| {
                c.add_return(
                    item("R", dec!(1), 2000, Unit::Piece),
                    dec!(1),
                    None,
                    &manager(),
                )
                .map(drop)
            }),
        ),
        (
            "overflow",
            Box::new(|c| {
                c.add_item(
                    item("H", Decimal::MAX, 2000, Unit::Piece),
                    ItemQuantity::Quantity(dec!(3)),
                )
                .map(drop)
            }),
        ),
        (
            "bad note",
            Box::new(move |c| c.set_line_note(k, Some("\u{0}"))),
        ),
        (
            "wrong currency",
            Box::new(|c| {
                let mut i = item("U", dec!(1), 2000, Unit::Piece);
                i.unit_price = Money::new(dec!(1), Currency::from_code("USD").unwrap());
                c.add_item(i, ItemQuantity::Quantity(dec!(1))).map(drop)
            }),
        ),
        ("unknown line", Box::new(move |c| c.remove(dead).map(drop))),
    ];
    for (name, op) in ops {
        let before = cart.clone();
        let result = op(&mut cart);
        assert!(result.is_err(), "{name} should fail");
        assert_eq!(cart, before, "{name} changed the cart");
    }
    assert_consistent(&cart);
}

mod promotions {
    use super::*;
    use pos_core::ids::CategoryId;
    use pos_core::promotion::{
        CouponRejection, PromoContext, Promotion, parse_promotions_json, sample_promotions_json,
    };
    use std::sync::Arc;

    fn in_category(sku: &str, price: Decimal, bps: u32, category: &str) -> SellableItem {
        let mut it = item(sku, price, bps, Unit::Piece);
        it.categories = vec![CategoryId::new(category).unwrap()];
        it
    }

    fn sample() -> Arc<[Promotion]> {
        Arc::from(parse_promotions_json(sample_promotions_json()).unwrap())
    }

    /// Tuesday 24 November 2026, 09:00 in Paris.
    fn tuesday() -> PromoContext {
        let mut ctx = PromoContext::new(
            Currency::EUR,
            Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap(),
        );
        ctx.utc_offset_minutes = 60;
        ctx
    }

    fn promo_cart() -> Cart {
        let mut cart = Cart::new(Currency::EUR);
        cart.set_promotions(sample(), tuesday()).unwrap();
        cart
    }

    #[test]
    fn n_for_a_price_on_a_line() {
        let mut cart = promo_cart();
        let id = cart
            .add_item(
                in_category("CROISSANT", dec!(1.20), 550, "VIENNOISERIE"),
                ItemQuantity::Quantity(dec!(3)),
            )
            .unwrap();
        let line = cart.line(id).unwrap();
        assert_eq!(line.gross().format_plain(), "3.60");
        assert_eq!(line.promotions().len(), 1);
        assert_eq!(line.promotions()[0].text, "3 croissants pour 3 €");
        assert_eq!(line.promotions()[0].amount.format_plain(), "0.60");
        assert_eq!(cart.total().format_plain(), "3.00");
        // A fourth croissant pays full price.
        cart.set_quantity(id, dec!(4)).unwrap();
        assert_eq!(cart.total().format_plain(), "4.20");
        assert_consistent(&cart);
    }

    #[test]
    fn manual_discount_keeps_automatic_promotions_off_the_line() {
        let mut cart = promo_cart();
        let id = cart
            .add_item(
                in_category("CROISSANT", dec!(1.20), 550, "VIENNOISERIE"),
                ItemQuantity::Quantity(dec!(3)),
            )
            .unwrap();
        cart.set_line_discount(id, Discount::Amount(dec!(0.20)), "DLC", None, &cashier())
            .unwrap();
        let line = cart.line(id).unwrap();
        assert!(line.promotions().is_empty());
        assert_eq!(line.manual_discount_amount().format_plain(), "0.20");
        assert_eq!(cart.total().format_plain(), "3.40");
    }

    #[test]
    fn buy_two_wines_get_the_cheapest_free() {
        // Real catalog items: red 8.90 and 12.50, white 16.90.
        let catalog = catalog();
        let mut cart = promo_cart();
        for sku in ["VIN-CDR", "VIN-BORDEAUX", "VIN-CHABLIS"] {
            cart.add_sku(&catalog, &Sku::new(sku).unwrap(), &ctx(), dec!(1))
                .unwrap();
        }
        let discounts: Vec<String> = cart
            .lines()
            .iter()
            .map(|l| {
                l.promotions()
                    .iter()
                    .map(|p| p.amount.format_plain())
                    .collect::<Vec<_>>()
                    .join("+")
            })
            .collect();
        assert_eq!(discounts, ["8.90", "", ""]);
        assert_eq!(cart.total().format_plain(), "29.40");
        assert_consistent(&cart);
    }

    #[test]
    fn spend_threshold_reward_combines_with_the_manual_ticket_discount() {
        let mut cart = promo_cart();
        cart.add_item(
            item("MACHINE", dec!(60), 2000, Unit::Piece),
            ItemQuantity::Quantity(dec!(1)),
        )
        .unwrap();
        assert_eq!(
            cart.totals().ticket_promotions[0].text,
            "Dès 50 € d'achat : 5 € offerts"
        );
        assert_eq!(cart.total().format_plain(), "55.00");
        // 10 % of the 60.00 of lines = 6.00, on top of the 5.00 reward.
        cart.set_ticket_discount(Discount::Percent(dec!(10)), "VIP", None, &cashier())
            .unwrap();
        let t = cart.totals();
        assert_eq!(t.manual_ticket_discount.format_plain(), "6.00");
        assert_eq!(t.ticket_discount.format_plain(), "11.00");
        assert_eq!(cart.total().format_plain(), "49.00");
        assert_consistent(&cart);
    }

    #[test]
    fn coupons_are_checked_and_kept_when_they_may_apply_later() {
        let mut cart = promo_cart();
        cart.add_item(
            item("MUG", dec!(7.50), 2000, Unit::Piece),
            ItemQuantity::Quantity(dec!(2)),
        )
        .unwrap();
        assert_eq!(
            cart.add_coupon("NOPE").unwrap(),
            Some(CouponRejection::Unknown)
        );
        assert!(cart.coupons().is_empty());
        let r = cart.add_coupon(" bienvenue10 ").unwrap();
        assert_eq!(r.unwrap().kind(), "minimum_spend_not_reached");
        assert_eq!(cart.coupons().len(), 1);
        assert_eq!(cart.total().format_plain(), "15.00");
        // Reaching 20 € makes it apply: 10 % of 22.50 = 2.25.
        cart.add_item(
            item("MUG", dec!(7.50), 2000, Unit::Piece),
            ItemQuantity::Quantity(dec!(1)),
        )
        .unwrap();
        assert_eq!(cart.accepted_coupons()[0].code, "BIENVENUE10");
        assert!(cart.accepted_coupons()[0].single_use);
        assert_eq!(cart.total().format_plain(), "20.25");
        cart.remove_coupon("BIENVENUE10").unwrap();
        assert_eq!(cart.total().format_plain(), "22.50");
    }

    #[test]
    fn entering_an_unknown_or_repeated_coupon_is_an_error_that_changes_nothing() {
        let mut cart = promo_cart();
        cart.add_item(
            item("MUG", dec!(7.50), 2000, Unit::Piece),
            ItemQuantity::Quantity(dec!(2)),
        )
        .unwrap();
        let before = cart.clone();
        let e = cart.enter_coupon("NOPE").unwrap_err();
        assert_eq!(
            (e.kind(), e.to_string().as_str()),
            ("coupon_unknown", "no promotion has the coupon code `NOPE`")
        );
        assert_eq!(cart, before);
        // Known but not yet applicable: kept, the reason returned.
        let r = cart.enter_coupon("BIENVENUE10").unwrap();
        assert_eq!(r.unwrap().kind(), "minimum_spend_not_reached");
        let kept = cart.clone();
        let e = cart.enter_coupon(" bienvenue10 ").unwrap_err();
        assert_eq!(
            (e.kind(), e.to_string().as_str()),
            (
                "coupon_duplicate",
                "the coupon `bienvenue10` is already on this ticket"
            )
        );
        assert_eq!(cart, kept);
    }

    #[test]
    fn free_item_rewards_are_added_and_dropped() {
        let promotions: Arc<[Promotion]> = Arc::from(
            parse_promotions_json(
                r#"[{"id": "CAFE-OFFERT", "name": "Un café offert dès 10 €", "priority": 50,
                     "conditions": {"min_spend": "10.00"},
                     "reward": {"type": "free_item", "sku": "EXPRESSO", "quantity": 1}}]"#,
            )
            .unwrap(),
        );
        let catalog = catalog();
        let mut cart = Cart::new(Currency::EUR);
        cart.set_promotions(promotions, tuesday()).unwrap();
        let mug = cart
            .add_item(
                item("MUG", dec!(7.50), 2000, Unit::Piece),
                ItemQuantity::Quantity(dec!(2)),
            )
            .unwrap();
        let due = cart.free_items_due();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].1.as_str(), "EXPRESSO");
        let ids = cart.add_free_items(&catalog, &ctx()).unwrap();
        let free = cart.line(ids[0]).unwrap();
        assert_eq!(free.gross().format_plain(), "1.60");
        assert_eq!(free.amount().format_plain(), "0.00");
        assert_eq!(free.promotions()[0].text, "Un café offert dès 10 €");
        assert_eq!(cart.total().format_plain(), "15.00");
        assert!(cart.free_items_due().is_empty());
        // Below 10 € the reward line leaves the cart.
        cart.set_quantity(mug, dec!(1)).unwrap();
        assert_eq!(cart.lines().len(), 1);
        assert_eq!(cart.total().format_plain(), "7.50");
        assert_consistent(&cart);
    }

    #[test]
    fn promotions_never_touch_return_lines() {
        let mut cart = promo_cart();
        cart.add_return(
            in_category("CROISSANT", dec!(1.20), 550, "VIENNOISERIE"),
            dec!(3),
            None,
            &manager(),
        )
        .unwrap();
        assert!(cart.lines()[0].promotions().is_empty());
        assert_eq!(cart.total().format_plain(), "-3.60");
    }

    #[test]
    fn promotion_context_must_be_in_the_cart_currency() {
        let mut cart = Cart::new(Currency::EUR);
        let ctx = PromoContext::new(
            Currency::from_code("CHF").unwrap(),
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        );
        assert_eq!(
            cart.set_promotions(sample(), ctx).unwrap_err().kind(),
            "currency_mismatch"
        );
    }
}

/// The golden baskets of testdata/cart/golden.json: each basket is built
/// through the cart's operations and must give the expected line amounts,
/// ticket discount, per-rate net / VAT / gross and total (or the expected
/// error); refund baskets are also completed and refunded.
mod golden {
    use super::*;
    use pos_core::tender::{Tender, TenderMethod, TenderPolicy};
    use pos_core::ticket::{RefundSelection, TicketMeta};
    use serde_json::Value;
    use std::collections::BTreeMap;

    fn dec_of(v: &Value) -> Decimal {
        v.as_str().unwrap().parse().unwrap()
    }

    fn discount_of(v: &Value) -> Discount {
        match (v.get("percent"), v.get("amount")) {
            (Some(p), _) => Discount::Percent(dec_of(p)),
            (_, Some(a)) => Discount::Amount(dec_of(a)),
            _ => panic!("bad discount {v}"),
        }
    }

    fn build(basket: &Value) -> Result<Cart, CoreError> {
        let mut cart = Cart::new(Currency::EUR);
        for l in basket["lines"].as_array().unwrap() {
            let unit = match l["unit"].as_str().unwrap() {
                "kilogram" => Unit::Kilogram,
                _ => Unit::Piece,
            };
            let bps = VatRate::parse_percent(l["vat"].as_str().unwrap())
                .unwrap()
                .bps();
            let mut it = item(l["sku"].as_str().unwrap(), dec_of(&l["price"]), bps, unit);
            if let Some(breaks) = l.get("breaks") {
                it.quantity_breaks = breaks
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|b| QuantityBreak {
                        min_quantity: dec_of(&b["min"]),
                        unit_price: eur(dec_of(&b["price"])),
                    })
                    .collect();
            }
            let qty = dec_of(&l["qty"]);
            let id = if let Some(p) = l.get("label_price") {
                let id = cart.add_item(it, ItemQuantity::LabelPrice(eur(dec_of(p))))?;
                if qty != Decimal::ONE {
                    cart.set_quantity(id, qty)?;
                }
                id
            } else if l.get("return").is_some() {
                cart.add_return(it, qty, None, &manager())?
            } else {
                cart.add_item(it, ItemQuantity::Quantity(qty))?
            };
            if let Some(d) = l.get("discount") {
                cart.set_line_discount(id, discount_of(d), "GOLDEN", None, &manager())?;
            }
        }
        if let Some(d) = basket.get("ticket_discount") {
            cart.set_ticket_discount(discount_of(d), "GOLDEN", None, &manager())?;
        }
        Ok(cart)
    }

    fn taxes_of(taxes: impl Iterator<Item = (u32, Decimal, Decimal, Decimal)>) -> Vec<String> {
        taxes
            .map(|(r, n, v, g)| format!("{r}:{n}/{v}/{g}"))
            .collect()
    }

    fn expected_taxes(v: &Value) -> Vec<String> {
        taxes_of(v.as_array().unwrap().iter().map(|t| {
            (
                u32::try_from(t["rate_bps"].as_u64().unwrap()).unwrap(),
                dec_of(&t["net"]),
                dec_of(&t["vat"]),
                dec_of(&t["gross"]),
            )
        }))
    }

    fn strings(v: &Value) -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn golden_baskets() {
        let baskets: Vec<Value> =
            serde_json::from_str(include_str!("../testdata/cart/golden.json")).unwrap();
        assert!(baskets.len() >= 40);
        for (n, basket) in baskets.iter().enumerate() {
            let name = basket["name"].as_str().unwrap();
            let want = &basket["expected"];
            let cart = match build(basket) {
                Ok(cart) => cart,
                Err(e) => {
                    assert_eq!(Some(e.kind()), want["error"].as_str(), "{name}");
                    continue;
                }
            };
            assert!(want.get("error").is_none(), "{name}: expected an error");
            let lines: Vec<String> = cart
                .lines()
                .iter()
                .map(|l| l.amount().format_plain())
                .collect();
            assert_eq!(lines, strings(&want["lines"]), "{name}");
            assert_eq!(
                cart.totals().ticket_discount.format_plain(),
                want["ticket_discount"].as_str().unwrap(),
                "{name}"
            );
            let taxes = taxes_of(
                cart.totals()
                    .taxes
                    .iter()
                    .map(|t| (t.rate.bps(), t.net, t.vat, t.gross)),
            );
            assert_eq!(taxes, expected_taxes(&want["taxes"]), "{name}");
            assert_eq!(
                cart.total().format_plain(),
                want["total"].as_str().unwrap(),
                "{name}"
            );
            assert_consistent(&cart);

            let Some(refund) = basket.get("refund") else {
                continue;
            };
            let mut p = cart
                .start_payment(TenderPolicy::france(Currency::EUR), eur(dec!(0)))
                .unwrap();
            p.add(Tender::new(TenderMethod::Card, cart.total()))
                .unwrap();
            let meta = TicketMeta {
                ticket_id: format!("01936f4e-8c2a-7b3d-9e4f-{n:012x}"),
                store: pos_core::ids::StoreId::new("S").unwrap(),
                register: pos_core::ids::RegisterId::new("R").unwrap(),
                operator: OperatorId::new("op").unwrap(),
                at: Utc.with_ymd_and_hms(2026, 3, 14, 10, 0, 0).unwrap(),
                utc_offset_seconds: 3600,
                customer: None,
            };
            let sale = cart.complete(&p, meta).unwrap();
            let mut already = BTreeMap::new();
            let mut selections = Vec::new();
            for s in refund.as_array().unwrap() {
                let line = usize::try_from(s["line"].as_u64().unwrap()).unwrap();
                if let Some(a) = s.get("already") {
                    already.insert(line, dec_of(a));
                }
                selections.push(RefundSelection {
                    line,
                    quantity: dec_of(&s["qty"]),
                });
            }
            let r = Cart::refund_of(&sale, &selections, &already, &manager()).unwrap();
            let want = &want["refund"];
            let lines: Vec<String> = r
                .lines()
                .iter()
                .map(|l| l.amount().format_plain())
                .collect();
            assert_eq!(lines, strings(&want["lines"]), "{name} refund");
            let taxes = taxes_of(
                r.totals()
                    .taxes
                    .iter()
                    .map(|t| (t.rate.bps(), t.net, t.vat, t.gross)),
            );
            assert_eq!(taxes, expected_taxes(&want["taxes"]), "{name} refund");
            assert_eq!(
                r.total().format_plain(),
                want["total"].as_str().unwrap(),
                "{name} refund"
            );
        }
    }
}

/// Random sequences of operations, with values from sensible to absurd:
/// every operation gives a value or a typed error, never a panic; a failed
/// one leaves the cart unchanged; after each one the totals are consistent.
mod invariants {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Add {
            cents: i64,
            qty: i64,
            scale: u32,
            rate: usize,
            weighed: bool,
        },
        Label {
            cents: i64,
        },
        Return {
            cents: i64,
            qty: i64,
        },
        SetQty {
            pick: usize,
            qty: i64,
            scale: u32,
        },
        Remove {
            pick: usize,
        },
        LineDiscount {
            pick: usize,
            value: i64,
            percent: bool,
        },
        TicketDiscount {
            value: i64,
            percent: bool,
        },
        ClearTicketDiscount,
        Override {
            pick: usize,
            cents: i64,
        },
    }

    fn amount() -> impl Strategy<Value = i64> {
        prop_oneof![
            6 => 0i64..50_000,
            1 => Just(0i64),
            1 => -1_000i64..0,
            1 => Just(i64::MAX),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (amount(), -2i64..5_000, 0u32..5, 0usize..5, any::<bool>())
                .prop_map(|(cents, qty, scale, rate, weighed)| Op::Add { cents, qty, scale, rate, weighed }),
            1 => amount().prop_map(|cents| Op::Label { cents }),
            1 => (amount(), -1i64..4).prop_map(|(cents, qty)| Op::Return { cents, qty }),
            2 => (any::<usize>(), -2i64..3_000, 0u32..5).prop_map(|(pick, qty, scale)| Op::SetQty { pick, qty, scale }),
            1 => any::<usize>().prop_map(|pick| Op::Remove { pick }),
            2 => (any::<usize>(), -5i64..12_000, any::<bool>()).prop_map(|(pick, value, percent)| Op::LineDiscount { pick, value, percent }),
            2 => (-5i64..12_000, any::<bool>()).prop_map(|(value, percent)| Op::TicketDiscount { value, percent }),
            1 => Just(Op::ClearTicketDiscount),
            1 => (any::<usize>(), amount()).prop_map(|(pick, cents)| Op::Override { pick, cents }),
        ]
    }

    fn pick(cart: &Cart, n: usize) -> pos_core::cart::LineId {
        match cart.lines().len() {
            0 => {
                // An id that does not exist.
                let mut probe = Cart::new(Currency::EUR);
                let mut id = probe
                    .add_item(
                        item("P", dec!(1), 2000, Unit::Piece),
                        ItemQuantity::Quantity(dec!(1)),
                    )
                    .unwrap();
                for _ in 0..(n % 3) {
                    id = probe
                        .add_item(
                            item("P", dec!(1), 2000, Unit::Piece),
                            ItemQuantity::Quantity(dec!(1)),
                        )
                        .unwrap();
                }
                id
            }
            len => cart.lines()[n % len].id(),
        }
    }

    fn run(cart: &mut Cart, op: &Op) -> Result<(), CoreError> {
        let rates = [2000, 1000, 550, 210, 0];
        let money = |c: i64| Decimal::new(c, 2);
        match op {
            Op::Add {
                cents,
                qty,
                scale,
                rate,
                weighed,
            } => {
                let unit = if *weighed {
                    Unit::Kilogram
                } else {
                    Unit::Piece
                };
                let it = item("R", money(*cents), rates[*rate], unit);
                cart.add_item(it, ItemQuantity::Quantity(Decimal::new(*qty, *scale)))
                    .map(drop)
            }
            Op::Label { cents } => cart
                .add_item(
                    item("L", dec!(10), 550, Unit::Kilogram),
                    ItemQuantity::LabelPrice(eur(money(*cents))),
                )
                .map(drop),
            Op::Return { cents, qty } => cart
                .add_return(
                    item("T", money(*cents), 2000, Unit::Piece),
                    Decimal::from(*qty),
                    None,
                    &manager(),
                )
                .map(drop),
            Op::SetQty {
                pick: p,
                qty,
                scale,
            } => {
                let id = pick(cart, *p);
                cart.set_quantity(id, Decimal::new(*qty, *scale))
            }
            Op::Remove { pick: p } => {
                let id = pick(cart, *p);
                cart.remove(id).map(drop)
            }
            Op::LineDiscount {
                pick: p,
                value,
                percent,
            } => {
                let id = pick(cart, *p);
                let d = if *percent {
                    Discount::Percent(Decimal::new(*value, 2))
                } else {
                    Discount::Amount(money(*value))
                };
                cart.set_line_discount(id, d, "P", None, &manager())
            }
            Op::TicketDiscount { value, percent } => {
                let d = if *percent {
                    Discount::Percent(Decimal::new(*value, 2))
                } else {
                    Discount::Amount(money(*value))
                };
                cart.set_ticket_discount(d, "P", None, &manager())
            }
            Op::ClearTicketDiscount => cart.clear_ticket_discount(),
            Op::Override { pick: p, cents } => {
                let id = pick(cart, *p);
                cart.override_price(id, eur(money(*cents)), "prop", &manager())
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn operations_never_panic_and_failures_change_nothing(ops in prop::collection::vec(op(), 1..30)) {
            let mut cart = Cart::new(Currency::EUR);
            for op in &ops {
                let before = cart.clone();
                match run(&mut cart, op) {
                    Ok(()) => assert_consistent(&cart),
                    Err(e) => {
                        prop_assert!(!e.kind().is_empty());
                        prop_assert_eq!(&cart, &before, "{:?} failed with {} and changed the cart", op, e);
                    }
                }
            }
        }

        /// A ticket discount D is spread exactly: Σ shares = D, each share
        /// within a cent of its exact proportion.
        #[test]
        fn ticket_discount_shares_sum_exactly(
            lines in prop::collection::vec((1i64..100_000, 1i64..20, 0usize..4), 1..12),
            d_permille in 0i64..=1000,
        ) {
            let rates = [2000, 1000, 550, 210];
            let mut cart = Cart::new(Currency::EUR);
            for (i, (cents, qty, rate)) in lines.iter().enumerate() {
                cart.add_item(item(&format!("S{i}"), Decimal::new(*cents, 2), rates[*rate], Unit::Piece), ItemQuantity::Quantity(Decimal::from(*qty))).unwrap();
            }
            let subtotal = cart.total().amount();
            let d = (subtotal * Decimal::new(d_permille, 3)).round_dp(2);
            cart.set_ticket_discount(Discount::Amount(d), "P", None, &manager()).unwrap();
            let shares: Decimal = cart.lines().iter().map(|l| l.ticket_discount_share().amount()).sum();
            prop_assert_eq!(shares, d);
            for l in cart.lines() {
                let exact = d * l.gross().amount() / subtotal;
                prop_assert!((l.ticket_discount_share().amount() - exact).abs() < dec!(0.01));
            }
            assert_consistent(&cart);
        }
    }
}
