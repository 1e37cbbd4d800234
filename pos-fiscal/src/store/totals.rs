//! Running totals (day, month, year, perpetual GT; per rate and overall),
//! updated in the same transaction as each ticket. Read-modify-write in
//! Rust with checked arithmetic (SQLite would silently turn an integer
//! overflow into a float).

use crate::error::{FiscalError, Result};
use crate::model::{month_key, year_key};
use crate::ticket::{TicketInput, VatAmounts};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// Rate key of the all-rates row.
pub const ALL_RATES: i64 = -1;

/// A totals scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A local day.
    Day,
    /// A month.
    Month,
    /// A (fiscal = calendar) year.
    Year,
    /// Never reset: the grand total (GT).
    Perpetual,
}

impl Scope {
    fn code(self) -> &'static str {
        match self {
            Scope::Day => "day",
            Scope::Month => "month",
            Scope::Year => "year",
            Scope::Perpetual => "perpetual",
        }
    }
}

/// One totals row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TotalsRow {
    /// Net.
    pub net: i64,
    /// VAT.
    pub vat: i64,
    /// Gross.
    pub gross: i64,
    /// Documents counted.
    pub docs: i64,
}

/// Period key of a scope for a local date (`GT` for perpetual).
pub fn period_key(scope: Scope, date: chrono::NaiveDate) -> String {
    match scope {
        Scope::Day => date.to_string(),
        Scope::Month => month_key(date),
        Scope::Year => year_key(date),
        Scope::Perpetual => "GT".to_string(),
    }
}

/// Reads a totals row (zero if absent); `rate_bps` `None` = all rates.
pub fn read(
    conn: &Connection,
    scope: Scope,
    period: &str,
    rate_bps: Option<u32>,
) -> Result<TotalsRow> {
    let rate = rate_bps.map_or(ALL_RATES, i64::from);
    Ok(conn
        .prepare_cached(
            "SELECT net, vat, gross, docs FROM fiscal_totals
             WHERE scope = ?1 AND period = ?2 AND rate_bps = ?3",
        )?
        .query_row(params![scope.code(), period, rate], |r| {
            Ok(TotalsRow {
                net: r.get(0)?,
                vat: r.get(1)?,
                gross: r.get(2)?,
                docs: r.get(3)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

fn bump(
    conn: &Connection,
    scope: Scope,
    period: &str,
    rate: Option<u32>,
    v: &VatAmounts,
    docs: i64,
) -> Result<()> {
    let cur = read(conn, scope, period, rate)?;
    let o = |what| FiscalError::Overflow { what };
    let new = TotalsRow {
        net: cur.net.checked_add(v.net).ok_or(o("running net"))?,
        vat: cur.vat.checked_add(v.vat).ok_or(o("running VAT"))?,
        gross: cur.gross.checked_add(v.gross).ok_or(o("running gross"))?,
        docs: cur.docs.checked_add(docs).ok_or(o("running count"))?,
    };
    conn.prepare_cached(
        "INSERT INTO fiscal_totals(scope, period, rate_bps, net, vat, gross, docs)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(scope, period, rate_bps) DO UPDATE SET
           net = excluded.net, vat = excluded.vat, gross = excluded.gross, docs = excluded.docs",
    )?
    .execute(params![
        scope.code(),
        period,
        rate.map_or(ALL_RATES, i64::from),
        new.net,
        new.vat,
        new.gross,
        new.docs
    ])?;
    Ok(())
}

/// Adds a validated ticket to every scope, per rate and overall.
pub fn add_ticket(conn: &Connection, date: chrono::NaiveDate, t: &TicketInput) -> Result<()> {
    let mut all = VatAmounts {
        net: 0,
        vat: 0,
        gross: 0,
    };
    let o = |what| FiscalError::Overflow { what };
    for v in t.vat.values() {
        all = VatAmounts {
            net: all.net.checked_add(v.net).ok_or(o("ticket net"))?,
            vat: all.vat.checked_add(v.vat).ok_or(o("ticket VAT"))?,
            gross: all.gross.checked_add(v.gross).ok_or(o("ticket gross"))?,
        };
    }
    for scope in [Scope::Day, Scope::Month, Scope::Year, Scope::Perpetual] {
        let period = period_key(scope, date);
        for (rate, v) in &t.vat {
            bump(conn, scope, &period, Some(*rate), v, 1)?;
        }
        bump(conn, scope, &period, None, &all, 1)?;
    }
    Ok(())
}
