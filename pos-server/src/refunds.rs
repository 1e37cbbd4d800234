//! Refunds anywhere in the retailer (issue 16), server side.
//!
//! - Every pushed sale and exchange is indexed ([`on_ticket`]): its id, store, device,
//!   register and fiscal number, with the ticket. A till of any store of
//!   the same retailer finds it by reference ([`Server::refund_lookup`]);
//!   a device of another retailer gets not-found, as for a ticket that
//!   does not exist.
//! - What a line has left to refund is its sold quantity minus the
//!   quantities of pushed refunds (`refund_taken`, from any till,
//!   including the original's own) and of open reservations.
//! - [`Server::refund_reserve`] holds quantities for a refund being rung
//!   up, atomically: the reservation reads and writes under the
//!   original's row lock (PostgreSQL `FOR UPDATE`; SQLite's single writer),
//!   so two tills racing for the last unit cannot both win. It is
//!   idempotent on the till's key and lapses after
//!   [`pos_sync::refunds::RESERVATION_TTL_MS`]; the refund event naming it
//!   consumes it.
//! - A pushed refund goes to the change feed of the original's store
//!   ([`ChangeKind::Refund`]), so the original's till counts it after its
//!   next pull. A refund that takes a line beyond what was sold (an
//!   offline refund without verified original) is still accepted — it is
//!   a signed fiscal record — but flagged ([`Server::refund_flags`]); one
//!   whose original the server does not hold is flagged when it was made
//!   without a verified original.

use super::refunds_rows::{Arg, Cell, Col, RefundRows};
use super::store::{Device, Storage, Tx};
use super::{Server, handler::json_response};
use crate::error::{Result, ServerError, SyncError};
use crate::transport::{HttpRequest, HttpResponse};
use crate::wire::{ChangeKind, WireEvent};
use chrono::{DateTime, Utc};
use pos_core::ticket::{Ticket, TicketKind};
use pos_fiscal::Series;
use pos_sync::refunds::{
    self as wire, FlagsResponse, FoundTicket, LineQuantity, RefundFailure, RefundFlag,
    RefundableLine, RefundedElsewhere, Reservation, ReserveRequest, TicketRef, paths,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

fn not_found() -> ServerError {
    ServerError::from(SyncError::NotFound { what: "ticket" })
}

fn corrupt(what: &'static str) -> ServerError {
    ServerError::from(SyncError::Corrupt { what })
}

fn overflow() -> ServerError {
    ServerError::from(SyncError::Overflow {
        what: "refund quantities",
    })
}

fn dec(s: &str) -> Result<Decimal> {
    Decimal::from_str(s).map_err(|_| corrupt("refund quantity"))
}

/// An indexed original.
struct Original {
    ticket_id: String,
    store: String,
    device: String,
    register: String,
    series: Series,
    number: u64,
    json: String,
}

const ORIGINAL_COLS: &[Col] = &[
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Text,
    Col::Int,
    Col::Text,
];

fn original_of(row: &[Cell]) -> Result<Original> {
    let cell = |i: usize| row.get(i).ok_or(corrupt("refund original"));
    Ok(Original {
        ticket_id: cell(0)?.text()?.to_owned(),
        store: cell(1)?.text()?.to_owned(),
        device: cell(2)?.text()?.to_owned(),
        register: cell(3)?.text()?.to_owned(),
        series: Series::parse(cell(4)?.text()?).ok_or(corrupt("refund original series"))?,
        number: u64::try_from(cell(5)?.int()?).map_err(|_| corrupt("refund original number"))?,
        json: cell(6)?.text()?.to_owned(),
    })
}

/// The original `ticket_id`, its row locked until commit where the back
/// end needs it.
fn original_locked(rows: &mut dyn RefundRows, ticket_id: &str) -> Result<Option<Original>> {
    let sql = format!(
        "SELECT ticket_id, store, device, register, series, number, json
         FROM refund_originals WHERE ticket_id = ?1{}",
        rows.for_update()
    );
    rows.query(&sql, &[Arg::Text(ticket_id)], ORIGINAL_COLS)?
        .first()
        .map(|r| original_of(r))
        .transpose()
}

fn originals_by_number(
    rows: &mut dyn RefundRows,
    register: &str,
    series: Series,
    number: u64,
) -> Result<Vec<Original>> {
    let n = i64::try_from(number).map_err(|_| not_found())?;
    rows.query(
        "SELECT ticket_id, store, device, register, series, number, json
         FROM refund_originals WHERE register = ?1 AND series = ?2 AND number = ?3
         ORDER BY store",
        &[Arg::Text(register), Arg::Text(series.code()), Arg::Int(n)],
        ORIGINAL_COLS,
    )?
    .iter()
    .map(|r| original_of(r))
    .collect()
}

/// Per line (from 0): (refunded by pushed refunds, held by open reservations).
fn taken(
    rows: &mut dyn RefundRows,
    ticket_id: &str,
    now_ms: i64,
) -> Result<(BTreeMap<usize, Decimal>, BTreeMap<usize, Decimal>)> {
    let mut refunded: BTreeMap<usize, Decimal> = BTreeMap::new();
    for r in rows.query(
        "SELECT line, quantity FROM refund_taken WHERE ticket_id = ?1",
        &[Arg::Text(ticket_id)],
        &[Col::Int, Col::Text],
    )? {
        let (Some(line), Some(q)) = (r.first(), r.get(1)) else {
            return Err(corrupt("refund taken"));
        };
        let line = usize::try_from(line.int()?).map_err(|_| corrupt("refund line"))?;
        let e = refunded.entry(line).or_default();
        *e = e.checked_add(dec(q.text()?)?).ok_or_else(overflow)?;
    }
    let mut reserved: BTreeMap<usize, Decimal> = BTreeMap::new();
    for r in rows.query(
        "SELECT request FROM refund_reservations
         WHERE ticket_id = ?1 AND consumed_by IS NULL AND expires_ms > ?2",
        &[Arg::Text(ticket_id), Arg::Int(now_ms)],
        &[Col::Text],
    )? {
        let req: ReserveRequest =
            serde_json::from_str(r.first().ok_or(corrupt("refund reservation"))?.text()?)
                .map_err(|_| corrupt("refund reservation"))?;
        for l in &req.lines {
            let line = usize::try_from(l.line)
                .ok()
                .and_then(|n| n.checked_sub(1))
                .ok_or(corrupt("refund line"))?;
            let e = reserved.entry(line).or_default();
            *e = e.checked_add(l.quantity).ok_or_else(overflow)?;
        }
    }
    Ok((refunded, reserved))
}

fn ticket_of(o: &Original) -> Result<Ticket> {
    serde_json::from_str(&o.json).map_err(|_| corrupt("refund original ticket"))
}

fn line_number(index: usize) -> Result<u32> {
    u32::try_from(index)
        .ok()
        .and_then(|n| n.checked_add(1))
        .ok_or_else(overflow)
}

/// What is left of each line of `ticket`.
fn refundable(
    ticket: &Ticket,
    refunded: &BTreeMap<usize, Decimal>,
    reserved: &BTreeMap<usize, Decimal>,
) -> Result<Vec<RefundableLine>> {
    let mut out = Vec::with_capacity(ticket.lines().len());
    for (i, l) in ticket.lines().iter().enumerate() {
        let sold = if l.quantity > Decimal::ZERO && ticket.kind() != TicketKind::Refund {
            l.quantity
        } else {
            Decimal::ZERO
        };
        let r = refunded.get(&i).copied().unwrap_or_default();
        let h = reserved.get(&i).copied().unwrap_or_default();
        let left = sold
            .checked_sub(r)
            .and_then(|x| x.checked_sub(h))
            .ok_or_else(overflow)?
            .max(Decimal::ZERO);
        out.push(RefundableLine {
            line: line_number(i)?,
            sold,
            refunded: r,
            reserved: h,
            refundable: left,
        });
    }
    Ok(out)
}

/// The original a device of `store` may see, found by reference.
fn find(tx: &mut dyn Tx, store: &str, reference: &TicketRef) -> Result<Original> {
    let stores = tx.dr_retailer_stores(store)?;
    let mine = |o: &Original| stores.contains(&o.store);
    let mut rows = tx.refunds();
    match reference {
        TicketRef::Id { ticket_id } | TicketRef::Gift { ticket_id } => {
            original_locked(rows.as_mut(), ticket_id)?
                .filter(mine)
                .ok_or_else(not_found)
        }
        TicketRef::Number {
            store: wanted,
            register,
            series,
            number,
        } => {
            let mut found: Vec<Original> =
                originals_by_number(rows.as_mut(), register, *series, *number)?
                    .into_iter()
                    .filter(|o| mine(o) && wanted.as_ref().is_none_or(|w| *w == o.store))
                    .collect();
            match found.len() {
                0 => Err(not_found()),
                1 => found.pop().ok_or_else(not_found),
                _ => Err(RefundFailure::Ambiguous.into()),
            }
        }
    }
}

impl From<RefundFailure> for ServerError {
    fn from(f: RefundFailure) -> ServerError {
        ServerError::Sync(f.into())
    }
}

/// The lookup answer for `reference` from a device of `store` at `now_ms`.
pub fn lookup(
    tx: &mut dyn Tx,
    store: &str,
    reference: &TicketRef,
    now_ms: i64,
) -> Result<FoundTicket> {
    let o = find(tx, store, reference)?;
    let ticket = ticket_of(&o)?;
    let (refunded, reserved) = taken(tx.refunds().as_mut(), &o.ticket_id, now_ms)?;
    Ok(FoundTicket {
        lines: refundable(&ticket, &refunded, &reserved)?,
        ticket,
        store: o.store,
        register: o.register,
        series: o.series,
        number: o.number,
        gift: reference.is_gift(),
    })
}

/// The reservation id of (device, key): the same key always names the same
/// reservation.
fn reservation_id(device: &str, key: &str) -> String {
    let digest =
        pos_fiscal::record::sha256_hex(format!("refund reservation\0{device}\0{key}").as_bytes());
    format!("rsv-{}", digest.get(..32).unwrap_or(&digest))
}

/// Reserves `req` for device `dev` at `now_ms` (see the module docs).
pub fn reserve(
    tx: &mut dyn Tx,
    dev: &Device,
    req: &ReserveRequest,
    now_ms: i64,
) -> Result<Reservation> {
    let request = serde_json::to_string(req).map_err(|_| corrupt("refund reservation"))?;
    let earlier = |tx: &mut dyn Tx| -> Result<Option<Reservation>> {
        let rows = tx.refunds().query(
            "SELECT request, answer FROM refund_reservations WHERE device = ?1 AND rkey = ?2",
            &[Arg::Text(&dev.id), Arg::Text(&req.key)],
            &[Col::Text, Col::Text],
        )?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let (Some(asked), Some(answer)) = (row.first(), row.get(1)) else {
            return Err(corrupt("refund reservation"));
        };
        if asked.text()? != request {
            return Err(RefundFailure::KeyConflict.into());
        }
        serde_json::from_str(answer.text()?)
            .map(Some)
            .map_err(|_| corrupt("refund reservation"))
    };
    if let Some(done) = earlier(tx)? {
        return Ok(done);
    }
    // Locks the original: reservations and pushed refunds of one original
    // run one after the other from here to commit.
    let o = find(
        tx,
        &dev.store,
        &TicketRef::Id {
            ticket_id: req.ticket_id.clone(),
        },
    )?;
    // A concurrent request with the same key may have committed while
    // this one waited for the lock.
    if let Some(done) = earlier(tx)? {
        return Ok(done);
    }
    let ticket = ticket_of(&o)?;
    let (refunded, reserved) = taken(tx.refunds().as_mut(), &o.ticket_id, now_ms)?;
    let lines = refundable(&ticket, &refunded, &reserved)?;
    for l in &req.lines {
        let left = usize::try_from(l.line)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| lines.get(i))
            .map_or(Decimal::ZERO, |x| x.refundable);
        if l.quantity > left {
            return Err(RefundFailure::Exceeds {
                line: l.line,
                left,
                asked: l.quantity,
            }
            .into());
        }
    }
    let expires_at_ms = now_ms
        .checked_add(wire::RESERVATION_TTL_MS)
        .ok_or_else(overflow)?;
    let id = reservation_id(&dev.id, &req.key);
    let answer = Reservation {
        reservation: id.clone(),
        ticket_id: o.ticket_id.clone(),
        lines: req.lines.clone(),
        expires_at_ms,
    };
    let answer_json = serde_json::to_string(&answer).map_err(|_| corrupt("refund reservation"))?;
    tx.refunds().exec(
        "INSERT INTO refund_reservations(id, device, rkey, ticket_id, request, answer, expires_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            Arg::Text(&id),
            Arg::Text(&dev.id),
            Arg::Text(&req.key),
            Arg::Text(&o.ticket_id),
            Arg::Text(&request),
            Arg::Text(&answer_json),
            Arg::Int(expires_at_ms),
        ],
    )?;
    Ok(answer)
}

#[derive(serde::Deserialize)]
struct FiscalView {
    series: String,
    number: u64,
}

/// Indexes a pushed sale or exchange (its sold lines are refundable), and
/// counts the return lines of a pushed refund or exchange against their
/// originals (consuming its reservation, telling the original's store,
/// flagging an excess). Never refuses the event: a payload that does not
/// read as a pos-core ticket is simply not indexed.
pub fn on_ticket(tx: &mut dyn Tx, dev: &Device, e: &WireEvent) -> Result<()> {
    let Some(ticket) = e
        .payload
        .get("ticket")
        .and_then(|t| serde_json::from_value::<Ticket>(t.clone()).ok())
    else {
        return Ok(());
    };
    // A sale, and an exchange for the lines it sells, are originals.
    if ticket.kind() != TicketKind::Refund
        && let Some(fiscal) = e
            .payload
            .get("fiscal")
            .and_then(|f| serde_json::from_value::<FiscalView>(f.clone()).ok())
            .filter(|f| Series::parse(&f.series).is_some())
    {
        let number = i64::try_from(fiscal.number).map_err(|_| overflow())?;
        let json = serde_json::to_string(&ticket).map_err(|_| corrupt("ticket"))?;
        tx.refunds().exec(
            "INSERT INTO refund_originals(ticket_id, store, device, register, series, number, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (ticket_id) DO NOTHING",
            &[
                Arg::Text(ticket.id()),
                Arg::Text(&dev.store),
                Arg::Text(&dev.id),
                Arg::Text(ticket.register().as_str()),
                Arg::Text(&fiscal.series),
                Arg::Int(number),
                Arg::Text(&json),
            ],
        )?;
    }
    // Return lines (a refund's, or an exchange's), per original (sorted: row locks in one order).
    let mut per_original: BTreeMap<String, BTreeMap<usize, Decimal>> = BTreeMap::new();
    for l in ticket.lines() {
        if let Some(o) = &l.return_of {
            let q = per_original
                .entry(o.ticket_id.clone())
                .or_default()
                .entry(o.line)
                .or_default();
            *q = q.checked_add(l.quantity.abs()).ok_or_else(overflow)?;
        }
    }
    let reservation = e
        .payload
        .get("refund_reservation")
        .and_then(serde_json::Value::as_str);
    let unverified = e
        .payload
        .get("unverified_original")
        .and_then(serde_json::Value::as_bool)
        == Some(true);
    for (original, lines) in &per_original {
        count_refund(
            tx,
            dev,
            e,
            &ticket,
            original,
            lines,
            reservation,
            unverified,
        )?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn count_refund(
    tx: &mut dyn Tx,
    dev: &Device,
    e: &WireEvent,
    refund: &Ticket,
    original: &str,
    lines: &BTreeMap<usize, Decimal>,
    reservation: Option<&str>,
    unverified: bool,
) -> Result<()> {
    let flag = |tx: &mut dyn Tx, line: i64, reason: &str, excess: Option<String>| -> Result<()> {
        tx.refunds().exec(
            "INSERT INTO refund_flags(event_id, original, line, store, device, refund_ticket, reason, excess, unverified)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (event_id, original, line) DO NOTHING",
            &[
                Arg::Text(&e.event_id),
                Arg::Text(original),
                Arg::Int(line),
                Arg::Text(&dev.store),
                Arg::Text(&dev.id),
                Arg::Text(refund.id()),
                Arg::Text(reason),
                excess.as_deref().map_or(Arg::Null, Arg::Text),
                Arg::Int(i64::from(unverified)),
            ],
        )?;
        Ok(())
    };
    // Only an original of the pushing device's retailer: a ticket id seen on
    // another retailer's receipt must not let a device take its quantities.
    let own = tx.dr_retailer_stores(&dev.store)?;
    let Some(o) =
        original_locked(tx.refunds().as_mut(), original)?.filter(|o| own.contains(&o.store))
    else {
        if unverified {
            flag(tx, 0, "original_unknown", None)?;
        }
        return Ok(());
    };
    if let Some(id) = reservation {
        tx.refunds().exec(
            "UPDATE refund_reservations SET consumed_by = ?1
             WHERE id = ?2 AND device = ?3 AND ticket_id = ?4 AND consumed_by IS NULL",
            &[
                Arg::Text(&e.event_id),
                Arg::Text(id),
                Arg::Text(&dev.id),
                Arg::Text(original),
            ],
        )?;
    }
    let mut changed = Vec::new();
    for (line, q) in lines {
        let n = i64::try_from(*line).map_err(|_| overflow())?;
        let added = tx.refunds().exec(
            "INSERT INTO refund_taken(ticket_id, line, source, quantity) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (ticket_id, line, source) DO NOTHING",
            &[
                Arg::Text(original),
                Arg::Int(n),
                Arg::Text(&e.event_id),
                Arg::Text(&q.to_string()),
            ],
        )?;
        if added > 0 {
            changed.push(LineQuantity {
                line: line_number(*line)?,
                quantity: *q,
            });
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    // Beyond what was sold, counting pushed refunds only: a reservation
    // still open does not make a refund already made an over-refund.
    let ticket = ticket_of(&o)?;
    let (refunded, _) = taken(tx.refunds().as_mut(), original, 0)?;
    for l in refundable(&ticket, &refunded, &BTreeMap::new())? {
        if l.refunded > l.sold && changed.iter().any(|c| c.line == l.line) {
            let excess = l.refunded.checked_sub(l.sold).ok_or_else(overflow)?;
            flag(
                tx,
                i64::from(l.line),
                "over_refund",
                Some(excess.to_string()),
            )?;
        }
    }
    let data = serde_json::to_string(&RefundedElsewhere {
        original: original.to_owned(),
        refund_ticket: refund.id().to_owned(),
        device: dev.id.clone(),
        lines: changed,
    })
    .map_err(|_| corrupt("refund change"))?;
    let key = format!("{}:{original}", e.event_id);
    tx.append_change(&o.store, ChangeKind::Refund, &key, Some(&dev.id), &data)?;
    let _ = o.device;
    Ok(())
}

/// The flagged refunds of the stores in `stores`, oldest first per store.
pub fn flags(tx: &mut dyn Tx, stores: &[String]) -> Result<Vec<RefundFlag>> {
    let mut out = Vec::new();
    for store in stores {
        for r in tx.refunds().query(
            "SELECT event_id, original, line, store, device, refund_ticket, reason, excess, unverified
             FROM refund_flags WHERE store = ?1 ORDER BY event_id, original, line",
            &[Arg::Text(store)],
            &[
                Col::Text,
                Col::Text,
                Col::Int,
                Col::Text,
                Col::Text,
                Col::Text,
                Col::Text,
                Col::Text,
                Col::Int,
            ],
        )? {
            let cell = |i: usize| r.get(i).ok_or(corrupt("refund flag"));
            let line = cell(2)?.int()?;
            out.push(RefundFlag {
                event_id: cell(0)?.text()?.to_owned(),
                original: cell(1)?.text()?.to_owned(),
                line: u32::try_from(line).ok().filter(|l| *l > 0),
                store: cell(3)?.text()?.to_owned(),
                device: cell(4)?.text()?.to_owned(),
                refund_ticket: cell(5)?.text()?.to_owned(),
                reason: cell(6)?.text()?.to_owned(),
                excess: cell(7)?.opt_text()?.map(dec).transpose()?,
                unverified: cell(8)?.int()? != 0,
            });
        }
    }
    Ok(out)
}

impl<S: Storage> Server<S> {
    /// An original by reference, for a device of `store` (see
    /// [`lookup`]).
    pub fn refund_lookup(
        &self,
        store: &str,
        reference: &TicketRef,
        now: DateTime<Utc>,
    ) -> Result<FoundTicket> {
        self.with_tx(|tx| lookup(tx, store, reference, now.timestamp_millis()))
    }

    /// Reserves refundable quantities for device `device` (see [`reserve`]).
    pub fn refund_reserve(
        &self,
        device: &str,
        req: &ReserveRequest,
        now: DateTime<Utc>,
    ) -> Result<Reservation> {
        self.with_tx(|tx| {
            let dev = tx
                .device(device)?
                .ok_or(SyncError::NotFound { what: "device" })?;
            reserve(tx, &dev, req, now.timestamp_millis())
        })
    }

    /// The flagged refunds of a retailer's stores (the back office's list).
    pub fn refund_flags(&self, retailer: &str) -> Result<Vec<RefundFlag>> {
        self.with_tx(|tx| {
            let stores = tx.bo_stores(retailer)?;
            flags(tx, &stores)
        })
    }

    /// `POST /v1/refunds/...`, signed by a device.
    pub(crate) fn refunds_route(
        &self,
        req: &HttpRequest,
        path: &str,
        now: DateTime<Utc>,
    ) -> Result<HttpResponse> {
        if req.method != "POST" {
            return Err(SyncError::NotFound { what: "route" }.into());
        }
        match path {
            paths::LOOKUP => {
                let body = wire::decode_lookup(&req.body)?;
                let dev = self.device_for(req, now)?;
                let found = self.refund_lookup(&dev.store, &body.reference, now)?;
                Ok(json_response(200, &found))
            }
            paths::RESERVE => {
                let body = wire::decode_reserve(&req.body)?;
                let dev = self.device_for(req, now)?;
                let r = self.refund_reserve(&dev.id, &body, now)?;
                Ok(json_response(200, &r))
            }
            paths::FLAGS => {
                wire::decode_flags_request(&req.body)?;
                let dev = self.device_for(req, now)?;
                let flags = self.with_tx(|tx| {
                    let stores = tx.dr_retailer_stores(&dev.store)?;
                    flags(tx, &stores)
                })?;
                Ok(json_response(200, &FlagsResponse { flags }))
            }
            _ => Err(SyncError::NotFound { what: "route" }.into()),
        }
    }
}
