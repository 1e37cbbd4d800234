//! The dashboard's figures, pure: facts decoded from the accepted fiscal
//! records (the same tickets the tills' Z closures sum, so the day total is
//! theirs to the cent) added up by hour, store, till, payment method,
//! category and product, next to the same weekday of the previous week.

use crate::error::{Result, ServerError, SyncError};
use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use pos_fiscal::Series;
use pos_fiscal::payload::{ClosureLevel, ClosurePayload};
use pos_fiscal::record::StoredRecord;
use pos_fiscal::ticket::{Operation, TicketPayload, VatAmounts};
use serde::Serialize;
use std::collections::BTreeMap;

/// Category of products the catalog does not classify.
pub const UNCLASSIFIED: &str = "Sans catégorie";

/// The channel of a till's ticket (the others are a web order's
/// `web` or `click_collect`, paid online).
pub const STORE_CHANNEL: &str = "store";

/// One recorded ticket (series T or I), or one web order paid online, as
/// the dashboard needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketFact {
    /// Store.
    pub store: String,
    /// [`STORE_CHANNEL`] for a till's ticket; `web` or `click_collect` for
    /// a web order paid online.
    pub channel: String,
    /// Till (register).
    pub till: String,
    /// Series code and number, e.g. `T42`.
    pub doc: String,
    /// Local time of the ticket.
    pub local: NaiveDateTime,
    /// A refund (negative total).
    pub refund: bool,
    /// Total in cents.
    pub total: i64,
    /// Lines: (label, quantity in thousandths, amount in cents).
    pub lines: Vec<(String, i64, i64)>,
    /// Payments net of change, by method code, in cents.
    pub payments: BTreeMap<String, i64>,
    /// Per-rate amounts.
    pub vat: BTreeMap<u32, VatAmounts>,
}

/// A daily closure (Z) of one till.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClosureFact {
    /// Store.
    pub store: String,
    /// Till.
    pub till: String,
    /// Z number.
    pub number: u64,
    /// The closure.
    pub payload: ClosurePayload,
}

fn overflow() -> ServerError {
    ServerError::from(SyncError::Overflow {
        what: "dashboard totals",
    })
}

fn add(a: i64, b: i64) -> Result<i64> {
    a.checked_add(b).ok_or_else(overflow)
}

fn local_time(r: &StoredRecord) -> Option<NaiveDateTime> {
    let utc = chrono::DateTime::parse_from_rfc3339(&r.ts)
        .ok()?
        .naive_utc();
    utc.checked_add_signed(Duration::minutes(i64::from(r.utc_offset_min)))
}

/// Decodes a ticket record (T or I series, sale, refund or exchange, an
/// exchange counting by its balance as the Z does); `None` for other
/// records (JET, closures, training, duplicates).
pub fn ticket_fact(store: &str, r: &StoredRecord) -> Option<TicketFact> {
    if !matches!(r.series, Series::T | Series::I)
        || !matches!(r.kind.as_str(), "sale" | "refund" | "exchange")
    {
        return None;
    }
    let p: TicketPayload =
        pos_fiscal::canon::from_canonical(r.payload.as_bytes(), "ticket").ok()?;
    let payments = p
        .ticket
        .net_payments()
        .ok()?
        .into_iter()
        .map(|(m, a)| (m.code().to_owned(), a))
        .collect();
    Some(TicketFact {
        store: store.to_owned(),
        channel: STORE_CHANNEL.to_owned(),
        till: r.register.clone(),
        doc: format!("{}{}", r.series.code(), r.number),
        local: local_time(r)?,
        refund: p.ticket.operation == Operation::Refund,
        total: p.ticket.total,
        lines: p
            .ticket
            .lines
            .iter()
            .map(|l| (l.label.clone(), l.qty_milli, l.amount))
            .collect(),
        payments,
        vat: p.ticket.vat,
    })
}

/// Decodes a daily closure record (series Z); `None` for other records.
pub fn closure_fact(store: &str, r: &StoredRecord) -> Option<ClosureFact> {
    if r.series != Series::Z {
        return None;
    }
    let payload: ClosurePayload =
        pos_fiscal::canon::from_canonical(r.payload.as_bytes(), "closure").ok()?;
    (payload.level == ClosureLevel::Day).then(|| ClosureFact {
        store: store.to_owned(),
        till: r.register.clone(),
        number: r.number,
        payload,
    })
}

/// A product's sales over the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopProduct {
    /// Label as printed.
    pub label: String,
    /// Quantity in thousandths.
    pub qty_milli: i64,
    /// Revenue in cents.
    pub revenue: i64,
}

/// The breakdowns of the same weekday one week earlier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PreviousWeek {
    /// By store.
    pub by_store: BTreeMap<String, i64>,
    /// By till.
    pub by_till: BTreeMap<String, i64>,
    /// By payment method code.
    pub by_payment: BTreeMap<String, i64>,
    /// By category name.
    pub by_category: BTreeMap<String, i64>,
    /// By channel.
    pub by_channel: BTreeMap<String, i64>,
}

/// Everything the dashboard shows for one local day. Amounts in cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    /// The local day.
    pub day: NaiveDate,
    /// Revenue of the day (sales minus refunds).
    pub total: i64,
    /// Number of tickets.
    pub tickets: u64,
    /// Revenue by local hour (0-23).
    pub by_hour: BTreeMap<u32, i64>,
    /// By store.
    pub by_store: BTreeMap<String, i64>,
    /// By till (tills only: web orders have none).
    pub by_till: BTreeMap<String, i64>,
    /// By channel: [`STORE_CHANNEL`] (the tills, what the Z closures sum),
    /// `web`, `click_collect`.
    pub by_channel: BTreeMap<String, i64>,
    /// By payment method code (net of change; `online` for web orders).
    pub by_payment: BTreeMap<String, i64>,
    /// By category name.
    pub by_category: BTreeMap<String, i64>,
    /// Per VAT rate (basis points).
    pub vat: BTreeMap<u32, VatAmounts>,
    /// Best sellers by revenue, at most ten.
    pub top: Vec<TopProduct>,
    /// The same weekday one week earlier: total.
    pub previous_week_total: i64,
    /// The same weekday one week earlier: by hour.
    pub previous_week_by_hour: BTreeMap<u32, i64>,
    /// The same weekday one week earlier: by store, till, payment method
    /// and category (keys as in the day's maps).
    pub previous_week: PreviousWeek,
    /// The day's daily closures (Z), by store and till.
    pub closures: Vec<ClosureFact>,
    /// Sum of the day's closures' period totals.
    pub closures_total: i64,
    /// The latest tickets, newest first (at most 20).
    pub latest: Vec<TicketFact>,
    /// Every ticket of the day, oldest first (for the CSV download).
    #[serde(skip)]
    pub day_tickets: Vec<TicketFact>,
}

fn bump(m: &mut BTreeMap<String, i64>, k: &str, v: i64) -> Result<()> {
    let e = m.entry(k.to_owned()).or_insert(0);
    *e = add(*e, v)?;
    Ok(())
}

/// Adds up the day's tickets. `categories` maps a line label to its
/// category name (labels missing from it count as [`UNCLASSIFIED`]).
pub fn dashboard(
    day: NaiveDate,
    tickets: &[TicketFact],
    closures: &[ClosureFact],
    categories: &BTreeMap<String, String>,
) -> Result<Dashboard> {
    let prev_day = day.checked_sub_signed(Duration::days(7)).unwrap_or(day);
    let mut d = Dashboard {
        day,
        total: 0,
        tickets: 0,
        by_hour: (0..24).map(|h| (h, 0)).collect(),
        by_store: BTreeMap::new(),
        by_till: BTreeMap::new(),
        by_channel: BTreeMap::new(),
        by_payment: BTreeMap::new(),
        by_category: BTreeMap::new(),
        vat: BTreeMap::new(),
        top: Vec::new(),
        previous_week_total: 0,
        previous_week_by_hour: (0..24).map(|h| (h, 0)).collect(),
        previous_week: PreviousWeek::default(),
        closures: Vec::new(),
        closures_total: 0,
        latest: Vec::new(),
        day_tickets: Vec::new(),
    };
    let mut products: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for t in tickets {
        let hour = t.local.hour();
        if t.local.date() == prev_day {
            d.previous_week_total = add(d.previous_week_total, t.total)?;
            if let Some(h) = d.previous_week_by_hour.get_mut(&hour) {
                *h = add(*h, t.total)?;
            }
            let p = &mut d.previous_week;
            bump(&mut p.by_store, &t.store, t.total)?;
            bump(&mut p.by_channel, &t.channel, t.total)?;
            if t.channel == STORE_CHANNEL {
                bump(&mut p.by_till, &t.till, t.total)?;
            }
            for (m, a) in &t.payments {
                bump(&mut p.by_payment, m, *a)?;
            }
            for (label, _, amount) in &t.lines {
                let cat = categories.get(label).map_or(UNCLASSIFIED, String::as_str);
                bump(&mut p.by_category, cat, *amount)?;
            }
            continue;
        }
        if t.local.date() != day {
            continue;
        }
        d.total = add(d.total, t.total)?;
        d.tickets = d.tickets.saturating_add(1);
        if let Some(h) = d.by_hour.get_mut(&hour) {
            *h = add(*h, t.total)?;
        }
        bump(&mut d.by_store, &t.store, t.total)?;
        bump(&mut d.by_channel, &t.channel, t.total)?;
        if t.channel == STORE_CHANNEL {
            bump(&mut d.by_till, &t.till, t.total)?;
        }
        for (m, a) in &t.payments {
            bump(&mut d.by_payment, m, *a)?;
        }
        for (rate, v) in &t.vat {
            let e = d.vat.entry(*rate).or_insert(VatAmounts {
                net: 0,
                vat: 0,
                gross: 0,
            });
            *e = VatAmounts {
                net: add(e.net, v.net)?,
                vat: add(e.vat, v.vat)?,
                gross: add(e.gross, v.gross)?,
            };
        }
        for (label, qty, amount) in &t.lines {
            let cat = categories.get(label).map_or(UNCLASSIFIED, String::as_str);
            bump(&mut d.by_category, cat, *amount)?;
            let p = products.entry(label.clone()).or_insert((0, 0));
            *p = (add(p.0, *qty)?, add(p.1, *amount)?);
        }
        d.latest.push(t.clone());
    }
    d.day_tickets = d.latest.clone();
    d.day_tickets
        .sort_by(|a, b| a.local.cmp(&b.local).then_with(|| a.doc.cmp(&b.doc)));
    d.latest
        .sort_by(|a, b| b.local.cmp(&a.local).then_with(|| b.doc.cmp(&a.doc)));
    d.latest.truncate(20);
    let mut top: Vec<TopProduct> = products
        .into_iter()
        .map(|(label, (qty_milli, revenue))| TopProduct {
            label,
            qty_milli,
            revenue,
        })
        .collect();
    top.sort_by(|a, b| {
        b.revenue
            .cmp(&a.revenue)
            .then_with(|| a.label.cmp(&b.label))
    });
    top.truncate(10);
    d.top = top;
    let period = day.format("%Y-%m-%d").to_string();
    for c in closures.iter().filter(|c| c.payload.period == period) {
        d.closures_total = add(d.closures_total, c.payload.period_total)?;
        d.closures.push(c.clone());
    }
    d.closures
        .sort_by(|a, b| (&a.store, &a.till, a.number).cmp(&(&b.store, &b.till, b.number)));
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(store: &str, till: &str, at: &str, total: i64, label: &str) -> TicketFact {
        TicketFact {
            store: store.into(),
            channel: STORE_CHANNEL.into(),
            till: till.into(),
            doc: "T1".into(),
            local: NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M").unwrap(),
            refund: total < 0,
            total,
            lines: vec![(label.into(), 1000, total)],
            payments: BTreeMap::from([("card".into(), total)]),
            vat: BTreeMap::new(),
        }
    }

    #[test]
    fn a_day_adds_up_by_hour_store_till_category_and_last_week() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let cats = BTreeMap::from([("Pain".to_string(), "Boulangerie".to_string())]);
        let t = [
            fact("s1", "t1", "2026-03-10 09:15", 250, "Pain"),
            fact("s1", "t2", "2026-03-10 09:45", 1000, "Vin"),
            fact("s2", "t3", "2026-03-10 17:00", -250, "Pain"),
            fact("s1", "t1", "2026-03-03 09:00", 700, "Vin"),
            fact("s1", "t1", "2026-03-09 09:00", 9999, "Vin"),
        ];
        let d = dashboard(day, &t, &[], &cats).unwrap();
        assert_eq!(d.total, 1000);
        assert_eq!(d.tickets, 3);
        assert_eq!(d.by_hour[&9], 1250);
        assert_eq!(d.by_hour[&17], -250);
        assert_eq!(d.by_store["s1"], 1250);
        assert_eq!(d.by_till["t3"], -250);
        assert_eq!(d.by_category["Boulangerie"], 0);
        assert_eq!(d.by_category[UNCLASSIFIED], 1000);
        assert_eq!(d.previous_week_total, 700);
        assert_eq!(d.previous_week_by_hour[&9], 700);
        assert_eq!(d.previous_week.by_store["s1"], 700);
        assert_eq!(d.previous_week.by_category[UNCLASSIFIED], 700);
        assert_eq!(d.previous_week.by_payment["card"], 700);
        assert_eq!(d.top[0].label, "Vin");
        assert_eq!(d.latest[0].till, "t3");
        assert_eq!(d.day_tickets.len(), 3);
        assert_eq!(d.day_tickets[0].till, "t1");
        assert_eq!(d.by_channel[STORE_CHANNEL], 1000);
    }

    #[test]
    fn web_orders_count_in_the_day_by_channel_but_not_by_till() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let mut web = fact("s1", "web", "2026-03-10 21:30", 3980, "T-shirt");
        web.channel = "web".into();
        web.payments = BTreeMap::from([("online".into(), 3980)]);
        let mut collect = fact("s2", "click_collect", "2026-03-10 08:00", 1990, "T-shirt");
        collect.channel = "click_collect".into();
        let t = [
            fact("s1", "t1", "2026-03-10 09:15", 250, "Pain"),
            web,
            collect,
        ];
        let d = dashboard(day, &t, &[], &BTreeMap::new()).unwrap();
        // 2.50 at the till + 39.80 shipped + 19.90 collected = 62.20.
        assert_eq!(d.total, 6220);
        assert_eq!(
            d.by_channel,
            BTreeMap::from([
                ("click_collect".into(), 1990),
                ("store".into(), 250),
                ("web".into(), 3980),
            ])
        );
        assert_eq!(d.by_till, BTreeMap::from([("t1".into(), 250)]));
        assert_eq!(d.by_store["s1"], 4230);
        assert_eq!(d.by_payment["online"], 3980);
        assert_eq!(d.by_hour[&21], 3980);
        assert_eq!(d.top[0].label, "T-shirt");
        assert_eq!(d.top[0].revenue, 5970);
    }

    #[derive(serde::Deserialize)]
    struct GoldenTicket {
        store: String,
        till: String,
        doc: String,
        local: NaiveDateTime,
        total: i64,
        lines: Vec<(String, i64, i64)>,
        payments: BTreeMap<String, i64>,
        vat: BTreeMap<u32, VatAmounts>,
    }

    #[test]
    fn the_golden_day_adds_up_as_written() {
        let g: serde_json::Value =
            serde_json::from_str(include_str!("testdata/dashboard.json")).unwrap();
        let day: NaiveDate = serde_json::from_value(g["day"].clone()).unwrap();
        let cats: BTreeMap<String, String> =
            serde_json::from_value(g["categories"].clone()).unwrap();
        let tickets: Vec<TicketFact> =
            serde_json::from_value::<Vec<GoldenTicket>>(g["tickets"].clone())
                .unwrap()
                .into_iter()
                .map(|t| TicketFact {
                    store: t.store,
                    channel: STORE_CHANNEL.into(),
                    till: t.till,
                    doc: t.doc,
                    local: t.local,
                    refund: t.total < 0,
                    total: t.total,
                    lines: t.lines,
                    payments: t.payments,
                    vat: t.vat,
                })
                .collect();
        let d = dashboard(day, &tickets, &[], &cats).unwrap();
        let e = &g["expect"];
        let map = |v: &serde_json::Value| -> BTreeMap<String, i64> {
            serde_json::from_value(v.clone()).unwrap()
        };
        let nonzero_hours = |m: &BTreeMap<u32, i64>| -> BTreeMap<String, i64> {
            m.iter()
                .filter(|(_, v)| **v != 0)
                .map(|(h, v)| (h.to_string(), *v))
                .collect()
        };
        assert_eq!(d.total, e["total"].as_i64().unwrap());
        assert_eq!(d.tickets, e["tickets"].as_u64().unwrap());
        assert_eq!(nonzero_hours(&d.by_hour), map(&e["by_hour"]));
        assert_eq!(d.by_store, map(&e["by_store"]));
        assert_eq!(d.by_till, map(&e["by_till"]));
        assert_eq!(d.by_payment, map(&e["by_payment"]));
        assert_eq!(d.by_category, map(&e["by_category"]));
        let vat: BTreeMap<String, (i64, i64, i64)> =
            serde_json::from_value(e["vat"].clone()).unwrap();
        let got: BTreeMap<String, (i64, i64, i64)> = d
            .vat
            .iter()
            .map(|(r, a)| (r.to_string(), (a.net, a.vat, a.gross)))
            .collect();
        assert_eq!(got, vat);
        let top: Vec<(String, i64, i64)> = serde_json::from_value(e["top"].clone()).unwrap();
        let got: Vec<(String, i64, i64)> = d
            .top
            .iter()
            .map(|p| (p.label.clone(), p.qty_milli, p.revenue))
            .collect();
        assert_eq!(got, top);
        assert_eq!(
            d.previous_week_total,
            e["previous_week_total"].as_i64().unwrap()
        );
        assert_eq!(
            nonzero_hours(&d.previous_week_by_hour),
            map(&e["previous_week_by_hour"])
        );
    }

    proptest::proptest! {
        /// Every breakdown of the day adds up to the day's total.
        #[test]
        fn every_breakdown_sums_to_the_day_total(
            tickets in proptest::collection::vec(
                (0u8..3, 0u8..4, 0u32..24, 0u32..60,
                 proptest::collection::vec((0u8..5, -5_000i64..50_000), 1..4),
                 0u8..3, proptest::bool::ANY),
                0..40,
            )
        ) {
            let day = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
            let labels = ["Pain", "Vin", "Fromage", "<b>x</b>", "Œuf"];
            let cats = BTreeMap::from([("Pain".to_string(), "Boulangerie".to_string()),
                ("Fromage".to_string(), "Crèmerie".to_string())]);
            let facts: Vec<TicketFact> = tickets.iter().enumerate().map(|(i, (s, t, h, m, lines, pay, last_week))| {
                let lines: Vec<(String, i64, i64)> = lines.iter()
                    .map(|(l, a)| (labels[usize::from(*l)].to_string(), 1000, *a)).collect();
                let total: i64 = lines.iter().map(|l| l.2).sum();
                let date = if *last_week { day - chrono::Duration::days(7) } else { day };
                TicketFact {
                    store: format!("S{s}"),
                    // Till 3 stands for the web shop's orders.
                    channel: if *t == 3 { "web".into() } else { STORE_CHANNEL.into() },
                    till: format!("S{s}-T{t}"),
                    doc: format!("T{i}"),
                    local: date.and_hms_opt(*h, *m, 0).unwrap(),
                    refund: total < 0,
                    total,
                    lines,
                    payments: BTreeMap::from([(["cash", "card", "cheque"][usize::from(*pay)].to_string(), total)]),
                    vat: BTreeMap::new(),
                }
            }).collect();
            let d = dashboard(day, &facts, &[], &cats).unwrap();
            let sum = |m: &BTreeMap<String, i64>| m.values().sum::<i64>();
            proptest::prop_assert_eq!(sum(&d.by_store), d.total);
            proptest::prop_assert_eq!(sum(&d.by_channel), d.total);
            proptest::prop_assert_eq!(
                sum(&d.by_till),
                d.by_channel.get(STORE_CHANNEL).copied().unwrap_or(0)
            );
            proptest::prop_assert_eq!(sum(&d.by_payment), d.total);
            proptest::prop_assert_eq!(sum(&d.by_category), d.total);
            proptest::prop_assert_eq!(d.by_hour.values().sum::<i64>(), d.total);
            proptest::prop_assert_eq!(d.previous_week_by_hour.values().sum::<i64>(), d.previous_week_total);
            let expected_today: i64 = facts.iter().filter(|t| t.local.date() == day).map(|t| t.total).sum();
            proptest::prop_assert_eq!(d.total, expected_today);
            proptest::prop_assert_eq!(d.day_tickets.len() as u64, d.tickets);
            proptest::prop_assert!(d.latest.len() <= 20);
            proptest::prop_assert!(d.top.len() <= 10);
        }
    }

    #[test]
    fn an_overflowing_day_is_an_error_not_a_panic() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let t = [
            fact("s1", "t1", "2026-03-10 09:15", i64::MAX, "A"),
            fact("s1", "t1", "2026-03-10 09:16", 1, "A"),
        ];
        assert_eq!(
            dashboard(day, &t, &[], &BTreeMap::new())
                .unwrap_err()
                .code(),
            "overflow"
        );
    }
}
