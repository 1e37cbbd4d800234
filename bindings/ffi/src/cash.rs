//! Cash sessions: the drawer's float, pay-ins and pay-outs, the X report
//! (read at any time, changes nothing) and the close with the counted cash,
//! alone or together with the fiscal day.

use crate::guard::{guard, lock};
use crate::register::Register;
use crate::{PosError, convert};
use pos_core::Money;
use pos_core::cash_session::{CashCount, CashMoveReason as CoreReason, XReport as CoreXReport};
use pos_core::ids::OperationId;

/// Why cash goes in or out of the drawer outside a sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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

impl CashMoveReason {
    fn to_core(self) -> CoreReason {
        match self {
            CashMoveReason::ChangeFund => CoreReason::ChangeFund,
            CashMoveReason::BankDeposit => CoreReason::BankDeposit,
            CashMoveReason::SupplierPayment => CoreReason::SupplierPayment,
            CashMoveReason::Expense => CoreReason::Expense,
            CashMoveReason::Tip => CoreReason::Tip,
            CashMoveReason::Correction => CoreReason::Correction,
            CashMoveReason::Other => CoreReason::Other,
        }
    }
}

/// Sales, refunds and net of one tender kind in the session.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TenderTotals {
    /// The tender kind (`cash`, `card`, `gift_card`...).
    pub kind: String,
    /// Taken on sales (decimal string).
    pub sales: String,
    /// Paid back on refunds (decimal string).
    pub refunds: String,
    /// Sales minus refunds (decimal string).
    pub net: String,
}

/// VAT of one rate, sales minus refunds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VatTotals {
    /// The rate in percent (`"20"`, `"5.5"`).
    pub rate: String,
    /// Without VAT (decimal string).
    pub net: String,
    /// The VAT (decimal string).
    pub vat: String,
    /// Net plus VAT (decimal string).
    pub gross: String,
}

/// The X report: the open session's totals now.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct XReport {
    /// The session id.
    pub session: String,
    /// When it was made, epoch milliseconds.
    pub at_millis: i64,
    /// Cash in the drawer at opening (decimal string).
    pub opening_float: String,
    /// Sales recorded.
    pub sales_count: u32,
    /// Refunds recorded.
    pub refunds_count: u32,
    /// Sum of sale totals (decimal string).
    pub sales_total: String,
    /// Sum of refund totals, positive (decimal string).
    pub refunds_total: String,
    /// Sales minus refunds (decimal string).
    pub net_total: String,
    /// Per tender kind, by name.
    pub by_tender: Vec<TenderTotals>,
    /// Per VAT rate, lowest first.
    pub by_vat: Vec<VatTotals>,
    /// Sum of pay-ins (decimal string).
    pub pay_ins: String,
    /// Sum of pay-outs (decimal string).
    pub pay_outs: String,
    /// Cash that should be in the drawer (decimal string).
    pub expected_cash: String,
}

impl From<CoreXReport> for XReport {
    fn from(r: CoreXReport) -> XReport {
        let plain = |d: rust_decimal::Decimal| Money::new(d, r.currency).format_plain();
        XReport {
            session: r.session.to_string(),
            at_millis: r.at.timestamp_millis(),
            opening_float: r.opening_float.format_plain(),
            sales_count: r.sales_count,
            refunds_count: r.refunds_count,
            sales_total: r.sales_total.format_plain(),
            refunds_total: r.refunds_total.format_plain(),
            net_total: r.net_total.format_plain(),
            by_tender: r
                .by_tender
                .iter()
                .map(|(kind, t)| TenderTotals {
                    kind: convert::snake_name(kind),
                    sales: t.sales.format_plain(),
                    refunds: t.refunds.format_plain(),
                    net: t.net.format_plain(),
                })
                .collect(),
            by_vat: r
                .by_vat
                .iter()
                .map(|(rate, t)| VatTotals {
                    rate: rate.percent_string(),
                    net: plain(t.net),
                    vat: plain(t.vat),
                    gross: plain(t.gross),
                })
                .collect(),
            pay_ins: r.pay_ins.format_plain(),
            pay_outs: r.pay_outs.format_plain(),
            expected_cash: r.expected_cash.format_plain(),
        }
    }
}

impl Register {
    fn cash_move(
        &self,
        pay_in: bool,
        operator: &str,
        amount: &str,
        reason: CashMoveReason,
        note: Option<String>,
        op_id: Option<String>,
    ) -> Result<XReport, PosError> {
        guard(|| {
            let op = convert::operator(operator)?;
            let amount = convert::decimal("amount", amount)?;
            let op_id = op_id.map(OperationId::new).transpose()?;
            let mut reg = lock(&self.inner);
            let amount = Money::new(amount, reg.config().currency);
            let reason = reason.to_core();
            if pay_in {
                reg.cash_pay_in(&op, amount, reason, note, op_id)?;
            } else {
                reg.cash_pay_out(&op, amount, reason, note, op_id)?;
            }
            Ok(reg.x_report()?.into())
        })
    }
}

/// What closing the drawer with the fiscal day produced.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CashClose {
    /// The cash counted (decimal string).
    pub counted: String,
    /// Counted minus expected (decimal string; negative when cash is missing).
    pub difference: String,
    /// The Z records made, as `"Z <number>"`, oldest first (none when only
    /// the drawer was closed).
    pub closures: Vec<String>,
}

#[uniffi::export]
impl Register {
    /// Opens the drawer with `opening_float` (decimal string) counted in it;
    /// returns the session id. Refused while another session is open.
    // Not named `float`: the C header (Swift) would not compile.
    pub fn open_cash_session(
        &self,
        operator: String,
        opening_float: String,
    ) -> Result<String, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            let float = convert::decimal("opening_float", &opening_float)?;
            let mut reg = lock(&self.inner);
            let currency = reg.config().currency;
            let session = reg.open_cash_session(&op, Money::new(float, currency))?;
            Ok(session.id().to_string())
        })
    }

    /// Puts `amount` (decimal string) in the open drawer outside a sale;
    /// `op_id`: the app's idempotency key (the same pay-in again is a
    /// no-op). Returns the X report after it.
    pub fn cash_pay_in(
        &self,
        operator: String,
        amount: String,
        reason: CashMoveReason,
        note: Option<String>,
        op_id: Option<String>,
    ) -> Result<XReport, PosError> {
        self.cash_move(true, &operator, &amount, reason, note, op_id)
    }

    /// Takes `amount` (decimal string) out of the open drawer; more than it
    /// should hold is refused. Returns the X report after it.
    pub fn cash_pay_out(
        &self,
        operator: String,
        amount: String,
        reason: CashMoveReason,
        note: Option<String>,
        op_id: Option<String>,
    ) -> Result<XReport, PosError> {
        self.cash_move(false, &operator, &amount, reason, note, op_id)
    }

    /// The X report of the open session now (mid-day; changes nothing).
    pub fn x_report(&self) -> Result<XReport, PosError> {
        guard(|| Ok(lock(&self.inner).x_report()?.into()))
    }

    /// Closes the open drawer with the cash `counted` (decimal string),
    /// without closing the fiscal day (a shift change).
    pub fn close_cash_session(
        &self,
        operator: String,
        counted: String,
    ) -> Result<CashClose, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            let counted = convert::decimal("counted", &counted)?;
            let mut reg = lock(&self.inner);
            let currency = reg.config().currency;
            let done =
                reg.close_cash_session(&op, CashCount::Total(Money::new(counted, currency)))?;
            Ok(CashClose {
                counted: done.counted.format_plain(),
                difference: done.difference.format_plain(),
                closures: Vec::new(),
            })
        })
    }

    /// Closes the open drawer with the cash `counted` (decimal string) and
    /// today's fiscal day in one transaction.
    pub fn close_session_and_day(
        &self,
        operator: String,
        counted: String,
    ) -> Result<CashClose, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            let counted = convert::decimal("counted", &counted)?;
            let mut reg = lock(&self.inner);
            let currency = reg.config().currency;
            let count = CashCount::Total(Money::new(counted, currency));
            let done = reg.close_session_and_day(None, &op, count)?;
            Ok(CashClose {
                counted: done.session.counted.format_plain(),
                difference: done.session.difference.format_plain(),
                closures: done
                    .closures
                    .iter()
                    .map(|d| format!("{} {}", d.series.code(), d.number))
                    .collect(),
            })
        })
    }
}
