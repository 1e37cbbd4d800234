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

impl OperatorVerdict {
    /// Turns the operator's reading of the terminal into a settled payment.
    /// A `Paid` verdict carries no card or authorisation data: the till
    /// records that the operator confirmed it.
    pub fn settle(self, request: &PaymentRequest) -> Settled {
        match self {
            OperatorVerdict::Paid => Settled::Approved(Approval {
                id: request.id.clone(),
                amount: request.amount,
                tip: None,
                authorization_code: None,
                card: None,
                terminal_reference: None,
                scheme: None,
            }),
            OperatorVerdict::NotPaid => Settled::Declined {
                id: request.id.clone(),
                reason: DeclineReason::NotDone,
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    //! The decision rules alone, over a terminal that plays a script. The
    //! adapters' own tests run the same rules against their simulators.
    use super::*;
    use crate::payment::types::{Capabilities, PaymentKind, UnknownStage};
    use pos_core::{Currency, Money};
    use std::collections::VecDeque;

    struct Scripted {
        pays: VecDeque<Outcome>,
        statuses: VecDeque<Result<StatusAnswer, HwError>>,
        pay_calls: usize,
        status_calls: usize,
        status_query: bool,
    }

    impl PaymentTerminal for Scripted {
        fn capabilities(&self) -> Capabilities {
            Capabilities {
                status_query: self.status_query,
                ..Capabilities::default()
            }
        }
        fn pay(&mut self, _: &PaymentRequest) -> Result<Outcome, HwError> {
            self.pay_calls += 1;
            self.pays.pop_front().ok_or(HwError::PaymentUnsupported {
                operation: "script",
            })
        }
        fn reverse(&mut self, _: &TransactionId, _: &Approval) -> Result<Outcome, HwError> {
            Err(HwError::PaymentUnsupported {
                operation: "reverse",
            })
        }
        fn transaction_status(&mut self, _: &TransactionId) -> Result<StatusAnswer, HwError> {
            self.status_calls += 1;
            self.statuses
                .pop_front()
                .unwrap_or(Ok(StatusAnswer::InProgress))
        }
    }

    fn request() -> PaymentRequest {
        PaymentRequest::new(
            TransactionId::new("R1").unwrap(),
            PaymentKind::Sale,
            Money::from_minor_units(1000, Currency::EUR),
        )
        .unwrap()
    }

    fn unknown() -> Outcome {
        Outcome::Unknown {
            id: request().id,
            stage: UnknownStage::AnswerLost,
        }
    }

    fn approved() -> Outcome {
        match OperatorVerdict::Paid.settle(&request()) {
            Settled::Approved(a) => Outcome::Approved(a),
            _ => unreachable!(),
        }
    }

    #[test]
    fn endless_in_progress_goes_to_the_operator() {
        let mut t = Scripted {
            pays: VecDeque::from([unknown()]),
            statuses: VecDeque::new(),
            pay_calls: 0,
            status_calls: 0,
            status_query: true,
        };
        let settled = pay_once(&mut t, &request(), RecoveryPolicy::default()).unwrap();
        assert_eq!(settled, Settled::OperatorDecision { id: request().id });
        assert_eq!((t.pay_calls, t.status_calls), (1, 3));
    }

    #[test]
    fn not_found_twice_sends_at_most_max_resends_more() {
        let mut t = Scripted {
            pays: VecDeque::from([unknown(), unknown()]),
            statuses: VecDeque::from([Ok(StatusAnswer::NotFound), Ok(StatusAnswer::NotFound)]),
            pay_calls: 0,
            status_calls: 0,
            status_query: true,
        };
        let settled = pay_once(&mut t, &request(), RecoveryPolicy::default()).unwrap();
        assert_eq!(
            settled,
            Settled::Declined {
                id: request().id,
                reason: DeclineReason::NotDone
            }
        );
        assert_eq!(t.pay_calls, 2, "one first send and one re-send, no more");
    }

    #[test]
    fn link_errors_during_queries_are_retried_then_found() {
        let mut t = Scripted {
            pays: VecDeque::from([unknown()]),
            statuses: VecDeque::from([
                Err(HwError::PaymentLink {
                    kind: std::io::ErrorKind::TimedOut,
                }),
                Ok(StatusAnswer::Completed(approved())),
            ]),
            pay_calls: 0,
            status_calls: 0,
            status_query: true,
        };
        let settled = pay_once(&mut t, &request(), RecoveryPolicy::default()).unwrap();
        assert!(matches!(settled, Settled::Approved(_)));
        assert_eq!(t.pay_calls, 1);
    }

    #[test]
    fn without_status_query_the_operator_decides_and_records() {
        let mut t = Scripted {
            pays: VecDeque::from([unknown()]),
            statuses: VecDeque::new(),
            pay_calls: 0,
            status_calls: 0,
            status_query: false,
        };
        let settled = pay_once(&mut t, &request(), RecoveryPolicy::default()).unwrap();
        assert_eq!(settled, Settled::OperatorDecision { id: request().id });
        assert_eq!(t.status_calls, 0);
        assert!(matches!(
            OperatorVerdict::NotPaid.settle(&request()),
            Settled::Declined { .. }
        ));
        assert!(matches!(
            OperatorVerdict::Paid.settle(&request()),
            Settled::Approved(_)
        ));
    }

    #[test]
    fn recover_never_sends_a_payment() {
        let mut t = Scripted {
            pays: VecDeque::new(),
            statuses: VecDeque::from([Ok(StatusAnswer::NotFound)]),
            pay_calls: 0,
            status_calls: 0,
            status_query: true,
        };
        assert_eq!(
            recover(&mut t, &request().id, RecoveryPolicy::default()).unwrap(),
            None
        );
        assert_eq!(t.pay_calls, 0);
    }
}
