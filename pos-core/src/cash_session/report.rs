//! The X report: the session's totals at any moment.

use super::ops::{SessionOp, SessionTicket, TenderKind};
use crate::ids::CashSessionId;
use crate::pricing::TaxBreakdown;
use crate::{CoreError, Currency, Money, VatRate};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Sales, refunds and net of one tender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderTotals {
    /// Taken on sales.
    pub sales: Money,
    /// Paid back on refunds.
    pub refunds: Money,
    /// `sales - refunds`.
    pub net: Money,
}

/// The session's totals at one moment (read-only: an X report changes
/// nothing; the Z-like close keeps the last one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XReport {
    /// The session.
    pub session: CashSessionId,
    /// When the report was made.
    pub at: DateTime<Utc>,
    /// The currency.
    pub currency: Currency,
    /// Cash in the drawer at opening.
    pub opening_float: Money,
    /// Number of sales.
    pub sales_count: u32,
    /// Number of refunds.
    pub refunds_count: u32,
    /// Σ sale totals.
    pub sales_total: Money,
    /// Σ refund totals.
    pub refunds_total: Money,
    /// `sales_total - refunds_total`.
    pub net_total: Money,
    /// Totals per tender.
    pub by_tender: BTreeMap<TenderKind, TenderTotals>,
    /// VAT per rate, sales minus refunds.
    pub by_vat: BTreeMap<VatRate, TaxBreakdown>,
    /// Σ pay-ins.
    pub pay_ins: Money,
    /// Σ pay-outs.
    pub pay_outs: Money,
    /// Cash that should be in the drawer: float + cash sales − cash refunds +
    /// pay-ins − pay-outs.
    pub expected_cash: Money,
}

/// Computes the report from the session's operations.
pub(crate) fn compute(
    session: &CashSessionId,
    currency: Currency,
    opening_float: Money,
    ops: &[SessionOp],
    at: DateTime<Utc>,
) -> Result<XReport, CoreError> {
    let zero = Money::zero(currency);
    let mut r = XReport {
        session: session.clone(),
        at,
        currency,
        opening_float,
        sales_count: 0,
        refunds_count: 0,
        sales_total: zero,
        refunds_total: zero,
        net_total: zero,
        by_tender: BTreeMap::new(),
        by_vat: BTreeMap::new(),
        pay_ins: zero,
        pay_outs: zero,
        expected_cash: zero,
    };
    for op in ops {
        match op {
            SessionOp::PayIn { amount, .. } => r.pay_ins = r.pay_ins.checked_add(amount)?,
            SessionOp::PayOut { amount, .. } => r.pay_outs = r.pay_outs.checked_add(amount)?,
            SessionOp::Sale(t) => {
                r.sales_count = r.sales_count.checked_add(1).ok_or(CoreError::Overflow)?;
                r.sales_total = r.sales_total.checked_add(&t.total)?;
                add_ticket(&mut r, t, false, zero)?;
            }
            SessionOp::Refund(t) => {
                r.refunds_count = r.refunds_count.checked_add(1).ok_or(CoreError::Overflow)?;
                r.refunds_total = r.refunds_total.checked_add(&t.total)?;
                add_ticket(&mut r, t, true, zero)?;
            }
        }
    }
    r.net_total = r.sales_total.checked_sub(&r.refunds_total)?;
    let cash_net = r
        .by_tender
        .get(&TenderKind::Cash)
        .map(|t| t.net)
        .unwrap_or(zero);
    r.expected_cash = opening_float
        .checked_add(&cash_net)?
        .checked_add(&r.pay_ins)?
        .checked_sub(&r.pay_outs)?;
    Ok(r)
}

fn add_ticket(
    r: &mut XReport,
    t: &SessionTicket,
    refund: bool,
    zero: Money,
) -> Result<(), CoreError> {
    for (kind, amount) in &t.tenders {
        let e = r.by_tender.entry(*kind).or_insert(TenderTotals {
            sales: zero,
            refunds: zero,
            net: zero,
        });
        if refund {
            e.refunds = e.refunds.checked_add(amount)?;
            e.net = e.net.checked_sub(amount)?;
        } else {
            e.sales = e.sales.checked_add(amount)?;
            e.net = e.net.checked_add(amount)?;
        }
    }
    for tax in &t.taxes {
        let e = r.by_vat.entry(tax.rate).or_insert(TaxBreakdown {
            rate: tax.rate,
            net: zero.amount(),
            vat: zero.amount(),
            gross: zero.amount(),
        });
        let f = |a: Decimal, b: Decimal| {
            if refund {
                a.checked_sub(b)
            } else {
                a.checked_add(b)
            }
            .ok_or(CoreError::Overflow)
        };
        e.net = f(e.net, tax.net)?;
        e.vat = f(e.vat, tax.vat)?;
        e.gross = f(e.gross, tax.gross)?;
    }
    Ok(())
}
