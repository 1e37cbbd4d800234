//! What the till shows about the day: the day's sales and its last tickets.

use crate::register::Register;
use crate::{PosError, convert};
use serde::Serialize;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;

/// Today's sales, as the till shows them (decimals as strings).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DayView {
    day: String,
    sales_count: u64,
    refunds_count: u64,
    sales_total: String,
    net_total: String,
    by_tender: BTreeMap<String, String>,
}

/// One ticket of the list of recent tickets.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TicketView {
    number: u64,
    ticket_id: String,
    at_millis: i64,
    total: String,
}

#[wasm_bindgen]
impl Register {
    /// Today's sales in the store's time zone: `{day, salesCount,
    /// refundsCount, salesTotal, netTotal, byTender}`.
    #[wasm_bindgen(js_name = todayReport, unchecked_return_type = "DayReport")]
    pub fn today_report(&self) -> Result<JsValue, JsValue> {
        let reg = self.sdk()?;
        let day = reg.today();
        let r = reg.day_report(day).map_err(PosError::from)?;
        Ok(convert::to_js(&DayView {
            day: day.to_string(),
            sales_count: r.sales_count,
            refunds_count: r.refunds_count,
            sales_total: r.sales_total.format_plain(),
            net_total: r.net_total.format_plain(),
            by_tender: r
                .by_tender
                .iter()
                .map(|(k, v)| (k.clone(), v.format_plain()))
                .collect(),
        })?)
    }

    /// The last `limit` tickets of series T, newest first:
    /// `{number, ticketId, atMillis, total}[]`.
    #[wasm_bindgen(js_name = recentTickets, unchecked_return_type = "TicketSummary[]")]
    pub fn recent_tickets(&self, limit: u32) -> Result<JsValue, JsValue> {
        let reg = self.sdk()?;
        // Tickets are numbered 1, 2, 3... without gaps in their series:
        // find the last one, then walk back.
        let mut last = 0u64;
        while reg
            .ticket_by_number(pos_fiscal::Series::T, last.saturating_add(1))
            .is_ok()
        {
            last = last.saturating_add(1);
        }
        let mut out = Vec::new();
        let mut n = last;
        while n > 0 && out.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
            let t = reg
                .ticket_by_number(pos_fiscal::Series::T, n)
                .map_err(PosError::from)?;
            out.push(TicketView {
                number: n,
                ticket_id: t.id().to_owned(),
                at_millis: t.at().timestamp_millis(),
                total: t.total().format_plain(),
            });
            n = n.saturating_sub(1);
        }
        Ok(convert::to_js(&out)?)
    }
}
