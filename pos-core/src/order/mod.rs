//! Web and click & collect orders: a state machine, stock reservations, and
//! the pickup list of the till.
//!
//! ```text
//! received ──> accepted ──> preparing ──> ready ──> collected ──> refunded
//!     │            │            │           │                        ^
//!     └────────────┴────────────┴───────────┴──> cancelled ──────────┘
//! ```
//! Accepting reserves the stock (reservation movements), cancelling releases
//! it, collecting consumes it; the movements are applied to the
//! [`StockLedger`](crate::stock::StockLedger) together with the status change
//! (all or nothing) and returned for the caller's store. Any other transition
//! is [`CoreError::InvalidOrderTransition`](crate::CoreError::InvalidOrderTransition).

mod pickup;
mod record;
mod status;
#[cfg(test)]
mod tests;

pub use pickup::{PickupEntry, pickup_list};
pub use record::{Order, OrderChannel, OrderLine, PaymentStatus, StatusChange};
pub use status::OrderStatus;
