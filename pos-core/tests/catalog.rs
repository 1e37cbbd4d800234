//! Integration tests of the catalog: the sample catalog, golden price-list
//! cases (testdata/catalog/price_resolution.toml), imports and their errors,
//! and property tests (lookups, round trips, order independence).
// Helpers and proptest strategies are test code too, outside #[test] fns.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{DateTime, Utc};
use pos_core::catalog::{
    Catalog, CatalogDocument, ImportProblem, ShapeProblem, gs1, sample_catalog_json,
};
use pos_core::ids::{CategoryId, CustomerGroupId, Sku, StoreId};
use pos_core::item::{ItemSource, PriceContext, Unit};
use pos_core::{CoreError, VatRate};
use proptest::prelude::*;
use serde::Deserialize;

fn sample() -> Catalog {
    Catalog::from_json(sample_catalog_json()).unwrap()
}

fn ctx_at(at: &str) -> PriceContext {
    PriceContext {
        store: None,
        customer_group: None,
        at: DateTime::parse_from_rfc3339(at)
            .unwrap()
            .with_timezone(&Utc),
    }
}

fn anytime() -> PriceContext {
    ctx_at("2026-05-04T11:00:00+02:00")
}

// ---------------------------------------------------------------- sample

#[test]
fn sample_catalog_loads_with_its_shape() {
    let c = sample();
    assert!(
        (40..=80).contains(&c.variant_count()),
        "{}",
        c.variant_count()
    );
    assert_eq!(c.currency().code(), "EUR");
    assert_eq!(c.vat_table().unwrap().country, "FR");
    let rates: std::collections::BTreeSet<u32> =
        c.products().iter().map(|p| p.vat_rate.bps()).collect();
    assert_eq!(
        rates.into_iter().collect::<Vec<_>>(),
        [210, 550, 1000, 2000]
    );
    assert!(c.products().iter().any(|p| p.durable_good));
    assert!(c.products().iter().any(|p| p.unit == Unit::Kilogram));
    assert!(c.price_lists().len() >= 5);
}

#[test]
fn every_sample_gs1_barcode_has_a_valid_check_digit_and_is_found() {
    let c = sample();
    let mut gs1_count = 0;
    for v in c.variants() {
        assert_eq!(
            c.variant_by_sku(v.variant.sku.as_str()).unwrap().variant,
            v.variant
        );
        for code in &v.variant.barcodes {
            if gs1::is_gs1_shaped(code.as_str()) {
                gs1_count += 1;
                assert!(gs1::has_valid_check_digit(code.as_str()), "{code}");
            }
            let found = c.variant_by_barcode(code.as_str()).unwrap();
            assert_eq!(found.variant.sku, v.variant.sku);
        }
    }
    assert!(gs1_count >= 30, "{gs1_count}");
}

#[test]
fn item_by_barcode_gives_the_full_snapshot() {
    let c = sample();
    let tshirt = c.variant_by_sku("TSHIRT-M-BLANC").unwrap();
    let code = tshirt.variant.barcodes[0].as_str().to_owned();
    let item = c.item_by_barcode(&code, &anytime()).unwrap();
    assert_eq!(item.sku.as_str(), "TSHIRT-M-BLANC");
    assert_eq!(item.label, "T-shirt coton bio logo boutique (M, Blanc)");
    assert_eq!(item.unit_price.format_plain(), "19.90");
    assert_eq!(item.price_list, None);
    assert_eq!(item.vat_rate, VatRate::FR_STANDARD);
    assert_eq!(item.scanned_barcode.as_ref().unwrap().as_str(), code);
    let cats: Vec<&str> = item.categories.iter().map(CategoryId::as_str).collect();
    assert_eq!(cats, ["textile", "maison"]);
    assert!(!item.meal_voucher_eligible && !item.durable_good);

    let comte = c
        .item_by_sku(&Sku::new("COMTE-18").unwrap(), &anytime())
        .unwrap();
    let cats: Vec<&str> = comte.categories.iter().map(CategoryId::as_str).collect();
    assert_eq!(cats, ["fromages", "cremerie", "epicerie"]);
    assert!(comte.meal_voucher_eligible);
    assert_eq!(comte.unit, Unit::Kilogram);
    assert_eq!(comte.vat_rate, VatRate::FR_REDUCED);

    let machine = c
        .item_by_sku(&Sku::new("MACHINE-EXPR-ROUGE").unwrap(), &anytime())
        .unwrap();
    assert!(machine.durable_good);
    let paper = c
        .item_by_sku(&Sku::new("PRESSE-QUOTIDIEN").unwrap(), &anytime())
        .unwrap();
    assert_eq!(paper.vat_rate, VatRate::FR_SUPER_REDUCED);
    let lunch = c
        .item_by_sku(&Sku::new("FORMULE-DEJ").unwrap(), &anytime())
        .unwrap();
    assert_eq!(lunch.vat_rate, VatRate::FR_INTERMEDIATE);
}

#[test]
fn upc_a_and_its_ean13_form_find_the_same_variant() {
    let c = sample();
    let upc = c.item_by_barcode("012345678905", &anytime()).unwrap();
    let ean = c.item_by_barcode("0012345678905", &anytime()).unwrap();
    assert_eq!(upc.sku, ean.sku);
    assert_eq!(upc.sku.as_str(), "CAFE-MOULU");
    // The scanned text is kept as scanned.
    assert_eq!(ean.scanned_barcode.unwrap().as_str(), "0012345678905");
    // In-house codes are matched as they are.
    assert_eq!(
        c.item_by_barcode("PLU-101", &anytime())
            .unwrap()
            .sku
            .as_str(),
        "BAG-TRAD"
    );
}

#[test]
fn unknown_codes_are_typed_errors() {
    let c = sample();
    let e = c.item_by_barcode("3760123999999", &anytime()).unwrap_err();
    assert_eq!(e.kind(), "unknown_barcode");
    assert_eq!(e.to_string(), "unknown barcode `3760123999999`");
    let e = c
        .item_by_sku(&Sku::new("NOPE").unwrap(), &anytime())
        .unwrap_err();
    assert_eq!(e, CoreError::UnknownSku { sku: "NOPE".into() });
    let e = c.item_by_article_code("99999", &anytime()).unwrap_err();
    assert_eq!(e.kind(), "unknown_article_code");
}

#[test]
fn weighed_items_by_article_code() {
    let c = sample();
    let comte = c.item_by_article_code("01001", &anytime()).unwrap();
    assert_eq!(comte.sku.as_str(), "COMTE-18");
    assert_eq!(comte.unit_price.format_plain(), "24.90");
    let tomato = c.item_by_article_code("02003", &anytime()).unwrap();
    assert_eq!(tomato.label, "Tomates grappe");
    assert_eq!(
        c.variant_by_article_code("01010")
            .unwrap()
            .variant
            .sku
            .as_str(),
        "JAMBON-BAYONNE"
    );
    assert!(
        c.variants()
            .filter(|v| v.variant.article_code.is_some())
            .count()
            >= 5
    );
}

#[test]
fn name_search_is_accent_and_case_insensitive_with_prefixes() {
    let c = sample();
    let labels = |q: &str, n: usize| -> Vec<String> {
        c.search(q, n).iter().map(|v| v.label.to_owned()).collect()
    };
    assert_eq!(
        labels("comt", 10),
        ["Comté AOP 18 mois", "Crackers au comté 100 g"]
    );
    assert_eq!(labels("COMTÉ", 1), ["Comté AOP 18 mois"]);
    assert_eq!(
        labels("jamb", 10),
        ["Jambon de Bayonne IGP", "Jambon blanc supérieur"]
    );
    assert_eq!(labels("tshirt", 10), Vec::<String>::new());
    // "m" is a prefix of "marine" too; the exact token "M" ranks first.
    assert_eq!(labels("t shirt m", 10).len(), 4);
    assert_eq!(
        labels("t shirt m", 2),
        [
            "T-shirt coton bio logo boutique (M, Blanc)",
            "T-shirt coton bio logo boutique (M, Bleu marine)"
        ]
    );
    assert_eq!(labels("eclair choc", 10), ["Éclair (chocolat)"]);
    assert_eq!(labels("pain", 3).len(), 3);
    assert!(labels("", 10).is_empty());
    // Deterministic: same query, same answer.
    assert_eq!(labels("p", 50), labels("p", 50));
}

#[test]
fn category_tree_browsing() {
    let c = sample();
    let roots: Vec<&str> = c
        .subcategories(None)
        .iter()
        .map(|k| k.name.as_str())
        .collect();
    assert_eq!(
        roots,
        [
            "Boissons",
            "Boulangerie",
            "Cave",
            "Épicerie",
            "Fruits & légumes",
            "Maison",
            "Presse",
            "Restauration sur place"
        ]
    );
    let cave = CategoryId::new("cave").unwrap();
    let under: Vec<&str> = c
        .subcategories(Some(&cave))
        .iter()
        .map(|k| k.id.as_str())
        .collect();
    assert_eq!(
        under,
        [
            "bieres",
            "champagnes",
            "vins-blancs",
            "vins-roses",
            "vins-rouges"
        ]
    );
    let wines = c.variants_in_category(&cave);
    assert!(
        wines
            .iter()
            .all(|v| v.product.vat_rate == VatRate::FR_STANDARD)
    );
    assert_eq!(wines.len(), 8);
    let boulangerie = c.variants_in_category(&CategoryId::new("boulangerie").unwrap());
    assert_eq!(boulangerie[0].variant.sku.as_str(), "BAG-TRAD");
    assert!(
        c.variants_in_category(&CategoryId::new("nope").unwrap())
            .is_empty()
    );
}

// ---------------------------------------------------------------- golden price cases

#[derive(Debug, Deserialize)]
struct PriceCase {
    name: String,
    sku: String,
    at: String,
    store: Option<String>,
    group: Option<String>,
    price: String,
    list: String,
    breaks: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct PriceCases {
    case: Vec<PriceCase>,
}

#[test]
fn golden_price_list_resolution() {
    let c = sample();
    let cases: PriceCases =
        toml::from_str(include_str!("../testdata/catalog/price_resolution.toml")).unwrap();
    assert!(cases.case.len() >= 20);
    for case in &cases.case {
        let ctx = PriceContext {
            store: case.store.as_deref().map(|s| StoreId::new(s).unwrap()),
            customer_group: case
                .group
                .as_deref()
                .map(|g| CustomerGroupId::new(g).unwrap()),
            ..ctx_at(&case.at)
        };
        let item = c
            .item_by_sku(&Sku::new(case.sku.as_str()).unwrap(), &ctx)
            .unwrap();
        assert_eq!(item.unit_price.format_plain(), case.price, "{}", case.name);
        let list = item.price_list.as_ref().map_or("", |l| l.as_str());
        assert_eq!(list, case.list, "{}", case.name);
        let breaks: Vec<String> = item
            .quantity_breaks
            .iter()
            .map(|b| format!("{}:{}", b.min_quantity, b.unit_price.format_plain()))
            .collect();
        assert_eq!(breaks, case.breaks, "{}", case.name);
    }
}

// ---------------------------------------------------------------- import errors

fn import_error(json: &str) -> (Option<u64>, String, ImportProblem) {
    match Catalog::from_json(json) {
        Err(CoreError::CatalogImport {
            line,
            field,
            reason,
        }) => (line, field, reason),
        other => panic!("expected an import error, got {other:?}"),
    }
}

/// A one-product catalog with `variant` spliced in as its only variant.
fn with_variant(variant: &str) -> String {
    format!(
        r#"{{"currency":"EUR","vat_country":"FR","categories":[{{"id":"vins","name":"Vins"}}],
        "products":[{{"id":"P1","name":"Vin","categories":["vins"],"vat":"20","variants":[{variant}]}}]}}"#
    )
}

#[test]
fn bad_json_values_name_their_path() {
    let cases: &[(&str, &str, ImportProblem)] = &[
        (
            r#"{"sku":"A","price":"8.90","barcodes":["3760123000032"]}"#,
            "products[0].variants[0].barcodes[0]",
            ImportProblem::BadCheckDigit,
        ),
        (
            r#"{"sku":"A","price":"-1.00"}"#,
            "products[0].variants[0].price",
            ImportProblem::NegativeAmount,
        ),
        (
            r#"{"sku":"A","price":"8.905"}"#,
            "products[0].variants[0].price",
            ImportProblem::TooManyDecimals,
        ),
        (
            r#"{"sku":"A","price":"8,90"}"#,
            "products[0].variants[0].price",
            ImportProblem::InvalidNumber,
        ),
        (
            r#"{"sku":"","price":"8.90"}"#,
            "products[0].variants[0].sku",
            ImportProblem::Missing,
        ),
        (
            r#"{"sku":"A","price":"8.90","article_code":"01001"}"#,
            "products[0].variants[0].article_code",
            ImportProblem::ArticleCodeOnPieceItem,
        ),
        (
            r#"{"sku":"A","price":"8.90","quantity_breaks":[{"min_quantity":"6","unit_price":"7"},{"min_quantity":"6","unit_price":"6"}]}"#,
            "products[0].variants[0].quantity_breaks[1].min_quantity",
            ImportProblem::BreaksNotIncreasing,
        ),
        (
            r#"{"sku":"A","price":"8.90","quantity_breaks":[{"min_quantity":"1.5","unit_price":"7"}]}"#,
            "products[0].variants[0].quantity_breaks[0].min_quantity",
            ImportProblem::FractionalPieceQuantity,
        ),
        (
            r#"{"sku":"A","price":"8.90","attributes":[{"name":"c","value":"1"},{"name":"c","value":"2"}]}"#,
            "products[0].variants[0].attributes[1].name",
            ImportProblem::DuplicateAttribute,
        ),
        (
            r#"{"sku":"A","price":"8.90","barcodes":["012345678905","0012345678905"]}"#,
            "products[0].variants[0].barcodes[1]",
            ImportProblem::DuplicateBarcode,
        ),
        (
            r#"{"sku":"A","price":"8.90"},{"sku":"A","price":"9"}"#,
            "products[0].variants[1].sku",
            ImportProblem::DuplicateSku,
        ),
    ];
    for (variant, path, problem) in cases {
        let (line, field, reason) = import_error(&with_variant(variant));
        assert_eq!(
            (line, field.as_str(), &reason),
            (None, *path, problem),
            "{variant}"
        );
    }
}

#[test]
fn catalog_level_errors() {
    let base = |extra: &str| {
        format!(
            r#"{{"currency":"EUR","vat_country":"FR","categories":[{{"id":"a","name":"A"}}],{extra}}}"#
        )
    };
    let product = |vat: &str, cat: &str| {
        format!(
            r#""products":[{{"id":"P","name":"X","categories":["{cat}"],"vat":"{vat}","variants":[{{"sku":"S","price":"1"}}]}}]"#
        )
    };
    let err = import_error(&base(&product("7", "a")));
    assert_eq!(err.1, "products[0].vat");
    assert_eq!(
        err.2,
        ImportProblem::VatRateNotInTable {
            bps: 700,
            country: "FR".into()
        }
    );
    assert_eq!(
        import_error(&base(&product("5.5", "b"))).2,
        ImportProblem::UnknownCategory
    );
    assert_eq!(
        import_error(&base(&product("x", "a"))).2,
        ImportProblem::InvalidVatRate
    );

    let cycle = r#"{"currency":"EUR","categories":[{"id":"a","name":"A","parent":"b"},{"id":"b","name":"B","parent":"a"}]}"#;
    assert_eq!(import_error(cycle).2, ImportProblem::CategoryCycle);
    let self_parent = r#"{"currency":"EUR","categories":[{"id":"a","name":"A","parent":"a"}]}"#;
    assert_eq!(import_error(self_parent).2, ImportProblem::CategoryCycle);
    assert_eq!(
        import_error(r#"{"currency":"XXX"}"#).2,
        ImportProblem::UnknownCurrency
    );
    assert_eq!(
        import_error(r#"{"currency":"EUR","vat_country":"ZZ"}"#).2,
        ImportProblem::UnknownCountry
    );

    let list = |body: &str| {
        base(&format!(
            r#"{},"price_lists":[{{"id":"L","name":"L",{body}}}]"#,
            product("5.5", "a")
        ))
    };
    let e = import_error(&list(r#""prices":[{"sku":"NOPE","price":"1"}]"#));
    assert_eq!(
        (e.1.as_str(), e.2),
        (
            "price_lists[0].prices[?(@.sku=='NOPE')].sku",
            ImportProblem::UnknownSku
        )
    );
    let e = import_error(&list(
        r#""valid_from":"2026-06-01T10:00:00Z","valid_until":"2026-06-01T10:00:00Z","prices":[]"#,
    ));
    assert_eq!(
        (e.1.as_str(), e.2),
        ("price_lists[0].valid_until", ImportProblem::EmptyDateRange)
    );
    let e = import_error(&list(r#""valid_from":"1 juin","prices":[]"#));
    assert_eq!(e.2, ImportProblem::InvalidDate);
    let e = import_error(&list(
        r#""prices":[{"sku":"S","price":"1"},{"sku":"S","price":"2"}]"#,
    ));
    assert_eq!(
        (e.1.as_str(), e.2),
        (
            "price_lists[0].prices[1].sku",
            ImportProblem::DuplicatePriceEntry
        )
    );
}

#[test]
fn json_shape_and_syntax_errors() {
    let (_, field, reason) = import_error(
        r#"{"currency":"EUR","products":[{"id":"P","name":"X","vat":"20","variants":[{"sku":"A","prise":"1"}]}]}"#,
    );
    assert_eq!(field, "products[0].variants[0].prise");
    assert_eq!(
        reason,
        ImportProblem::WrongShape {
            detail: ShapeProblem::UnknownField
        }
    );
    let (_, field, reason) = import_error(
        r#"{"currency":"EUR","products":[{"id":"P","name":"X","vat":20,"variants":[]}]}"#,
    );
    assert_eq!(field, "products[0].vat");
    assert_eq!(
        reason,
        ImportProblem::WrongShape {
            detail: ShapeProblem::InvalidType
        }
    );
    let (line, _, reason) = import_error("{\n\"currency\": \"EUR\",\n\"products\": [,]\n}");
    assert_eq!(line, Some(3));
    assert!(matches!(reason, ImportProblem::Malformed { .. }));
    assert_eq!(
        import_error(r#"{"currency":"EUR""#).2,
        ImportProblem::Truncated
    );
    assert!(matches!(
        import_error(r#"{"currency":"EUR"} x"#).2,
        ImportProblem::Malformed { .. }
    ));
}

#[test]
fn error_messages_name_place_and_reason_without_values() {
    let e = Catalog::from_json(&with_variant(r#"{"sku":"A","price":"douze"}"#)).unwrap_err();
    assert_eq!(e.kind(), "catalog_import");
    assert_eq!(
        e.to_string(),
        "catalog import, field `products[0].variants[0].price`: not a decimal number"
    );
    assert!(!e.to_string().contains("douze"));
}

// ---------------------------------------------------------------- CSV

fn csv_base() -> CatalogDocument {
    CatalogDocument::from_json(
        r#"{"currency":"EUR","vat_country":"FR","categories":[
            {"id":"pains","name":"Pains"},{"id":"fromages","name":"Fromages"},
            {"id":"textile","name":"Textile"},{"id":"vins","name":"Vins"},{"id":"maison","name":"Maison"}]}"#,
    )
    .unwrap()
}

const PRODUCTS_CSV: &str = include_str!("../testdata/catalog/products.csv");

#[test]
fn csv_import_groups_variants_and_reads_every_column() {
    let c = Catalog::from_csv(PRODUCTS_CSV, csv_base()).unwrap();
    assert_eq!(c.products().len(), 5);
    assert_eq!(c.variant_count(), 6);
    let tshirt = c.variant_by_barcode("3760123000024").unwrap();
    assert_eq!(tshirt.label, "T-shirt bio (M, Blanc)");
    assert_eq!(tshirt.product.variants.len(), 2);
    let comte = c.variant_by_article_code("01001").unwrap();
    assert_eq!(comte.product.unit, Unit::Kilogram);
    assert!(comte.product.meal_voucher_eligible);
    let wine = c.variant_by_sku("VIN-CDR").unwrap();
    assert_eq!(wine.variant.quantity_breaks.len(), 2);
    assert_eq!(wine.product.unit, Unit::Piece);
    assert!(c.variant_by_sku("CAFETIERE").unwrap().product.durable_good);
    assert_eq!(
        c.variant_by_barcode("012345678905")
            .unwrap()
            .variant
            .sku
            .as_str(),
        "CAFETIERE"
    );
}

#[test]
fn csv_errors_name_line_and_column() {
    let bad_price = PRODUCTS_CSV.replace("39.90", "39,90");
    let e = Catalog::from_csv(&bad_price, csv_base()).unwrap_err();
    assert_eq!(
        e,
        CoreError::CatalogImport {
            line: Some(7),
            field: "price".into(),
            reason: ImportProblem::InvalidNumber
        }
    );
    assert_eq!(
        e.to_string(),
        "catalog import, line 7, field `price`: not a decimal number"
    );

    let conflict = PRODUCTS_CSV
        .replacen(
            "P-TSHIRT;T-shirt bio;textile;20",
            "P-TSHIRT;T-shirt bio;textile;5.5",
            2,
        )
        .replacen(
            "P-TSHIRT;T-shirt bio;textile;5.5",
            "P-TSHIRT;T-shirt bio;textile;20",
            1,
        );
    let e = Catalog::from_csv(&conflict, csv_base()).unwrap_err();
    assert_eq!(
        e,
        CoreError::CatalogImport {
            line: Some(5),
            field: "vat".into(),
            reason: ImportProblem::ConflictingProductColumns
        }
    );

    let dup = format!("{PRODUCTS_CSV}P-X;X;pains;5.5;;;;BAG-TRAD;;;1.00;;\n");
    let e = Catalog::from_csv(&dup, csv_base()).unwrap_err();
    assert_eq!(
        e,
        CoreError::CatalogImport {
            line: Some(8),
            field: "sku".into(),
            reason: ImportProblem::DuplicateSku
        }
    );

    let bad_check = PRODUCTS_CSV.replace("3760123000031", "3760123000030");
    let e = Catalog::from_csv(&bad_check, csv_base()).unwrap_err();
    assert_eq!(
        e,
        CoreError::CatalogImport {
            line: Some(6),
            field: "barcodes".into(),
            reason: ImportProblem::BadCheckDigit
        }
    );

    let no_price = "product_id,product_name,vat,sku\nP,X,20,S\n";
    let e = Catalog::from_csv(no_price, csv_base()).unwrap_err();
    assert_eq!(
        e,
        CoreError::CatalogImport {
            line: Some(1),
            field: "price".into(),
            reason: ImportProblem::WrongShape {
                detail: ShapeProblem::MissingField
            }
        }
    );
    let ragged = "product_id,product_name,vat,sku,price\nP,X,20,S\n";
    assert!(matches!(
        Catalog::from_csv(ragged, csv_base()),
        Err(CoreError::CatalogImport {
            line: Some(2),
            reason: ImportProblem::Malformed { .. },
            ..
        })
    ));
    let bad_bool = PRODUCTS_CSV.replace(";oui;non;BAG-TRAD", ";peut-être;non;BAG-TRAD");
    let e = Catalog::from_csv(&bad_bool, csv_base()).unwrap_err();
    assert_eq!(
        e,
        CoreError::CatalogImport {
            line: Some(2),
            field: "meal_voucher".into(),
            reason: ImportProblem::InvalidBool
        }
    );
}

#[test]
fn csv_with_commas_and_exported_csv_round_trip() {
    let c = Catalog::from_csv(PRODUCTS_CSV, csv_base()).unwrap();
    let csv = c.to_csv();
    assert!(csv.starts_with("product_id,product_name,categories,vat,"));
    let mut base = c.to_document();
    base.products.clear();
    let again = Catalog::from_csv(&csv, base).unwrap();
    assert_eq!(again.to_document(), c.to_document());
}

#[test]
fn sample_exports_and_reimports_identically() {
    let c = sample();
    let json = c.to_json();
    let again = Catalog::from_json(&json).unwrap();
    assert_eq!(again.to_document(), c.to_document());
    assert_eq!(again.to_json(), json);
    let mut base = c.to_document();
    base.products.clear();
    let from_csv = Catalog::from_csv(&c.to_csv(), base).unwrap();
    assert_eq!(from_csv.to_document(), c.to_document());
}

// ---------------------------------------------------------------- properties

/// A generated catalog: unique SKUs, unique valid EAN-13s and in-house codes.
fn arb_document() -> impl Strategy<Value = CatalogDocument> {
    let variant = (
        0u32..100_000,
        prop::collection::vec(("[a-z]{1,6}", "[A-Za-z0-9 ]{0,8}"), 0..3),
        0u32..50_000,
        any::<bool>(),
        prop::option::of(0u32..9_999),
    );
    let product = (
        "[A-Za-zéèàç ]{1,20}",
        prop::sample::select(vec!["20", "10", "5.5", "2.1"]),
        prop::sample::select(vec!["piece", "kilogram"]),
        any::<bool>(),
        prop::collection::vec(variant, 1..4),
    );
    prop::collection::vec(product, 1..20).prop_map(|products| {
        let mut doc =
            CatalogDocument::from_json(r#"{"currency":"EUR","vat_country":"FR"}"#).unwrap();
        let mut n = 0u32;
        for (p, (name, vat, unit, flag, variants)) in products.into_iter().enumerate() {
            let mut record = pos_core::catalog::document::ProductRecord {
                id: format!("P{p}"),
                name: name.trim().to_owned() + " x",
                categories: vec![],
                vat: vat.to_owned(),
                unit: unit.to_owned(),
                meal_voucher: flag,
                durable_good: !flag,
                variants: vec![],
                line: None,
            };
            for (_, attrs, cents, in_house, article) in variants {
                n += 1;
                let mut attributes: Vec<pos_core::catalog::Attribute> = Vec::new();
                for (k, v) in attrs {
                    if attributes.iter().all(|a| a.name != k) {
                        attributes.push(pos_core::catalog::Attribute {
                            name: k,
                            value: v.trim().to_owned(),
                        });
                    }
                }
                let ean = gs1::with_check_digit(&format!("376{n:09}")).unwrap();
                let mut barcodes = vec![ean];
                if in_house {
                    barcodes.push(format!("PLU-{n}"));
                }
                record
                    .variants
                    .push(pos_core::catalog::document::VariantRecord {
                        sku: format!("SKU-{n}"),
                        attributes,
                        barcodes,
                        price: format!("{}.{:02}", cents / 100, cents % 100),
                        article_code: if unit == "kilogram" {
                            article.map(|a| format!("{:05}", a * 10 + n % 10))
                        } else {
                            None
                        },
                        quantity_breaks: vec![],
                        line: None,
                    });
            }
            doc.products.push(record);
        }
        // Article codes generated above may collide; keep the first.
        let mut seen = std::collections::HashSet::new();
        for p in &mut doc.products {
            for v in &mut p.variants {
                if let Some(a) = &v.article_code
                    && !seen.insert(a.clone())
                {
                    v.article_code = None;
                }
            }
        }
        doc
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn index_finds_every_sku_barcode_and_article_code(doc in arb_document()) {
        let c = doc.clone().into_catalog().unwrap();
        for p in &doc.products {
            for v in &p.variants {
                let by_sku = c.variant_by_sku(&v.sku).unwrap();
                prop_assert_eq!(by_sku.product.id.as_str(), p.id.as_str());
                for code in &v.barcodes {
                    prop_assert_eq!(c.variant_by_barcode(code).unwrap().variant.sku.as_str(), v.sku.as_str());
                }
                if let Some(a) = &v.article_code {
                    prop_assert_eq!(c.variant_by_article_code(a).unwrap().variant.sku.as_str(), v.sku.as_str());
                }
                // Searching a variant's own label finds it.
                let label = by_sku.label.to_owned();
                let hits = c.search(&label, usize::MAX);
                prop_assert!(hits.iter().any(|h| h.variant.sku.as_str() == v.sku), "{}", label);
            }
        }
    }

    #[test]
    fn json_and_csv_round_trips(doc in arb_document()) {
        let c = doc.into_catalog().unwrap();
        let again = Catalog::from_json(&c.to_json()).unwrap();
        prop_assert_eq!(again.to_document(), c.to_document());
        let mut base = c.to_document();
        base.products.clear();
        let from_csv = Catalog::from_csv(&c.to_csv(), base).unwrap();
        prop_assert_eq!(from_csv.to_document(), c.to_document());
    }

    #[test]
    fn one_bad_barcode_imports_nothing(doc in arb_document(), pick in any::<prop::sample::Index>()) {
        let mut doc = doc;
        let total: usize = doc.products.iter().map(|p| p.variants.len()).sum();
        let target = pick.index(total);
        let v = doc.products.iter_mut().flat_map(|p| p.variants.iter_mut()).nth(target).unwrap();
        let code = v.barcodes[0].clone();
        let last = code.as_bytes()[12] - b'0';
        v.barcodes[0] = format!("{}{}", &code[..12], (last + 1) % 10);
        let e = doc.into_catalog().unwrap_err();
        prop_assert!(
            matches!(&e, CoreError::CatalogImport { reason: ImportProblem::BadCheckDigit, .. }),
            "{:?}", e
        );
    }

    #[test]
    fn search_ranking_does_not_depend_on_product_order(doc in arb_document(), query in "[a-zé]{1,3}( [a-z0-9]{1,2})?") {
        let c = doc.clone().into_catalog().unwrap();
        let mut reversed = doc;
        reversed.products.reverse();
        let r = reversed.into_catalog().unwrap();
        let skus = |cat: &Catalog| -> Vec<String> {
            cat.search(&query, 10).iter().map(|v| v.variant.sku.to_string()).collect()
        };
        prop_assert_eq!(skus(&c), skus(&r));
    }

    #[test]
    fn resolution_does_not_depend_on_price_list_order(hour in 0u32..24, staff in any::<bool>(), paris in any::<bool>()) {
        let c = sample();
        let mut doc = c.to_document();
        doc.price_lists.reverse();
        let reversed = doc.into_catalog().unwrap();
        let ctx = PriceContext {
            store: paris.then(|| StoreId::new("PARIS-11").unwrap()),
            customer_group: staff.then(|| CustomerGroupId::new("staff").unwrap()),
            ..ctx_at(&format!("2026-06-21T{hour:02}:30:00+02:00"))
        };
        for v in c.variants() {
            let a = c.item_by_sku(&v.variant.sku, &ctx).unwrap();
            let b = reversed.item_by_sku(&v.variant.sku, &ctx).unwrap();
            prop_assert_eq!(a, b);
        }
    }
}
