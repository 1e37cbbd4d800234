//! Catalog lookup (what a code is, its price and stock, without touching a
//! cart) and the sample data for demos and tests.

use crate::guard::{guard, lock};
use crate::register::Register;
use crate::{PosError, convert};
use pos_core::cart::ItemQuantity;
use pos_core::ids::Sku;

/// An item as the catalog sells it now.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CatalogItem {
    /// The variant's SKU.
    pub sku: String,
    /// The label printed.
    pub label: String,
    /// The unit price now, tax included (decimal string).
    pub unit_price: String,
    /// VAT rate in percent (`"20"`, `"5.5"`).
    pub vat_rate: String,
    /// The unit it is sold by (`piece`, `kilogram`, `litre`, `metre`).
    pub unit: String,
    /// Its categories (with their ancestors).
    pub categories: Vec<String>,
    /// Whether meal vouchers may pay for it.
    pub meal_voucher_eligible: bool,
    /// What the code itself carries: `quantity:<n>`, `weight:<kg>` (a
    /// scale label or GS1 weight) or `price:<decimal>` (a price label).
    pub carried: String,
}

/// The stock of a SKU at the till's location.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StockLevel {
    /// Physically there (decimal string; negative after an allowed oversell).
    pub on_hand: String,
    /// Held for orders (decimal string).
    pub reserved: String,
    /// What may still be sold: on hand minus reserved (decimal string).
    pub available: String,
}

#[uniffi::export]
impl Register {
    /// Looks a scanned or typed code up (barcode, scale label, GS1 string or
    /// SKU) as `scan` would, without adding it to a cart: a price check.
    pub fn lookup(&self, code: String) -> Result<CatalogItem, PosError> {
        guard(|| {
            let reg = lock(&self.inner);
            let ctx = reg.price_context(None);
            let (item, quantity) = reg.resolve_code(&code, &ctx)?;
            let carried = match quantity {
                ItemQuantity::Quantity(q) => format!("quantity:{}", q.normalize()),
                ItemQuantity::Weight(kg) => format!("weight:{}", kg.normalize()),
                ItemQuantity::LabelPrice(m) => format!("price:{}", m.format_plain()),
            };
            Ok(CatalogItem {
                sku: item.sku.to_string(),
                label: item.label,
                unit_price: item.unit_price.format_plain(),
                vat_rate: item.vat_rate.percent_string(),
                unit: convert::snake_name(&item.unit),
                categories: item.categories.iter().map(ToString::to_string).collect(),
                meal_voucher_eligible: item.meal_voucher_eligible,
                carried,
            })
        })
    }

    /// The stock of `sku` at the till's location (one indexed read).
    pub fn stock_level(&self, sku: String) -> Result<StockLevel, PosError> {
        guard(|| {
            let sku = Sku::new(sku)?;
            level_at(&lock(&self.inner), &sku, None)
        })
    }
}

/// The stock of `sku` at `location` (None: the till's own).
pub(crate) fn level_at(
    reg: &pos_sdk::Register,
    sku: &Sku,
    location: Option<&pos_core::ids::LocationId>,
) -> Result<StockLevel, PosError> {
    let level = reg.stock_level(sku, location.unwrap_or(&reg.config().location))?;
    Ok(StockLevel {
        on_hand: level.on_hand.normalize().to_string(),
        reserved: level.reserved.normalize().to_string(),
        available: level.available()?.normalize().to_string(),
    })
}

/// The sample catalog (a French bakery-grocery, about 50 variants) as JSON,
/// for demos, examples and binding tests.
#[uniffi::export]
pub fn sample_catalog_json() -> String {
    pos_core::catalog::sample_catalog_json().to_owned()
}

/// The sample promotions of the demo store (3 croissants for 3 EUR, cheese
/// -20 % on Saturdays, coupon BIENVENUE10...) as JSON.
#[uniffi::export]
pub fn sample_promotions_json() -> String {
    pos_core::promotion::sample_promotions_json().to_owned()
}
