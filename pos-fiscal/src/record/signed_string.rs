//! The NF525-style signed strings (NF525.md section 2).
//!
//! Fields are joined by commas; a comma inside a value becomes `;`. Every
//! string ends with `1` or `0` (whether the series already has a previous
//! signature) and that previous signature in base64url without padding
//! (empty for the first record). Times are local `yyyyMMddHHmmss`; document
//! ids are written `<series><number>` (e.g. `T42`).
//!
//! - ticket / invoice / training / bill: `rates,total,time,id,operation,flag,prev`
//!   where `rates` is `RRRR:cents` per VAT rate joined by `|`, highest rate
//!   first (20 % is `2000`, 5.5 % is `0550`);
//! - closure: `rates,period total,perpetual total,time,id,flag,prev`;
//! - duplicate: `id,doc type,reprint number,operator,time,original id,flag,prev`;
//! - JET: `id,code,text,time,operator,register,flag,prev`;
//! - archive: `id,from,to,manifest sha256,time,flag,prev`.

use crate::canon::from_canonical;
use crate::error::{FiscalError, Result};
use crate::model::{DocRef, Series, Stamp};
use crate::payload::{ArchivePayload, ClosurePayload, DuplicatePayload, JetPayload};
use crate::ticket::{TicketPayload, VatAmounts};
use std::collections::BTreeMap;

fn esc(v: &str) -> String {
    v.replace(',', ";")
}

fn id(series: Series, number: u64) -> String {
    format!("{}{}", series.code(), number)
}

fn rates(vat: &BTreeMap<u32, VatAmounts>) -> String {
    vat.iter()
        .rev()
        .map(|(r, v)| format!("{r:04}:{}", v.gross))
        .collect::<Vec<_>>()
        .join("|")
}

fn time(stamp: &Stamp) -> Result<String> {
    stamp
        .compact_local()
        .ok_or(FiscalError::Malformed { what: "timestamp" })
}

fn join(mut fields: Vec<String>, prev: Option<&str>) -> String {
    match prev {
        Some(p) => {
            fields.push("1".into());
            fields.push(esc(p));
        }
        None => {
            fields.push("0".into());
            fields.push(String::new());
        }
    }
    fields.join(",")
}

fn docref(r: &DocRef) -> String {
    id(r.series, r.number)
}

/// Builds the signed string of a record from its kind and payload.
/// `prev_signature` is the previous record's signature (base64url) in the
/// same series, `None` for the first record.
pub fn build(
    series: Series,
    number: u64,
    kind: &str,
    payload: &[u8],
    stamp: &Stamp,
    prev_signature: Option<&str>,
) -> Result<String> {
    let t = time(stamp)?;
    let fields = match kind {
        "sale" | "refund" | "exchange" => {
            let p: TicketPayload = from_canonical(payload, "ticket payload")?;
            if p.ticket.operation.code() != kind {
                return Err(FiscalError::Malformed {
                    what: "ticket kind",
                });
            }
            vec![
                rates(&p.ticket.vat),
                p.ticket.total.to_string(),
                t,
                id(series, number),
                kind.to_string(),
            ]
        }
        "closure_day" | "closure_month" | "closure_year" => {
            let p: ClosurePayload = from_canonical(payload, "closure payload")?;
            if p.level.kind() != kind {
                return Err(FiscalError::Malformed {
                    what: "closure kind",
                });
            }
            vec![
                rates(&p.vat),
                p.period_total.to_string(),
                p.perpetual_total.to_string(),
                t,
                id(series, number),
            ]
        }
        "duplicate" => {
            let p: DuplicatePayload = from_canonical(payload, "duplicate payload")?;
            vec![
                id(series, number),
                esc(&p.doc_type),
                p.reprint.to_string(),
                esc(&p.operator),
                t,
                docref(&p.original),
            ]
        }
        "jet" => {
            let p: JetPayload = from_canonical(payload, "jet payload")?;
            vec![
                id(series, number),
                p.code.to_string(),
                esc(&p.text),
                t,
                esc(&p.operator),
                esc(&p.register),
            ]
        }
        "archive" => {
            let p: ArchivePayload = from_canonical(payload, "archive payload")?;
            vec![
                id(series, number),
                p.from.clone(),
                p.to.clone(),
                p.manifest_sha256.clone(),
                t,
            ]
        }
        _ => {
            return Err(FiscalError::Malformed {
                what: "record kind",
            });
        }
    };
    Ok(join(fields, prev_signature))
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use crate::canon::to_canonical;
    use crate::ticket::sample;

    #[test]
    fn ticket_string_has_rates_descending_and_chain_flag() {
        let p = TicketPayload {
            register: "R1".into(),
            ticket: sample::sale(),
        };
        let bytes = to_canonical(&p).unwrap();
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-28T09:15:00Z")
            .unwrap()
            .to_utc();
        let st = Stamp::new(t, 60).unwrap();
        let s = build(Series::T, 7, "sale", &bytes, &st, None).unwrap();
        assert_eq!(s, "2000:1200|0550:550,1750,20261128101500,T7,sale,0,");
        let s = build(Series::T, 8, "sale", &bytes, &st, Some("ab,c")).unwrap();
        assert!(s.ends_with(",T8,sale,1,ab;c"));
        assert!(build(Series::T, 8, "refund", &bytes, &st, None).is_err());
    }
}
