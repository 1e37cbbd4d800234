//! Tickets: a completed sale, refund or exchange as an immutable value.
//!
//! [`Cart::complete`](crate::cart::Cart::complete) turns a priced cart, its
//! settled payment and injected metadata (ticket id, register, store,
//! operator, instant and local offset, pseudonymous customer) into a
//! [`Ticket`] holding everything NF525 asks a ticket record to hold: each
//! line with label, quantity, unit price, discounts, amount and VAT rate;
//! net / VAT / gross per rate; the total; each payment; change; cash
//! rounding. A ticket has no setter: a correction is a new document.
//!
//! Refunds and exchanges are carts too: return lines that reference the
//! original ticket's line indices, refunding at most what remains (given the
//! quantities already refunded, passed in) and exactly what was paid
//! (see [`refund`]).
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use pos_core::cart::{Cart, ItemQuantity};
//! use pos_core::ids::{OperatorId, ProductId, RegisterId, Sku, StoreId};
//! use pos_core::item::{SellableItem, Unit};
//! use pos_core::tender::{Tender, TenderMethod, TenderPolicy};
//! use pos_core::ticket::{TicketKind, TicketMeta};
//! use pos_core::{Currency, Money, VatRate};
//!
//! let eur = |c| Money::from_minor_units(c, Currency::EUR);
//! let baguette = SellableItem {
//!     sku: Sku::new("BAG-TRAD")?,
//!     product_id: ProductId::new("P-BAG-TRAD")?,
//!     label: "Baguette tradition".into(),
//!     unit_price: eur(130),
//!     price_list: None,
//!     vat_rate: VatRate::FR_REDUCED,
//!     unit: Unit::Piece,
//!     categories: vec![],
//!     meal_voucher_eligible: true,
//!     durable_good: false,
//!     scanned_barcode: None,
//!     quantity_breaks: vec![],
//! };
//! let mut cart = Cart::new(Currency::EUR);
//! cart.add_item(baguette, ItemQuantity::Quantity(2.into()))?;
//! let mut payment = cart.start_payment(TenderPolicy::france(Currency::EUR), eur(0))?;
//! payment.add(Tender::new(TenderMethod::Cash, eur(500)))?;
//! let ticket = cart.complete(&payment, TicketMeta {
//!     ticket_id: "01936f4e-8c2a-7b3d-9e4f-0a1b2c3d4e5f".into(),
//!     store: StoreId::new("PARIS-11")?,
//!     register: RegisterId::new("R1")?,
//!     operator: OperatorId::new("op-1")?,
//!     at: Utc.with_ymd_and_hms(2026, 3, 14, 9, 30, 0).unwrap(),
//!     utc_offset_seconds: 3600,
//!     customer: None,
//! })?;
//! assert_eq!(ticket.kind(), TicketKind::Sale);
//! assert_eq!(ticket.total().format_plain(), "2.60");
//! assert_eq!(ticket.change().format_plain(), "2.40");
//! # Ok::<(), pos_core::CoreError>(())
//! ```

mod build;
mod cards;
mod document;
mod meta;
pub mod refund;

pub use document::{DiscountRecord, Ticket, TicketKind, TicketLine, TicketTax};
pub use meta::{MAX_UTC_OFFSET_SECONDS, TicketMeta};
pub use refund::RefundSelection;
