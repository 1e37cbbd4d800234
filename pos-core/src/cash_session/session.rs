//! The session itself: open, record, report, close.

use super::count::CashCount;
use super::ops::{CashMoveReason, SessionOp, SessionTicket, TenderKind};
use super::report::{XReport, compute};
use crate::ids::{CashSessionId, OperationId, OperatorId, RegisterId};
use crate::money::to_minor_i128;
use crate::{CoreError, Currency, Money};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest pay-in / pay-out note.
const MAX_NOTE: usize = 140;

/// The Z-like summary kept when the session closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClose {
    /// The final totals.
    pub report: XReport,
    /// What was counted, as entered.
    pub count: CashCount,
    /// The counted total.
    pub counted: Money,
    /// `counted - expected` (negative: cash missing).
    pub difference: Money,
    /// When.
    pub closed_at: DateTime<Utc>,
    /// Who.
    pub closed_by: OperatorId,
}

/// One drawer's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashSession {
    id: CashSessionId,
    register: RegisterId,
    opened_by: OperatorId,
    opened_at: DateTime<Utc>,
    currency: Currency,
    opening_float: Money,
    ops: Vec<SessionOp>,
    close: Option<SessionClose>,
}

impl CashSession {
    /// Opens a session with a float (zero or more, in whole minor units).
    pub fn open(
        id: CashSessionId,
        register: RegisterId,
        opened_by: OperatorId,
        opened_at: DateTime<Utc>,
        opening_float: Money,
    ) -> Result<CashSession, CoreError> {
        if opening_float.is_negative() || !whole_minor(&opening_float) {
            return Err(CoreError::InvalidAmount {
                amount: opening_float.amount().to_string(),
            });
        }
        Ok(CashSession {
            id,
            register,
            opened_by,
            opened_at,
            currency: opening_float.currency(),
            opening_float,
            ops: Vec::new(),
            close: None,
        })
    }

    /// The id.
    pub fn id(&self) -> &CashSessionId {
        &self.id
    }

    /// The register.
    pub fn register(&self) -> &RegisterId {
        &self.register
    }

    /// Who opened it.
    pub fn opened_by(&self) -> &OperatorId {
        &self.opened_by
    }

    /// When it opened.
    pub fn opened_at(&self) -> DateTime<Utc> {
        self.opened_at
    }

    /// The operations, in order.
    pub fn ops(&self) -> &[SessionOp] {
        &self.ops
    }

    /// The close summary, once closed.
    pub fn close_summary(&self) -> Option<&SessionClose> {
        self.close.as_ref()
    }

    /// True once closed.
    pub fn is_closed(&self) -> bool {
        self.close.is_some()
    }

    /// Cash put in the drawer. Returns `Ok(false)` for a retry.
    pub fn pay_in(
        &mut self,
        id: OperationId,
        at: DateTime<Utc>,
        operator: OperatorId,
        amount: Money,
        reason: CashMoveReason,
        note: Option<String>,
    ) -> Result<bool, CoreError> {
        self.check_cash_move(&amount, note.as_deref())?;
        self.push(SessionOp::PayIn {
            id,
            at,
            operator,
            amount,
            reason,
            note,
        })
    }

    /// Cash taken out; more than the drawer should hold is refused.
    pub fn pay_out(
        &mut self,
        id: OperationId,
        at: DateTime<Utc>,
        operator: OperatorId,
        amount: Money,
        reason: CashMoveReason,
        note: Option<String>,
    ) -> Result<bool, CoreError> {
        self.check_cash_move(&amount, note.as_deref())?;
        let op = SessionOp::PayOut {
            id,
            at,
            operator,
            amount,
            reason,
            note,
        };
        if self.find(op.key()).is_none() {
            self.check_cash_available(&amount, at)?;
        }
        self.push(op)
    }

    /// Records a sale (idempotent per ticket id).
    pub fn record_sale(&mut self, ticket: SessionTicket) -> Result<bool, CoreError> {
        self.check_ticket(&ticket)?;
        self.push(SessionOp::Sale(ticket))
    }

    /// Records a refund (idempotent per ticket id); cash paid back cannot
    /// exceed the cash the drawer should hold.
    pub fn record_refund(&mut self, ticket: SessionTicket) -> Result<bool, CoreError> {
        self.check_ticket(&ticket)?;
        if self.find(ticket.ticket.as_str()).is_none() {
            let zero = Money::zero(self.currency);
            let cash = ticket
                .tenders
                .iter()
                .filter(|(k, _)| *k == TenderKind::Cash)
                .try_fold(zero, |acc, (_, m)| acc.checked_add(m))?;
            self.check_cash_available(&cash, ticket.at)?;
        }
        self.push(SessionOp::Refund(ticket))
    }

    /// The X report at `at` (allowed open or closed; changes nothing).
    pub fn x_report(&self, at: DateTime<Utc>) -> Result<XReport, CoreError> {
        compute(&self.id, self.currency, self.opening_float, &self.ops, at)
    }

    /// Closes the session with the counted cash; refused when already closed.
    pub fn close(
        &mut self,
        at: DateTime<Utc>,
        operator: OperatorId,
        count: CashCount,
    ) -> Result<&SessionClose, CoreError> {
        if self.is_closed() {
            return Err(CoreError::CashSessionClosed);
        }
        let counted = count.total(self.currency)?;
        let report = self.x_report(at)?;
        let difference = counted.checked_sub(&report.expected_cash)?;
        let summary = self.close.insert(SessionClose {
            report,
            count,
            counted,
            difference,
            closed_at: at,
            closed_by: operator,
        });
        Ok(summary)
    }

    fn find(&self, key: &str) -> Option<&SessionOp> {
        self.ops.iter().find(|o| o.key() == key)
    }

    /// Appends an operation, or recognises a retry (`Ok(false)`), or reports
    /// an id reused for something else.
    fn push(&mut self, op: SessionOp) -> Result<bool, CoreError> {
        if let Some(prev) = self.find(op.key()) {
            return if prev.same_request(&op) {
                Ok(false)
            } else {
                Err(CoreError::IdempotencyConflict {
                    id: op.key().to_owned(),
                })
            };
        }
        if self.is_closed() {
            return Err(CoreError::CashSessionClosed);
        }
        self.ops.push(op);
        Ok(true)
    }

    fn check_cash_move(&self, amount: &Money, note: Option<&str>) -> Result<(), CoreError> {
        self.check_money(amount)?;
        if amount.is_zero() {
            return Err(CoreError::InvalidAmount {
                amount: amount.amount().to_string(),
            });
        }
        if let Some(n) = note {
            let ok = !n.trim().is_empty()
                && n.chars().count() <= MAX_NOTE
                && !n.chars().any(char::is_control);
            if !ok {
                return Err(CoreError::InvalidText {
                    field: "cash movement note",
                    max: MAX_NOTE,
                });
            }
        }
        Ok(())
    }

    fn check_cash_available(&self, amount: &Money, at: DateTime<Utc>) -> Result<(), CoreError> {
        if self.is_closed() {
            return Err(CoreError::CashSessionClosed);
        }
        let expected = self.x_report(at)?.expected_cash;
        if amount.amount() > expected.amount() {
            return Err(CoreError::InsufficientBalance {
                available: expected.format_plain(),
                requested: amount.format_plain(),
            });
        }
        Ok(())
    }

    fn check_ticket(&self, t: &SessionTicket) -> Result<(), CoreError> {
        self.check_money(&t.total)?;
        let zero = Money::zero(self.currency);
        let mut paid = zero;
        for (_, m) in &t.tenders {
            self.check_money(m)
                .map_err(|_| CoreError::InvalidTenderAmount {
                    amount: m.amount().to_string(),
                })?;
            if m.is_zero() {
                return Err(CoreError::InvalidTenderAmount {
                    amount: m.amount().to_string(),
                });
            }
            paid = paid.checked_add(m)?;
        }
        if paid.amount() != t.total.amount() {
            return Err(CoreError::PaymentMismatch {
                paid_for: paid.format_plain(),
                total: t.total.format_plain(),
            });
        }
        let mut gross = zero.amount();
        for tax in &t.taxes {
            gross = gross.checked_add(tax.gross).ok_or(CoreError::Overflow)?;
        }
        if gross != t.total.amount() {
            return Err(CoreError::InvalidAmount {
                amount: gross.to_string(),
            });
        }
        Ok(())
    }

    /// Non-negative, in the session currency, in whole minor units.
    fn check_money(&self, m: &Money) -> Result<(), CoreError> {
        if m.currency() != self.currency {
            return Err(CoreError::CurrencyMismatch {
                expected: self.currency.code().to_owned(),
                found: m.currency().code().to_owned(),
            });
        }
        if m.is_negative() || !whole_minor(m) {
            return Err(CoreError::InvalidAmount {
                amount: m.amount().to_string(),
            });
        }
        Ok(())
    }
}

fn whole_minor(m: &Money) -> bool {
    to_minor_i128(m.amount(), m.currency().minor_units()).is_ok()
}
