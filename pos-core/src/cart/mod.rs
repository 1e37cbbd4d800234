//! The cart: the sale being rung up, repriced after every change.
//!
//! A [`Cart`] holds lines (scanned, keyed, weighed, returned), manual
//! discounts with their reasons, price overrides, notes and coupons. After
//! every operation it runs the promotion engine and then
//! [`crate::pricing::price`], so its totals are always those a receipt will
//! print. Every operation either succeeds or returns a typed
//! [`crate::CoreError`] and leaves the cart exactly as it was.
//!
//! ```
//! use pos_core::cart::{Cart, ItemQuantity};
//! use pos_core::ids::{ProductId, Sku};
//! use pos_core::item::{SellableItem, Unit};
//! use pos_core::{Currency, Money, VatRate};
//! use rust_decimal::Decimal;
//!
//! let comte = SellableItem {
//!     sku: Sku::new("COMTE-18")?,
//!     product_id: ProductId::new("COMTE")?,
//!     label: "Comté AOP 18 mois".into(),
//!     unit_price: Money::new(Decimal::new(2490, 2), Currency::EUR), // per kg
//!     price_list: None,
//!     vat_rate: VatRate::FR_REDUCED,
//!     unit: Unit::Kilogram,
//!     categories: vec![],
//!     meal_voucher_eligible: true,
//!     durable_good: false,
//!     scanned_barcode: None,
//!     quantity_breaks: vec![],
//! };
//! let mut cart = Cart::new(Currency::EUR);
//! cart.add_item(comte, ItemQuantity::Weight(Decimal::new(347, 3)))?; // 0.347 kg
//! assert_eq!(cart.total().amount().to_string(), "8.64"); // 24.90 × 0.347 = 8.6403
//! # Ok::<(), pos_core::CoreError>(())
//! ```

mod adjust;
mod line;
mod ops;
mod parked;
mod promo;
mod quantity;
mod reprice;
mod state;
mod text;

pub use adjust::{Actor, ManualDiscount, Permission, Permissions};
pub(crate) use line::OriginalAmounts;
pub use line::{AppliedPromotion, CartLine, LineId, PriceSource, ReturnOrigin};
pub use parked::{ParkedCart, ParkedLine};
pub use quantity::ItemQuantity;
pub(crate) use quantity::check_quantity;
pub use state::{Cart, CartTotals};
pub use text::{MAX_NOTE_LEN, MAX_REASON_LEN};
