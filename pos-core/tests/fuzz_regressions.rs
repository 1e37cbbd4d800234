//! Replays every input kept for pos-core's fuzz targets (`catalog_json`,
//! `catalog_csv`, `promotions_json`, `price_basket`): the files of
//! `fuzz/regressions/<target>/` (crashes found by `cargo fuzz run <target>`
//! and hand-written `seed-*` cases) and a few inputs made here, through the
//! very checks the targets run (`fuzz/checks/<target>.rs`), as ordinary tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

#[path = "../../fuzz/checks/catalog_csv.rs"]
mod catalog_csv;
#[path = "../../fuzz/checks/catalog_json.rs"]
mod catalog_json;
#[path = "../../fuzz/checks/price_basket.rs"]
mod price_basket;
#[path = "../../fuzz/checks/promotions_json.rs"]
mod promotions_json;
#[path = "../../fuzz/checks/replay.rs"]
mod replay;

use replay::replay;

use pos_core::catalog::{Catalog, sample_catalog_json};
use pos_core::promotion::sample_promotions_json;
use std::path::PathBuf;

#[test]
fn catalog_json_regressions_replay() {
    replay(
        "catalog_json",
        catalog_json::check,
        &[
            sample_catalog_json().as_bytes(),
            b"",
            b"{}",
            br#"{"currency":"EUR","products":[]}"#,
            b"\xff\xfe{",
        ],
    );
}

#[test]
fn catalog_csv_regressions_replay() {
    let csv = Catalog::from_json(sample_catalog_json()).unwrap().to_csv();
    replay(
        "catalog_csv",
        catalog_csv::check,
        &[csv.as_bytes(), b"", b"product_id;sku\n", b"\"unclosed"],
    );
}

#[test]
fn promotions_json_regressions_replay() {
    replay(
        "promotions_json",
        promotions_json::check,
        &[sample_promotions_json().as_bytes(), b"[]", b"", b"[{}]"],
    );
}

#[test]
fn price_basket_regressions_replay() {
    replay(
        "price_basket",
        price_basket::check,
        &[
            br#"{"currency":"EUR","prices_include_tax":true,"lines":[{"label":"Comt\u00e9","unit_price":"24.90","quantity":"0.347","vat_rate":"5.5","discount":{"percent":"10"}}],"discount":{"amount":"2.00"}}"#,
            br#"{"currency":"EUR","prices_include_tax":false,"lines":[{"unit_price":"10","quantity":"-1","vat_rate":"20"}]}"#,
            b"",
            b"{",
        ],
    );
}

/// The hand-written seeds get past parsing, so the checks above run on real
/// catalogs, promotions and tickets, not only on refusals.
#[test]
fn seeds_reach_the_checked_paths() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
    let read = |path: &str| std::fs::read_to_string(dir.join(path)).unwrap();
    let small = Catalog::from_json(&read("catalog_json/seed-small-catalog.json")).unwrap();
    assert!(small.variant_count() >= 5);
    assert!(catalog_json::csv_can_carry(&small.to_document()));
    let base = pos_core::catalog::CatalogDocument::from_json(sample_catalog_json()).unwrap();
    let before = Catalog::from_json(sample_catalog_json())
        .unwrap()
        .variant_count();
    for (csv, added) in [("seed-variants-breaks.csv", 3), ("seed-semicolons.csv", 1)] {
        let text = read(&format!("catalog_csv/{csv}"));
        let imported =
            Catalog::from_csv(&text, base.clone()).unwrap_or_else(|e| panic!("{csv}: {e}"));
        assert_eq!(imported.variant_count(), before + added);
    }
    let promotions =
        pos_core::promotion::parse_promotions_json(&read("promotions_json/seed-sample.json"))
            .unwrap();
    assert!(promotions.len() >= 5);
    for basket in [
        "seed-issue-example.json",
        "seed-exclusive-mixed-rates.json",
        "seed-ticket-percent.json",
    ] {
        pos_core::pricing::wire::price_json(&read(&format!("price_basket/{basket}")))
            .unwrap_or_else(|e| panic!("{basket}: {e}"));
    }
}
