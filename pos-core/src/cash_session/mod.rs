//! Cash sessions: one drawer from its opening float to its close.
//!
//! A session records pay-ins and pay-outs (with a reason), and each sale and
//! refund per tender and per VAT rate. The X report can be read at any time
//! (totals by tender, by VAT rate, expected cash); closing counts the cash
//! (as a total or note by note, coin by coin) and keeps the difference in a
//! Z-like summary. A closed session refuses every new operation.

mod count;
mod ops;
mod report;
mod session;
#[cfg(test)]
mod tests;

pub use count::{CashCount, EUR_DENOMINATIONS};
pub use ops::{CashMoveReason, SessionOp, SessionTicket, TenderKind};
pub use report::{TenderTotals, XReport};
pub use session::{CashSession, SessionClose};
