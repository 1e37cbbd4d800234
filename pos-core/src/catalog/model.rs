//! The catalog's domain types: categories, products, variants, price lists.
//!
//! These are plain values; [`Catalog::from_parts`](super::Catalog::from_parts)
//! checks them together (unique SKUs and barcodes, known categories, VAT rates
//! in force...) and builds the lookup indexes.

use crate::ids::{Barcode, CategoryId, CustomerGroupId, PriceListId, ProductId, Sku, StoreId};
use crate::item::{QuantityBreak, Unit};
use crate::{Money, VatRate};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A node of the category tree ("Épicerie" > "Fromages").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Stable id.
    pub id: CategoryId,
    /// Display name.
    pub name: String,
    /// The parent category; `None` for a root.
    pub parent: Option<CategoryId>,
}

/// One attribute of a variant, e.g. `taille` = `M`. A variant keeps its
/// attributes in the order given, which is the order printed on the label.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attribute {
    /// Attribute name (`taille`, `couleur`...), unique within a variant.
    pub name: String,
    /// Attribute value (`M`, `Bleu marine`...).
    pub value: String,
}

/// A sellable variant of a product: its own SKU, barcodes and base price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// The variant's SKU, unique in the catalog.
    pub sku: Sku,
    /// Ordered attributes (empty for a product without variants).
    pub attributes: Vec<Attribute>,
    /// Barcodes (EAN-13, EAN-8, UPC-A, GTIN-14 with checked check digits, or
    /// in-house codes), unique in the catalog.
    pub barcodes: Vec<Barcode>,
    /// Base unit price (per piece, kg, l or m), tax-inclusive in B2C.
    pub price: Money,
    /// The in-store article code printed in scale labels (4 to 6 digits),
    /// for weighed or measured items only.
    pub article_code: Option<String>,
    /// Base quantity breaks (e.g. 6 bottles or more), strictly increasing.
    pub quantity_breaks: Vec<QuantityBreak>,
}

/// A product: what its variants share (name, tax, unit, categories, flags).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Stable id.
    pub id: ProductId,
    /// Name as printed on the receipt.
    pub name: String,
    /// The categories it is filed under directly (ancestors are implied).
    pub categories: Vec<CategoryId>,
    /// VAT rate of every variant.
    pub vat_rate: VatRate,
    /// Sales unit of every variant.
    pub unit: Unit,
    /// Payable with meal vouchers (titres-restaurant).
    pub meal_voucher_eligible: bool,
    /// Durable good under the AGEC legal-warranty rules.
    pub durable_good: bool,
    /// The variants, at least one.
    pub variants: Vec<Variant>,
}

impl Product {
    /// The receipt label of one of its variants: the name, then the
    /// attribute values in order: `T-shirt bio (M, Blanc)`.
    pub fn label_of(&self, variant: &Variant) -> String {
        if variant.attributes.is_empty() {
            return self.name.clone();
        }
        let values: Vec<&str> = variant
            .attributes
            .iter()
            .map(|a| a.value.as_str())
            .collect();
        format!("{} ({})", self.name, values.join(", "))
    }
}

/// A price list: special prices for a store, a customer group and/or a
/// period. See [`price_list`](super::price_list) for how one is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceList {
    /// Stable id, reported on the sold item.
    pub id: PriceListId,
    /// Display name ("Happy hour", "Personnel").
    pub name: String,
    /// Only in this store, or in every store.
    pub store: Option<StoreId>,
    /// Only for this customer group, or for everyone.
    pub customer_group: Option<CustomerGroupId>,
    /// In force from this instant (inclusive).
    pub valid_from: Option<DateTime<Utc>>,
    /// In force until this instant (exclusive).
    pub valid_until: Option<DateTime<Utc>>,
    /// Breaks ties between lists of the same specificity: higher wins.
    pub priority: i32,
    /// The prices, by SKU.
    pub entries: BTreeMap<Sku, PriceEntry>,
}

/// The price of one SKU in a price list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceEntry {
    /// Unit price.
    pub unit_price: Money,
    /// Quantity breaks of this list (replace the variant's base breaks).
    pub quantity_breaks: Vec<QuantityBreak>,
}
