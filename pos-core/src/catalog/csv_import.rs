//! CSV import and export: one row per variant, the product columns repeated
//! on each row of the same product.
//!
//! | column | required | content |
//! |---|---|---|
//! | `product_id` | yes | product id; rows with the same id are one product |
//! | `product_name` | yes | product name |
//! | `categories` | no | category ids separated by `\|` (the tree comes from the base document) |
//! | `vat` | yes | VAT percent: `20`, `5.5` |
//! | `unit` | no | `piece` (default), `kilogram`/`kg`, `litre`/`l`, `metre`/`m` |
//! | `meal_voucher` | no | `true`/`false`, `1`/`0`, `yes`/`no`, `oui`/`non`; empty is false |
//! | `durable_good` | no | same as `meal_voucher` |
//! | `sku` | yes | variant SKU |
//! | `attributes` | no | `name=value` pairs separated by `\|`, in label order: `taille=M\|couleur=Bleu` |
//! | `barcodes` | no | codes separated by `\|` |
//! | `price` | yes | base unit price with a dot: `24.90` |
//! | `article_code` | no | 4 to 6 digits, weighed or measured items only |
//! | `quantity_breaks` | no | `min_quantity:unit_price` separated by `\|`: `6:4.50\|12:4.20` |
//!
//! The first line is the header (any column order, names case-insensitive).
//! The delimiter is `,` or, when the header has more `;` than `,` (French
//! spreadsheets), `;`. Product columns of every row of one product must
//! agree. Errors name the CSV line and column. Cells are trimmed; inside a
//! list cell, `|` separates items, so an attribute name cannot hold `=` or
//! `|` and a value cannot hold `|` (the JSON document has no such limit).

use super::build::fail;
use super::document::{BreakRecord, CatalogDocument, ProductRecord, VariantRecord};
use super::lookup::Catalog;
use super::model::Attribute;
use super::problem::{ImportProblem, ShapeProblem};
use crate::CoreError;
use std::collections::HashMap;

/// The columns, in the order [`Catalog::to_csv`] writes them.
pub const CSV_COLUMNS: [&str; 13] = [
    "product_id",
    "product_name",
    "categories",
    "vat",
    "unit",
    "meal_voucher",
    "durable_good",
    "sku",
    "attributes",
    "barcodes",
    "price",
    "article_code",
    "quantity_breaks",
];

/// Columns without which a row means nothing.
const REQUIRED: [&str; 5] = ["product_id", "product_name", "vat", "sku", "price"];

/// Separator of lists inside one cell.
const LIST_SEP: char = '|';

fn csv_error(e: &csv::Error) -> CoreError {
    let line = e.position().map(csv::Position::line);
    fail(
        line,
        "document".into(),
        ImportProblem::Malformed { column: 0 },
    )
}

fn parse_bool(text: &str) -> Result<bool, ImportProblem> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" | "non" | "n" => Ok(false),
        "true" | "1" | "yes" | "oui" | "y" | "o" => Ok(true),
        _ => Err(ImportProblem::InvalidBool),
    }
}

fn split_list(text: &str) -> Vec<String> {
    text.split(LIST_SEP)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_attributes(text: &str) -> Result<Vec<Attribute>, ImportProblem> {
    split_list(text)
        .into_iter()
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => Ok(Attribute {
                name: name.trim().to_owned(),
                value: value.trim().to_owned(),
            }),
            _ => Err(ImportProblem::InvalidAttribute),
        })
        .collect()
}

fn parse_breaks(text: &str) -> Result<Vec<BreakRecord>, ImportProblem> {
    split_list(text)
        .into_iter()
        .map(|pair| match pair.split_once(':') {
            Some((q, p)) => Ok(BreakRecord {
                min_quantity: q.trim().to_owned(),
                unit_price: p.trim().to_owned(),
            }),
            None => Err(ImportProblem::InvalidQuantityBreak),
        })
        .collect()
}

/// The position of each known column in the header.
struct Columns(HashMap<&'static str, usize>);

impl Columns {
    fn from_header(header: &csv::StringRecord) -> Result<Columns, CoreError> {
        let mut map = HashMap::new();
        for (i, name) in header.iter().enumerate() {
            let name = name
                .trim()
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase();
            let Some(known) = CSV_COLUMNS.iter().find(|c| **c == name) else {
                let detail = ShapeProblem::UnknownField;
                return Err(fail(Some(1), name, ImportProblem::WrongShape { detail }));
            };
            if map.insert(*known, i).is_some() {
                let detail = ShapeProblem::Other;
                return Err(fail(Some(1), name, ImportProblem::WrongShape { detail }));
            }
        }
        if let Some(missing) = REQUIRED.iter().find(|c| !map.contains_key(*c)) {
            let detail = ShapeProblem::MissingField;
            return Err(fail(
                Some(1),
                (*missing).to_owned(),
                ImportProblem::WrongShape { detail },
            ));
        }
        Ok(Columns(map))
    }

    fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> &'r str {
        self.0
            .get(column)
            .and_then(|i| record.get(*i))
            .unwrap_or("")
    }
}

/// Parses CSV rows into product records (not yet checked: see
/// [`CatalogDocument::into_catalog`]).
pub fn products_from_csv(text: &str) -> Result<Vec<ProductRecord>, CoreError> {
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let columns = Columns::from_header(reader.headers().map_err(|e| csv_error(&e))?)?;
    let mut products: Vec<ProductRecord> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(&e))?;
        let line = row.position().map(csv::Position::line);
        let at = |column: &str, reason| fail(line, column.to_owned(), reason);
        let cell = |column: &str| columns.get(&row, column);
        let product = ProductRecord {
            id: cell("product_id").to_owned(),
            name: cell("product_name").to_owned(),
            categories: split_list(cell("categories")),
            vat: cell("vat").to_owned(),
            unit: cell("unit").to_owned(),
            meal_voucher: parse_bool(cell("meal_voucher")).map_err(|r| at("meal_voucher", r))?,
            durable_good: parse_bool(cell("durable_good")).map_err(|r| at("durable_good", r))?,
            variants: Vec::new(),
            line,
        };
        let variant = VariantRecord {
            sku: cell("sku").to_owned(),
            attributes: parse_attributes(cell("attributes")).map_err(|r| at("attributes", r))?,
            barcodes: split_list(cell("barcodes")),
            price: cell("price").to_owned(),
            article_code: Some(cell("article_code").to_owned()).filter(|c| !c.is_empty()),
            quantity_breaks: parse_breaks(cell("quantity_breaks"))
                .map_err(|r| at("quantity_breaks", r))?,
            line,
        };
        if let Some(&p) = by_id.get(&product.id) {
            let Some(existing) = products.get_mut(p) else {
                continue;
            };
            if let Some(column) = conflicting_column(existing, &product) {
                return Err(at(column, ImportProblem::ConflictingProductColumns));
            }
            existing.variants.push(variant);
        } else {
            by_id.insert(product.id.clone(), products.len());
            products.push(ProductRecord {
                variants: vec![variant],
                ..product
            });
        }
    }
    Ok(products)
}

/// The first product column on which two rows of one product disagree.
fn conflicting_column(a: &ProductRecord, b: &ProductRecord) -> Option<&'static str> {
    if a.name != b.name {
        Some("product_name")
    } else if a.categories != b.categories {
        Some("categories")
    } else if a.vat != b.vat {
        Some("vat")
    } else if a.unit != b.unit {
        Some("unit")
    } else if a.meal_voucher != b.meal_voucher {
        Some("meal_voucher")
    } else if a.durable_good != b.durable_good {
        Some("durable_good")
    } else {
        None
    }
}

fn join(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<Vec<_>>().join("|")
}

impl Catalog {
    /// Imports CSV products on top of `base` (which gives the currency, VAT
    /// country, category tree and price lists, and may hold products too).
    pub fn from_csv(text: &str, base: CatalogDocument) -> Result<Catalog, CoreError> {
        let mut doc = base;
        doc.products.extend(products_from_csv(text)?);
        doc.into_catalog()
    }

    /// The products as CSV (header [`CSV_COLUMNS`], `,` delimiter): with the
    /// rest of [`to_document`](Catalog::to_document) it imports back to the
    /// same catalog, unless a value holds what a list cell cannot carry (`|`
    /// in a barcode, category or attribute, `=` in an attribute name; see the
    /// module docs), which only a JSON import can bring in.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        // Writing to a Vec cannot fail; a failure would show as missing rows.
        let _ = writer.write_record(CSV_COLUMNS);
        for p in self.to_document().products {
            for v in &p.variants {
                let row = [
                    p.id.clone(),
                    p.name.clone(),
                    p.categories.join("|"),
                    p.vat.clone(),
                    p.unit.clone(),
                    p.meal_voucher.to_string(),
                    p.durable_good.to_string(),
                    v.sku.clone(),
                    join(
                        v.attributes
                            .iter()
                            .map(|a| format!("{}={}", a.name, a.value)),
                    ),
                    v.barcodes.join("|"),
                    v.price.clone(),
                    v.article_code.clone().unwrap_or_default(),
                    join(
                        v.quantity_breaks
                            .iter()
                            .map(|b| format!("{}:{}", b.min_quantity, b.unit_price)),
                    ),
                ];
                let _ = writer.write_record(&row);
            }
        }
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}
