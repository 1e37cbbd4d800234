//! The catalog: products and their variants, the category tree, barcodes,
//! weighed items, price lists, and the indexes a till needs to find an item
//! in under a microsecond.
//!
//! * [`model`]: the domain types (product, variant, category, price list).
//! * [`document`]: the JSON schema of an import/export ([`CatalogDocument`]).
//! * [`csv_import`]: the CSV columns (one row per variant).
//! * [`price_list`]: which price applies to whom, where and when.
//! * [`gs1`]: GS1 check digits of EAN/UPC/GTIN barcodes.
//! * [`text`] and [`search`]: accent-insensitive token-prefix name search.
//! * [`Catalog`]: the checked, indexed catalog; it is the cart's
//!   [`ItemSource`](crate::item::ItemSource).
//!
//! Imports are pure parsing of text (no file is opened here) and
//! all-or-nothing: the first bad value is reported with its CSV line and
//! column or its JSON path, and no catalog is built.
//!
//! ```
//! use pos_core::catalog::{Catalog, sample_catalog_json};
//! use pos_core::item::{ItemSource, PriceContext};
//!
//! let catalog = Catalog::from_json(sample_catalog_json())?;
//! let ctx = PriceContext { store: None, customer_group: None, at: chrono::DateTime::UNIX_EPOCH };
//! let hits = catalog.search("comt", 5);
//! assert_eq!(hits[0].product.name, "Comté AOP 18 mois");
//! let item = catalog.item_by_sku(&hits[0].variant.sku, &ctx)?;
//! assert_eq!(item.unit_price.format_plain(), "24.90");
//! # Ok::<(), pos_core::CoreError>(())
//! ```

mod build;
pub mod csv_import;
pub mod document;
pub mod gs1;
mod lookup;
pub mod model;
pub mod price_list;
mod problem;
pub mod search;
pub mod text;

pub use csv_import::CSV_COLUMNS;
pub use document::CatalogDocument;
pub use lookup::{Catalog, VariantRef};
pub use model::{Attribute, Category, PriceEntry, PriceList, Product, Variant};
pub use price_list::ResolvedPrice;
pub use problem::{ImportProblem, ShapeProblem};

/// The sample catalog of a French boulangerie-épicerie-cave, as JSON: used by
/// the CLI demo, the examples and the tests of other crates.
pub fn sample_catalog_json() -> &'static str {
    include_str!("../../testdata/catalog/sample.json")
}

/// Formats the location part of a [`CoreError::CatalogImport`](crate::CoreError::CatalogImport)
/// message: `line 12, field `price`` or `field `products[2].price``.
pub fn describe_location(line: Option<u64>, field: &str) -> String {
    match line {
        Some(line) => format!("line {line}, field `{field}`"),
        None => format!("field `{field}`"),
    }
}
