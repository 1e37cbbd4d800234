//! Stored value: gift cards and store credit as a ledger per card.
//!
//! Every operation (issue, load, redeem, refund, expire) has a client-made
//! operation id: the same operation again is a no-op, the same id for
//! something else is an idempotency conflict. The balance never goes below
//! zero: redeeming more is a typed error that leaves the card unchanged.
//! Card codes are a newtype whose `Display` and `Debug` show only the last 4
//! characters.

mod account;
mod code;

pub use account::{StoredValueAccount, StoredValueKind, StoredValueOp, StoredValueOpKind};
pub use code::GiftCardCode;
