//! Journal writes: genesis, start-up, tickets, duplicates, JET events, key
//! changes. Each public function is one journal operation: it runs inside
//! the caller's transaction and logs a clock regression first if there is
//! one. A record costs one signature: the head is re-signed only by
//! [`seal`] (initialisation, closures, archives, key changes, the facade's
//! idle / shutdown / sync calls) and when the unsealed tail reaches
//! [`SEAL_EVERY`] records.

use super::rows::{self, Derived};
use super::totals;
use crate::canon;
use crate::error::{FiscalError, Result};
use crate::head::SignedHead;
use crate::jet::JetCode;
use crate::model::{DocRef, Series, Stamp};
use crate::payload::{DuplicatePayload, HeadEntry, HeadPayload, JetPayload};
use crate::record::{FORMAT_V2, StoredRecord, genesis_hash, receipt_extract, signed_string};
use crate::signer::{Signer, sign_fixed};
use crate::ticket::{Operation, TicketInput, TicketMode, TicketPayload};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the till prints from a recorded document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The document.
    pub doc: DocRef,
    /// Its record hash.
    pub hash: String,
    /// Its signature, base64url.
    pub signature_b64: String,
    /// The 4-character extract printed on the receipt.
    pub extract: String,
}

fn local_date(stamp: &Stamp) -> Result<chrono::NaiveDate> {
    stamp
        .local_date()
        .ok_or(FiscalError::Malformed { what: "timestamp" })
}

/// The most records a journal holds beyond its signed head: an append that
/// would make it more seals the head first. The verifier reports a longer
/// unsealed tail as records beyond the head.
pub const SEAL_EVERY: u64 = 64;

/// Appends one signed record to `series` (number, chain, journal counter,
/// signed string, signature, hash). Touches the head only when the
/// unsealed tail already holds [`SEAL_EVERY`] records.
#[allow(clippy::too_many_arguments)] // one flat call site per record kind
pub(crate) fn append<P: Serialize>(
    conn: &Connection,
    signer: &dyn Signer,
    series: Series,
    kind: &str,
    stamp: &Stamp,
    payload: &P,
    reference: Option<DocRef>,
    amount: i64,
) -> Result<StoredRecord> {
    let register = rows::meta_required(conn, "register")?;
    let mut counter = rows::journal_counter(conn)?;
    let sealed = rows::head_seq(conn)?
        .and_then(|h| u64::try_from(h).ok())
        .unwrap_or(0);
    if counter.saturating_sub(sealed) >= SEAL_EVERY {
        seal(conn, signer, stamp)?;
        counter = rows::journal_counter(conn)?;
    }
    let head_seq = counter
        .checked_add(1)
        .ok_or(FiscalError::Overflow { what: "head_seq" })?;
    let (number, prev_hash, prev_sig) = match rows::last_record(conn, series)? {
        Some(last) => (
            last.number
                .checked_add(1)
                .ok_or(FiscalError::Overflow { what: "number" })?,
            last.hash.clone(),
            Some(
                last.signature_b64()
                    .ok_or(FiscalError::Malformed { what: "signature" })?,
            ),
        ),
        None => (
            1,
            genesis_hash(
                &register,
                &rows::meta_required(conn, "genesis_key_id")?,
                &rows::meta_required(conn, "init_ts")?,
                series,
            )?,
            None,
        ),
    };
    let bytes = canon::to_canonical(payload)?;
    let signed = signed_string::build(series, number, kind, &bytes, stamp, prev_sig.as_deref())?;
    let mut rec = StoredRecord {
        format: FORMAT_V2,
        head_seq: Some(head_seq),
        register,
        series,
        number,
        kind: kind.to_string(),
        ts: stamp.utc_string(),
        utc_offset_min: stamp.offset_min,
        key_id: signer.key_id(),
        payload: String::from_utf8(bytes)
            .map_err(|_| FiscalError::Malformed { what: "payload" })?,
        signed_string: signed,
        prev_hash,
        signature: String::new(),
        hash: String::new(),
    };
    let sig = sign_fixed(signer, &rec.envelope_bytes()?)?;
    rec.signature = hex::encode(sig);
    rec.hash = rec.compute_hash()?;
    let d = Derived {
        local_date: local_date(stamp)?.to_string(),
        reference,
        amount,
    };
    rows::insert_record(conn, &rec, &d)?;
    Ok(rec)
}

/// The current last number and hash of every non-empty series.
pub(crate) fn current_heads(conn: &Connection) -> Result<BTreeMap<Series, HeadEntry>> {
    let mut st = conn.prepare_cached(
        "SELECT number, hash FROM fiscal_record WHERE series = ?1 ORDER BY number DESC LIMIT 1",
    )?;
    let mut out = BTreeMap::new();
    for s in Series::ALL {
        let last: Option<(i64, String)> = st
            .query_row([s.code()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((n, hash)) = last {
            let last = u64::try_from(n).map_err(|_| FiscalError::Malformed { what: "number" })?;
            out.insert(s, HeadEntry { last, hash });
        }
    }
    Ok(out)
}

/// Starts a journal operation: checks initialisation and key, logs a
/// backward clock jump (JET 300) before anything else.
pub(crate) fn begin(conn: &Connection, signer: &dyn Signer, stamp: &Stamp) -> Result<()> {
    let current = rows::meta_required(conn, "current_key_id")?;
    if current != signer.key_id() {
        return Err(FiscalError::WrongKey {
            key_id: signer.key_id(),
        });
    }
    let last = rows::meta_required(conn, "last_ts")?;
    let now = stamp.utc_string();
    // Same fixed-width UTC format: string order is time order.
    if now < last {
        let mut detail = BTreeMap::new();
        detail.insert("previous_ts".to_string(), last);
        detail.insert("new_ts".to_string(), now);
        jet(
            conn,
            signer,
            stamp,
            JetCode::ClockRegression,
            "system",
            detail,
        )?;
    }
    Ok(())
}

/// Ends a journal operation: advances the last-seen time. The head is not
/// re-signed here (one signature per record); see [`seal`].
pub(crate) fn finish(conn: &Connection, _signer: &dyn Signer, stamp: &Stamp) -> Result<()> {
    let last = rows::meta_required(conn, "last_ts")?;
    let now = stamp.utc_string();
    if now > last {
        rows::meta_set(conn, "last_ts", &now)?;
    }
    Ok(())
}

/// Seals the journal: signs a head naming the last number and hash of every
/// series and the journal counter reached, in the caller's transaction.
/// Does nothing (and signs nothing) when the head already covers every
/// record. Returns whether a head was signed.
///
/// Call it when the till goes idle, before shutdown and before a sync push;
/// initialisation, closures, archives, purges and key changes seal by
/// themselves, and an append seals first when [`SEAL_EVERY`] records are
/// unsealed. The verifier accepts records beyond the head only when their
/// counters continue the head's without a gap.
pub fn seal(conn: &Connection, signer: &dyn Signer, now: &Stamp) -> Result<bool> {
    let current = rows::meta_required(conn, "current_key_id")?;
    if current != signer.key_id() {
        return Err(FiscalError::WrongKey {
            key_id: signer.key_id(),
        });
    }
    let counter = rows::journal_counter(conn)?;
    let sealed = rows::head_seq(conn)?;
    if sealed.is_some_and(|h| u64::try_from(h).is_ok_and(|h| h >= counter)) {
        return Ok(false);
    }
    // A format-1 journal put back without a head starts its counter at 1.
    let head_seq = counter.max(1);
    let payload = HeadPayload {
        kind: "head".into(),
        register: rows::meta_required(conn, "register")?,
        head_seq,
        key_id: signer.key_id(),
        ts: now.utc_string(),
        series: current_heads(conn)?,
    };
    let h = SignedHead::sign(&payload, signer)?;
    rows::store_head(conn, head_seq, &h)?;
    Ok(true)
}

/// Appends one JET record (series E).
pub(crate) fn jet(
    conn: &Connection,
    signer: &dyn Signer,
    stamp: &Stamp,
    code: JetCode,
    operator: &str,
    detail: BTreeMap<String, String>,
) -> Result<StoredRecord> {
    let p = JetPayload {
        register: rows::meta_required(conn, "register")?,
        code: code.code(),
        text: code.text().to_string(),
        operator: operator.to_string(),
        detail,
    };
    append(conn, signer, Series::E, "jet", stamp, &p, None, 0)
}

fn recorded(r: &StoredRecord) -> Result<Recorded> {
    let b64 = r
        .signature_b64()
        .ok_or(FiscalError::Malformed { what: "signature" })?;
    Ok(Recorded {
        doc: DocRef {
            series: r.series,
            number: r.number,
        },
        hash: r.hash.clone(),
        extract: receipt_extract(&b64),
        signature_b64: b64,
    })
}

/// Initialises the journal: genesis values derived from register id, key id
/// and `now`, logged as JET 260 (record E1). Fails if already initialised.
pub fn init(
    conn: &Connection,
    signer: &dyn Signer,
    register: &str,
    now: Stamp,
) -> Result<Recorded> {
    if rows::meta_get(conn, "register")?.is_some() {
        return Err(FiscalError::JournalState {
            state: "already initialised",
        });
    }
    if register.is_empty() || register.contains(',') {
        return Err(FiscalError::JournalState {
            state: "register id must be non-empty without commas",
        });
    }
    let ts = now.utc_string();
    let key_id = signer.key_id();
    rows::meta_set(conn, "register", register)?;
    rows::meta_set(conn, "init_ts", &ts)?;
    rows::meta_set(conn, "genesis_key_id", &key_id)?;
    rows::meta_set(conn, "current_key_id", &key_id)?;
    rows::meta_set(
        conn,
        &format!("public_key:{key_id}"),
        &hex::encode(signer.public_key_sec1()),
    )?;
    rows::meta_set(conn, "last_ts", &ts)?;
    let mut detail = BTreeMap::new();
    detail.insert("register".to_string(), register.to_string());
    detail.insert("key_id".to_string(), key_id);
    detail.insert("init_ts".to_string(), ts);
    detail.insert(
        "public_key".to_string(),
        hex::encode(signer.public_key_sec1()),
    );
    let r = jet(
        conn,
        signer,
        &now,
        JetCode::Initialisation,
        "system",
        detail,
    )?;
    finish(conn, signer, &now)?;
    seal(conn, signer, &now)?;
    recorded(&r)
}

/// Logs a start-up (JET 80); call on every open of the till. A changed
/// software version is also logged (JET 250).
pub fn open(
    conn: &Connection,
    signer: &dyn Signer,
    now: Stamp,
    operator: &str,
    software_version: &str,
) -> Result<Recorded> {
    begin(conn, signer, &now)?;
    let previous = rows::meta_get(conn, "software_version")?;
    if previous.as_deref() != Some(software_version) {
        let mut d = BTreeMap::new();
        d.insert("from".to_string(), previous.unwrap_or_default());
        d.insert("to".to_string(), software_version.to_string());
        jet(conn, signer, &now, JetCode::SoftwareUpdate, operator, d)?;
        rows::meta_set(conn, "software_version", software_version)?;
    }
    let mut d = BTreeMap::new();
    d.insert("software_version".to_string(), software_version.to_string());
    let r = jet(conn, signer, &now, JetCode::StartUp, operator, d)?;
    finish(conn, signer, &now)?;
    recorded(&r)
}

/// Records an administrative or technical event (update, rights, settings,
/// export, accountant exchange...) as a signed JET record.
pub fn record_event(
    conn: &Connection,
    signer: &dyn Signer,
    now: Stamp,
    code: JetCode,
    operator: &str,
    detail: BTreeMap<String, String>,
) -> Result<Recorded> {
    if matches!(code, JetCode::Initialisation | JetCode::KeyChange) {
        return Err(FiscalError::JournalState {
            state: "use init / change_key for this event",
        });
    }
    begin(conn, signer, &now)?;
    let r = jet(conn, signer, &now, code, operator, detail)?;
    finish(conn, signer, &now)?;
    recorded(&r)
}

/// The last closed local day, read from the signed closure records (never
/// from a mutable value): the latest of the last day closure's day, the last
/// month closure's last day and the last year closure's 31 December.
pub fn last_closed_day(conn: &Connection) -> Result<Option<chrono::NaiveDate>> {
    use crate::payload::{ClosureLevel, ClosurePayload};
    let mut st = conn.prepare_cached(
        "SELECT payload FROM fiscal_record WHERE series = 'Z' AND kind = ?1
         ORDER BY number DESC LIMIT 1",
    )?;
    let mut last: Option<chrono::NaiveDate> = None;
    for level in [ClosureLevel::Day, ClosureLevel::Month, ClosureLevel::Year] {
        let payload: Option<String> = st.query_row([level.kind()], |r| r.get(0)).optional()?;
        let Some(payload) = payload else { continue };
        let p: ClosurePayload = canon::from_canonical(payload.as_bytes(), "closure payload")?;
        let end = crate::closure::period_end(level, &p.period)?;
        last = Some(last.map_or(end, |l| l.max(end)));
    }
    Ok(last)
}

/// Records a finalised ticket: validates it, appends the signed record in
/// its series (T, I, X or B), updates the running totals (T and I only),
/// logs a JET 190 for a refund. One signature per record; the head is not
/// re-signed (see [`seal`]).
pub fn record_ticket(
    conn: &Connection,
    signer: &dyn Signer,
    now: Stamp,
    ticket: &TicketInput,
) -> Result<Recorded> {
    ticket.validate()?;
    let series = match ticket.mode {
        TicketMode::Ticket => Series::T,
        TicketMode::Invoice => Series::I,
        TicketMode::Training => Series::X,
        TicketMode::Provisional => Series::B,
    };
    let date = local_date(&now)?;
    if series.counts_in_totals()
        && let Some(closed) = last_closed_day(conn)?
        && date <= closed
    {
        return Err(FiscalError::BeforeLastClosure { date, closed });
    }
    let register = rows::meta_required(conn, "register")?;
    if ticket.original_register.as_deref() == Some(register.as_str()) {
        return Err(FiscalError::InvalidTicket {
            rule: "original_register names another till (omit it for this till's originals)",
        });
    }
    // An original recorded at another till is not in this journal: what is
    // left to refund on it is checked where it is known (the sync server's
    // reservation), not here.
    if let Some(orig) = ticket
        .original
        .filter(|_| ticket.original_register.is_none())
    {
        let o = rows::record_by_ref(conn, orig)?.ok_or(FiscalError::UnknownDocument {
            series: orig.series,
            number: orig.number,
        })?;
        // An exchange's new lines are sold goods too: they can be refunded
        // or exchanged in turn.
        if !(o.kind == "sale" || o.kind == "exchange") || orig.series != series {
            return Err(FiscalError::InvalidTicket {
                rule: "a refund or an exchange references a sale of its own series",
            });
        }
        let p: TicketPayload = canon::from_canonical(o.payload.as_bytes(), "ticket payload")?;
        let sold = p
            .ticket
            .lines
            .iter()
            .filter(|l| l.amount > 0)
            .try_fold(0i64, |a, l| a.checked_add(l.amount))
            .ok_or(FiscalError::Overflow { what: "refund" })?;
        let left = sold
            .checked_add(rows::refunded_amount(conn, orig)?)
            .ok_or(FiscalError::Overflow { what: "refund" })?;
        // What this document gives back on its original: a refund's total,
        // an exchange's return lines (its sale lines are new goods).
        let returned = ticket
            .lines
            .iter()
            .filter(|l| l.amount < 0)
            .try_fold(0i64, |a, l| a.checked_add(l.amount))
            .ok_or(FiscalError::Overflow { what: "refund" })?;
        if returned.checked_add(left).is_none_or(|x| x < 0) {
            return Err(FiscalError::RefundTooLarge {
                series: orig.series,
                number: orig.number,
            });
        }
    }
    begin(conn, signer, &now)?;
    let payload = TicketPayload {
        register,
        ticket: ticket.clone(),
    };
    let kind = ticket.operation.code();
    let r = append(
        conn,
        signer,
        series,
        kind,
        &now,
        &payload,
        ticket.original,
        ticket.total,
    )?;
    if series.counts_in_totals() {
        totals::add_ticket(conn, date, ticket)?;
    }
    if ticket.operation != Operation::Sale {
        // A refund cancels (part of) its original; an exchange too, for its
        // return lines: both are logged as JET 190.
        let mut d = BTreeMap::new();
        d.insert("document".to_string(), format!("{}{}", r.series, r.number));
        if let Some(o) = ticket.original {
            d.insert("original".to_string(), format!("{}{}", o.series, o.number));
        }
        if let Some(reg) = &ticket.original_register {
            d.insert("original_register".to_string(), reg.clone());
        }
        if ticket.operation == Operation::Exchange {
            let returned = ticket
                .lines
                .iter()
                .filter(|l| l.amount < 0)
                .try_fold(0i64, |a, l| a.checked_add(l.amount))
                .ok_or(FiscalError::Overflow { what: "exchange" })?;
            d.insert("amount".to_string(), returned.to_string());
            d.insert("balance".to_string(), ticket.total.to_string());
        } else {
            d.insert("amount".to_string(), ticket.total.to_string());
        }
        jet(
            conn,
            signer,
            &now,
            JetCode::Cancellation,
            &ticket.operator,
            d,
        )?;
    }
    finish(conn, signer, &now)?;
    recorded(&r)
}

/// Records a reprint of `original` in series C with the next counter
/// (1, 2, 3...). Totals do not move. Returns the record and the counter.
pub fn record_duplicate(
    conn: &Connection,
    signer: &dyn Signer,
    now: Stamp,
    original: DocRef,
    operator: &str,
) -> Result<(Recorded, u32)> {
    let doc_type = match original.series {
        Series::T => "ticket",
        Series::I => "invoice",
        Series::X => "training",
        Series::B => "provisional",
        Series::Z => "closure",
        _ => {
            return Err(FiscalError::InvalidTicket {
                rule: "only documents can be reprinted",
            });
        }
    };
    if rows::record_by_ref(conn, original)?.is_none() {
        return Err(FiscalError::UnknownDocument {
            series: original.series,
            number: original.number,
        });
    }
    begin(conn, signer, &now)?;
    let reprint = rows::reprints(conn, original)?
        .checked_add(1)
        .ok_or(FiscalError::Overflow {
            what: "reprint counter",
        })?;
    let p = DuplicatePayload {
        register: rows::meta_required(conn, "register")?,
        original,
        doc_type: doc_type.to_string(),
        reprint,
        operator: operator.to_string(),
    };
    let r = append(
        conn,
        signer,
        Series::C,
        "duplicate",
        &now,
        &p,
        Some(original),
        0,
    )?;
    finish(conn, signer, &now)?;
    Ok((recorded(&r)?, reprint))
}

/// Replaces the signing key: a JET 310 naming the new public key, signed by
/// the old key; later records are signed by the new key.
pub fn change_key(
    conn: &Connection,
    old: &dyn Signer,
    new: &dyn Signer,
    now: Stamp,
    operator: &str,
) -> Result<Recorded> {
    begin(conn, old, &now)?;
    let mut d = BTreeMap::new();
    d.insert("new_key_id".to_string(), new.key_id());
    d.insert(
        "new_public_key".to_string(),
        hex::encode(new.public_key_sec1()),
    );
    let r = jet(conn, old, &now, JetCode::KeyChange, operator, d)?;
    rows::meta_set(conn, "current_key_id", &new.key_id())?;
    rows::meta_set(
        conn,
        &format!("public_key:{}", new.key_id()),
        &hex::encode(new.public_key_sec1()),
    )?;
    finish(conn, new, &now)?;
    // The head is signed by the key in force from now on.
    seal(conn, new, &now)?;
    recorded(&r)
}
