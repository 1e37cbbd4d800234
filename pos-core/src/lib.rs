//! pos-core: the pure domain of a point of sale.
//!
//! Money and VAT, the catalog, the cart and its pricing rules, promotions,
//! tenders and tickets. No I/O, no clock, no randomness: time and ids come in
//! as arguments, so the same inputs always give the same cents on a till, in
//! a browser and on the server.
//!
//! ```
//! use pos_core::{price, Currency, PriceLine, PriceRequest, TaxMode, VatRate};
//! use rust_decimal::Decimal;
//!
//! let basket = PriceRequest {
//!     currency: Currency::EUR,
//!     tax_mode: TaxMode::Inclusive,
//!     lines: vec![PriceLine {
//!         unit_price: Decimal::new(249, 2),          // 2.49 € baguette...
//!         quantity: Decimal::from(2),
//!         vat_rate: VatRate::FR_REDUCED,
//!         discount: None,
//!     }],
//!     discount: None,
//! };
//! let ticket = price(&basket)?;
//! assert_eq!(ticket.total.to_string(), "4.98");
//! assert_eq!(ticket.taxes[0].vat.to_string(), "0.26"); // 4.98 - round(4.98 / 1.055)
//! # Ok::<(), pos_core::CoreError>(())
//! ```
#![cfg_attr(test, allow(clippy::arithmetic_side_effects))]

pub mod cart;
pub mod cash_session;
pub mod catalog;
pub mod customer;
pub mod error;
pub mod gift_code;
pub mod ids;
pub mod item;
pub mod loyalty;
pub mod money;
pub mod operator;
pub mod order;
pub mod pricing;
pub mod promotion;
pub mod stock;
pub mod stored_value;
pub mod tender;
pub mod ticket;
pub mod vat;

pub use error::CoreError;
pub use money::{Currency, Money};
pub use pricing::{
    Discount, PriceLine, PriceRequest, PricedLine, PricedTicket, TaxBreakdown, TaxMode, price,
};
pub use vat::{VatCategory, VatRate, VatTable};
