//! Sales reports (the figures of a day's Z closure) and receipt reprints.

use crate::guard::{guard, lock};
use crate::register::Register;
use crate::sale::CompletedSale;
use crate::types::{ReceiptFormat, Trader};
use crate::{PosError, convert};
use chrono::NaiveDate;

/// An amount under a name (a tender method, a category, an operator).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NamedAmount {
    /// The name.
    pub name: String,
    /// The amount (decimal string).
    pub amount: String,
}

/// The sales of a period from the stored tickets.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SalesReport {
    /// Period start, epoch milliseconds (inclusive).
    pub from_millis: i64,
    /// Period end, epoch milliseconds (exclusive).
    pub to_millis: i64,
    /// Sale tickets.
    pub sales_count: u64,
    /// Refund tickets.
    pub refunds_count: u64,
    /// Sales, tax included (decimal string).
    pub sales_total: String,
    /// Refunds, tax included (decimal string, negative or zero).
    pub refunds_total: String,
    /// Sales plus refunds (decimal string).
    pub net_total: String,
    /// Net per tender method, by name.
    pub by_tender: Vec<NamedAmount>,
    /// Net per category, by name.
    pub by_category: Vec<NamedAmount>,
}

fn named(map: &std::collections::BTreeMap<String, pos_core::Money>) -> Vec<NamedAmount> {
    map.iter()
        .map(|(name, m)| NamedAmount {
            name: name.clone(),
            amount: m.format_plain(),
        })
        .collect()
}

#[uniffi::export]
impl Register {
    /// The sales report of local day `day` (`YYYY-MM-DD`) in the store's
    /// time zone: the period of that day's Z closure.
    pub fn day_report(&self, day: String) -> Result<SalesReport, PosError> {
        guard(|| {
            let day = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
                .map_err(|_| PosError::invalid("day", "a date such as 2026-03-14"))?;
            let r = lock(&self.inner).day_report(day)?;
            Ok(SalesReport {
                from_millis: r.from.timestamp_millis(),
                to_millis: r.to.timestamp_millis(),
                sales_count: r.sales_count,
                refunds_count: r.refunds_count,
                sales_total: r.sales_total.format_plain(),
                refunds_total: r.refunds_total.format_plain(),
                net_total: r.net_total.format_plain(),
                by_tender: named(&r.by_tender),
                by_category: named(&r.by_category),
            })
        })
    }

    /// Reprints `sale`: records the signed duplicate (series C) and renders
    /// it, marked as the n-th copy.
    pub fn reprint(
        &self,
        sale: &CompletedSale,
        operator: String,
        trader: Trader,
        format: ReceiptFormat,
        profile: String,
    ) -> Result<Vec<u8>, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            let mut reg = lock(&self.inner);
            let (_, copy) = reg.duplicate(sale.inner.series, sale.inner.number, &op)?;
            let mut facts = reg.receipt_facts(&sale.inner, trader.to_facts());
            facts.kind = pos_hw::receipt::ReceiptKind::Duplicate { number: copy };
            let doc = pos_hw::receipt::build_for_till(&facts, None);
            let profile = pos_hw::printer::PrinterProfile::by_id(&profile)?;
            Ok(pos_hw::receipt::render(&doc, format.to_hw(), &profile)?)
        })
    }
}
