//! Checks of everything a till file stores beside its signed records: the
//! derived columns of each record row, the head row, the meta values, the
//! running totals, the closures' contents and the closed-period rule.
//!
//! Each check recomputes the value from the signed records alone and
//! compares it with what is stored; a disagreement is a defect naming the
//! table, row and column (rules 1–6 of `docs/FORMAT.md`, "Verification
//! rules"). Pure: the store module reads the rows, nothing here does I/O.

use super::report::{Defect, DefectKind};
use crate::canon::from_canonical;
use crate::closure::{PeriodSums, check_invariants, period_end, period_start};
use crate::jet::JetCode;
use crate::model::{DocRef, Series, month_key, year_key};
use crate::payload::{
    ArchivePayload, ClosureLevel, ClosurePayload, DuplicatePayload, HeadEntry, JetPayload,
};
use crate::record::StoredRecord;
use crate::ticket::{TicketPayload, VatAmounts};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// The query columns stored beside one record, as read from the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDerived {
    /// `local_date` column.
    pub local_date: String,
    /// `ref_series` column.
    pub ref_series: Option<String>,
    /// `ref_number` column.
    pub ref_number: Option<i64>,
    /// `amount` column.
    pub amount: i64,
}

/// One `fiscal_totals` row as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalsEntry {
    /// `day`, `month`, `year` or `perpetual`.
    pub scope: String,
    /// `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or `GT`.
    pub period: String,
    /// Basis points, or -1 for all rates.
    pub rate_bps: i64,
    /// Net, VAT, gross, documents.
    pub values: [i64; 4],
}

fn row_key(r: &StoredRecord) -> String {
    format!("{}{}", r.series.code(), r.number)
}

/// A record with what the checks read from it decoded once: its local
/// date, and its ticket or closure payload.
#[derive(Debug)]
pub struct View<'a> {
    record: &'a StoredRecord,
    date: Option<NaiveDate>,
    ticket: Option<TicketPayload>,
    closure: Option<(ClosureLevel, ClosurePayload)>,
}

impl std::ops::Deref for View<'_> {
    type Target = StoredRecord;
    fn deref(&self) -> &StoredRecord {
        self.record
    }
}

/// Decodes every record once (in parallel) for the checks below.
pub fn views(records: &[StoredRecord]) -> Vec<View<'_>> {
    use rayon::prelude::*;
    records
        .par_iter()
        .map(|r| View {
            record: r,
            date: r.stamp().and_then(|s| s.local_date()),
            ticket: decode_ticket(r),
            closure: decode_closure(r),
        })
        .collect()
}

fn local_date(v: &View<'_>) -> Option<NaiveDate> {
    v.date
}

fn ticket<'v>(v: &'v View<'_>) -> Option<&'v TicketPayload> {
    v.ticket.as_ref()
}

fn closure<'v>(v: &'v View<'_>) -> Option<(ClosureLevel, &'v ClosurePayload)> {
    v.closure.as_ref().map(|(l, p)| (*l, p))
}

fn decode_ticket(r: &StoredRecord) -> Option<TicketPayload> {
    if !["sale", "refund", "exchange"].contains(&r.kind.as_str()) {
        return None;
    }
    from_canonical(r.payload.as_bytes(), "ticket payload").ok()
}

fn decode_closure(r: &StoredRecord) -> Option<(ClosureLevel, ClosurePayload)> {
    let level = [ClosureLevel::Day, ClosureLevel::Month, ClosureLevel::Year]
        .into_iter()
        .find(|l| l.kind() == r.kind)?;
    let p: ClosurePayload = from_canonical(r.payload.as_bytes(), "closure payload").ok()?;
    (p.level == level).then_some((level, p))
}

fn jet(r: &StoredRecord) -> Option<JetPayload> {
    if r.series != Series::E {
        return None;
    }
    from_canonical(r.payload.as_bytes(), "jet").ok()
}

/// Rule 1: `local_date`, `ref_series`/`ref_number` and `amount` of each row.
pub fn check_derived(
    records: &[View<'_>],
    derived: &[Option<StoredDerived>],
    defects: &mut Vec<Defect>,
) {
    for (r, d) in records.iter().zip(derived) {
        let Some(d) = d else { continue };
        let mut bad = |column: &str, detail| {
            defects.push(Defect::at_place(
                DefectKind::Cache,
                "fiscal_record",
                row_key(r),
                column,
                detail,
            ));
        };
        if local_date(r).map(|x| x.to_string()).as_deref() != Some(d.local_date.as_str()) {
            bad("local_date", "local_date is not the record's local day");
        }
        let (reference, amount): (Option<DocRef>, i64) = if let Some(t) = ticket(r) {
            (t.ticket.original, t.ticket.total)
        } else if let Some((_, c)) = closure(r) {
            (None, c.period_total)
        } else if r.kind == "duplicate" {
            let p: Option<DuplicatePayload> = from_canonical(r.payload.as_bytes(), "dup").ok();
            (p.map(|p| p.original), 0)
        } else {
            (None, 0)
        };
        let want_series = reference.map(|x| x.series.code().to_string());
        let want_number = reference.and_then(|x| i64::try_from(x.number).ok());
        if d.ref_series != want_series {
            bad("ref_series", "ref_series is not the payload's reference");
        }
        if d.ref_number != want_number {
            bad("ref_number", "ref_number is not the payload's reference");
        }
        if d.amount != amount {
            bad("amount", "amount is not the payload's total");
        }
    }
}

/// Rule 3: every `fiscal_meta` value from its signed source; unknown keys.
pub fn check_meta(
    records: &[View<'_>],
    meta: &BTreeMap<String, String>,
    defects: &mut Vec<Defect>,
) {
    let mut want: BTreeMap<String, String> = BTreeMap::new();
    want.insert(
        "schema_version".into(),
        crate::store::SCHEMA_VERSION.to_string(),
    );
    let mut jets: Vec<(u64, JetPayload)> = records
        .iter()
        .filter_map(|r| jet(r).map(|p| (r.number, p)))
        .collect();
    jets.sort_by_key(|(n, _)| *n);
    for (n, p) in &jets {
        let get = |k: &str| p.detail.get(k).cloned();
        let is = |c: JetCode| p.code == c.code();
        match () {
            () if is(JetCode::Initialisation) && *n == 1 => {
                for (meta_key, detail_key) in [
                    ("register", "register"),
                    ("init_ts", "init_ts"),
                    ("genesis_key_id", "key_id"),
                    ("current_key_id", "key_id"),
                ] {
                    if let Some(v) = get(detail_key) {
                        want.insert(meta_key.into(), v);
                    }
                }
                if let (Some(id), Some(k)) = (get("key_id"), get("public_key")) {
                    want.insert(format!("public_key:{id}"), k);
                }
            }
            () if is(JetCode::KeyChange) => {
                if let (Some(id), Some(k)) = (get("new_key_id"), get("new_public_key")) {
                    want.insert(format!("public_key:{id}"), k);
                    want.insert("current_key_id".into(), id);
                }
            }
            () if is(JetCode::SoftwareUpdate) => {
                if let Some(v) = get("to") {
                    want.insert("software_version".into(), v);
                }
            }
            () if is(JetCode::SettingChange) && get("setting").as_deref() == Some("siren") => {
                if let Some(v) = get("value") {
                    want.insert("siren".into(), v);
                }
            }
            _ => {}
        }
    }
    if let Some(last) = records.iter().map(|r| r.ts.as_str()).max() {
        want.insert("last_ts".into(), last.to_string());
    }
    let keys: BTreeSet<&String> = want.keys().chain(meta.keys()).collect();
    for k in keys {
        match (want.get(k), meta.get(k)) {
            (Some(w), Some(m)) if w == m => {}
            (Some(_), Some(_)) => defects.push(Defect::at_place(
                DefectKind::Cache,
                "fiscal_meta",
                k.clone(),
                "value",
                "meta value differs from the signed records",
            )),
            (Some(_), None) => defects.push(Defect::at_place(
                DefectKind::Cache,
                "fiscal_meta",
                k.clone(),
                "value",
                "meta value missing",
            )),
            (None, Some(_)) => defects.push(Defect::at_place(
                DefectKind::Cache,
                "fiscal_meta",
                k.clone(),
                "key",
                "meta key not backed by any signed record",
            )),
            (None, None) => {}
        }
    }
}

type TotalsKey = (String, String, i64);

#[derive(Default, Clone, Copy)]
struct Acc {
    v: [i64; 4],
    /// Per-rate document counts cannot be recomputed for a purged day.
    docs_unknown: bool,
}

fn bump(map: &mut BTreeMap<TotalsKey, Acc>, key: TotalsKey, v: &VatAmounts, docs: Option<i64>) {
    let e = map.entry(key).or_default();
    e.v = [
        e.v[0].saturating_add(v.net),
        e.v[1].saturating_add(v.vat),
        e.v[2].saturating_add(v.gross),
        e.v[3].saturating_add(docs.unwrap_or(0)),
    ];
    e.docs_unknown |= docs.is_none();
}

fn scopes(date: NaiveDate) -> [(&'static str, String); 4] {
    [
        ("day", date.to_string()),
        ("month", month_key(date)),
        ("year", year_key(date)),
        ("perpetual", "GT".to_string()),
    ]
}

fn add_to_scopes(
    map: &mut BTreeMap<TotalsKey, Acc>,
    date: NaiveDate,
    vat: &BTreeMap<u32, VatAmounts>,
    docs: Option<i64>,
    all_docs: i64,
) {
    let mut all = VatAmounts {
        net: 0,
        vat: 0,
        gross: 0,
    };
    for v in vat.values() {
        all = VatAmounts {
            net: all.net.saturating_add(v.net),
            vat: all.vat.saturating_add(v.vat),
            gross: all.gross.saturating_add(v.gross),
        };
    }
    for (scope, period) in scopes(date) {
        for (rate, v) in vat {
            bump(
                map,
                (scope.into(), period.clone(), i64::from(*rate)),
                v,
                docs,
            );
        }
        bump(map, (scope.into(), period, -1), &all, Some(all_docs));
    }
}

/// Days whose T/I records are not all present (purged after archive): the
/// day closure's signed figures stand in for them.
fn purged_days<'v>(records: &'v [View<'_>]) -> BTreeMap<NaiveDate, &'v ClosurePayload> {
    let mut present: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    for r in records.iter().filter(|r| r.series.counts_in_totals()) {
        if let Some(d) = local_date(r).filter(|_| ticket(r).is_some()) {
            *present.entry(d).or_default() = present.get(&d).map_or(1, |c| c.saturating_add(1));
        }
    }
    let mut out = BTreeMap::new();
    for r in records.iter().filter(|r| r.series == Series::Z) {
        let Some((ClosureLevel::Day, p)) = closure(r) else {
            continue;
        };
        let Ok(day) = p.period.parse::<NaiveDate>() else {
            continue;
        };
        let covered: u64 = p.covered.values().map(|c| c.count).sum();
        if present.get(&day).copied().unwrap_or(0) < covered {
            out.insert(day, p);
        }
    }
    out
}

/// Rule 4: the running totals, recomputed to the cent from the tickets.
pub fn check_totals(records: &[View<'_>], stored: &[TotalsEntry], defects: &mut Vec<Defect>) {
    let purged = purged_days(records);
    let mut want: BTreeMap<TotalsKey, Acc> = BTreeMap::new();
    for r in records.iter().filter(|r| r.series.counts_in_totals()) {
        let (Some(t), Some(date)) = (ticket(r), local_date(r)) else {
            continue;
        };
        if purged.contains_key(&date) {
            continue;
        }
        add_to_scopes(&mut want, date, &t.ticket.vat, Some(1), 1);
    }
    for (day, p) in &purged {
        let docs = i64::try_from(
            p.sales
                .saturating_add(p.refunds)
                .saturating_add(p.exchanges),
        )
        .unwrap_or(i64::MAX);
        add_to_scopes(&mut want, *day, &p.vat, None, docs);
    }
    let mut seen = BTreeSet::new();
    for e in stored {
        let key = (e.scope.clone(), e.period.clone(), e.rate_bps);
        let row = format!("{}/{}/{}", e.scope, e.period, e.rate_bps);
        seen.insert(key.clone());
        let Some(w) = want.get(&key) else {
            defects.push(Defect::at_place(
                DefectKind::Cache,
                "fiscal_totals",
                row,
                "gross",
                "running total without any ticket",
            ));
            continue;
        };
        for (i, column) in ["net", "vat", "gross", "docs"].into_iter().enumerate() {
            if i == 3 && w.docs_unknown {
                continue;
            }
            if w.v.get(i) != e.values.get(i) {
                defects.push(Defect::at_place(
                    DefectKind::Cache,
                    "fiscal_totals",
                    row.clone(),
                    column,
                    "running total differs from the tickets",
                ));
            }
        }
    }
    for (scope, period, rate) in want.keys() {
        if !seen.contains(&(scope.clone(), period.clone(), *rate)) {
            defects.push(Defect::at_place(
                DefectKind::Cache,
                "fiscal_totals",
                format!("{scope}/{period}/{rate}"),
                "gross",
                "running total missing",
            ));
        }
    }
}

fn closure_defect(r: &StoredRecord, detail: &'static str) -> Defect {
    Defect {
        kind: DefectKind::Closure,
        series: Some(r.series),
        number: Some(r.number),
        last_number: None,
        position: None,
        detail,
        place: None,
    }
}

/// The previous closure's level, payload and signature while walking Z.
struct Prev<'v> {
    payload: &'v ClosurePayload,
    signature_b64: String,
}

/// Rule 5: each closure recomputed from what it covers, and chained.
pub fn check_closures(records: &[View<'_>], defects: &mut Vec<Defect>) {
    let by_ref: BTreeMap<(Series, u64), &View<'_>> =
        records.iter().map(|r| ((r.series, r.number), r)).collect();
    let first_present: BTreeMap<Series, u64> = Series::ALL
        .into_iter()
        .filter_map(|s| {
            records
                .iter()
                .filter(|r| r.series == s)
                .map(|r| r.number)
                .min()
                .map(|n| (s, n))
        })
        .collect();
    let genesis_day = by_ref.get(&(Series::E, 1)).and_then(|r| local_date(r));
    let purged = purged_days(records);
    // The documents and duplicates of each local day, read once: a day
    // closure sums its own day's records only.
    let mut by_day: BTreeMap<NaiveDate, Vec<&View<'_>>> = BTreeMap::new();
    for r in records
        .iter()
        .filter(|r| r.series.counts_in_totals() || r.series == Series::C)
    {
        if let Some(d) = local_date(r) {
            by_day.entry(d).or_default().push(r);
        }
    }
    let mut zs: Vec<&View<'_>> = records.iter().filter(|r| r.series == Series::Z).collect();
    zs.sort_by_key(|r| r.number);
    let mut prev: BTreeMap<ClosureLevel, Prev> = BTreeMap::new();
    let mut done: Vec<(u64, &ClosurePayload)> = Vec::new();
    for z in zs {
        let Some((level, p)) = closure(z) else {
            continue;
        };
        // Bounds: not before the till existed, not after the closure itself.
        let (start, end) = (period_start(level, &p.period), period_end(level, &p.period));
        match (start, end, local_date(z)) {
            (Ok(_), Ok(end), Some(made)) => {
                if genesis_day.is_some_and(|g| end < g) {
                    defects.push(closure_defect(z, "period ends before the genesis"));
                }
                if end > made {
                    defects.push(closure_defect(z, "period ends after the closure was made"));
                }
            }
            _ => defects.push(closure_defect(z, "period is malformed")),
        }
        // The head at close names records present with those hashes.
        for (s, HeadEntry { last, hash }) in &p.head {
            match by_ref.get(&(*s, *last)) {
                Some(r) if &r.hash == hash => {}
                Some(_) => defects.push(closure_defect(z, "head at close names another record")),
                None if first_present.get(s).is_some_and(|f| last < f) => {}
                None => defects.push(closure_defect(z, "head at close names a missing record")),
            }
        }
        let head_last = |s: Series| p.head.get(&s).map_or(0, |h| h.last);
        // What the closure sums.
        let mut sums = PeriodSums::default();
        let mut duplicates = 0u64;
        let mut children = Vec::new();
        let mut complete = true;
        match level {
            ClosureLevel::Day => {
                let day = p.period.parse::<NaiveDate>().ok();
                if day.is_some_and(|d| purged.contains_key(&d)) {
                    complete = false;
                }
                let that_day = day
                    .and_then(|d| by_day.get(&d))
                    .map_or(&[][..], Vec::as_slice);
                for r in that_day {
                    if r.series.counts_in_totals() && r.number <= head_last(r.series) {
                        if let Some(t) = ticket(r) {
                            let doc = DocRef {
                                series: r.series,
                                number: r.number,
                            };
                            if sums.add_ticket(doc, &r.hash, t).is_err() {
                                complete = false;
                            }
                        }
                    } else if r.series == Series::C && r.number <= head_last(Series::C) {
                        duplicates = duplicates.saturating_add(1);
                    }
                }
            }
            ClosureLevel::Month | ClosureLevel::Year => {
                let child_level = if level == ClosureLevel::Month {
                    ClosureLevel::Day
                } else {
                    ClosureLevel::Month
                };
                for (n, c) in &done {
                    if c.level == child_level && c.period.starts_with(&p.period) {
                        children.push(*n);
                        duplicates = duplicates.saturating_add(c.duplicates);
                        if sums.add_closure(c).is_err() {
                            complete = false;
                        }
                    }
                }
                if children != p.children {
                    defects.push(closure_defect(z, "children are not the period's closures"));
                }
            }
        }
        if complete {
            let agree = sums.covered == p.covered
                && sums.sales == p.sales
                && sums.refunds == p.refunds
                && sums.refunds_total == p.refunds_total
                && sums.exchanges == p.exchanges
                && sums.exchange_returns == p.exchange_returns
                && sums.vat == p.vat
                && sums.payments == p.payments
                && sums.total == p.period_total
                && duplicates == p.duplicates;
            if !agree {
                defects.push(closure_defect(
                    z,
                    "content differs from the documents it covers",
                ));
            }
        }
        if let Some(cash) = &p.cash {
            let cash_sales = p.payments.get("cash").copied().unwrap_or(0);
            let expected = cash
                .opening_float
                .checked_add(cash_sales)
                .and_then(|x| x.checked_add(cash.pay_ins))
                .and_then(|x| x.checked_sub(cash.pay_outs));
            if expected != Some(cash.expected) {
                defects.push(closure_defect(z, "expected cash does not add up"));
            }
        }
        // Chain with the previous closure of the same level.
        let before = prev.get(&level);
        let same_year = before.is_some_and(|q| q.payload.period.get(..4) == p.period.get(..4));
        if check_invariants(before.map(|q| q.payload), p, same_year).is_err() {
            defects.push(closure_defect(
                z,
                "totals do not follow the previous closure",
            ));
        }
        let want_sig = before.map(|q| q.signature_b64.clone()).unwrap_or_default();
        if p.previous_signature != want_sig {
            defects.push(closure_defect(z, "previous closure signature differs"));
        }
        prev.insert(
            level,
            Prev {
                payload: p,
                signature_b64: z.signature_b64().unwrap_or_default(),
            },
        );
        done.push((z.number, p));
    }
}

/// Rule 6: no T/I record recorded after a closure yet dated on or before
/// the day that closure sealed. "After" is read from the head at close,
/// which names the last number of each series when the closure was made.
pub fn check_closed_periods(records: &[View<'_>], defects: &mut Vec<Defect>) {
    let mut seals: Vec<(u64, NaiveDate, BTreeMap<Series, u64>)> = records
        .iter()
        .filter_map(|z| {
            let (level, p) = closure(z)?;
            let end = period_end(level, &p.period).ok()?;
            let heads = p.head.iter().map(|(s, h)| (*s, h.last)).collect();
            Some((z.number, end, heads))
        })
        .collect();
    seals.sort_by_key(|(n, _, _)| *n);
    for s in [Series::T, Series::I] {
        let mut docs: Vec<&View<'_>> = records.iter().filter(|r| r.series == s).collect();
        docs.sort_by_key(|r| r.number);
        let mut i = 0usize;
        let mut sealed: Option<NaiveDate> = None;
        for r in docs {
            while let Some((_, end, heads)) = seals.get(i) {
                if heads.get(&s).copied().unwrap_or(0) >= r.number {
                    break;
                }
                sealed = Some(sealed.map_or(*end, |x| x.max(*end)));
                i = i.saturating_add(1);
            }
            if let (Some(sealed), Some(d)) = (sealed, local_date(r))
                && d <= sealed
            {
                defects.push(Defect {
                    kind: DefectKind::ClosedPeriod,
                    series: Some(s),
                    number: Some(r.number),
                    last_number: None,
                    position: None,
                    detail: "document dated in a period already closed",
                    place: None,
                });
            }
        }
    }
}

/// `fiscal_purge_allow`: a series may be purged only up to what signed
/// archive records cover.
pub fn check_purge_allow(records: &[View<'_>], allow: &[(String, i64)], defects: &mut Vec<Defect>) {
    let mut archived: BTreeMap<Series, u64> = BTreeMap::new();
    for r in records.iter().filter(|r| r.series == Series::A) {
        let Ok(p) = from_canonical::<ArchivePayload>(r.payload.as_bytes(), "archive") else {
            continue;
        };
        for (s, range) in p.ranges {
            let e = archived.entry(s).or_insert(0);
            *e = (*e).max(range.last);
        }
    }
    for (series, upto) in allow {
        let ok = Series::parse(series).is_some_and(|s| {
            s.purgeable()
                && u64::try_from(*upto).is_ok_and(|u| archived.get(&s).is_some_and(|a| u <= *a))
        });
        if !ok {
            defects.push(Defect::at_place(
                DefectKind::Cache,
                "fiscal_purge_allow",
                series.clone(),
                "upto",
                "purge allowance beyond what signed archives cover",
            ));
        }
    }
}
