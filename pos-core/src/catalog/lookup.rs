//! The built [`Catalog`]: O(1) lookups by SKU, barcode and article code, name
//! search, price resolution, and the [`ItemSource`] the cart sells from.

use super::gs1;
use super::model::{Category, PriceList, Product, Variant};
use super::price_list::{self, ResolvedPrice};
use super::search::NameIndex;
use crate::ids::{Barcode, CategoryId, Sku};
use crate::item::{ItemSource, PriceContext, SellableItem};
use crate::{CoreError, Currency, VatTable};
use std::collections::{BTreeMap, HashMap};

/// Where a variant sits: `products[product].variants[variant]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Slot {
    pub(super) product: u32,
    pub(super) variant: u32,
}

/// A checked, indexed, immutable catalog. Build it with
/// [`Catalog::from_json`], [`Catalog::from_csv`] or [`Catalog::from_parts`];
/// to change it, edit its [`to_document`](Catalog::to_document) and rebuild:
/// a bad edit is refused and the catalog in use stays as it was.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub(super) currency: Currency,
    pub(super) vat_table: Option<&'static VatTable>,
    pub(super) categories: BTreeMap<CategoryId, Category>,
    pub(super) products: Vec<Product>,
    pub(super) price_lists: Vec<PriceList>,
    /// Every variant in catalog order.
    pub(super) slots: Vec<Slot>,
    /// Per variant: its receipt label.
    pub(super) labels: Vec<String>,
    /// Per product: its categories followed by their ancestors, deduplicated.
    pub(super) product_categories: Vec<Vec<CategoryId>>,
    /// Per variant: the indexes of the price lists that price it.
    pub(super) offers: Vec<Vec<u32>>,
    pub(super) by_sku: HashMap<Box<str>, u32>,
    /// GS1 barcodes by numeric GTIN value.
    pub(super) by_gtin: HashMap<u64, u32>,
    /// In-house barcodes by text.
    pub(super) by_code: HashMap<Box<str>, u32>,
    pub(super) by_article: HashMap<Box<str>, u32>,
    pub(super) names: NameIndex,
}

/// A variant found in the catalog, with its product and label.
#[derive(Debug, Clone, Copy)]
pub struct VariantRef<'a> {
    /// The product.
    pub product: &'a Product,
    /// The variant.
    pub variant: &'a Variant,
    /// The receipt label (`T-shirt bio (M, Blanc)`).
    pub label: &'a str,
}

/// A barcode's index key: GS1 codes by their numeric GTIN value (so a UPC-A
/// and its EAN-13 form are one key, and no string is hashed), other codes by
/// their text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BarcodeKey<'a> {
    /// A GS1 code (8, 12, 13 or 14 digits).
    Gtin(u64),
    /// An in-house code.
    Text(&'a str),
}

/// The index key of a scanned or imported code.
pub(super) fn barcode_key(code: &str) -> BarcodeKey<'_> {
    match gs1::gtin_value(code) {
        Some(v) => BarcodeKey::Gtin(v),
        None => BarcodeKey::Text(code),
    }
}

/// Keeps error payloads short.
fn truncated(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

impl Catalog {
    /// The catalog's currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The VAT table every rate was checked against, if one was configured.
    pub fn vat_table(&self) -> Option<&'static VatTable> {
        self.vat_table
    }

    /// The products, in document order.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// The category tree, by id.
    pub fn categories(&self) -> &BTreeMap<CategoryId, Category> {
        &self.categories
    }

    /// The price lists, in document order.
    pub fn price_lists(&self) -> &[PriceList] {
        &self.price_lists
    }

    /// Number of variants (sellable SKUs).
    pub fn variant_count(&self) -> usize {
        self.slots.len()
    }

    /// Every variant in catalog order.
    pub fn variants(&self) -> impl Iterator<Item = VariantRef<'_>> {
        (0..self.slots.len()).filter_map(|i| u32::try_from(i).ok().and_then(|i| self.at(i)))
    }

    fn at(&self, i: u32) -> Option<VariantRef<'_>> {
        let idx = usize::try_from(i).ok()?;
        let slot = self.slots.get(idx)?;
        let product = self.products.get(usize::try_from(slot.product).ok()?)?;
        let variant = product.variants.get(usize::try_from(slot.variant).ok()?)?;
        let label = self.labels.get(idx)?;
        Some(VariantRef {
            product,
            variant,
            label,
        })
    }

    fn index_of_sku(&self, sku: &str) -> Option<u32> {
        self.by_sku.get(sku).copied()
    }

    fn index_of_barcode(&self, code: &str) -> Option<u32> {
        match barcode_key(code) {
            BarcodeKey::Gtin(v) => self.by_gtin.get(&v).copied(),
            BarcodeKey::Text(t) => self.by_code.get(t).copied(),
        }
    }

    /// The variant with this SKU; O(1).
    pub fn variant_by_sku(&self, sku: &str) -> Option<VariantRef<'_>> {
        self.index_of_sku(sku).and_then(|i| self.at(i))
    }

    /// The variant carrying this barcode; O(1). A UPC-A and the same code
    /// read as an EAN-13 (leading zero) find the same variant.
    pub fn variant_by_barcode(&self, code: &str) -> Option<VariantRef<'_>> {
        self.index_of_barcode(code).and_then(|i| self.at(i))
    }

    /// The weighed or measured variant with this in-store article code (the
    /// item reference a scale prints in its 2x-prefixed labels); O(1).
    pub fn variant_by_article_code(&self, code: &str) -> Option<VariantRef<'_>> {
        self.by_article.get(code).copied().and_then(|i| self.at(i))
    }

    /// Variants whose label matches every word of `query` as a word prefix,
    /// ignoring case and accents, best first, at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<VariantRef<'_>> {
        let sku_of = |v: u32| self.at(v).map_or("", |r| r.variant.sku.as_str());
        self.names
            .search(query, limit, sku_of)
            .into_iter()
            .filter_map(|v| self.at(v))
            .collect()
    }

    /// The direct children of a category (`None`: the roots), by name
    /// (ignoring case and accents) then id, for a till's category buttons.
    pub fn subcategories(&self, parent: Option<&CategoryId>) -> Vec<&Category> {
        let mut children: Vec<&Category> = self
            .categories
            .values()
            .filter(|c| c.parent.as_ref() == parent)
            .collect();
        children.sort_by_cached_key(|c| (super::text::fold(&c.name), c.id.clone()));
        children
    }

    /// Every variant filed under `category` or one of its descendants, in
    /// catalog order.
    pub fn variants_in_category(&self, category: &CategoryId) -> Vec<VariantRef<'_>> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| {
                usize::try_from(slot.product)
                    .ok()
                    .and_then(|p| self.product_categories.get(p))
                    .is_some_and(|cats| cats.contains(category))
            })
            .filter_map(|(i, _)| u32::try_from(i).ok().and_then(|i| self.at(i)))
            .collect()
    }

    /// The price of a variant in a context (see [`price_list`]).
    pub fn resolve_price(&self, sku: &str, ctx: &PriceContext) -> Option<ResolvedPrice<'_>> {
        let i = self.index_of_sku(sku)?;
        self.resolve_at(i, ctx)
    }

    fn resolve_at(&self, i: u32, ctx: &PriceContext) -> Option<ResolvedPrice<'_>> {
        let found = self.at(i)?;
        let offers = self.offers.get(usize::try_from(i).ok()?)?;
        let lists = offers
            .iter()
            .filter_map(|l| self.price_lists.get(usize::try_from(*l).ok()?));
        Some(price_list::resolve(found.variant, lists, ctx))
    }

    /// The sellable snapshot of variant `i` for `ctx`.
    fn sellable(
        &self,
        i: u32,
        ctx: &PriceContext,
        scanned: Option<Barcode>,
    ) -> Option<SellableItem> {
        let found = self.at(i)?;
        let slot = self.slots.get(usize::try_from(i).ok()?)?;
        let categories = self
            .product_categories
            .get(usize::try_from(slot.product).ok()?)?
            .clone();
        let resolved = self.resolve_at(i, ctx)?;
        Some(SellableItem {
            sku: found.variant.sku.clone(),
            product_id: found.product.id.clone(),
            label: found.label.to_owned(),
            unit_price: resolved.unit_price,
            price_list: resolved.price_list.cloned(),
            vat_rate: found.product.vat_rate,
            unit: found.product.unit,
            categories,
            meal_voucher_eligible: found.product.meal_voucher_eligible,
            durable_good: found.product.durable_good,
            scanned_barcode: scanned,
            quantity_breaks: resolved.quantity_breaks,
        })
    }

    /// The weighed or measured item with this article code, priced for
    /// `ctx` (the cart multiplies by the weight read from the label or scale).
    pub fn item_by_article_code(
        &self,
        code: &str,
        ctx: &PriceContext,
    ) -> Result<SellableItem, CoreError> {
        self.by_article
            .get(code)
            .copied()
            .and_then(|i| self.sellable(i, ctx, None))
            .ok_or_else(|| CoreError::UnknownArticleCode {
                code: truncated(code, 16),
            })
    }
}

impl ItemSource for Catalog {
    fn item_by_barcode(
        &self,
        barcode: &str,
        ctx: &PriceContext,
    ) -> Result<SellableItem, CoreError> {
        let unknown = || CoreError::UnknownBarcode {
            barcode: truncated(barcode, 64),
        };
        let i = self.index_of_barcode(barcode).ok_or_else(unknown)?;
        let scanned = Barcode::new(barcode).ok();
        self.sellable(i, ctx, scanned).ok_or_else(unknown)
    }

    fn item_by_sku(&self, sku: &Sku, ctx: &PriceContext) -> Result<SellableItem, CoreError> {
        let unknown = || CoreError::UnknownSku {
            sku: truncated(sku.as_str(), 64),
        };
        let i = self.index_of_sku(sku.as_str()).ok_or_else(unknown)?;
        self.sellable(i, ctx, None).ok_or_else(unknown)
    }
}
