//! The catalog document: the JSON schema of an import or export, also the
//! target of the CSV import. Every value is text as written by a person
//! (`"12.50"`, `"5.5"`, `"kg"`), so that an error can name the field.
//!
//! ```json
//! {
//!   "currency": "EUR",                      // ISO 4217
//!   "vat_country": "FR",                    // optional: rates must be in force there
//!   "categories": [ { "id": "fromages", "name": "Fromages", "parent": "cremerie" } ],
//!   "products": [ {
//!     "id": "P-COMTE", "name": "Comté AOP 18 mois",
//!     "categories": ["fromages"],           // direct categories; ancestors are implied
//!     "vat": "5.5",                         // percent
//!     "unit": "kilogram",                   // piece (default) | kilogram | litre | metre (or pc, kg, l, m)
//!     "meal_voucher": true,                 // default false
//!     "durable_good": false,                // default false
//!     "variants": [ {
//!       "sku": "COMTE-18",
//!       "attributes": [ { "name": "affinage", "value": "18 mois" } ],
//!       "barcodes": ["3250391234561"],      // GS1 check digits checked on 8/12/13/14 digits
//!       "price": "24.90",                   // per unit; whole cents
//!       "article_code": "01234",            // 4 to 6 digits, weighed/measured items only
//!       "quantity_breaks": [ { "min_quantity": "6", "unit_price": "4.50" } ]
//!     } ]
//!   } ],
//!   "price_lists": [ {
//!     "id": "happy-hour", "name": "Happy hour",
//!     "store": "PARIS-11",                  // optional
//!     "customer_group": "staff",            // optional
//!     "valid_from": "2026-06-01T17:00:00+02:00",   // optional, inclusive
//!     "valid_until": "2026-06-01T19:00:00+02:00",  // optional, exclusive
//!     "priority": 10,                       // default 0
//!     "prices": [ { "sku": "BIERE-25", "price": "2.50", "quantity_breaks": [] } ]
//!   } ]
//! }
//! ```
//! Unknown keys are refused, so a typo does not silently drop a setting.
//! Names and attribute texts are trimmed; a product name may not be empty.

use super::build::{Origin, build, fail};
use super::lookup::Catalog;
use super::model::{Attribute, Category, PriceEntry, PriceList, Product, Variant};
use super::problem::{ImportProblem, ShapeProblem};
use crate::item::{QuantityBreak, Unit};
use crate::money::parse_decimal;
use crate::{CoreError, Currency, Money, VatRate};
use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

/// A whole catalog as written in JSON (see the module docs for the schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogDocument {
    /// ISO 4217 code of every price.
    pub currency: String,
    /// ISO 3166 country whose VAT table the rates must belong to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_country: Option<String>,
    /// The category tree.
    #[serde(default)]
    pub categories: Vec<CategoryRecord>,
    /// The products and their variants.
    #[serde(default)]
    pub products: Vec<ProductRecord>,
    /// The price lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_lists: Vec<PriceListRecord>,
}

/// A category as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryRecord {
    /// Category id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Parent category id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// A product as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductRecord {
    /// Product id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Direct category ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// VAT rate in percent (`"20"`, `"5.5"`).
    pub vat: String,
    /// `piece`, `kilogram`, `litre` or `metre`.
    #[serde(default = "default_unit")]
    pub unit: String,
    /// Payable with meal vouchers.
    #[serde(default, skip_serializing_if = "is_false")]
    pub meal_voucher: bool,
    /// Durable good (AGEC warranty).
    #[serde(default, skip_serializing_if = "is_false")]
    pub durable_good: bool,
    /// Variants, at least one.
    pub variants: Vec<VariantRecord>,
    /// CSV line of the product's first row (not part of the JSON schema).
    #[serde(skip)]
    pub line: Option<u64>,
}

/// A variant as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantRecord {
    /// SKU.
    pub sku: String,
    /// Ordered attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Barcodes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub barcodes: Vec<String>,
    /// Base unit price (`"24.90"`).
    pub price: String,
    /// In-store article code for scale labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_code: Option<String>,
    /// Base quantity breaks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quantity_breaks: Vec<BreakRecord>,
    /// CSV line of the variant's row (not part of the JSON schema).
    #[serde(skip)]
    pub line: Option<u64>,
}

/// A quantity break as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakRecord {
    /// From this quantity (inclusive).
    pub min_quantity: String,
    /// The unit price from there.
    pub unit_price: String,
}

/// A price list as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceListRecord {
    /// Price list id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Store id, if the list is for one store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    /// Customer group id, if the list is for one group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_group: Option<String>,
    /// RFC 3339 start (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// RFC 3339 end (exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Higher wins among lists of equal specificity.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub priority: i32,
    /// The prices.
    pub prices: Vec<PriceRecord>,
}

/// One price of a price list as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceRecord {
    /// The SKU priced.
    pub sku: String,
    /// Its unit price in this list.
    pub price: String,
    /// This list's quantity breaks for the SKU.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quantity_breaks: Vec<BreakRecord>,
}

fn default_unit() -> String {
    "piece".to_owned()
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// Parses a unit name or symbol.
pub(super) fn parse_unit(text: &str) -> Result<Unit, ImportProblem> {
    match text.trim().to_ascii_lowercase().as_str() {
        "piece" | "pc" | "pce" | "" => Ok(Unit::Piece),
        "kilogram" | "kg" => Ok(Unit::Kilogram),
        "litre" | "liter" | "l" => Ok(Unit::Litre),
        "metre" | "meter" | "m" => Ok(Unit::Metre),
        _ => Err(ImportProblem::InvalidUnit),
    }
}

/// The name a unit is exported with.
fn unit_name(unit: Unit) -> &'static str {
    match unit {
        Unit::Piece => "piece",
        Unit::Kilogram => "kilogram",
        Unit::Litre => "litre",
        Unit::Metre => "metre",
    }
}

fn parse_id<T: std::str::FromStr>(text: &str) -> Result<T, ImportProblem> {
    if text.is_empty() {
        return Err(ImportProblem::Missing);
    }
    text.parse().map_err(|_| ImportProblem::InvalidId)
}

fn parse_opt_id<T: std::str::FromStr>(text: Option<&str>) -> Result<Option<T>, ImportProblem> {
    text.map(parse_id).transpose()
}

fn parse_money(text: &str, currency: Currency) -> Result<Money, ImportProblem> {
    if text.trim().is_empty() {
        return Err(ImportProblem::Missing);
    }
    parse_decimal(text)
        .map(|d| Money::new(d, currency))
        .map_err(|_| ImportProblem::InvalidNumber)
}

fn parse_quantity(text: &str) -> Result<Decimal, ImportProblem> {
    parse_decimal(text).map_err(|_| ImportProblem::InvalidNumber)
}

fn parse_instant(text: Option<&str>) -> Result<Option<DateTime<Utc>>, ImportProblem> {
    text.map(|t| {
        DateTime::parse_from_rfc3339(t.trim())
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| ImportProblem::InvalidDate)
    })
    .transpose()
}

fn parse_breaks(
    breaks: &[BreakRecord],
    currency: Currency,
) -> Result<Vec<QuantityBreak>, (usize, &'static str, ImportProblem)> {
    breaks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            Ok(QuantityBreak {
                min_quantity: parse_quantity(&b.min_quantity)
                    .map_err(|e| (i, ".min_quantity", e))?,
                unit_price: parse_money(&b.unit_price, currency)
                    .map_err(|e| (i, ".unit_price", e))?,
            })
        })
        .collect()
}

fn export_breaks(breaks: &[QuantityBreak]) -> Vec<BreakRecord> {
    breaks
        .iter()
        .map(|b| BreakRecord {
            min_quantity: b.min_quantity.to_string(),
            unit_price: b.unit_price.amount().to_string(),
        })
        .collect()
}

fn export_instant(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(|d| d.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

impl CatalogDocument {
    /// Parses a JSON catalog document; a syntax or shape error names the
    /// JSON path (`products[3].variants[0].price`) and the line.
    pub fn from_json(text: &str) -> Result<CatalogDocument, CoreError> {
        // Fast path without path tracking; a bad document is parsed again
        // with `serde_path_to_error` to name the place of the error.
        let plain = match serde_json::from_str::<CatalogDocument>(text) {
            Ok(doc) => return Ok(doc),
            Err(e) => e,
        };
        let mut de = serde_json::Deserializer::from_str(text);
        let located = serde_path_to_error::deserialize::<_, CatalogDocument>(&mut de)
            .map_err(|e| {
                let path = e.path().to_string();
                json_error(path, e.inner())
            })
            .and_then(|_| de.end().map_err(|e| json_error("document".into(), &e)));
        Err(located
            .err()
            .unwrap_or_else(|| json_error("document".into(), &plain)))
    }

    /// Checks and builds the catalog; nothing is built if any value is bad.
    pub fn into_catalog(self) -> Result<Catalog, CoreError> {
        let origin = Origin {
            product_lines: self.products.iter().map(|p| p.line).collect(),
            variant_lines: self
                .products
                .iter()
                .map(|p| p.variants.iter().map(|v| v.line).collect())
                .collect(),
        };
        let currency = Currency::from_code(self.currency.trim())
            .map_err(|_| fail(None, "currency".into(), ImportProblem::UnknownCurrency))?;
        let categories = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let at = |f: &str, r| fail(None, format!("categories[{i}].{f}"), r);
                Ok(Category {
                    id: parse_id(&c.id).map_err(|r| at("id", r))?,
                    name: c.name.trim().to_owned(),
                    parent: parse_opt_id(c.parent.as_deref()).map_err(|r| at("parent", r))?,
                })
            })
            .collect::<Result<Vec<_>, CoreError>>()?;
        let products = self
            .products
            .iter()
            .enumerate()
            .map(|(p, record)| product_from_record(p, record, currency, &origin))
            .collect::<Result<Vec<_>, CoreError>>()?;
        let price_lists = self
            .price_lists
            .iter()
            .enumerate()
            .map(|(l, record)| price_list_from_record(l, record, currency))
            .collect::<Result<Vec<_>, CoreError>>()?;
        build(
            currency,
            self.vat_country.as_deref(),
            categories,
            products,
            price_lists,
            &origin,
        )
    }
}

fn json_error(path: String, e: &serde_json::Error) -> CoreError {
    use serde_json::error::Category as C;
    let reason = match e.classify() {
        C::Eof => ImportProblem::Truncated,
        C::Syntax | C::Io => ImportProblem::Malformed {
            column: u64::try_from(e.column()).unwrap_or(0),
        },
        C::Data => {
            // serde's own wording; only the kind is kept, never the value.
            let text = e.to_string();
            let detail = if text.starts_with("missing field") {
                ShapeProblem::MissingField
            } else if text.starts_with("unknown field") {
                ShapeProblem::UnknownField
            } else if text.starts_with("invalid type") {
                ShapeProblem::InvalidType
            } else {
                ShapeProblem::Other
            };
            ImportProblem::WrongShape { detail }
        }
    };
    let field = if path == "." {
        "document".to_owned()
    } else {
        path
    };
    fail(
        u64::try_from(e.line()).ok().filter(|l| *l > 0),
        field,
        reason,
    )
}

fn product_from_record(
    p: usize,
    r: &ProductRecord,
    currency: Currency,
    origin: &Origin,
) -> Result<Product, CoreError> {
    let at = |path: &str, column: &str, reason| origin.product(p, path, column, reason);
    let categories = r
        .categories
        .iter()
        .enumerate()
        .map(|(j, c)| parse_id(c).map_err(|e| at(&format!(".categories[{j}]"), "categories", e)))
        .collect::<Result<Vec<_>, CoreError>>()?;
    let variants = r
        .variants
        .iter()
        .enumerate()
        .map(|(v, record)| variant_from_record(p, v, record, currency, origin))
        .collect::<Result<Vec<_>, CoreError>>()?;
    let name = r.name.trim();
    if name.is_empty() {
        return Err(at(".name", "product_name", ImportProblem::Missing));
    }
    Ok(Product {
        id: parse_id(&r.id).map_err(|e| at(".id", "product_id", e))?,
        name: name.to_owned(),
        categories,
        vat_rate: VatRate::parse_percent(&r.vat)
            .map_err(|_| at(".vat", "vat", ImportProblem::InvalidVatRate))?,
        unit: parse_unit(&r.unit).map_err(|e| at(".unit", "unit", e))?,
        meal_voucher_eligible: r.meal_voucher,
        durable_good: r.durable_good,
        variants,
    })
}

fn variant_from_record(
    p: usize,
    v: usize,
    r: &VariantRecord,
    currency: Currency,
    origin: &Origin,
) -> Result<Variant, CoreError> {
    let at = |path: &str, column: &str, reason| origin.variant(p, v, path, column, reason);
    let barcodes = r
        .barcodes
        .iter()
        .enumerate()
        .map(|(b, code)| parse_id(code).map_err(|e| at(&format!(".barcodes[{b}]"), "barcodes", e)))
        .collect::<Result<Vec<_>, CoreError>>()?;
    Ok(Variant {
        sku: parse_id(&r.sku).map_err(|e| at(".sku", "sku", e))?,
        attributes: r
            .attributes
            .iter()
            .map(|a| Attribute {
                name: a.name.trim().to_owned(),
                value: a.value.trim().to_owned(),
            })
            .collect(),
        barcodes,
        price: parse_money(&r.price, currency).map_err(|e| at(".price", "price", e))?,
        article_code: r.article_code.clone(),
        quantity_breaks: parse_breaks(&r.quantity_breaks, currency)
            .map_err(|(i, f, e)| at(&format!(".quantity_breaks[{i}]{f}"), "quantity_breaks", e))?,
    })
}

fn price_list_from_record(
    l: usize,
    r: &PriceListRecord,
    currency: Currency,
) -> Result<PriceList, CoreError> {
    let at = |path: &str, reason| fail(None, format!("price_lists[{l}]{path}"), reason);
    let mut entries = BTreeMap::new();
    for (e, price) in r.prices.iter().enumerate() {
        let sku = parse_id(&price.sku).map_err(|x| at(&format!(".prices[{e}].sku"), x))?;
        let entry = PriceEntry {
            unit_price: parse_money(&price.price, currency)
                .map_err(|x| at(&format!(".prices[{e}].price"), x))?,
            quantity_breaks: parse_breaks(&price.quantity_breaks, currency)
                .map_err(|(i, f, x)| at(&format!(".prices[{e}].quantity_breaks[{i}]{f}"), x))?,
        };
        match entries.entry(sku) {
            Entry::Occupied(_) => {
                return Err(at(
                    &format!(".prices[{e}].sku"),
                    ImportProblem::DuplicatePriceEntry,
                ));
            }
            Entry::Vacant(slot) => {
                slot.insert(entry);
            }
        }
    }
    Ok(PriceList {
        id: parse_id(&r.id).map_err(|x| at(".id", x))?,
        name: r.name.trim().to_owned(),
        store: parse_opt_id(r.store.as_deref()).map_err(|x| at(".store", x))?,
        customer_group: parse_opt_id(r.customer_group.as_deref())
            .map_err(|x| at(".customer_group", x))?,
        valid_from: parse_instant(r.valid_from.as_deref()).map_err(|x| at(".valid_from", x))?,
        valid_until: parse_instant(r.valid_until.as_deref()).map_err(|x| at(".valid_until", x))?,
        priority: r.priority,
        entries,
    })
}

impl Catalog {
    /// Parses and checks a JSON catalog (schema in [`document`](super::document)).
    pub fn from_json(text: &str) -> Result<Catalog, CoreError> {
        CatalogDocument::from_json(text)?.into_catalog()
    }

    /// The catalog as a document: importing it again gives the same catalog.
    /// Categories come out in id order, price-list prices in SKU order.
    pub fn to_document(&self) -> CatalogDocument {
        CatalogDocument {
            currency: self.currency.code().to_owned(),
            vat_country: self.vat_table.map(|t| t.country.to_owned()),
            categories: self
                .categories
                .values()
                .map(|c| CategoryRecord {
                    id: c.id.to_string(),
                    name: c.name.trim().to_owned(),
                    parent: c.parent.as_ref().map(ToString::to_string),
                })
                .collect(),
            products: self.products.iter().map(export_product).collect(),
            price_lists: self.price_lists.iter().map(export_price_list).collect(),
        }
    }

    /// The catalog as pretty-printed JSON (the schema of [`CatalogDocument`]).
    pub fn to_json(&self) -> String {
        // Strings, vectors and integers only: serde_json cannot fail on them.
        serde_json::to_string_pretty(&self.to_document()).unwrap_or_default()
    }
}

fn export_product(p: &Product) -> ProductRecord {
    ProductRecord {
        id: p.id.to_string(),
        name: p.name.clone(),
        categories: p.categories.iter().map(ToString::to_string).collect(),
        vat: p.vat_rate.percent_string(),
        unit: unit_name(p.unit).to_owned(),
        meal_voucher: p.meal_voucher_eligible,
        durable_good: p.durable_good,
        variants: p
            .variants
            .iter()
            .map(|v| VariantRecord {
                sku: v.sku.to_string(),
                attributes: v.attributes.clone(),
                barcodes: v.barcodes.iter().map(ToString::to_string).collect(),
                price: v.price.amount().to_string(),
                article_code: v.article_code.clone(),
                quantity_breaks: export_breaks(&v.quantity_breaks),
                line: None,
            })
            .collect(),
        line: None,
    }
}

fn export_price_list(l: &PriceList) -> PriceListRecord {
    PriceListRecord {
        id: l.id.to_string(),
        name: l.name.clone(),
        store: l.store.as_ref().map(ToString::to_string),
        customer_group: l.customer_group.as_ref().map(ToString::to_string),
        valid_from: export_instant(l.valid_from),
        valid_until: export_instant(l.valid_until),
        priority: l.priority,
        prices: l
            .entries
            .iter()
            .map(|(sku, e)| PriceRecord {
                sku: sku.to_string(),
                price: e.unit_price.amount().to_string(),
                quantity_breaks: export_breaks(&e.quantity_breaks),
            })
            .collect(),
    }
}
