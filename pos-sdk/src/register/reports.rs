//! Sales reports computed from the stored tickets: totals by tender, by VAT
//! rate, by category and by operator, with refunds apart. Training tickets
//! (series X) are left out, as the fiscal closures leave them out; for a
//! local day the figures equal the day's Z closure to the cent (tested).

use super::Register;
use crate::SdkError;
use chrono::{DateTime, NaiveDate, Utc};
use pos_core::item::{ItemSource, PriceContext};
use pos_core::tender::TenderMethod;
use pos_core::ticket::{Ticket, TicketKind};
use pos_core::{CoreError, Currency, Money};
use serde::Serialize;
use std::collections::BTreeMap;

/// The key of lines whose SKU has no category in the catalog.
pub const UNCATEGORISED: &str = "uncategorised";

/// The key of the cash-rounding item in [`SalesReport::by_fiscal_method`].
const ROUNDING_METHOD: &str = "other";

/// Net, VAT and gross of one VAT rate (sales minus refunds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VatTotals {
    /// Without VAT.
    pub net: Money,
    /// VAT.
    pub vat: Money,
    /// With VAT.
    pub gross: Money,
}

/// Tickets and net amount of one operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OperatorTotals {
    /// Sales made.
    pub sales: u64,
    /// Refunds made.
    pub refunds: u64,
    /// Sales minus refunds.
    pub net: Money,
}

/// A sales report over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SalesReport {
    /// First instant covered.
    pub from: DateTime<Utc>,
    /// First instant after the period.
    pub to: DateTime<Utc>,
    /// Number of sale tickets (exchanges included: an exchange is one
    /// ticket whose balance may be of any sign).
    pub sales_count: u64,
    /// Number of refund tickets.
    pub refunds_count: u64,
    /// Σ sale totals, exchange balances included.
    pub sales_total: Money,
    /// Σ refund totals (negative or zero, signed as the tickets).
    pub refunds_total: Money,
    /// Sales plus refunds.
    pub net_total: Money,
    /// Money taken per tender (`cash`, `card`, `gift_card`, `meal_voucher`,
    /// ...), net of change and of refunds; cash is the cash really handed.
    pub by_tender: BTreeMap<String, Money>,
    /// The same money grouped as the fiscal journal groups it (`cash`,
    /// `card`, `cheque`, `voucher`, `stored_value`, `other`), the cash
    /// rounding under `other` with the sign that balances the totals.
    pub by_fiscal_method: BTreeMap<String, Money>,
    /// VAT per rate (basis points).
    pub by_vat: BTreeMap<u32, VatTotals>,
    /// Line amounts (VAT included, after discounts) per category: a line
    /// counts under the first category of its item in the catalog.
    pub by_category: BTreeMap<String, Money>,
    /// Per operator.
    pub by_operator: BTreeMap<String, OperatorTotals>,
}

impl Register {
    /// The sales report of the instants `[from, to)`.
    pub fn sales_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<SalesReport, SdkError> {
        if to < from {
            return Err(SdkError::InvalidInput {
                field: "report period",
                expected: "an end not before its start",
            });
        }
        let mut report = SalesReport::empty(from, to, self.config.currency);
        // Stored instants are RFC 3339 UTC; a second of margin on the text
        // comparison, the exact bounds are checked on the parsed ticket.
        let lo = from
            .checked_sub_signed(chrono::TimeDelta::seconds(1))
            .unwrap_or(from);
        let hi = to
            .checked_add_signed(chrono::TimeDelta::seconds(1))
            .unwrap_or(to);
        let mut stmt = self.conn.prepare_cached(
            "SELECT json FROM tickets WHERE series != 'X' AND created_at >= ?1 AND created_at <= ?2
             ORDER BY series, number",
        )?;
        let rows = stmt.query_map([lo.to_rfc3339(), hi.to_rfc3339()], |r| {
            r.get::<_, String>(0)
        })?;
        for json in rows {
            let ticket: Ticket = serde_json::from_str(&json?)?;
            if ticket.at() >= from && ticket.at() < to {
                report.add(&ticket, self.catalog().ok())?;
            }
        }
        Ok(report)
    }

    /// The sales report of a local day in the store's time zone (the period
    /// of that day's Z closure).
    pub fn day_report(&self, day: NaiveDate) -> Result<SalesReport, SdkError> {
        let start = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|m| m.and_local_timezone(self.config.time_zone).earliest())
                .map(|m| m.with_timezone(&Utc))
                .ok_or(SdkError::InvalidInput {
                    field: "report day",
                    expected: "a day with a local midnight",
                })
        };
        let next = day.succ_opt().ok_or(SdkError::InvalidInput {
            field: "report day",
            expected: "a day before the end of the calendar",
        })?;
        self.sales_report(start(day)?, start(next)?)
    }
}

impl SalesReport {
    fn empty(from: DateTime<Utc>, to: DateTime<Utc>, currency: Currency) -> SalesReport {
        let zero = Money::zero(currency);
        SalesReport {
            from,
            to,
            sales_count: 0,
            refunds_count: 0,
            sales_total: zero,
            refunds_total: zero,
            net_total: zero,
            by_tender: BTreeMap::new(),
            by_fiscal_method: BTreeMap::new(),
            by_vat: BTreeMap::new(),
            by_category: BTreeMap::new(),
            by_operator: BTreeMap::new(),
        }
    }

    fn add(
        &mut self,
        t: &Ticket,
        catalog: Option<&pos_core::catalog::Catalog>,
    ) -> Result<(), SdkError> {
        let zero = Money::zero(t.currency());
        let total = t.total();
        let op = self
            .by_operator
            .entry(t.operator().to_string())
            .or_insert(OperatorTotals {
                sales: 0,
                refunds: 0,
                net: zero,
            });
        match t.kind() {
            TicketKind::Sale | TicketKind::Exchange => {
                self.sales_count = inc(self.sales_count)?;
                self.sales_total = self.sales_total.checked_add(&total)?;
                op.sales = inc(op.sales)?;
            }
            TicketKind::Refund => {
                self.refunds_count = inc(self.refunds_count)?;
                self.refunds_total = self.refunds_total.checked_add(&total)?;
                op.refunds = inc(op.refunds)?;
            }
        }
        op.net = op.net.checked_add(&total)?;
        self.net_total = self.net_total.checked_add(&total)?;
        for p in t.payments() {
            let mut amount = p.applied;
            if p.method == TenderMethod::Cash {
                amount = amount.checked_sub(&t.change())?;
            }
            add_to(&mut self.by_tender, p.method.code(), amount, zero)?;
            add_to(
                &mut self.by_fiscal_method,
                fiscal_code(&p.method),
                amount,
                zero,
            )?;
        }
        let rounding = t.cash_rounding();
        if !rounding.is_zero() {
            // Tenders settle total + rounding; the rounding item balances them.
            add_to(
                &mut self.by_fiscal_method,
                ROUNDING_METHOD,
                rounding.negated(),
                zero,
            )?;
            add_to(
                &mut self.by_tender,
                "cash_rounding",
                rounding.negated(),
                zero,
            )?;
        }
        for tax in t.taxes() {
            let e = self.by_vat.entry(tax.rate.bps()).or_insert(VatTotals {
                net: zero,
                vat: zero,
                gross: zero,
            });
            e.net = e.net.checked_add(&tax.net)?;
            e.vat = e.vat.checked_add(&tax.vat)?;
            e.gross = e.gross.checked_add(&tax.gross)?;
        }
        let ctx = PriceContext {
            store: Some(t.store().clone()),
            customer_group: None,
            at: t.at(),
        };
        for line in t.lines() {
            let category = catalog
                .and_then(|c| c.item_by_sku(&line.sku, &ctx).ok())
                .and_then(|item| item.categories.first().map(ToString::to_string))
                .unwrap_or_else(|| UNCATEGORISED.to_owned());
            add_to(&mut self.by_category, &category, line.amount, zero)?;
        }
        Ok(())
    }
}

fn inc(n: u64) -> Result<u64, SdkError> {
    n.checked_add(1).ok_or(SdkError::Core(CoreError::Overflow))
}

fn add_to(
    map: &mut BTreeMap<String, Money>,
    key: &str,
    amount: Money,
    zero: Money,
) -> Result<(), SdkError> {
    let e = map.entry(key.to_owned()).or_insert(zero);
    *e = e.checked_add(&amount)?;
    Ok(())
}

/// The fiscal journal's payment-method code of a tender (as the ticket's
/// fiscal record files it).
fn fiscal_code(m: &TenderMethod) -> &'static str {
    match m {
        TenderMethod::Cash => "cash",
        TenderMethod::Card => "card",
        TenderMethod::Cheque => "cheque",
        TenderMethod::MealVoucher | TenderMethod::Voucher { .. } => "voucher",
        TenderMethod::GiftCard { .. } | TenderMethod::StoreCredit { .. } => "stored_value",
    }
}
