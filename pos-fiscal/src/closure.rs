//! Closure arithmetic (pure): summing a period's tickets, summing child
//! closures into a month or year, and the invariants checked at close.

use crate::error::{FiscalError, Result};
use crate::model::{DocRef, Series};
use crate::payload::{ClosureLevel, ClosurePayload, Covered};
use crate::ticket::{Operation, TicketPayload, VatAmounts};
use std::collections::BTreeMap;

fn add(a: i64, b: i64) -> Result<i64> {
    a.checked_add(b).ok_or(FiscalError::Overflow {
        what: "closure totals",
    })
}

fn inc(a: u64, b: u64) -> Result<u64> {
    a.checked_add(b).ok_or(FiscalError::Overflow {
        what: "closure counts",
    })
}

fn add_vat(into: &mut BTreeMap<u32, VatAmounts>, rate: u32, v: &VatAmounts) -> Result<()> {
    let e = into.entry(rate).or_insert(VatAmounts {
        net: 0,
        vat: 0,
        gross: 0,
    });
    *e = VatAmounts {
        net: add(e.net, v.net)?,
        vat: add(e.vat, v.vat)?,
        gross: add(e.gross, v.gross)?,
    };
    Ok(())
}

/// The last local day of a closure period (`YYYY-MM-DD`, `YYYY-MM`, `YYYY`).
pub fn period_end(level: ClosureLevel, period: &str) -> Result<chrono::NaiveDate> {
    let bad = || FiscalError::Malformed {
        what: "closure period",
    };
    match level {
        ClosureLevel::Day => period.parse().map_err(|_| bad()),
        ClosureLevel::Month => {
            let first: chrono::NaiveDate = format!("{period}-01").parse().map_err(|_| bad())?;
            first
                .checked_add_months(chrono::Months::new(1))
                .and_then(|d| d.pred_opt())
                .ok_or_else(bad)
        }
        ClosureLevel::Year => format!("{period}-12-31").parse().map_err(|_| bad()),
    }
}

/// The first local day of a closure period.
pub fn period_start(level: ClosureLevel, period: &str) -> Result<chrono::NaiveDate> {
    let bad = || FiscalError::Malformed {
        what: "closure period",
    };
    let text = match level {
        ClosureLevel::Day => period.to_string(),
        ClosureLevel::Month => format!("{period}-01"),
        ClosureLevel::Year => format!("{period}-01-01"),
    };
    text.parse().map_err(|_| bad())
}

/// What a period's documents add up to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodSums {
    /// First/last covered per series.
    pub covered: BTreeMap<Series, Covered>,
    /// Sales count.
    pub sales: u64,
    /// Refunds count.
    pub refunds: u64,
    /// Refunds total (refund documents only).
    pub refunds_total: i64,
    /// Exchanges count.
    pub exchanges: u64,
    /// Sum of the exchanges' return lines (≤ 0).
    pub exchange_returns: i64,
    /// Per rate.
    pub vat: BTreeMap<u32, VatAmounts>,
    /// Payments net of change per method code.
    pub payments: BTreeMap<String, i64>,
    /// Period total.
    pub total: i64,
}

impl PeriodSums {
    /// Adds one recorded ticket (`doc`, its hash, its payload).
    pub fn add_ticket(&mut self, doc: DocRef, hash: &str, p: &TicketPayload) -> Result<()> {
        let c = self.covered.entry(doc.series).or_insert(Covered {
            first: doc.number,
            last: doc.number,
            last_hash: hash.to_string(),
            count: 0,
        });
        c.first = c.first.min(doc.number);
        if doc.number >= c.last {
            c.last = doc.number;
            c.last_hash = hash.to_string();
        }
        c.count = inc(c.count, 1)?;
        match p.ticket.operation {
            Operation::Sale => self.sales = inc(self.sales, 1)?,
            Operation::Refund => {
                self.refunds = inc(self.refunds, 1)?;
                self.refunds_total = add(self.refunds_total, p.ticket.total)?;
            }
            Operation::Exchange => {
                self.exchanges = inc(self.exchanges, 1)?;
                for l in p.ticket.lines.iter().filter(|l| l.amount < 0) {
                    self.exchange_returns = add(self.exchange_returns, l.amount)?;
                }
            }
        }
        for (rate, v) in &p.ticket.vat {
            add_vat(&mut self.vat, *rate, v)?;
        }
        for (m, a) in p.ticket.net_payments()? {
            let e = self.payments.entry(m.code().to_string()).or_insert(0);
            *e = add(*e, a)?;
        }
        self.total = add(self.total, p.ticket.total)?;
        Ok(())
    }

    /// Adds a child closure (a day into a month, a month into a year).
    pub fn add_closure(&mut self, c: &ClosurePayload) -> Result<()> {
        for (s, cov) in &c.covered {
            match self.covered.get_mut(s) {
                None => {
                    self.covered.insert(*s, cov.clone());
                }
                Some(e) => {
                    e.first = e.first.min(cov.first);
                    if cov.last >= e.last {
                        e.last = cov.last;
                        e.last_hash = cov.last_hash.clone();
                    }
                    e.count = inc(e.count, cov.count)?;
                }
            }
        }
        self.sales = inc(self.sales, c.sales)?;
        self.refunds = inc(self.refunds, c.refunds)?;
        self.refunds_total = add(self.refunds_total, c.refunds_total)?;
        self.exchanges = inc(self.exchanges, c.exchanges)?;
        self.exchange_returns = add(self.exchange_returns, c.exchange_returns)?;
        for (rate, v) in &c.vat {
            add_vat(&mut self.vat, *rate, v)?;
        }
        for (m, a) in &c.payments {
            let e = self.payments.entry(m.clone()).or_insert(0);
            *e = add(*e, *a)?;
        }
        self.total = add(self.total, c.period_total)?;
        Ok(())
    }
}

/// Checks the closure invariants of NF525.md section 3 against the
/// previous closure of the same level (`None` for the first).
pub fn check_invariants(
    prev: Option<&ClosurePayload>,
    new: &ClosurePayload,
    same_year_as_prev: bool,
) -> Result<()> {
    let broken = |invariant| Err(FiscalError::Invariant { invariant });
    let mut rates = 0i64;
    for v in new.vat.values() {
        if add(v.net, v.vat)? != v.gross {
            return broken("net plus VAT equals gross for every rate");
        }
        rates = add(rates, v.gross)?;
    }
    if rates != new.period_total {
        return broken("the rates sum to the period total");
    }
    let paid = new.payments.values().try_fold(0i64, |a, b| add(a, *b))?;
    if paid != new.period_total {
        return broken("payments net of change sum to the period total");
    }
    let prev_perpetual = prev.map_or(0, |p| p.perpetual_total);
    if new.perpetual_total.checked_sub(prev_perpetual) != Some(new.period_total) {
        return broken("perpetual(n) - perpetual(n-1) = period total");
    }
    let prev_cumulative = match (prev, new.level) {
        (_, ClosureLevel::Year) => prev_perpetual,
        (Some(p), _) if same_year_as_prev => p.cumulative_total,
        _ => 0,
    };
    if add(prev_cumulative, new.period_total)? != new.cumulative_total {
        return broken("previous cumulative + period = new cumulative");
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::ticket::sample;

    fn payload(
        level: ClosureLevel,
        sums: &PeriodSums,
        prev: Option<&ClosurePayload>,
    ) -> ClosurePayload {
        let perpetual = prev.map_or(0, |p| p.perpetual_total) + sums.total;
        ClosurePayload {
            register: "R1".into(),
            level,
            period: "2026-11-28".into(),
            covered: sums.covered.clone(),
            sales: sums.sales,
            refunds: sums.refunds,
            refunds_total: sums.refunds_total,
            exchanges: sums.exchanges,
            exchange_returns: sums.exchange_returns,
            duplicates: 0,
            vat: sums.vat.clone(),
            payments: sums.payments.clone(),
            cash: None,
            period_total: sums.total,
            cumulative_total: prev.map_or(0, |p| p.cumulative_total) + sums.total,
            perpetual_total: perpetual,
            children: vec![],
            previous_signature: String::new(),
            head: BTreeMap::new(),
        }
    }

    #[test]
    fn sale_and_refund_sum_to_zero_and_invariants_hold() {
        let mut s = PeriodSums::default();
        let p = TicketPayload {
            register: "R1".into(),
            ticket: sample::sale(),
        };
        s.add_ticket(
            DocRef {
                series: Series::T,
                number: 1,
            },
            "h1",
            &p,
        )
        .unwrap();
        let r = TicketPayload {
            register: "R1".into(),
            ticket: sample::refund_of(DocRef {
                series: Series::T,
                number: 1,
            }),
        };
        s.add_ticket(
            DocRef {
                series: Series::T,
                number: 2,
            },
            "h2",
            &r,
        )
        .unwrap();
        assert_eq!(s.total, 0);
        assert_eq!((s.sales, s.refunds, s.refunds_total), (1, 1, -1750));
        assert_eq!(s.covered[&Series::T].last_hash, "h2");
        let c = payload(ClosureLevel::Day, &s, None);
        check_invariants(None, &c, true).unwrap();
    }

    #[test]
    fn a_wrong_perpetual_is_refused() {
        let mut s = PeriodSums::default();
        let p = TicketPayload {
            register: "R1".into(),
            ticket: sample::sale(),
        };
        s.add_ticket(
            DocRef {
                series: Series::T,
                number: 1,
            },
            "h1",
            &p,
        )
        .unwrap();
        let mut c = payload(ClosureLevel::Day, &s, None);
        c.perpetual_total += 1;
        assert!(matches!(
            check_invariants(None, &c, true),
            Err(FiscalError::Invariant { .. })
        ));
    }
}
