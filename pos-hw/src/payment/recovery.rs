//! Outcome recovery: turn an `Unknown` into a known result without ever
//! charging twice.
//!
//! After a timeout the till does not know whether the card was charged. The
//! rule implemented here: ask the terminal about the *same* transaction id;
//! approved or declined ends it; "not found" proves nothing happened, so the
//! request is sent again with the same id; anything else goes to the operator,
//! who looks at the terminal's own receipt and decides.

use super::terminal::PaymentTerminal;
use super::types::{Approval, DeclineReason, Outcome, PaymentRequest, StatusAnswer, TransactionId};
use crate::HwError;

/// How hard to try before handing over to the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryPolicy {
    /// Status queries per unknown outcome (an `InProgress` answer uses one).
    pub max_status_queries: u8,
    /// New sends of the same request after the terminal said "not found".
    pub max_resends: u8,
}

impl Default for RecoveryPolicy {
    fn default() -> Self {
        RecoveryPolicy {
            max_status_queries: 3,
            max_resends: 1,
        }
    }
}

/// A payment's final state as far as the till can establish it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// The terminal approved (possibly on a recovered answer).
    Approved(Approval),
    /// The terminal declined; nothing was charged.
    Declined {
        /// The operation's id.
        id: TransactionId,
        /// Why.
        reason: DeclineReason,
    },
    /// The terminal cannot tell: the operator must check the terminal's
    /// receipt and record [`OperatorVerdict`]. Do not retry automatically.
    OperatorDecision {
        /// The operation to decide about.
        id: TransactionId,
    },
}

/// What the operator read on the terminal after an unresolved payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorVerdict {
    /// The terminal receipt shows the payment approved.
    Paid,
    /// The terminal shows no approval: the till may take another tender.
    NotPaid,
}

/// Runs `request` to a settled state, charging at most once.
///
/// The same `request.id` is used for the first send, every status query and
/// any re-send, so a terminal that deduplicates by id is safe even if this
/// function runs again after a crash.
pub fn pay_once<T: PaymentTerminal + ?Sized>(
    terminal: &mut T,
    request: &PaymentRequest,
    policy: RecoveryPolicy,
) -> Result<Settled, HwError> {
    let mut resends_left = policy.max_resends;
    loop {
        let outcome = terminal.pay(request)?;
        match settle(terminal, outcome, policy)? {
            Resolution::Settled(settled) => return Ok(settled),
            Resolution::SafeToResend if resends_left > 0 => {
                resends_left = resends_left.saturating_sub(1);
            }
            Resolution::SafeToResend => {
                // Proven not charged, but out of attempts: a plain decline.
                return Ok(Settled::Declined {
                    id: request.id.clone(),
                    reason: DeclineReason::NotDone,
                });
            }
        }
    }
}

/// Resolves an outcome that is already known to be `Unknown` (e.g. one
/// found in the till's journal after a restart) by status queries only:
/// this never sends a new charge.
pub fn recover(
    terminal: &mut (impl PaymentTerminal + ?Sized),
    id: &TransactionId,
    policy: RecoveryPolicy,
) -> Result<Option<Settled>, HwError> {
    let unknown = Outcome::Unknown {
        id: id.clone(),
        stage: super::types::UnknownStage::AnswerLost,
    };
    Ok(match settle(terminal, unknown, policy)? {
        Resolution::Settled(settled) => Some(settled),
        Resolution::SafeToResend => None,
    })
}

enum Resolution {
    Settled(Settled),
    SafeToResend,
}

fn settle<T: PaymentTerminal + ?Sized>(
    terminal: &mut T,
    outcome: Outcome,
    policy: RecoveryPolicy,
) -> Result<Resolution, HwError> {
    let id = match outcome {
        Outcome::Approved(approval) => return Ok(Resolution::Settled(Settled::Approved(approval))),
        Outcome::Declined { id, reason } => {
            return Ok(Resolution::Settled(Settled::Declined { id, reason }));
        }
        Outcome::Unknown { id, .. } => id,
    };
    if !terminal.capabilities().status_query {
        return Ok(Resolution::Settled(Settled::OperatorDecision { id }));
    }
    for _ in 0..policy.max_status_queries {
        let answer = match terminal.transaction_status(&id) {
            Ok(answer) => answer,
            // The link failing now says nothing about the payment.
            Err(_) => continue,
        };
        match answer {
            StatusAnswer::Completed(Outcome::Approved(approval)) => {
                return Ok(Resolution::Settled(Settled::Approved(approval)));
            }
            StatusAnswer::Completed(Outcome::Declined { id, reason }) => {
                return Ok(Resolution::Settled(Settled::Declined { id, reason }));
            }
            StatusAnswer::NotFound => return Ok(Resolution::SafeToResend),
            StatusAnswer::Completed(Outcome::Unknown { .. }) | StatusAnswer::InProgress => {}
        }
    }
    Ok(Resolution::Settled(Settled::OperatorDecision { id }))
}
