//! Day, month and year closures with their cascade: closing a day first
//! closes earlier unclosed days that have documents; a month first closes
//! its unclosed days; a year its unclosed months. A period closes once.

use super::journal::{self, begin, current_heads, finish, jet, last_closed_day, seal};
use super::rows;
use super::totals::{self, Scope};
use crate::canon;
use crate::closure::{PeriodSums, check_invariants};
use crate::error::{FiscalError, Result};
use crate::jet::JetCode;
use crate::model::{DocRef, Series, Stamp, month_key, year_key};
use crate::payload::{CashControl, ClosureLevel, ClosurePayload};
use crate::ticket::TicketPayload;
use chrono::NaiveDate;
use rusqlite::Connection;
use std::collections::BTreeMap;

/// Cash figures the operator enters at a daily closure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CashCount {
    /// Opening float.
    pub opening_float: i64,
    /// Pay-ins outside sales.
    pub pay_ins: i64,
    /// Pay-outs outside sales.
    pub pay_outs: i64,
    /// Counted cash, if counted.
    pub counted: Option<i64>,
}

fn today(now: &Stamp) -> Result<NaiveDate> {
    now.local_date()
        .ok_or(FiscalError::Malformed { what: "timestamp" })
}

/// All closures of a level, in number order, with their payload.
pub fn closures(conn: &Connection, level: ClosureLevel) -> Result<Vec<(StoredZ, ClosurePayload)>> {
    let mut out = Vec::new();
    for r in rows::load_series(conn, Series::Z)? {
        if r.kind == level.kind() {
            let p: ClosurePayload = canon::from_canonical(r.payload.as_bytes(), "closure payload")?;
            out.push((
                StoredZ {
                    number: r.number,
                    signature_b64: r.signature_b64().unwrap_or_default(),
                },
                p,
            ));
        }
    }
    Ok(out)
}

/// A closure record's number and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredZ {
    /// Z number.
    pub number: u64,
    /// Signature, base64url.
    pub signature_b64: String,
}

fn is_closed(conn: &Connection, level: ClosureLevel, period: &str) -> Result<bool> {
    Ok(closures(conn, level)?
        .iter()
        .any(|(_, p)| p.period == period))
}

/// Local days after the last closed day, up to `until`, that hold T/I documents.
fn active_days(
    conn: &Connection,
    after: Option<NaiveDate>,
    until: NaiveDate,
) -> Result<Vec<NaiveDate>> {
    let from = after.map_or_else(String::new, |d| d.to_string());
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT local_date FROM fiscal_record
         WHERE series IN ('T','I') AND local_date > ?1 AND local_date <= ?2 ORDER BY local_date",
    )?;
    let days = st.query_map([from, until.to_string()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for d in days {
        out.push(
            d?.parse()
                .map_err(|_| FiscalError::Malformed { what: "local date" })?,
        );
    }
    Ok(out)
}

fn append_closure(
    conn: &Connection,
    signer: &dyn crate::Signer,
    now: &Stamp,
    mut p: ClosurePayload,
    operator: &str,
) -> Result<DocRef> {
    p.register = rows::meta_required(conn, "register")?;
    let prev = closures(conn, p.level)?.pop();
    let same_year = prev
        .as_ref()
        .is_some_and(|(_, q)| q.period.get(..4) == p.period.get(..4));
    let prev_perpetual = prev.as_ref().map_or(0, |(_, q)| q.perpetual_total);
    let prev_cumulative = match (&prev, p.level) {
        (_, ClosureLevel::Year) => prev_perpetual,
        (Some((_, q)), _) if same_year => q.cumulative_total,
        _ => 0,
    };
    let o = |what| FiscalError::Overflow { what };
    p.perpetual_total = prev_perpetual
        .checked_add(p.period_total)
        .ok_or(o("perpetual total"))?;
    p.cumulative_total = prev_cumulative
        .checked_add(p.period_total)
        .ok_or(o("cumulative total"))?;
    p.previous_signature = prev
        .as_ref()
        .map(|(z, _)| z.signature_b64.clone())
        .unwrap_or_default();
    p.head = current_heads(conn)?;
    check_invariants(prev.as_ref().map(|(_, q)| q), &p, same_year)?;
    let level = p.level;
    let r = journal::append(
        conn,
        signer,
        Series::Z,
        level.kind(),
        now,
        &p,
        None,
        p.period_total,
    )?;
    let mut d = BTreeMap::new();
    d.insert("closure".to_string(), format!("Z{}", r.number));
    d.insert("period".to_string(), p.period.clone());
    let code = if level == ClosureLevel::Year {
        JetCode::YearClosure
    } else {
        JetCode::Closure
    };
    jet(conn, signer, now, code, operator, d)?;
    // Written inside the caller's transaction: the Z exists once it commits.
    tracing::info!(
        target: "pos_fiscal::closure",
        level = level.kind(),
        period = p.period.as_str(),
        number = r.number,
        period_total = p.period_total,
        "closure written"
    );
    Ok(DocRef {
        series: Series::Z,
        number: r.number,
    })
}

fn close_one_day(
    conn: &Connection,
    signer: &dyn crate::Signer,
    now: &Stamp,
    day: NaiveDate,
    cash: Option<CashCount>,
    operator: &str,
) -> Result<DocRef> {
    let key = day.to_string();
    let mut sums = PeriodSums::default();
    for r in rows::records_between(conn, &[Series::T, Series::I], &key, &key)? {
        let p: TicketPayload = canon::from_canonical(r.payload.as_bytes(), "ticket payload")?;
        sums.add_ticket(
            DocRef {
                series: r.series,
                number: r.number,
            },
            &r.hash,
            &p,
        )?;
    }
    // The documents must add up to the running totals kept with each ticket.
    let running = totals::read(conn, Scope::Day, &key, None)?;
    if running.gross != sums.total {
        return Err(FiscalError::Invariant {
            invariant: "the tickets sum to the running day total",
        });
    }
    for (rate, v) in &sums.vat {
        let t = totals::read(conn, Scope::Day, &key, Some(*rate))?;
        if (t.net, t.vat, t.gross) != (v.net, v.vat, v.gross) {
            return Err(FiscalError::Invariant {
                invariant: "per-rate running totals match the tickets",
            });
        }
    }
    let duplicates = u64::try_from(rows::records_between(conn, &[Series::C], &key, &key)?.len())
        .map_err(|_| FiscalError::Overflow { what: "duplicates" })?;
    let cash = cash.map(|c| -> Result<CashControl> {
        let sales_cash = sums.payments.get("cash").copied().unwrap_or(0);
        let o = || FiscalError::Overflow {
            what: "expected cash",
        };
        let expected = c
            .opening_float
            .checked_add(sales_cash)
            .and_then(|x| x.checked_add(c.pay_ins))
            .and_then(|x| x.checked_sub(c.pay_outs))
            .ok_or_else(o)?;
        Ok(CashControl {
            opening_float: c.opening_float,
            pay_ins: c.pay_ins,
            pay_outs: c.pay_outs,
            counted: c.counted,
            expected,
        })
    });
    let p = payload(
        ClosureLevel::Day,
        key,
        sums,
        duplicates,
        cash.transpose()?,
        vec![],
    );
    append_closure(conn, signer, now, p, operator)
}

fn payload(
    level: ClosureLevel,
    period: String,
    s: PeriodSums,
    duplicates: u64,
    cash: Option<CashControl>,
    children: Vec<u64>,
) -> ClosurePayload {
    ClosurePayload {
        register: String::new(),
        level,
        period,
        covered: s.covered,
        sales: s.sales,
        refunds: s.refunds,
        refunds_total: s.refunds_total,
        exchanges: s.exchanges,
        exchange_returns: s.exchange_returns,
        duplicates,
        vat: s.vat,
        payments: s.payments,
        cash,
        period_total: s.total,
        cumulative_total: 0,
        perpetual_total: 0,
        children,
        previous_signature: String::new(),
        head: BTreeMap::new(),
    }
}

fn cascade_days(
    conn: &Connection,
    signer: &dyn crate::Signer,
    now: &Stamp,
    until: NaiveDate,
    operator: &str,
) -> Result<Vec<DocRef>> {
    let mut out = Vec::new();
    for d in active_days(conn, last_closed_day(conn)?, until)? {
        if d < until {
            out.push(close_one_day(conn, signer, now, d, None, operator)?);
        }
    }
    Ok(out)
}

fn started(
    conn: &Connection,
    signer: &dyn crate::Signer,
    now: &Stamp,
    period: &str,
    operator: &str,
) -> Result<()> {
    let mut d = BTreeMap::new();
    d.insert("period".to_string(), period.to_string());
    jet(conn, signer, now, JetCode::ClosureStarted, operator, d)?;
    Ok(())
}

fn with_register(conn: &Connection) -> Result<String> {
    rows::meta_required(conn, "register")
}

/// Refuses a period that ends before the journal's genesis day (the JET 260
/// record E1, signed) or after today.
fn check_bounds(conn: &Connection, now: &Stamp, end: NaiveDate, period: &str) -> Result<()> {
    if end > today(now)? {
        return Err(FiscalError::FuturePeriod {
            period: period.to_string(),
        });
    }
    let genesis = rows::record_by_ref(
        conn,
        DocRef {
            series: Series::E,
            number: 1,
        },
    )?
    .ok_or(FiscalError::JournalState {
        state: "not initialised",
    })?;
    let born = genesis
        .stamp()
        .and_then(|s| s.local_date())
        .ok_or(FiscalError::Malformed { what: "timestamp" })?;
    if end < born {
        return Err(FiscalError::BeforeGenesis {
            period: period.to_string(),
        });
    }
    Ok(())
}

/// Closes local day `day` (and, first, any earlier unclosed day with
/// documents). Returns the Z records made, oldest first.
pub fn close_day(
    conn: &Connection,
    signer: &dyn crate::Signer,
    now: Stamp,
    day: NaiveDate,
    cash: Option<CashCount>,
    operator: &str,
) -> Result<Vec<DocRef>> {
    check_bounds(conn, &now, day, &day.to_string())?;
    if last_closed_day(conn)?.is_some_and(|c| day <= c) {
        return Err(FiscalError::AlreadyClosed {
            period: day.to_string(),
        });
    }
    let _ = with_register(conn)?;
    begin(conn, signer, &now)?;
    started(conn, signer, &now, &day.to_string(), operator)?;
    let mut out = cascade_days(conn, signer, &now, day, operator)?;
    out.push(close_one_day(conn, signer, &now, day, cash, operator)?);
    finish(conn, signer, &now)?;
    seal(conn, signer, &now)?;
    Ok(out)
}

fn last_of_month(year: i32, month: u32) -> Result<NaiveDate> {
    let (ny, nm) = if month == 12 {
        (year.checked_add(1), 1)
    } else {
        (Some(year), month.saturating_add(1))
    };
    ny.and_then(|y| NaiveDate::from_ymd_opt(y, nm, 1))
        .and_then(|d| d.pred_opt())
        .ok_or(FiscalError::Malformed { what: "month" })
}

fn close_one_month(
    conn: &Connection,
    signer: &dyn crate::Signer,
    now: &Stamp,
    year: i32,
    month: u32,
    operator: &str,
) -> Result<Vec<DocRef>> {
    let end = last_of_month(year, month)?;
    let key = month_key(end);
    let mut out = cascade_days(conn, signer, now, end.succ_opt().unwrap_or(end), operator)?;
    let mut sums = PeriodSums::default();
    let mut children = Vec::new();
    let mut duplicates = 0u64;
    for (z, p) in closures(conn, ClosureLevel::Day)? {
        if p.period.starts_with(&key) {
            sums.add_closure(&p)?;
            duplicates = duplicates
                .checked_add(p.duplicates)
                .ok_or(FiscalError::Overflow { what: "duplicates" })?;
            children.push(z.number);
        }
    }
    if totals::read(conn, Scope::Month, &key, None)?.gross != sums.total {
        return Err(FiscalError::Invariant {
            invariant: "day closures sum to the running month total",
        });
    }
    let p = payload(ClosureLevel::Month, key, sums, duplicates, None, children);
    out.push(append_closure(conn, signer, now, p, operator)?);
    Ok(out)
}

/// Closes a month (its last day must not be after today), first closing its
/// unclosed days. Later documents dated in that month are refused.
pub fn close_month(
    conn: &Connection,
    signer: &dyn crate::Signer,
    now: Stamp,
    year: i32,
    month: u32,
    operator: &str,
) -> Result<Vec<DocRef>> {
    let end = last_of_month(year, month)?;
    let key = month_key(end);
    check_bounds(conn, &now, end, &key)?;
    if is_closed(conn, ClosureLevel::Month, &key)? {
        return Err(FiscalError::AlreadyClosed { period: key });
    }
    let _ = with_register(conn)?;
    begin(conn, signer, &now)?;
    started(conn, signer, &now, &key, operator)?;
    let out = close_one_month(conn, signer, &now, year, month, operator)?;
    finish(conn, signer, &now)?;
    seal(conn, signer, &now)?;
    Ok(out)
}

/// Closes a calendar year (= fiscal year), first closing its unclosed
/// months that have documents.
pub fn close_year(
    conn: &Connection,
    signer: &dyn crate::Signer,
    now: Stamp,
    year: i32,
    operator: &str,
) -> Result<Vec<DocRef>> {
    let end =
        NaiveDate::from_ymd_opt(year, 12, 31).ok_or(FiscalError::Malformed { what: "year" })?;
    let key = year_key(end);
    check_bounds(conn, &now, end, &key)?;
    if is_closed(conn, ClosureLevel::Year, &key)? {
        return Err(FiscalError::AlreadyClosed { period: key });
    }
    let _ = with_register(conn)?;
    begin(conn, signer, &now)?;
    started(conn, signer, &now, &key, operator)?;
    let mut out = Vec::new();
    // Months with documents or day closures and no month closure yet.
    let mut months: Vec<u32> = Vec::new();
    for m in 1..=12u32 {
        let mk = format!("{key}-{m:02}");
        let has_docs = totals::read(conn, Scope::Month, &mk, None)?.docs > 0;
        let has_days = closures(conn, ClosureLevel::Day)?
            .iter()
            .any(|(_, p)| p.period.starts_with(&mk));
        if (has_docs || has_days) && !is_closed(conn, ClosureLevel::Month, &mk)? {
            months.push(m);
        }
    }
    for m in months {
        out.extend(close_one_month(conn, signer, &now, year, m, operator)?);
    }
    let mut sums = PeriodSums::default();
    let mut children = Vec::new();
    let mut duplicates = 0u64;
    for (z, p) in closures(conn, ClosureLevel::Month)? {
        if p.period.starts_with(&key) {
            sums.add_closure(&p)?;
            duplicates = duplicates
                .checked_add(p.duplicates)
                .ok_or(FiscalError::Overflow { what: "duplicates" })?;
            children.push(z.number);
        }
    }
    if totals::read(conn, Scope::Year, &key, None)?.gross != sums.total {
        return Err(FiscalError::Invariant {
            invariant: "month closures sum to the running year total",
        });
    }
    let p = payload(ClosureLevel::Year, key, sums, duplicates, None, children);
    out.push(append_closure(conn, signer, &now, p, operator)?);
    finish(conn, signer, &now)?;
    seal(conn, signer, &now)?;
    Ok(out)
}
