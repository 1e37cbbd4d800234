//! Cash sessions: the drawer's float, pay-ins and pay-outs, the X report
//! (read at any time, changes nothing) and the close with the counted cash,
//! alone or together with the fiscal day.

use crate::register::Register;
use crate::{PosError, convert};
use pos_core::Money;
use pos_core::cash_session::{CashCount, CashMoveReason, XReport};
use pos_core::ids::OperationId;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Sales, refunds and net of one tender kind in the session.
#[derive(Debug, Serialize)]
struct TenderView {
    kind: String,
    sales: String,
    refunds: String,
    net: String,
}

/// VAT of one rate, sales minus refunds.
#[derive(Debug, Serialize)]
struct VatView {
    rate: String,
    net: String,
    vat: String,
    gross: String,
}

/// The X report as JS sees it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct XReportView {
    session: String,
    at_millis: i64,
    opening_float: String,
    sales_count: u32,
    refunds_count: u32,
    sales_total: String,
    refunds_total: String,
    net_total: String,
    by_tender: Vec<TenderView>,
    by_vat: Vec<VatView>,
    pay_ins: String,
    pay_outs: String,
    expected_cash: String,
}

/// What closing the drawer produced.
#[derive(Debug, Serialize)]
struct CashCloseView {
    counted: String,
    difference: String,
    closures: Vec<String>,
}

/// A serde enum's snake_case name (`bank_deposit`, `gift_card`...).
pub(crate) fn snake_name(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn x_view(r: &XReport) -> XReportView {
    let plain = |d: rust_decimal::Decimal| Money::new(d, r.currency).format_plain();
    XReportView {
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
            .map(|(kind, t)| TenderView {
                kind: snake_name(kind),
                sales: t.sales.format_plain(),
                refunds: t.refunds.format_plain(),
                net: t.net.format_plain(),
            })
            .collect(),
        by_vat: r
            .by_vat
            .iter()
            .map(|(rate, t)| VatView {
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

/// A reason by its JS name.
fn reason(value: &JsValue) -> Result<CashMoveReason, PosError> {
    const EXPECTED: &str =
        "change_fund, bank_deposit, supplier_payment, expense, tip, correction or other";
    Ok(
        match convert::text("reason", "a CashMoveReason string", value)?.as_str() {
            "change_fund" => CashMoveReason::ChangeFund,
            "bank_deposit" => CashMoveReason::BankDeposit,
            "supplier_payment" => CashMoveReason::SupplierPayment,
            "expense" => CashMoveReason::Expense,
            "tip" => CashMoveReason::Tip,
            "correction" => CashMoveReason::Correction,
            "other" => CashMoveReason::Other,
            _ => return Err(PosError::invalid("reason", EXPECTED)),
        },
    )
}

impl Register {
    fn cash_move(
        &self,
        pay_in: bool,
        operator: &str,
        amount: &JsValue,
        reason: &JsValue,
        note: Option<String>,
        op_id: Option<String>,
    ) -> Result<JsValue, PosError> {
        let op = convert::operator(operator)?;
        let amount = convert::amount("amount", amount)?;
        let reason = self::reason(reason)?;
        let op_id = op_id.map(OperationId::new).transpose()?;
        let mut reg = self.sdk()?;
        let amount = Money::new(amount, reg.config().currency);
        if pay_in {
            reg.cash_pay_in(&op, amount, reason, note, op_id)?;
        } else {
            reg.cash_pay_out(&op, amount, reason, note, op_id)?;
        }
        convert::to_js(&x_view(&reg.x_report()?))
    }

    fn counted(&self, counted: &JsValue) -> Result<CashCount, PosError> {
        let counted = convert::amount("counted", counted)?;
        let currency = self.sdk()?.config().currency;
        Ok(CashCount::Total(Money::new(counted, currency)))
    }
}

#[wasm_bindgen]
impl Register {
    /// Opens the drawer with `openingFloat` (decimal string) counted in it;
    /// returns the session id. Refused while another session is open.
    #[wasm_bindgen(js_name = openCashSession)]
    pub fn open_cash_session(
        &self,
        operator: &str,
        #[wasm_bindgen(js_name = openingFloat, unchecked_param_type = "string")]
        opening_float: JsValue,
    ) -> Result<String, JsValue> {
        let op = convert::operator(operator)?;
        let float = convert::amount("openingFloat", &opening_float)?;
        let mut reg = self.sdk()?;
        let currency = reg.config().currency;
        let session = reg
            .open_cash_session(&op, Money::new(float, currency))
            .map_err(PosError::from)?;
        Ok(session.id().to_string())
    }

    /// Puts `amount` (decimal string) in the open drawer outside a sale, for
    /// `reason`; `opId`: the app's idempotency key (the same pay-in again is
    /// a no-op). Returns the X report after it.
    #[wasm_bindgen(js_name = cashPayIn, unchecked_return_type = "XReport")]
    pub fn cash_pay_in(
        &self,
        operator: &str,
        #[wasm_bindgen(unchecked_param_type = "string")] amount: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CashMoveReason")] reason: JsValue,
        note: Option<String>,
        #[wasm_bindgen(js_name = opId)] op_id: Option<String>,
    ) -> Result<JsValue, JsValue> {
        Ok(self.cash_move(true, operator, &amount, &reason, note, op_id)?)
    }

    /// Takes `amount` (decimal string) out of the open drawer; more than it
    /// should hold is refused. Returns the X report after it.
    #[wasm_bindgen(js_name = cashPayOut, unchecked_return_type = "XReport")]
    pub fn cash_pay_out(
        &self,
        operator: &str,
        #[wasm_bindgen(unchecked_param_type = "string")] amount: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CashMoveReason")] reason: JsValue,
        note: Option<String>,
        #[wasm_bindgen(js_name = opId)] op_id: Option<String>,
    ) -> Result<JsValue, JsValue> {
        Ok(self.cash_move(false, operator, &amount, &reason, note, op_id)?)
    }

    /// The X report of the open session now (mid-day; changes nothing).
    #[wasm_bindgen(js_name = xReport, unchecked_return_type = "XReport")]
    pub fn x_report(&self) -> Result<JsValue, JsValue> {
        let report = self.sdk()?.x_report().map_err(PosError::from)?;
        Ok(convert::to_js(&x_view(&report))?)
    }

    /// Closes the open drawer with the cash `counted` (decimal string),
    /// without closing the fiscal day (a shift change).
    #[wasm_bindgen(js_name = closeCashSession, unchecked_return_type = "CashClose")]
    pub fn close_cash_session(
        &self,
        operator: &str,
        #[wasm_bindgen(unchecked_param_type = "string")] counted: JsValue,
    ) -> Result<JsValue, JsValue> {
        let op = convert::operator(operator)?;
        let count = self.counted(&counted)?;
        let done = self
            .sdk()?
            .close_cash_session(&op, count)
            .map_err(PosError::from)?;
        Ok(convert::to_js(&CashCloseView {
            counted: done.counted.format_plain(),
            difference: done.difference.format_plain(),
            closures: Vec::new(),
        })?)
    }

    /// Closes the open drawer with the cash `counted` (decimal string) and
    /// today's fiscal day in one transaction.
    #[wasm_bindgen(js_name = closeSessionAndDay, unchecked_return_type = "CashClose")]
    pub fn close_session_and_day(
        &self,
        operator: &str,
        #[wasm_bindgen(unchecked_param_type = "string")] counted: JsValue,
    ) -> Result<JsValue, JsValue> {
        let op = convert::operator(operator)?;
        let count = self.counted(&counted)?;
        let done = self
            .sdk()?
            .close_session_and_day(None, &op, count)
            .map_err(PosError::from)?;
        Ok(convert::to_js(&CashCloseView {
            counted: done.session.counted.format_plain(),
            difference: done.session.difference.format_plain(),
            closures: done
                .closures
                .iter()
                .map(|d| format!("{} {}", d.series.code(), d.number))
                .collect(),
        })?)
    }
}
