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

mod build;
mod document;
mod meta;
pub mod refund;

pub use document::{DiscountRecord, Ticket, TicketKind, TicketLine, TicketTax};
pub use meta::{MAX_UTC_OFFSET_SECONDS, TicketMeta};
pub use refund::RefundSelection;
