//! Loi AGEC (art. 49, in force since 1 August 2023): receipts are printed only
//! when the customer asks, except for a few documents that must be handed
//! over. This is a pure decision; the ticket is recorded and signed either way.

use super::facts::ReceiptFacts;

/// Why a receipt is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrintReason {
    /// The customer asked for it.
    CustomerRequest,
    /// A durable good: the receipt carries the legal-warranty mention.
    DurableGoodWarranty,
    /// Goods sold by weight.
    WeighedGoods,
    /// A cancelled card payment: the cardholder gets the proof.
    CancelledCardPayment,
}

/// Whether to print a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintDecision {
    /// Print it, for this reason.
    Print(PrintReason),
    /// Do not print it (offer a digital receipt instead).
    DoNotPrint,
}

/// Decides whether the receipt described by `facts` is printed. The
/// customer's request wins; without one, the AGEC exceptions are checked in
/// a fixed order (durable good, weighed goods, cancelled card payment).
pub fn print_decision(facts: &ReceiptFacts, customer_asked: bool) -> PrintDecision {
    if customer_asked {
        PrintDecision::Print(PrintReason::CustomerRequest)
    } else if facts.lines.iter().any(|l| l.durable_good) {
        PrintDecision::Print(PrintReason::DurableGoodWarranty)
    } else if facts.lines.iter().any(|l| l.weighed) {
        PrintDecision::Print(PrintReason::WeighedGoods)
    } else if facts
        .payments
        .iter()
        .any(|p| p.cancelled && p.tender == "card")
    {
        PrintDecision::Print(PrintReason::CancelledCardPayment)
    } else {
        PrintDecision::DoNotPrint
    }
}
