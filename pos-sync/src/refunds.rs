//! Refunds anywhere in the retailer (issue 16): the messages a till uses to
//! find an original ticket sold at another till or store, and to reserve the
//! quantities it is about to refund so that two tills cannot refund the same
//! line twice.
//!
//! - [`paths::LOOKUP`]: an original by reference ([`TicketRef`]): `REGISTER/T42`
//!   (or `STORE/REGISTER/T42`), the ticket's UUID, its receipt link or QR
//!   (`…/r/{ticket id}.{tag}`), or a gift-receipt code `GIFT-{ticket id}`.
//!   The answer ([`FoundTicket`]) carries the ticket as pos-core reads it,
//!   its store, register, fiscal number and, per line, what is still
//!   refundable (sold minus what was refunded or is reserved anywhere).
//! - [`paths::RESERVE`]: reserves quantities of lines of an original for
//!   [`RESERVATION_TTL_MS`]; idempotent on the till's key. The refund event
//!   that names the reservation (`refund_reservation` in its payload)
//!   consumes it.
//! - [`paths::FLAGS`]: the retailer's refunds the server flagged (an
//!   offline refund without verified original that refunded more than was
//!   left).
//!
//! Every request is signed by the till's device like a push; a device only
//! reaches tickets of its own retailer's stores (another retailer's ticket
//! is answered as not found).

use crate::error::{Result, SyncError};
use crate::wire::{check_version, decode};
use pos_core::ticket::Ticket;
use pos_fiscal::Series;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Routes of the refund queries (all `POST`, signed by the device).
pub mod paths {
    /// An original ticket by reference.
    pub const LOOKUP: &str = "/v1/refunds/lookup";
    /// Reserve refundable quantities of an original.
    pub const RESERVE: &str = "/v1/refunds/reserve";
    /// The retailer's flagged refunds.
    pub const FLAGS: &str = "/v1/refunds/flags";
}

/// How long a reservation holds quantities when no refund consumes it:
/// 30 minutes (a refund is rung up in minutes; a till that crashed between
/// reserving and completing gives the units back after this).
pub const RESERVATION_TTL_MS: i64 = 30 * 60 * 1000;

/// The prefix of a gift-receipt code (`GIFT-{ticket id}`).
pub const GIFT_PREFIX: &str = "GIFT-";

/// Longest reference text accepted.
pub const MAX_REFERENCE_LEN: usize = 512;

/// Why a refund query was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefundFailure {
    /// More than what is left of a line was asked.
    #[error("line {line} of the original has {left} left to refund, {asked} asked")]
    Exceeds {
        /// The line, numbered from 1.
        line: u32,
        /// What is left to refund (sold minus refunded and reserved).
        left: Decimal,
        /// What was asked.
        asked: Decimal,
    },
    /// The reservation key was used before for another request.
    #[error("reservation key already used for another request")]
    KeyConflict,
    /// `REGISTER/T42` names tickets in two stores: add the store.
    #[error("the reference names tickets in several stores: use STORE/REGISTER/T42")]
    Ambiguous,
    /// The text is none of the accepted reference forms.
    #[error("not a ticket reference (REGISTER/T42, a ticket id, a receipt link or GIFT-id)")]
    BadReference,
}

impl RefundFailure {
    /// The stable code of error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            RefundFailure::Exceeds { .. } => "refund_exceeds_remaining",
            RefundFailure::KeyConflict => "reservation_key_conflict",
            RefundFailure::Ambiguous => "ambiguous_reference",
            RefundFailure::BadReference => "bad_reference",
        }
    }

    /// The HTTP status the server answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            RefundFailure::BadReference => 400,
            _ => 409,
        }
    }
}

/// A reference to an original ticket, as typed, scanned or read from a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum TicketRef {
    /// `REGISTER/T42` or `STORE/REGISTER/T42`.
    Number {
        /// The store, when given.
        store: Option<String>,
        /// The register id.
        register: String,
        /// The fiscal series.
        series: Series,
        /// The number in the series.
        number: u64,
    },
    /// The ticket's id (a UUID), from a receipt QR or link.
    Id {
        /// The ticket id, lower-case hyphenated.
        ticket_id: String,
    },
    /// A gift receipt's code: refunds only as store credit.
    Gift {
        /// The ticket id.
        ticket_id: String,
    },
}

fn uuid_text(s: &str) -> Option<String> {
    let u = uuid::Uuid::try_parse(s).ok()?;
    (!u.is_nil() && !u.is_max()).then(|| u.hyphenated().to_string())
}

fn id_text(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl TicketRef {
    /// Reads a reference: `GIFT-{uuid}`, a UUID, a receipt link or token
    /// (`…/r/{uuid}.{tag}`), `REGISTER/T42` or `STORE/REGISTER/T42`.
    pub fn parse(text: &str) -> std::result::Result<TicketRef, RefundFailure> {
        let text = text.trim();
        if text.is_empty() || text.len() > MAX_REFERENCE_LEN {
            return Err(RefundFailure::BadReference);
        }
        if let Some(rest) = text
            .get(..GIFT_PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(GIFT_PREFIX))
            .and_then(|_| text.get(GIFT_PREFIX.len()..))
        {
            return uuid_text(rest)
                .map(|ticket_id| TicketRef::Gift { ticket_id })
                .ok_or(RefundFailure::BadReference);
        }
        if let Some(ticket_id) = uuid_text(text) {
            return Ok(TicketRef::Id { ticket_id });
        }
        // A receipt link: `{base}/r/{token}[?c=…]`, or the bare token.
        let token = match text.rsplit_once("/r/") {
            Some((_, t)) => t.split(['?', '#']).next().unwrap_or(""),
            None => text,
        };
        if let Some((id, _tag)) = token.rsplit_once('.')
            && let Some(ticket_id) = uuid_text(id)
        {
            return Ok(TicketRef::Id { ticket_id });
        }
        let parts: Vec<&str> = text.split('/').collect();
        let (store, register, doc) = match parts.as_slice() {
            [r, d] => (None, *r, *d),
            [s, r, d] if id_text(s) => (Some((*s).to_owned()), *r, *d),
            _ => return Err(RefundFailure::BadReference),
        };
        if !id_text(register) {
            return Err(RefundFailure::BadReference);
        }
        let series = doc
            .get(..1)
            .and_then(|c| Series::parse(&c.to_ascii_uppercase()))
            .ok_or(RefundFailure::BadReference)?;
        let number: u64 = doc
            .get(1..)
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse().ok())
            .filter(|n| *n > 0)
            .ok_or(RefundFailure::BadReference)?;
        Ok(TicketRef::Number {
            store,
            register: register.to_owned(),
            series,
            number,
        })
    }

    /// The ticket id when the reference names it directly.
    pub fn ticket_id(&self) -> Option<&str> {
        match self {
            TicketRef::Id { ticket_id } | TicketRef::Gift { ticket_id } => Some(ticket_id),
            TicketRef::Number { .. } => None,
        }
    }

    /// Whether the reference is a gift receipt's code.
    pub fn is_gift(&self) -> bool {
        matches!(self, TicketRef::Gift { .. })
    }
}

/// Finds an original by reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    /// Protocol version.
    pub protocol: u32,
    /// The reference.
    pub reference: TicketRef,
}

/// One line of an original and what is left of it to refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundableLine {
    /// The line's number on the ticket, from 1.
    pub line: u32,
    /// Quantity sold.
    pub sold: Decimal,
    /// Refunded by pushed refunds, at any till.
    pub refunded: Decimal,
    /// Held by open reservations of other refunds.
    pub reserved: Decimal,
    /// What may still be refunded (sold − refunded − reserved, at least 0).
    pub refundable: Decimal,
}

/// An original ticket found by reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoundTicket {
    /// The ticket as pos-core reads it.
    pub ticket: Ticket,
    /// Its store.
    pub store: String,
    /// Its register.
    pub register: String,
    /// Its fiscal series.
    pub series: Series,
    /// Its fiscal number.
    pub number: u64,
    /// Found by a gift-receipt code: refund only as store credit.
    pub gift: bool,
    /// Per line, what is left to refund.
    pub lines: Vec<RefundableLine>,
}

/// A quantity of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineQuantity {
    /// The line, numbered from 1.
    pub line: u32,
    /// The quantity (positive).
    pub quantity: Decimal,
}

/// Reserves quantities of lines of an original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReserveRequest {
    /// Protocol version.
    pub protocol: u32,
    /// The till's idempotency key (1 to 64 letters, digits, `-` or `_`):
    /// the same key and request give the same answer.
    pub key: String,
    /// The original ticket's id.
    pub ticket_id: String,
    /// What to reserve (each line at most once).
    pub lines: Vec<LineQuantity>,
}

/// A reservation made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reservation {
    /// The reservation id: the refund event names it (`refund_reservation`).
    pub reservation: String,
    /// The original ticket's id.
    pub ticket_id: String,
    /// What is reserved.
    pub lines: Vec<LineQuantity>,
    /// When it lapses if no refund consumes it (epoch ms, server time).
    pub expires_at_ms: i64,
}

/// Asks for the retailer's flagged refunds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagsRequest {
    /// Protocol version.
    pub protocol: u32,
}

/// A refund the server flagged when it synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundFlag {
    /// The refund event's id.
    pub event_id: String,
    /// The store and device that pushed the refund.
    pub store: String,
    /// The device.
    pub device: String,
    /// The refund ticket's id.
    pub refund_ticket: String,
    /// The original ticket's id.
    pub original: String,
    /// `over_refund` (more than sold was refunded in all) or
    /// `original_unknown` (the server holds no such original).
    pub reason: String,
    /// The line (from 1) and how much was refunded beyond what was sold.
    pub line: Option<u32>,
    /// The excess.
    pub excess: Option<Decimal>,
    /// Whether the refund was made offline without a verified original.
    pub unverified: bool,
}

/// The retailer's flagged refunds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagsResponse {
    /// Oldest first.
    pub flags: Vec<RefundFlag>,
}

/// What a pulled [`crate::wire::ChangeKind::Refund`] change says: lines of a
/// ticket of this store refunded at another till.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundedElsewhere {
    /// The original ticket's id.
    pub original: String,
    /// The refund ticket's id.
    pub refund_ticket: String,
    /// The device that refunded.
    pub device: String,
    /// Quantities refunded per line (from 1).
    pub lines: Vec<LineQuantity>,
}

fn invalid(rule: &'static str) -> SyncError {
    SyncError::Invalid {
        message: "refund request",
        rule,
    }
}

/// Decodes a lookup request.
pub fn decode_lookup(bytes: &[u8]) -> Result<LookupRequest> {
    let r: LookupRequest = decode(bytes, "refund lookup")?;
    check_version(r.protocol)?;
    if let Some(id) = r.reference.ticket_id()
        && uuid_text(id).as_deref() != Some(id)
    {
        return Err(invalid("a ticket id is a lower-case UUID"));
    }
    Ok(r)
}

/// The most lines one reservation names.
pub const MAX_LINES: usize = 1000;

/// Decodes and checks a reservation request: a key of 1 to 64 letters,
/// digits, `-` or `_`, a UUID ticket id, 1 to [`MAX_LINES`] distinct lines
/// from 1 with positive quantities of at most 3 decimals.
pub fn decode_reserve(bytes: &[u8]) -> Result<ReserveRequest> {
    let r: ReserveRequest = decode(bytes, "refund reservation")?;
    check_version(r.protocol)?;
    if !id_text(&r.key) {
        return Err(invalid("a key is 1 to 64 letters, digits, - or _"));
    }
    if uuid_text(&r.ticket_id).as_deref() != Some(r.ticket_id.as_str()) {
        return Err(invalid("a ticket id is a lower-case UUID"));
    }
    if r.lines.is_empty() || r.lines.len() > MAX_LINES {
        return Err(invalid("a reservation names 1 to 1000 lines"));
    }
    let mut seen = std::collections::BTreeSet::new();
    for l in &r.lines {
        if l.line == 0 || !seen.insert(l.line) {
            return Err(invalid("lines are numbered from 1, each named once"));
        }
        if l.quantity <= Decimal::ZERO || l.quantity.scale() > 3 {
            return Err(invalid("quantities are positive, at most 3 decimals"));
        }
    }
    Ok(r)
}

/// Decodes a flags request.
pub fn decode_flags_request(bytes: &[u8]) -> Result<FlagsRequest> {
    let r: FlagsRequest = decode(bytes, "refund flags")?;
    check_version(r.protocol)?;
    Ok(r)
}

/// Decodes a lookup answer (the ticket is read by pos-core's types).
pub fn decode_found(bytes: &[u8]) -> Result<FoundTicket> {
    decode(bytes, "refund lookup answer")
}

/// Decodes a reservation answer.
pub fn decode_reservation(bytes: &[u8]) -> Result<Reservation> {
    decode(bytes, "refund reservation answer")
}

/// Decodes a flags answer.
pub fn decode_flags(bytes: &[u8]) -> Result<FlagsResponse> {
    decode(bytes, "refund flags answer")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const ID: &str = "0190a5f2-7c1e-7abc-8def-0123456789ab";

    #[test]
    fn every_reference_form_reads() {
        let number = TicketRef::parse("R1/T42").unwrap();
        assert_eq!(
            number,
            TicketRef::Number {
                store: None,
                register: "R1".into(),
                series: Series::T,
                number: 42
            }
        );
        assert!(matches!(
            TicketRef::parse("S2/R1/t7").unwrap(),
            TicketRef::Number { store: Some(s), number: 7, .. } if s == "S2"
        ));
        assert_eq!(TicketRef::parse(ID).unwrap().ticket_id(), Some(ID));
        let upper = ID.to_uppercase();
        assert_eq!(TicketRef::parse(&upper).unwrap().ticket_id(), Some(ID));
        let link = format!("https://r.example/r/{ID}.abcdefghijklmnopqrstuv?c=xyz");
        assert_eq!(
            TicketRef::parse(&link).unwrap(),
            TicketRef::Id {
                ticket_id: ID.into()
            }
        );
        let gift = TicketRef::parse(&format!("GIFT-{ID}")).unwrap();
        assert!(gift.is_gift());
        assert_eq!(gift.ticket_id(), Some(ID));
        for bad in [
            "",
            "R1",
            "R1/T0",
            "R1/Q4",
            "R1/T-4",
            "a/b/c/T1",
            "GIFT-nope",
            "R 1/T4",
        ] {
            assert_eq!(
                TicketRef::parse(bad),
                Err(RefundFailure::BadReference),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_reservation_names_distinct_positive_lines() {
        let ok = format!(
            r#"{{"protocol":1,"key":"k-1","ticket_id":"{ID}","lines":[{{"line":1,"quantity":"1"}}]}}"#
        );
        assert_eq!(decode_reserve(ok.as_bytes()).unwrap().lines.len(), 1);
        for lines in [
            r#"[]"#,
            r#"[{"line":0,"quantity":"1"}]"#,
            r#"[{"line":1,"quantity":"0"}]"#,
            r#"[{"line":1,"quantity":"-1"}]"#,
            r#"[{"line":1,"quantity":"1"},{"line":1,"quantity":"1"}]"#,
            r#"[{"line":1,"quantity":"0.0001"}]"#,
        ] {
            let bad = format!(r#"{{"protocol":1,"key":"k","ticket_id":"{ID}","lines":{lines}}}"#);
            assert!(decode_reserve(bad.as_bytes()).is_err(), "{lines}");
        }
        let key = format!(
            r#"{{"protocol":1,"key":"a b","ticket_id":"{ID}","lines":[{{"line":1,"quantity":"1"}}]}}"#
        );
        assert!(decode_reserve(key.as_bytes()).is_err());
    }
}
