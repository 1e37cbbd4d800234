//! Sales reports (the figures of a day's Z closure), receipt reprints and
//! receipts of stored tickets (after the app restarted).

use crate::guard::{guard, lock};
use crate::register::Register;
use crate::sale::CompletedSale;
use crate::types::ReceiptFormat;
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

/// A rendered receipt of a stored ticket and what it is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StoredReceipt {
    /// The rendered bytes in the format asked for.
    pub bytes: Vec<u8>,
    /// `sale`, `refund`, `exchange`, `duplicate <k>`, `training` or
    /// `provisional_bill`.
    pub kind: String,
}

fn stored(r: pos_sdk::PrintedReceipt) -> StoredReceipt {
    use pos_hw::receipt::ReceiptKind as K;
    let kind = match r.kind {
        K::Sale => "sale".to_owned(),
        K::Refund { .. } => "refund".to_owned(),
        K::Exchange { .. } => "exchange".to_owned(),
        K::Duplicate { number } => format!("duplicate {number}"),
        K::Training => "training".to_owned(),
        K::ProvisionalBill => "provisional_bill".to_owned(),
    };
    StoredReceipt {
        bytes: r.bytes,
        kind,
    }
}

fn series(code: &str) -> Result<pos_fiscal::model::Series, PosError> {
    pos_fiscal::model::Series::parse(code.trim())
        .ok_or_else(|| PosError::invalid("series", "a series code such as T"))
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
    /// it, marked as the n-th copy, with the merchant block signed at the
    /// sale.
    pub fn reprint(
        &self,
        sale: &CompletedSale,
        operator: String,
        format: ReceiptFormat,
        profile: String,
    ) -> Result<Vec<u8>, PosError> {
        guard(|| {
            let op = convert::operator(&operator)?;
            let mut reg = lock(&self.inner);
            let (_, copy) = reg.duplicate(sale.inner.series, sale.inner.number, &op)?;
            let mut facts = crate::setup::printed_facts(&reg, &sale.inner)?;
            facts.kind = pos_hw::receipt::ReceiptKind::Duplicate { number: copy };
            let doc = pos_hw::receipt::build_for_till(&facts, None);
            let profile = pos_hw::printer::PrinterProfile::by_id(&profile)?;
            Ok(pos_hw::receipt::render(&doc, format.to_hw(), &profile)?)
        })
    }
}

#[uniffi::export]
impl Register {
    /// Renders stored ticket `number` of `series` (`T`, `X`...) with the
    /// till's printer profile, for the screen or an e-mail: no fiscal effect.
    pub fn preview_receipt(
        &self,
        series_code: String,
        number: u64,
        format: ReceiptFormat,
    ) -> Result<StoredReceipt, PosError> {
        guard(|| {
            let s = series(&series_code)?;
            Ok(stored(lock(&self.inner).preview_receipt(
                s,
                number,
                format.to_hw(),
            )?))
        })
    }

    /// Prints stored ticket `number` of `series`: its first print is the
    /// original, every later one a signed duplicate (series C).
    pub fn print_stored_receipt(
        &self,
        series_code: String,
        number: u64,
        format: ReceiptFormat,
        operator: String,
    ) -> Result<StoredReceipt, PosError> {
        guard(|| {
            let s = series(&series_code)?;
            let op = convert::operator(&operator)?;
            Ok(stored(lock(&self.inner).print_receipt(
                s,
                number,
                format.to_hw(),
                &op,
            )?))
        })
    }
}
