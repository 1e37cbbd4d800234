//! Checks of the `catalog_json` target, shared with pos-core's replay test:
//! any text given to the JSON catalog import builds a catalog or returns a
//! typed error; a catalog it builds survives what the till does next
//! (stored as its own JSON and read back at the next start, exported as CSV
//! and imported again) unchanged, and finds each of its variants by SKU.

use pos_core::catalog::{Catalog, CatalogDocument};

/// False when a value cannot be written in a CSV list cell (documented in
/// `pos_core::catalog::csv_import`): `|` inside a list item, `=` in an
/// attribute name. The JSON document has no such limit.
pub fn csv_can_carry(doc: &CatalogDocument) -> bool {
    doc.products.iter().all(|p| {
        p.categories.iter().all(|c| !c.contains('|'))
            && p.variants.iter().all(|v| {
                v.barcodes.iter().all(|b| !b.contains('|'))
                    && v.attributes
                        .iter()
                        .all(|a| !a.name.contains(['|', '=']) && !a.value.contains('|'))
            })
    })
}

/// Runs the import on `data` (lossy UTF-8) and asserts the invariants.
pub fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let document = CatalogDocument::from_json(&text);
    let catalog = match Catalog::from_json(&text) {
        Ok(catalog) => catalog,
        Err(_) => return,
    };
    assert!(
        document.is_ok(),
        "the catalog built but its document did not parse"
    );

    // The till stores `to_json` and rebuilds from it at every start.
    let stored = catalog.to_json();
    let reloaded = Catalog::from_json(&stored).expect("a catalog's own JSON imports again");
    assert_eq!(reloaded.to_document(), catalog.to_document());

    // `to_csv` with the rest of the document imports back to the same
    // catalog, within the documented limits of CSV list cells.
    if csv_can_carry(&catalog.to_document()) {
        let mut base = catalog.to_document();
        base.products.clear();
        let from_csv =
            Catalog::from_csv(&catalog.to_csv(), base).expect("a catalog's own CSV imports again");
        assert_eq!(from_csv.to_document(), catalog.to_document());
    }

    let mut variants = 0usize;
    for v in catalog.variants() {
        variants = variants.saturating_add(1);
        let found = catalog
            .variant_by_sku(v.variant.sku.as_str())
            .expect("each variant is found by its SKU");
        assert_eq!(found.variant.sku, v.variant.sku);
    }
    assert_eq!(variants, catalog.variant_count());
    let query: String = text.chars().take(12).collect();
    let _ = catalog.search(&query, 5);
}
