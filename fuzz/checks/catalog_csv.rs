//! Checks of the `catalog_csv` target, shared with pos-core's replay test:
//! any text given to the CSV catalog import (on top of the sample catalog,
//! as the SDK imports on top of the current one) builds a catalog or returns
//! a typed error; a catalog it builds exports to CSV and JSON that import
//! back to the same catalog.

use pos_core::catalog::csv_import::products_from_csv;
use pos_core::catalog::{Catalog, CatalogDocument, sample_catalog_json};
use std::sync::OnceLock;

fn base() -> &'static CatalogDocument {
    static BASE: OnceLock<CatalogDocument> = OnceLock::new();
    BASE.get_or_init(|| {
        CatalogDocument::from_json(sample_catalog_json()).expect("the sample catalog parses")
    })
}

/// Runs the import on `data` (lossy UTF-8) and asserts the invariants.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let rows = products_from_csv(&text);
    let catalog = match Catalog::from_csv(&text, base().clone()) {
        Ok(catalog) => catalog,
        Err(_) => return,
    };
    assert!(rows.is_ok(), "the catalog built but its rows did not parse");

    let mut without_products = catalog.to_document();
    without_products.products.clear();
    let again = Catalog::from_csv(&catalog.to_csv(), without_products)
        .expect("a catalog's own CSV imports again");
    assert_eq!(again.to_document(), catalog.to_document());

    let reloaded =
        Catalog::from_json(&catalog.to_json()).expect("a catalog's own JSON imports again");
    assert_eq!(reloaded.to_document(), catalog.to_document());
}
