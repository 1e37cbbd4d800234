//! What the cart needs to know of a catalog variant at the moment it is sold:
//! a snapshot, so that a later catalog change never alters a ticket.

use crate::CoreError;
use crate::ids::{Barcode, CategoryId, CustomerGroupId, PriceListId, ProductId, Sku, StoreId};
use crate::{Money, VatRate};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The unit an item is sold by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Sold by the piece (integer quantities).
    #[default]
    Piece,
    /// Sold by weight in kilograms (up to 3 decimals: grams).
    Kilogram,
    /// Sold by volume in litres (up to 3 decimals).
    Litre,
    /// Sold by length in metres (up to 3 decimals).
    Metre,
}

impl Unit {
    /// True when quantities may be fractional (weighed or measured goods).
    pub fn is_measured(&self) -> bool {
        !matches!(self, Unit::Piece)
    }

    /// The symbol printed after a quantity: `kg`, `l`, `m`, or nothing.
    pub fn symbol(&self) -> &'static str {
        match self {
            Unit::Piece => "",
            Unit::Kilogram => "kg",
            Unit::Litre => "l",
            Unit::Metre => "m",
        }
    }
}

/// A variant as sold: resolved label, price and tax at the time of sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellableItem {
    /// The variant's SKU.
    pub sku: Sku,
    /// The product the variant belongs to.
    pub product_id: ProductId,
    /// Label as printed on the receipt (product name plus variant attributes).
    pub label: String,
    /// Unit price resolved from the price lists (per piece, kg, l or m).
    pub unit_price: Money,
    /// Which price list gave the price, if not the base price.
    pub price_list: Option<PriceListId>,
    /// VAT rate.
    pub vat_rate: VatRate,
    /// Sales unit.
    pub unit: Unit,
    /// The categories the product belongs to (with their ancestors).
    pub categories: Vec<CategoryId>,
    /// May be paid with French meal vouchers (titres-restaurant): food ready
    /// to eat or to prepare, not alcohol.
    pub meal_voucher_eligible: bool,
    /// A durable good with a legal warranty (loi AGEC: its receipt is printed).
    pub durable_good: bool,
    /// The barcode that was scanned, if any.
    pub scanned_barcode: Option<Barcode>,
    /// Quantity breaks that apply in this context (e.g. 6 bottles or more at
    /// 4.50): the cart picks the break with the highest `min_quantity` not
    /// above the line's quantity, and `unit_price` below it.
    pub quantity_breaks: Vec<QuantityBreak>,
}

/// A lower unit price from a minimum quantity up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuantityBreak {
    /// The quantity from which the price applies (inclusive).
    pub min_quantity: Decimal,
    /// The unit price from that quantity.
    pub unit_price: Money,
}

/// Who buys where and when: what a price list needs to pick a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceContext {
    /// The store selling (store price lists).
    pub store: Option<StoreId>,
    /// The customer's group (group price lists), if a customer is identified.
    pub customer_group: Option<CustomerGroupId>,
    /// The instant of the sale (date-ranged price lists).
    pub at: DateTime<Utc>,
}

/// Where the cart finds items: implemented by the catalog (and by tests).
pub trait ItemSource {
    /// The variant carrying this barcode, priced for `ctx`.
    fn item_by_barcode(&self, barcode: &str, ctx: &PriceContext)
    -> Result<SellableItem, CoreError>;
    /// The variant with this SKU, priced for `ctx`.
    fn item_by_sku(&self, sku: &Sku, ctx: &PriceContext) -> Result<SellableItem, CoreError>;
}
