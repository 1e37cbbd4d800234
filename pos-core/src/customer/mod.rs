//! Customers: profile (personal data), group, per-channel consent, purchase
//! history, and the RGPD rights (export of everything held, erasure).
//!
//! The [`Customer`] is keyed by a pseudonymous [`CustomerId`](crate::ids::CustomerId),
//! the only customer reference that tickets, the fiscal journal and the
//! ledgers hold. Erasure removes the personal data and withdraws every
//! consent but keeps the id, the purchase history (ticket ids and totals) and
//! a record of the erasure itself, so fiscal and stock history stay whole.
//! Personal data never appears in `Debug` output nor in error messages.

mod consent;
mod export;
mod profile;
mod record;
mod search;

pub use consent::{Channel, ConsentEvent, ConsentSource, ConsentState, ConsentStatus};
pub use export::person_export;
pub use profile::{Address, PersonalData};
pub use record::{Customer, Erasure, Purchase};
pub use search::{CustomerQuery, MAX_QUERY, name_words, normalise_email, normalise_phone};
