//! Checking catalog parts together and building the indexes: everything
//! that makes a [`Catalog`] trustworthy. All-or-nothing: the first problem
//! found is returned and no catalog is built.

use super::gs1;
use super::lookup::{BarcodeKey, Catalog, Slot, barcode_key};
use super::model::{Category, PriceList, Product, Variant};
use super::problem::ImportProblem;
use super::search::NameIndex;
use crate::ids::CategoryId;
use crate::item::{QuantityBreak, Unit};
use crate::money::to_minor_i128;
use crate::pricing::QUANTITY_DECIMALS;
use crate::{CoreError, Currency, Money, VatTable};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Where the products and variants came from, so that an error names a CSV
/// line and column or else a JSON path.
#[derive(Debug, Clone, Default)]
pub(super) struct Origin {
    /// Per product, the CSV line of its first row.
    pub(super) product_lines: Vec<Option<u64>>,
    /// Per product and variant, the CSV line of the variant's row.
    pub(super) variant_lines: Vec<Vec<Option<u64>>>,
}

pub(super) fn fail(line: Option<u64>, field: String, reason: ImportProblem) -> CoreError {
    CoreError::CatalogImport {
        line,
        field,
        reason,
    }
}

impl Origin {
    fn product_line(&self, p: usize) -> Option<u64> {
        self.product_lines.get(p).copied().flatten()
    }

    fn variant_line(&self, p: usize, v: usize) -> Option<u64> {
        self.variant_lines
            .get(p)
            .and_then(|l| l.get(v))
            .copied()
            .flatten()
    }

    /// An error on a product field: `products[p]<path>` or the CSV column.
    pub(super) fn product(
        &self,
        p: usize,
        path: &str,
        column: &str,
        reason: ImportProblem,
    ) -> CoreError {
        match self.product_line(p) {
            Some(line) => fail(Some(line), column.to_owned(), reason),
            None => fail(None, format!("products[{p}]{path}"), reason),
        }
    }

    /// An error on a variant field: `products[p].variants[v]<path>` or the CSV column.
    pub(super) fn variant(
        &self,
        p: usize,
        v: usize,
        path: &str,
        column: &str,
        reason: ImportProblem,
    ) -> CoreError {
        match self.variant_line(p, v) {
            Some(line) => fail(Some(line), column.to_owned(), reason),
            None => fail(None, format!("products[{p}].variants[{v}]{path}"), reason),
        }
    }
}

/// Checks an amount: catalog currency, not negative, whole minor units.
fn check_amount(money: &Money, currency: Currency) -> Result<(), ImportProblem> {
    if money.currency() != currency {
        return Err(ImportProblem::CurrencyMismatch);
    }
    if money.is_negative() {
        return Err(ImportProblem::NegativeAmount);
    }
    to_minor_i128(money.amount(), currency.minor_units())
        .map(|_| ())
        .map_err(|_| ImportProblem::TooManyDecimals)
}

/// Checks quantity breaks; on error, the index of the bad break and why.
fn check_breaks(
    breaks: &[QuantityBreak],
    unit: Unit,
    currency: Currency,
) -> Result<(), (usize, &'static str, ImportProblem)> {
    let mut previous = None;
    for (i, b) in breaks.iter().enumerate() {
        let q = b.min_quantity;
        if q.is_sign_negative() || q.is_zero() {
            return Err((i, ".min_quantity", ImportProblem::InvalidQuantity));
        }
        if q.normalize().scale() > QUANTITY_DECIMALS {
            return Err((i, ".min_quantity", ImportProblem::InvalidQuantity));
        }
        if !unit.is_measured() && q.normalize().scale() > 0 {
            return Err((i, ".min_quantity", ImportProblem::FractionalPieceQuantity));
        }
        if previous.is_some_and(|p| q <= p) {
            return Err((i, ".min_quantity", ImportProblem::BreaksNotIncreasing));
        }
        previous = Some(q);
        check_amount(&b.unit_price, currency).map_err(|e| (i, ".unit_price", e))?;
    }
    Ok(())
}

/// True for an article code of 4 to 6 ASCII digits.
fn is_article_code(code: &str) -> bool {
    (4..=6).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit())
}

/// Checks the category tree; returns each category's ancestors resolver.
fn check_categories(
    categories: Vec<Category>,
) -> Result<BTreeMap<CategoryId, Category>, CoreError> {
    let mut tree = BTreeMap::new();
    for (i, c) in categories.into_iter().enumerate() {
        if tree.contains_key(&c.id) {
            return Err(fail(
                None,
                format!("categories[{i}].id"),
                ImportProblem::DuplicateCategory,
            ));
        }
        tree.insert(c.id.clone(), (i, c));
    }
    for (i, c) in tree.values() {
        if let Some(parent) = &c.parent
            && !tree.contains_key(parent)
        {
            return Err(fail(
                None,
                format!("categories[{i}].parent"),
                ImportProblem::UnknownCategory,
            ));
        }
        // Walking up more steps than there are categories means a cycle.
        let mut cursor = c.parent.as_ref();
        let mut steps = 0usize;
        while let Some(id) = cursor {
            steps = steps.saturating_add(1);
            if steps > tree.len() {
                return Err(fail(
                    None,
                    format!("categories[{i}].parent"),
                    ImportProblem::CategoryCycle,
                ));
            }
            cursor = tree.get(id).and_then(|(_, c)| c.parent.as_ref());
        }
    }
    Ok(tree.into_iter().map(|(id, (_, c))| (id, c)).collect())
}

/// A product's categories followed by their ancestors, first occurrence kept.
fn with_ancestors(direct: &[CategoryId], tree: &BTreeMap<CategoryId, Category>) -> Vec<CategoryId> {
    let mut out: Vec<CategoryId> = Vec::new();
    for id in direct {
        let mut cursor = Some(id);
        while let Some(c) = cursor {
            if !out.contains(c) {
                out.push(c.clone());
            }
            cursor = tree.get(c).and_then(|cat| cat.parent.as_ref());
        }
    }
    out
}

/// Everything the builder accumulates while walking the products.
#[derive(Default)]
struct Indexes {
    slots: Vec<Slot>,
    labels: Vec<String>,
    by_sku: HashMap<Box<str>, u32>,
    by_gtin: HashMap<u64, u32>,
    by_code: HashMap<Box<str>, u32>,
    by_article: HashMap<Box<str>, u32>,
}

impl Catalog {
    /// Checks the parts together and builds the catalog. `vat_country`, if
    /// given, makes every product's rate be one in force in that country.
    pub fn from_parts(
        currency: Currency,
        vat_country: Option<&str>,
        categories: Vec<Category>,
        products: Vec<Product>,
        price_lists: Vec<PriceList>,
    ) -> Result<Catalog, CoreError> {
        build(
            currency,
            vat_country,
            categories,
            products,
            price_lists,
            &Origin::default(),
        )
    }
}

/// The builder behind every constructor.
pub(super) fn build(
    currency: Currency,
    vat_country: Option<&str>,
    categories: Vec<Category>,
    products: Vec<Product>,
    price_lists: Vec<PriceList>,
    origin: &Origin,
) -> Result<Catalog, CoreError> {
    let vat_table = match vat_country {
        Some(code) => Some(
            VatTable::for_country(code)
                .map_err(|_| fail(None, "vat_country".into(), ImportProblem::UnknownCountry))?,
        ),
        None => None,
    };
    let categories = check_categories(categories)?;
    let variant_total: usize = products
        .iter()
        .map(|p| p.variants.len())
        .fold(0, usize::saturating_add);
    let mut ix = Indexes {
        slots: Vec::with_capacity(variant_total),
        labels: Vec::with_capacity(variant_total),
        by_sku: HashMap::with_capacity(variant_total),
        by_gtin: HashMap::with_capacity(variant_total),
        by_code: HashMap::new(),
        by_article: HashMap::new(),
    };
    let mut product_ids = HashSet::with_capacity(products.len());
    let mut product_categories = Vec::with_capacity(products.len());
    for (p, product) in products.iter().enumerate() {
        if !product_ids.insert(&product.id) {
            return Err(origin.product(p, ".id", "product_id", ImportProblem::DuplicateProduct));
        }
        if product.variants.is_empty() {
            return Err(origin.product(p, ".variants", "sku", ImportProblem::NoVariant));
        }
        for (j, c) in product.categories.iter().enumerate() {
            if !categories.contains_key(c) {
                return Err(origin.product(
                    p,
                    &format!(".categories[{j}]"),
                    "categories",
                    ImportProblem::UnknownCategory,
                ));
            }
        }
        if let Some(table) = vat_table
            && !table.contains(product.vat_rate)
        {
            let reason = ImportProblem::VatRateNotInTable {
                bps: product.vat_rate.bps(),
                country: table.country.to_owned(),
            };
            return Err(origin.product(p, ".vat", "vat", reason));
        }
        product_categories.push(with_ancestors(&product.categories, &categories));
        for (v, variant) in product.variants.iter().enumerate() {
            add_variant(&mut ix, origin, currency, p, product, v, variant)?;
        }
    }
    let offers = check_price_lists(&price_lists, &ix.by_sku, currency, &products, &ix.slots)?;
    let names = NameIndex::build(ix.labels.iter().map(String::as_str))
        .ok_or_else(|| fail(None, "products".into(), ImportProblem::InvalidId))?;
    Ok(Catalog {
        currency,
        vat_table,
        categories,
        products,
        price_lists,
        slots: ix.slots,
        labels: ix.labels,
        product_categories,
        offers,
        by_sku: ix.by_sku,
        by_gtin: ix.by_gtin,
        by_code: ix.by_code,
        by_article: ix.by_article,
        names,
    })
}

/// Checks one variant and indexes it.
fn add_variant(
    ix: &mut Indexes,
    origin: &Origin,
    currency: Currency,
    p: usize,
    product: &Product,
    v: usize,
    variant: &Variant,
) -> Result<(), CoreError> {
    let err = |path: &str, column: &str, reason| origin.variant(p, v, path, column, reason);
    let index =
        u32::try_from(ix.slots.len()).map_err(|_| err(".sku", "sku", ImportProblem::InvalidId))?;
    let slot = Slot {
        product: u32::try_from(p).map_err(|_| err(".sku", "sku", ImportProblem::InvalidId))?,
        variant: u32::try_from(v).map_err(|_| err(".sku", "sku", ImportProblem::InvalidId))?,
    };
    match ix.by_sku.entry(variant.sku.as_str().into()) {
        Entry::Occupied(_) => return Err(err(".sku", "sku", ImportProblem::DuplicateSku)),
        Entry::Vacant(e) => {
            e.insert(index);
        }
    }
    for (a, attribute) in variant.attributes.iter().enumerate() {
        if attribute.name.trim().is_empty() {
            return Err(err(
                &format!(".attributes[{a}].name"),
                "attributes",
                ImportProblem::InvalidAttribute,
            ));
        }
        // A handful of attributes: a linear scan beats a hash set.
        let earlier = variant.attributes.iter().take(a);
        if earlier.into_iter().any(|e| e.name == attribute.name) {
            return Err(err(
                &format!(".attributes[{a}].name"),
                "attributes",
                ImportProblem::DuplicateAttribute,
            ));
        }
    }
    for (b, code) in variant.barcodes.iter().enumerate() {
        let text = code.as_str();
        if gs1::is_gs1_shaped(text) && !gs1::has_valid_check_digit(text) {
            return Err(err(
                &format!(".barcodes[{b}]"),
                "barcodes",
                ImportProblem::BadCheckDigit,
            ));
        }
        let fresh = match barcode_key(text) {
            BarcodeKey::Gtin(v) => ix.by_gtin.insert(v, index).is_none(),
            BarcodeKey::Text(t) => ix.by_code.insert(t.into(), index).is_none(),
        };
        if !fresh {
            return Err(err(
                &format!(".barcodes[{b}]"),
                "barcodes",
                ImportProblem::DuplicateBarcode,
            ));
        }
    }
    check_amount(&variant.price, currency).map_err(|reason| err(".price", "price", reason))?;
    if let Some(code) = &variant.article_code {
        if !is_article_code(code) {
            return Err(err(
                ".article_code",
                "article_code",
                ImportProblem::InvalidArticleCode,
            ));
        }
        if !product.unit.is_measured() {
            return Err(err(
                ".article_code",
                "article_code",
                ImportProblem::ArticleCodeOnPieceItem,
            ));
        }
        if ix.by_article.insert(code.as_str().into(), index).is_some() {
            return Err(err(
                ".article_code",
                "article_code",
                ImportProblem::DuplicateArticleCode,
            ));
        }
    }
    check_breaks(&variant.quantity_breaks, product.unit, currency).map_err(
        |(i, field, reason)| {
            err(
                &format!(".quantity_breaks[{i}]{field}"),
                "quantity_breaks",
                reason,
            )
        },
    )?;
    ix.slots.push(slot);
    ix.labels.push(product.label_of(variant));
    Ok(())
}

/// Checks the price lists; returns, per variant, the lists that price it.
fn check_price_lists(
    lists: &[PriceList],
    by_sku: &HashMap<Box<str>, u32>,
    currency: Currency,
    products: &[Product],
    slots: &[Slot],
) -> Result<Vec<Vec<u32>>, CoreError> {
    let mut offers: Vec<Vec<u32>> = vec![Vec::new(); slots.len()];
    let mut ids = HashSet::with_capacity(lists.len());
    for (l, list) in lists.iter().enumerate() {
        let at = |path: &str, reason| fail(None, format!("price_lists[{l}]{path}"), reason);
        if !ids.insert(&list.id) {
            return Err(at(".id", ImportProblem::DuplicatePriceList));
        }
        if let (Some(from), Some(until)) = (list.valid_from, list.valid_until)
            && until <= from
        {
            return Err(at(".valid_until", ImportProblem::EmptyDateRange));
        }
        let list_index = u32::try_from(l).map_err(|_| at(".id", ImportProblem::InvalidId))?;
        for (sku, entry) in &list.entries {
            // A JSONPath filter: entries are keyed by SKU, not by position.
            let entry_at =
                |suffix: &str, reason| at(&format!(".prices[?(@.sku=='{sku}')]{suffix}"), reason);
            let Some(&v) = by_sku.get(sku.as_str()) else {
                return Err(entry_at(".sku", ImportProblem::UnknownSku));
            };
            check_amount(&entry.unit_price, currency)
                .map_err(|reason| entry_at(".price", reason))?;
            let unit = usize::try_from(v)
                .ok()
                .and_then(|i| slots.get(i))
                .and_then(|s| products.get(usize::try_from(s.product).ok()?))
                .map_or(Unit::Piece, |p| p.unit);
            check_breaks(&entry.quantity_breaks, unit, currency).map_err(
                |(i, field, reason)| entry_at(&format!(".quantity_breaks[{i}]{field}"), reason),
            )?;
            if let Some(o) = usize::try_from(v).ok().and_then(|i| offers.get_mut(i)) {
                o.push(list_index);
            }
        }
    }
    Ok(offers)
}
