//! The vocabulary shared by every payment terminal adapter.

use super::card::MaskedPan;
use crate::HwError;
use pos_core::Money;
use std::fmt;

/// The caller's idempotency key for one payment operation.
///
/// The till makes it (a UUID v7 in the SDK) *before* the first attempt and
/// passes the same id again when it retries or asks for the status, so the
/// terminal side can tell a retry from a new charge. Printable ASCII only,
/// 1 to 64 characters; each protocol may accept fewer (Concert: 10).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionId(String);

impl TransactionId {
    /// The longest id any adapter accepts.
    pub const MAX_LEN: usize = 64;

    /// Validates an id: 1..=64 characters among `A-Z a-z 0-9 - _ .`.
    pub fn new(id: &str) -> Result<TransactionId, HwError> {
        let ok_chars = id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if id.is_empty() || id.len() > Self::MAX_LEN || !ok_chars {
            return Err(HwError::TransactionIdInvalid {
                max_len: Self::MAX_LEN,
            });
        }
        Ok(TransactionId(id.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransactionId({})", self.0)
    }
}

/// What the till asks the terminal to do with money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentKind {
    /// Take money from the card (a purchase, "achat").
    Sale,
    /// Give money back to the card ("remboursement", "crédit").
    Refund,
}

/// One sale or refund, with the id that makes it idempotent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// The idempotency key; reuse it for retries and status queries.
    pub id: TransactionId,
    /// Sale or refund.
    pub kind: PaymentKind,
    /// The amount, positive, in whole minor units of its currency.
    pub amount: Money,
}

impl PaymentRequest {
    /// Builds a request, refusing zero, negative or sub-cent amounts.
    pub fn new(id: TransactionId, kind: PaymentKind, amount: Money) -> Result<Self, HwError> {
        let units = amount
            .to_minor_units()
            .map_err(|_| HwError::PaymentAmountInvalid)?;
        if units <= 0 {
            return Err(HwError::PaymentAmountInvalid);
        }
        Ok(PaymentRequest { id, kind, amount })
    }

    /// The amount in minor units (cents), as every protocol carries it.
    pub fn minor_units(&self) -> Result<u64, HwError> {
        let units = self
            .amount
            .to_minor_units()
            .map_err(|_| HwError::PaymentAmountInvalid)?;
        u64::try_from(units).map_err(|_| HwError::PaymentAmountInvalid)
    }
}

/// What the terminal said yes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The till's idempotency key of the operation.
    pub id: TransactionId,
    /// The amount actually approved; less than asked on a partial approval.
    pub amount: Money,
    /// The tip the customer added on the terminal, if any.
    pub tip: Option<Money>,
    /// The acquirer's authorisation code, when the terminal reports one.
    pub authorization_code: Option<String>,
    /// The card, masked.
    pub card: Option<MaskedPan>,
    /// The terminal's own reference (needed to reverse it on some protocols).
    pub terminal_reference: Option<String>,
    /// The card scheme as the terminal names it (`mc`, `visa`), when it does.
    pub scheme: Option<String>,
}

impl Approval {
    /// True when the terminal approved less than requested.
    pub fn is_partial(&self, requested: &Money) -> bool {
        self.amount.amount() < requested.amount()
    }
}

/// Why the terminal said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeclineReason {
    /// The issuer or the terminal refused the card.
    Refused,
    /// The customer or the cashier cancelled on the terminal.
    Cancelled,
    /// The terminal answered that the operation was not done, no detail.
    NotDone,
    /// The terminal did not support the operation asked.
    Unsupported,
}

/// The point at which the till lost track of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnknownStage {
    /// The request may or may not have reached the terminal.
    RequestMaybeDelivered,
    /// The terminal took the request; its answer never arrived.
    AnswerLost,
    /// An answer arrived but could not be read.
    AnswerUnreadable,
}

/// The result of a payment operation as far as the till knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Money moved.
    Approved(Approval),
    /// Nothing moved.
    Declined {
        /// The operation's id.
        id: TransactionId,
        /// Why.
        reason: DeclineReason,
    },
    /// The till does not know: maybe money moved. Never charge again blindly;
    /// ask the terminal ([`super::PaymentTerminal::transaction_status`]) or the
    /// operator.
    Unknown {
        /// The operation's id, to query its status.
        id: TransactionId,
        /// Where the exchange broke.
        stage: UnknownStage,
    },
}

/// The terminal's answer to "what happened to transaction X?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusAnswer {
    /// The terminal knows the operation and its final result.
    Completed(Outcome),
    /// The terminal never saw the operation: it is safe to send it again.
    NotFound,
    /// The terminal is still processing it: ask again later.
    InProgress,
}

/// What a terminal can do, so the till can offer only what works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// The customer can add a tip on the terminal.
    pub tip_on_terminal: bool,
    /// The terminal can approve offline (deferred authorisation).
    pub offline: bool,
    /// Refunds to a card are possible.
    pub refunds: bool,
    /// The terminal may approve less than asked (e.g. a gift card balance).
    pub partial_approval: bool,
    /// A completed payment can be reversed (cancelled) from the till.
    pub reversal: bool,
    /// The terminal answers a status / last-transaction query after a timeout.
    pub status_query: bool,
}
