//! The `PaymentTerminal` trait every adapter implements.

use super::types::{Approval, Capabilities, Outcome, PaymentRequest, StatusAnswer, TransactionId};
use crate::HwError;

/// A payment terminal (TPE) the till drives.
///
/// Contract on results:
/// - `Err(_)`: nothing was charged (bad input, the link was never set up, or
///   the terminal refused to take the request). Safe to retry with the same id.
/// - `Ok(Outcome::Unknown { .. })`: the request may have been processed. Never
///   send a new charge: ask [`PaymentTerminal::transaction_status`] when
///   [`Capabilities::status_query`] is set, else let the operator decide (see
///   [`super::recovery`]).
pub trait PaymentTerminal {
    /// What this terminal supports.
    fn capabilities(&self) -> Capabilities;

    /// Runs a sale or a refund, as `request.kind` says.
    fn pay(&mut self, request: &PaymentRequest) -> Result<Outcome, HwError>;

    /// Cancels (reverses) a completed approval; `id` is the reversal's own key.
    fn reverse(&mut self, id: &TransactionId, original: &Approval) -> Result<Outcome, HwError>;

    /// Asks the terminal what became of operation `id`.
    fn transaction_status(&mut self, id: &TransactionId) -> Result<StatusAnswer, HwError>;
}
