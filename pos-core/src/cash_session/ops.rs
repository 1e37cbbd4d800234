//! What a cash session records.

use crate::Money;
use crate::ids::{OperationId, OperatorId, TicketId};
use crate::pricing::TaxBreakdown;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a customer paid (the session's own grouping of tenders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenderKind {
    /// Notes and coins (net of change given).
    Cash,
    /// Bank card.
    Card,
    /// Cheque.
    Cheque,
    /// Gift card.
    GiftCard,
    /// Store credit.
    StoreCredit,
    /// Meal vouchers (titres-restaurant).
    MealVoucher,
    /// Loyalty points.
    LoyaltyPoints,
    /// Anything else (bank transfer, voucher of a partner).
    Other,
}

/// Why cash went in or out of the drawer outside a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CashMoveReason {
    /// Change added to the drawer.
    ChangeFund,
    /// Cash taken to the bank or the safe.
    BankDeposit,
    /// A supplier paid in cash.
    SupplierPayment,
    /// A small expense (stamps, cleaning...).
    Expense,
    /// Tips.
    Tip,
    /// Correction of an earlier mistake.
    Correction,
    /// Anything else (explained in the note).
    Other,
}

/// A sale or refund ticket as the session records it: its total, how it
/// was paid (or paid back) and its VAT by rate. Amounts are positive; the
/// operation says whether money came in or went out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTicket {
    /// The ticket (idempotency key).
    pub ticket: TicketId,
    /// When.
    pub at: DateTime<Utc>,
    /// Ticket total.
    pub total: Money,
    /// Amount per tender; their sum is the total (cash net of change).
    pub tenders: Vec<(TenderKind, Money)>,
    /// VAT by rate; the gross amounts sum to the total.
    pub taxes: Vec<TaxBreakdown>,
}

/// One operation of the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionOp {
    /// Cash put in the drawer.
    PayIn {
        /// Idempotency key.
        id: OperationId,
        /// When.
        at: DateTime<Utc>,
        /// Who.
        operator: OperatorId,
        /// How much (positive).
        amount: Money,
        /// Why.
        reason: CashMoveReason,
        /// Free text (no personal data, please).
        note: Option<String>,
    },
    /// Cash taken out of the drawer.
    PayOut {
        /// Idempotency key.
        id: OperationId,
        /// When.
        at: DateTime<Utc>,
        /// Who.
        operator: OperatorId,
        /// How much (positive).
        amount: Money,
        /// Why.
        reason: CashMoveReason,
        /// Free text.
        note: Option<String>,
    },
    /// A sale.
    Sale(SessionTicket),
    /// A refund.
    Refund(SessionTicket),
}

impl SessionOp {
    /// The operation's idempotency key as text.
    pub fn key(&self) -> &str {
        match self {
            SessionOp::PayIn { id, .. } | SessionOp::PayOut { id, .. } => id.as_str(),
            SessionOp::Sale(t) | SessionOp::Refund(t) => t.ticket.as_str(),
        }
    }

    /// Whether `other` asks for the same thing: every field but the time,
    /// which a retry cannot repeat (an idempotency key names a request's
    /// content, not the instant it was sent).
    pub fn same_request(&self, other: &SessionOp) -> bool {
        match (self, other) {
            (
                SessionOp::PayIn {
                    id,
                    operator,
                    amount,
                    reason,
                    note,
                    ..
                },
                SessionOp::PayIn {
                    id: id2,
                    operator: operator2,
                    amount: amount2,
                    reason: reason2,
                    note: note2,
                    ..
                },
            )
            | (
                SessionOp::PayOut {
                    id,
                    operator,
                    amount,
                    reason,
                    note,
                    ..
                },
                SessionOp::PayOut {
                    id: id2,
                    operator: operator2,
                    amount: amount2,
                    reason: reason2,
                    note: note2,
                    ..
                },
            ) => {
                id == id2
                    && operator == operator2
                    && amount == amount2
                    && reason == reason2
                    && note == note2
            }
            (SessionOp::Sale(a), SessionOp::Sale(b))
            | (SessionOp::Refund(a), SessionOp::Refund(b)) => {
                a.ticket == b.ticket
                    && a.total == b.total
                    && a.tenders == b.tenders
                    && a.taxes == b.taxes
            }
            _ => false,
        }
    }
}
