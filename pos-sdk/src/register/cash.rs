//! Cash sessions on the till: one drawer from its opening float to its
//! count. Pay-ins and pay-outs carry a reason; every completed sale and
//! refund is recorded in the open session inside the sale's own transaction
//! ([`record_in_session`]); the X report can be read at any time; closing
//! counts the cash (total or note by note) and keeps the difference. Closing
//! the session together with the fiscal day hands the session's float,
//! pay-ins, pay-outs and count to the Z closure's cash control, in ONE
//! transaction.
//!
//! The session is stored whole as JSON (the pos-core value) in
//! `cash_sessions`; at most one session per till is open (`closed_at` NULL).
//! Every change goes to the outbox as a `cash_session` event.

use super::{Register, stamp};
use crate::{SdkError, outbox};
use chrono::{DateTime, NaiveDate, Utc};
use pos_core::Money;
use pos_core::cash_session::{
    CashCount, CashMoveReason, CashSession, SessionClose, SessionTicket, TenderKind, XReport,
};
use pos_core::ids::{CashSessionId, OperationId, OperatorId, TicketId};
use pos_core::pricing::TaxBreakdown;
use pos_core::tender::TenderMethod;
use pos_core::ticket::{Ticket, TicketKind};
use pos_fiscal::model::DocRef;
use rusqlite::{OptionalExtension, Transaction, params};

/// What closing a session with the fiscal day produced.
#[derive(Debug, Clone)]
pub struct SessionAndDay {
    /// The session's close summary (expected, counted, difference).
    pub session: SessionClose,
    /// The Z records made, oldest first (the last one carries the cash control).
    pub closures: Vec<DocRef>,
}

impl Register {
    /// Opens the drawer with `float` counted in it. Refused while another
    /// session of this till is open.
    pub fn open_cash_session(
        &mut self,
        operator: &OperatorId,
        float: Money,
    ) -> Result<CashSession, SdkError> {
        let now = self.checked_now()?;
        let tx = self.conn.transaction()?;
        if open_session(&tx)?.is_some() {
            return Err(SdkError::AlreadyOpen {
                what: "a cash session",
            });
        }
        let session = CashSession::open(
            CashSessionId::new(self.ids.next(now))?,
            self.config.register.clone(),
            operator.clone(),
            now,
            float,
        )?;
        save_session(&tx, &session)?;
        outbox_session(&tx, &self.ids.next(now), now, "opened", &session)?;
        tx.commit()?;
        Ok(session)
    }

    /// The open session, if any.
    pub fn current_cash_session(&self) -> Result<Option<CashSession>, SdkError> {
        let tx = self.conn.unchecked_transaction()?;
        open_session(&tx)
    }

    /// A session (open or closed) by id.
    pub fn cash_session(&self, id: &CashSessionId) -> Result<CashSession, SdkError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT json FROM cash_sessions WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        let json = json.ok_or_else(|| SdkError::NotFound {
            what: "cash session",
            id: id.to_string(),
        })?;
        Ok(serde_json::from_str(&json)?)
    }

    /// Puts cash in the drawer outside a sale (change fund, tips...).
    /// `op_id` is the app's idempotency key (None: the till makes one).
    pub fn cash_pay_in(
        &mut self,
        operator: &OperatorId,
        amount: Money,
        reason: CashMoveReason,
        note: Option<String>,
        op_id: Option<OperationId>,
    ) -> Result<CashSession, SdkError> {
        self.cash_move(true, operator, amount, reason, note, op_id)
    }

    /// Takes cash out of the drawer (bank deposit, expense...); more than the
    /// drawer should hold is refused.
    pub fn cash_pay_out(
        &mut self,
        operator: &OperatorId,
        amount: Money,
        reason: CashMoveReason,
        note: Option<String>,
        op_id: Option<OperationId>,
    ) -> Result<CashSession, SdkError> {
        self.cash_move(false, operator, amount, reason, note, op_id)
    }

    fn cash_move(
        &mut self,
        pay_in: bool,
        operator: &OperatorId,
        amount: Money,
        reason: CashMoveReason,
        note: Option<String>,
        op_id: Option<OperationId>,
    ) -> Result<CashSession, SdkError> {
        let now = self.checked_now()?;
        let id = match op_id {
            Some(id) => id,
            None => OperationId::new(self.ids.next(now))?,
        };
        let tx = self.conn.transaction()?;
        let mut session = require_open(&tx)?;
        let new = if pay_in {
            session.pay_in(id, now, operator.clone(), amount, reason, note)?
        } else {
            session.pay_out(id, now, operator.clone(), amount, reason, note)?
        };
        if new {
            save_session(&tx, &session)?;
            let action = if pay_in { "pay_in" } else { "pay_out" };
            outbox_session(&tx, &self.ids.next(now), now, action, &session)?;
        }
        tx.commit()?;
        Ok(session)
    }

    /// The X report of the open session now (changes nothing).
    pub fn x_report(&self) -> Result<XReport, SdkError> {
        let tx = self.conn.unchecked_transaction()?;
        let session = require_open(&tx)?;
        Ok(session.x_report(self.clock.now())?)
    }

    /// Closes the open session with the counted cash; returns the summary
    /// (expected, counted, difference).
    pub fn close_cash_session(
        &mut self,
        operator: &OperatorId,
        count: CashCount,
    ) -> Result<SessionClose, SdkError> {
        let now = self.checked_now()?;
        let tx = self.conn.transaction()?;
        let summary = close_open(&tx, &self.ids.next(now), now, operator, count)?;
        tx.commit()?;
        Ok(summary)
    }

    /// Closes the open session and the fiscal day `day` (default: today) in
    /// ONE transaction: the Z closure's cash control gets the session's
    /// opening float, pay-ins, pay-outs and counted cash. If the closure is
    /// refused (day already closed, in the future...), the session stays open.
    pub fn close_session_and_day(
        &mut self,
        day: Option<NaiveDate>,
        operator: &OperatorId,
        count: CashCount,
    ) -> Result<SessionAndDay, SdkError> {
        let now = self.checked_now()?;
        let day = day.unwrap_or_else(|| self.today());
        let fiscal_now = stamp(&self.config, now)?;
        let tx = self.conn.transaction()?;
        let summary = close_open(&tx, &self.ids.next(now), now, operator, count)?;
        let minor = |m: &Money| m.to_minor_units().map_err(SdkError::from);
        let cash = pos_fiscal::store::CashCount {
            opening_float: minor(&summary.report.opening_float)?,
            pay_ins: minor(&summary.report.pay_ins)?,
            pay_outs: minor(&summary.report.pay_outs)?,
            counted: Some(minor(&summary.counted)?),
        };
        let closures = pos_fiscal::store::close_day(
            &tx,
            self.signer.as_ref(),
            fiscal_now,
            day,
            Some(cash),
            operator.as_str(),
        )?;
        tx.commit()?;
        Ok(SessionAndDay {
            session: summary,
            closures,
        })
    }
}

/// Records a completed (non-training) sale or refund in the open cash
/// session, inside the sale's transaction. Without an open session it does
/// nothing (tills that sell without sessions keep working). Idempotent per
/// ticket id. Called by `complete_sale`.
pub(crate) fn record_in_session(tx: &Transaction<'_>, ticket: &Ticket) -> Result<(), SdkError> {
    let Some(mut session) = open_session(tx)? else {
        return Ok(());
    };
    let entry = session_ticket(ticket)?;
    let new = match ticket.kind() {
        TicketKind::Sale => session.record_sale(entry)?,
        TicketKind::Refund => session.record_refund(entry)?,
        // An exchange moves the drawer by its balance: taken like a sale,
        // paid back like a refund.
        TicketKind::Exchange if ticket.total().is_negative() => session.record_refund(entry)?,
        TicketKind::Exchange => session.record_sale(entry)?,
    };
    if new {
        save_session(tx, &session)?;
    }
    Ok(())
}

/// The ticket as the session records it: positive amounts, cash net of
/// change, a rounded-down cash total as an `other` tender of the rounding.
pub(crate) fn session_ticket(ticket: &Ticket) -> Result<SessionTicket, SdkError> {
    let abs = |m: Money| Money::new(m.amount().abs(), m.currency());
    let mut tenders: Vec<(TenderKind, Money)> = Vec::new();
    for p in ticket.payments() {
        let mut amount = p.applied;
        if p.method == TenderMethod::Cash {
            // Settled tenders and change are signed like the total.
            amount = amount.checked_sub(&ticket.change())?;
        }
        if !amount.is_zero() {
            tenders.push((tender_kind(&p.method), abs(amount)));
        }
    }
    let rounding = ticket.cash_rounding();
    if !rounding.is_zero() {
        // Tenders settle total + rounding. A rounding that lowers what the
        // customer paid is carried as an `other` tender, so the drawer's
        // expected cash stays the cash really taken. A rounding up cannot be
        // carried (a session tender is never negative): refused, not faked.
        let lowers = rounding.is_negative() != ticket.total().is_negative();
        if !lowers {
            return Err(SdkError::Unsupported {
                what: "a cash rounding up in a cash session",
            });
        }
        tenders.push((TenderKind::Other, abs(rounding)));
    }
    let taxes = ticket
        .taxes()
        .iter()
        .map(|t| TaxBreakdown {
            rate: t.rate,
            net: t.net.amount().abs(),
            vat: t.vat.amount().abs(),
            gross: t.gross.amount().abs(),
        })
        .collect();
    Ok(SessionTicket {
        ticket: TicketId::new(ticket.id())?,
        at: ticket.at(),
        total: abs(ticket.total()),
        tenders,
        taxes,
    })
}

fn tender_kind(m: &TenderMethod) -> TenderKind {
    match m {
        TenderMethod::Cash => TenderKind::Cash,
        TenderMethod::Card => TenderKind::Card,
        TenderMethod::Cheque => TenderKind::Cheque,
        TenderMethod::GiftCard { .. } => TenderKind::GiftCard,
        TenderMethod::StoreCredit { .. } => TenderKind::StoreCredit,
        TenderMethod::MealVoucher => TenderKind::MealVoucher,
        TenderMethod::Voucher { .. } => TenderKind::Other,
    }
}

fn close_open(
    tx: &Transaction<'_>,
    event_id: &str,
    now: DateTime<Utc>,
    operator: &OperatorId,
    count: CashCount,
) -> Result<SessionClose, SdkError> {
    let mut session = require_open(tx)?;
    let summary = session.close(now, operator.clone(), count)?.clone();
    save_session(tx, &session)?;
    outbox_session(tx, event_id, now, "closed", &session)?;
    Ok(summary)
}

fn open_session(tx: &Transaction<'_>) -> Result<Option<CashSession>, SdkError> {
    let json: Option<String> = tx
        .query_row(
            "SELECT json FROM cash_sessions WHERE closed_at IS NULL ORDER BY opened_at DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

fn require_open(tx: &Transaction<'_>) -> Result<CashSession, SdkError> {
    open_session(tx)?.ok_or(SdkError::Precondition {
        what: "an open cash session",
    })
}

fn save_session(tx: &Transaction<'_>, s: &CashSession) -> Result<(), SdkError> {
    tx.execute(
        "INSERT INTO cash_sessions(id, opened_at, closed_at, json) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET closed_at = excluded.closed_at, json = excluded.json",
        params![
            s.id().as_str(),
            s.opened_at().to_rfc3339(),
            s.close_summary().map(|c| c.closed_at.to_rfc3339()),
            serde_json::to_string(s)?,
        ],
    )?;
    Ok(())
}

fn outbox_session(
    tx: &Transaction<'_>,
    event_id: &str,
    now: DateTime<Utc>,
    action: &str,
    s: &CashSession,
) -> Result<u64, SdkError> {
    outbox::append(
        tx,
        event_id,
        "cash_session",
        now,
        &serde_json::json!({ "action": action, "session": s }),
    )
}
