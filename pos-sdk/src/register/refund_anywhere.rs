//! Refunds anywhere in the retailer (issue 16), till side.
//!
//! - [`Register::find_original`] finds an original by reference (see
//!   [`pos_sync::refunds::TicketRef`]): through the sync server when the
//!   till reaches it (any till of any store of its retailer), else in the
//!   till's own tickets and in the originals it looked up before. What is
//!   left to refund comes from the server when online (every till's
//!   refunds and reservations), from the till's own knowledge offline.
//! - [`Register::reserve_refund`] reserves on the server what a refund
//!   takes back, before the refund completes; the refund event then names
//!   the reservation, which the server consumes. A refund of another
//!   till's original is recorded with its fiscal reference to that till
//!   (`original_register`, `STORE/REGISTER` when the store differs), so the
//!   journal and the receipt name the original's till, series and number.
//! - Offline, [`Register::check_offline_refund`] applies the retailer's
//!   policy (the `offline_refund` till setting): `refuse`, or
//!   `manager_approval` (an actor with the manager's permissions), the
//!   refund then being recorded as without verified original
//!   (`unverified_original` in the outbox event; the server flags it when
//!   it syncs if it over-refunds).
//! - Refunds of this till's tickets made at other tills come back through
//!   the pull ([`pos_sync::wire::ChangeKind::Refund`]) and count in
//!   [`Register::refunded_quantities`].

use super::Register;
use crate::SdkError;
use pos_core::cart::{Actor, Cart, Permission, Permissions};
use pos_core::ticket::{RefundSelection, Ticket};
use pos_fiscal::model::{DocRef, Series};
use pos_sync::refunds::{
    self as wire, FoundTicket, LineQuantity, RefundFailure, RefundedElsewhere, Reservation,
    TicketRef,
};
use pos_sync::transport::Transport;
use pos_sync::wire::Change;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};

/// The last time stamp a refund request was signed with, in this process.
static LAST_STAMP_MS: AtomicI64 = AtomicI64::new(0);

/// The till's refund tables (created with `IF NOT EXISTS` when the file
/// opens): refunds of its tickets made elsewhere, the originals it looked
/// up at the server and the reservations it holds.
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS remote_refunds (
    source TEXT NOT NULL, original_id TEXT NOT NULL, line INTEGER NOT NULL,
    quantity TEXT NOT NULL, PRIMARY KEY (source, original_id, line));
CREATE TABLE IF NOT EXISTS remote_originals (
    ticket_id TEXT PRIMARY KEY, store TEXT NOT NULL, register TEXT NOT NULL,
    series TEXT NOT NULL, number INTEGER NOT NULL, gift INTEGER NOT NULL,
    reservation TEXT, unverified INTEGER NOT NULL DEFAULT 0, json TEXT NOT NULL);
";

/// The `offline_refund` policy values.
pub const OFFLINE_REFUSE: &str = "refuse";
/// Offline refunds allowed with a manager's approval, as refunds without
/// verified original.
pub const OFFLINE_MANAGER_APPROVAL: &str = "manager_approval";
/// The till-setting key of the offline policy.
pub const OFFLINE_REFUND_KEY: &str = "offline_refund";

/// What a refund needs when the server cannot check its original (the
/// retailer's `offline_refund` till setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OfflineRefund {
    /// Refused (`offline_refund_refused`).
    #[default]
    Refuse,
    /// Allowed with a manager's approval, recorded as a refund without
    /// verified original and flagged by the server if it over-refunds.
    ManagerApproval,
}

impl OfflineRefund {
    /// The setting's text.
    pub fn code(self) -> &'static str {
        match self {
            OfflineRefund::Refuse => OFFLINE_REFUSE,
            OfflineRefund::ManagerApproval => OFFLINE_MANAGER_APPROVAL,
        }
    }

    /// Reads the setting's text.
    pub fn parse(s: &str) -> Option<OfflineRefund> {
        match s {
            OFFLINE_REFUSE => Some(OfflineRefund::Refuse),
            OFFLINE_MANAGER_APPROVAL => Some(OfflineRefund::ManagerApproval),
            _ => None,
        }
    }
}

/// Why a refund anywhere was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RefundAnywhereError {
    /// The till's own store.
    #[error(transparent)]
    Till(#[from] SdkError),
    /// The server refused or could not be reached.
    #[error(transparent)]
    Sync(#[from] pos_sync::SyncError),
    /// A line has less left to refund than asked (the server's count, every
    /// till included).
    #[error("line {line} of the original has {left} left to refund, {asked} asked")]
    Exceeds {
        /// The line, from 1.
        line: u32,
        /// What is left.
        left: Decimal,
        /// What was asked.
        asked: Decimal,
    },
    /// Offline, and the retailer's policy refuses refunds that cannot be
    /// checked (or it needs a manager and the actor is not one).
    #[error("offline refund refused by the retailer's policy ({policy})")]
    OfflineRefused {
        /// The policy in force.
        policy: &'static str,
    },
    /// A gift receipt's refund is paid as store credit only.
    #[error("a refund from a gift receipt is paid as store credit only")]
    GiftStoreCreditOnly,
}

impl RefundAnywhereError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            RefundAnywhereError::Till(e) => e.kind(),
            RefundAnywhereError::Sync(e) => e.code(),
            RefundAnywhereError::Exceeds { .. } => "refund_exceeds_remaining",
            RefundAnywhereError::OfflineRefused { .. } => "offline_refund_refused",
            RefundAnywhereError::GiftStoreCreditOnly => "gift_store_credit_only",
        }
    }
}

/// An original found by reference.
#[derive(Debug, Clone)]
pub struct FoundOriginal {
    /// The ticket.
    pub ticket: Ticket,
    /// Its store.
    pub store: String,
    /// Its register.
    pub register: String,
    /// Its series.
    pub series: Series,
    /// Its number.
    pub number: u64,
    /// Found by a gift-receipt code: refund as store credit only.
    pub gift: bool,
    /// Per line (from 1), what is left to refund.
    pub refundable: BTreeMap<u32, Decimal>,
    /// Counted by the server (online), not only by this till.
    pub verified: bool,
}

impl FoundOriginal {
    /// `REGISTER/T42` (with the store when it is another store's).
    pub fn reference(&self, own_store: &str) -> String {
        if self.store == own_store {
            format!("{}/{}{}", self.register, self.series.code(), self.number)
        } else {
            format!(
                "{}/{}/{}{}",
                self.store,
                self.register,
                self.series.code(),
                self.number
            )
        }
    }
}

fn sql(e: rusqlite::Error) -> RefundAnywhereError {
    RefundAnywhereError::Till(SdkError::Storage(e))
}

/// Whether a failure says the server was not reached (the till is offline).
fn offline(e: &pos_sync::SyncError) -> bool {
    matches!(
        e,
        pos_sync::SyncError::Transport { .. } | pos_sync::SyncError::Unavailable { .. }
    )
}

impl Register {
    /// The original named by `reference`: through the server when
    /// `transport` reaches it, else from this till's own knowledge
    /// (`verified` false).
    pub fn find_original(
        &mut self,
        reference: &str,
        transport: Option<&mut dyn Transport>,
    ) -> Result<FoundOriginal, RefundAnywhereError> {
        let r = TicketRef::parse(reference).map_err(pos_sync::SyncError::from)?;
        if let Some(t) = transport
            && crate::sync::credentials(self)?.is_some()
        {
            match self.lookup_online(&r, t) {
                Ok(found) => return Ok(found),
                Err(RefundAnywhereError::Sync(e)) if offline(&e) => {}
                Err(e) => return Err(e),
            }
        }
        self.lookup_local(&r)
    }

    fn lookup_online(
        &mut self,
        r: &TicketRef,
        transport: &mut dyn Transport,
    ) -> Result<FoundOriginal, RefundAnywhereError> {
        let body = serde_json::to_vec(&wire::LookupRequest {
            protocol: pos_sync::wire::PROTOCOL_VERSION,
            reference: r.clone(),
        })
        .map_err(SdkError::from)?;
        let resp = self.send_signed(transport, wire::paths::LOOKUP, body)?;
        let found: FoundTicket = wire::decode_found(&resp.body)?;
        let refundable = found.lines.iter().map(|l| (l.line, l.refundable)).collect();
        let out = FoundOriginal {
            ticket: found.ticket,
            store: found.store,
            register: found.register,
            series: found.series,
            number: found.number,
            gift: found.gift,
            refundable,
            verified: true,
        };
        self.keep_remote(&out)?;
        Ok(out)
    }

    fn send_signed(
        &self,
        transport: &mut dyn Transport,
        path: &str,
        body: Vec<u8>,
    ) -> Result<pos_sync::transport::HttpResponse, RefundAnywhereError> {
        let creds = crate::sync::credentials(self)?.ok_or(pos_sync::SyncError::NotFound {
            what: "sync enrolment",
        })?;
        // Two requests in the same millisecond with the same body would
        // sign the same bytes (a replay to the server): the stamp moves on.
        let now = self.clock.now().timestamp_millis();
        let now = LAST_STAMP_MS
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| {
                Some(now.max(last.saturating_add(1)))
            })
            .map_or(now, |last| now.max(last.saturating_add(1)));
        let req = pos_sync::client::signed(&creds, "POST", path, body, now);
        let resp = transport.send(&req)?;
        if resp.status != 200 {
            return Err(pos_sync::client::server_error(&resp).into());
        }
        Ok(resp)
    }

    fn keep_remote(&self, o: &FoundOriginal) -> Result<(), RefundAnywhereError> {
        let n = i64::try_from(o.number).map_err(|_| SdkError::Corrupt {
            what: "ticket number",
        })?;
        self.conn
            .execute(
                "INSERT INTO remote_originals(ticket_id, store, register, series, number, gift, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(ticket_id) DO UPDATE SET gift = excluded.gift",
                params![
                    o.ticket.id(),
                    o.store,
                    o.register,
                    o.series.code(),
                    n,
                    o.gift,
                    serde_json::to_string(&o.ticket).map_err(SdkError::from)?
                ],
            )
            .map_err(sql)?;
        Ok(())
    }

    fn lookup_local(&self, r: &TicketRef) -> Result<FoundOriginal, RefundAnywhereError> {
        let own = |ticket: Ticket, series: Series, number: u64| FoundOriginal {
            store: self.config.store.as_str().to_owned(),
            register: self.config.register.as_str().to_owned(),
            ticket,
            series,
            number,
            gift: r.is_gift(),
            refundable: BTreeMap::new(),
            verified: false,
        };
        let mut found = match r {
            TicketRef::Number {
                store,
                register,
                series,
                number,
            } if register == self.config.register.as_str()
                && store
                    .as_deref()
                    .is_none_or(|s| s == self.config.store.as_str()) =>
            {
                own(self.ticket_by_number(*series, *number)?, *series, *number)
            }
            TicketRef::Id { ticket_id } | TicketRef::Gift { ticket_id } => {
                let row = super::receipts::stored_doc_row(&self.conn, ticket_id).map_err(sql)?;
                match row {
                    Some((s, n)) => {
                        let ticket = self.ticket(ticket_id)?;
                        let doc = super::receipts::doc_ref_of(&s, n)?;
                        own(ticket, doc.series, doc.number)
                    }
                    None => self.cached_remote(ticket_id, r.is_gift())?,
                }
            }
            TicketRef::Number { .. } => {
                return Err(SdkError::NotFound {
                    what: "ticket",
                    id: "another till's ticket (offline)".into(),
                }
                .into());
            }
        };
        let already = self.refunded_quantities(found.ticket.id())?;
        for (i, l) in found.ticket.lines().iter().enumerate() {
            let line = u32::try_from(i.saturating_add(1)).unwrap_or(u32::MAX);
            let done = already.get(&i).copied().unwrap_or_default();
            let left = l.quantity.checked_sub(done).unwrap_or_default();
            found.refundable.insert(line, left.max(Decimal::ZERO));
        }
        Ok(found)
    }

    fn cached_remote(&self, id: &str, gift: bool) -> Result<FoundOriginal, RefundAnywhereError> {
        let row: Option<(String, String, String, i64, String)> = self
            .conn
            .query_row(
                "SELECT store, register, series, number, json FROM remote_originals WHERE ticket_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .map_err(sql)?;
        let (store, register, series, number, json) = row.ok_or_else(|| SdkError::NotFound {
            what: "ticket",
            id: id.chars().take(40).collect(),
        })?;
        let ticket: Ticket = serde_json::from_str(&json).map_err(SdkError::from)?;
        let doc = super::receipts::doc_ref_of(&series, number)?;
        Ok(FoundOriginal {
            ticket,
            store,
            register,
            series: doc.series,
            number: doc.number,
            gift,
            refundable: BTreeMap::new(),
            verified: false,
        })
    }

    /// A refund cart for `lines` of `found` (everything left when `None`),
    /// limited by what `found` says is left. Needs the return permission.
    pub fn refund_cart_from(
        &self,
        found: &FoundOriginal,
        lines: Option<&[super::RefundLine]>,
        actor: &Actor,
    ) -> Result<Cart, RefundAnywhereError> {
        if !actor.permissions.has(Permission::Return) {
            return Err(SdkError::PermissionRequired {
                action: "refunding a ticket",
                permission: Permission::Return.name(),
            }
            .into());
        }
        let already = already_of(found);
        let made = match lines {
            Some(lines) => {
                let selections = selections_within(found, lines)?;
                Cart::refund_of(&found.ticket, &selections, &already, actor)
            }
            None => Cart::full_refund_of(&found.ticket, &already, actor),
        };
        made.map_err(|e| RefundAnywhereError::Till(SdkError::Core(e)))
    }

    /// An exchange cart giving back `returns` of `found` (another till's
    /// original found through the server, or this till's), limited by what
    /// `found` says is left; the new items are then scanned into it. Needs
    /// the return permission.
    pub fn exchange_cart_from(
        &self,
        found: &FoundOriginal,
        returns: &[super::RefundLine],
        actor: &Actor,
    ) -> Result<Cart, RefundAnywhereError> {
        selections_within(found, returns)?;
        Ok(super::exchange_cart_of(
            &found.ticket,
            &already_of(found),
            returns,
            actor,
        )?)
    }

    /// Reserves on the server what `cart` takes back of `found` (key:
    /// the till's idempotency key for this refund). The refund completed
    /// next names the reservation.
    pub fn reserve_refund(
        &mut self,
        found: &FoundOriginal,
        cart: &Cart,
        key: &str,
        transport: &mut dyn Transport,
    ) -> Result<Reservation, RefundAnywhereError> {
        let mut lines: BTreeMap<u32, Decimal> = BTreeMap::new();
        for l in cart.lines() {
            if let Some(o) = l.return_of().filter(|o| o.ticket_id == found.ticket.id()) {
                let n = u32::try_from(o.line.saturating_add(1)).unwrap_or(u32::MAX);
                let q = lines.entry(n).or_default();
                *q = q
                    .checked_add(l.quantity().abs())
                    .ok_or(pos_core::CoreError::Overflow)
                    .map_err(SdkError::from)?;
            }
        }
        let req = wire::ReserveRequest {
            protocol: pos_sync::wire::PROTOCOL_VERSION,
            key: key.to_owned(),
            ticket_id: found.ticket.id().to_owned(),
            lines: lines
                .into_iter()
                .map(|(line, quantity)| LineQuantity { line, quantity })
                .collect(),
        };
        let body = serde_json::to_vec(&req).map_err(SdkError::from)?;
        let resp = match self.send_signed(transport, wire::paths::RESERVE, body) {
            Ok(r) => r,
            Err(RefundAnywhereError::Sync(pos_sync::SyncError::Server { status: 409, code }))
                if code
                    == RefundFailure::Exceeds {
                        line: 0,
                        left: Decimal::ZERO,
                        asked: Decimal::ZERO,
                    }
                    .code() =>
            {
                return Err(self.exceeded(found, &req, transport));
            }
            Err(e) => return Err(e),
        };
        let r = wire::decode_reservation(&resp.body)?;
        self.keep_remote(found)?;
        self.conn
            .execute(
                "UPDATE remote_originals SET reservation = ?1 WHERE ticket_id = ?2",
                params![r.reservation, found.ticket.id()],
            )
            .map_err(sql)?;
        Ok(r)
    }

    /// The line a refused reservation exceeded, with what the server says
    /// is left now.
    fn exceeded(
        &mut self,
        found: &FoundOriginal,
        req: &wire::ReserveRequest,
        transport: &mut dyn Transport,
    ) -> RefundAnywhereError {
        let now = match self.lookup_online(
            &TicketRef::Id {
                ticket_id: found.ticket.id().to_owned(),
            },
            transport,
        ) {
            Ok(f) => f,
            Err(e) => return e,
        };
        for l in &req.lines {
            let left = now.refundable.get(&l.line).copied().unwrap_or_default();
            if l.quantity > left {
                return RefundAnywhereError::Exceeds {
                    line: l.line,
                    left,
                    asked: l.quantity,
                };
            }
        }
        RefundAnywhereError::Sync(pos_sync::SyncError::Server {
            status: 409,
            code: "refund_exceeds_remaining".into(),
        })
    }

    /// The retailer's offline refund policy on this till (the signed
    /// `offline_refund` setting; [`OfflineRefund::Refuse`] by default).
    pub fn offline_refund_policy(&self) -> OfflineRefund {
        self.config.offline_refund
    }

    /// Sets the offline refund policy (`refuse` or `manager_approval`), as
    /// the `offline_refund` setting (a signed JET 270 by `operator`).
    pub fn set_offline_refund_policy(
        &mut self,
        policy: &str,
        operator: &pos_core::ids::OperatorId,
    ) -> Result<(), RefundAnywhereError> {
        self.set_setting(OFFLINE_REFUND_KEY, policy, operator)?;
        Ok(())
    }

    /// The offline policy for a refund of `found` that the server could not
    /// check: `refuse` refuses; `manager_approval` allows it for an actor
    /// with the manager's permissions, the refund then being recorded as
    /// without verified original.
    pub fn check_offline_refund(
        &mut self,
        found: &FoundOriginal,
        approver: &Actor,
    ) -> Result<(), RefundAnywhereError> {
        let policy = self.offline_refund_policy();
        let manager = Permissions::manager();
        let is_manager = [Permission::Return, Permission::PriceOverride]
            .iter()
            .all(|p| !manager.has(*p) || approver.permissions.has(*p));
        if policy != OfflineRefund::ManagerApproval {
            return Err(RefundAnywhereError::OfflineRefused {
                policy: OFFLINE_REFUSE,
            });
        }
        if !is_manager {
            return Err(RefundAnywhereError::OfflineRefused {
                policy: OFFLINE_MANAGER_APPROVAL,
            });
        }
        self.keep_remote(found)?;
        self.conn
            .execute(
                "UPDATE remote_originals SET unverified = 1, reservation = NULL WHERE ticket_id = ?1",
                [found.ticket.id()],
            )
            .map_err(sql)?;
        Ok(())
    }
}

/// What pos-core takes as "already taken back" of `found`, per line from
/// 0: sold minus what is left.
fn already_of(found: &FoundOriginal) -> BTreeMap<usize, Decimal> {
    let mut already = BTreeMap::new();
    for (i, l) in found.ticket.lines().iter().enumerate() {
        let line = u32::try_from(i.saturating_add(1)).unwrap_or(u32::MAX);
        let left = found.refundable.get(&line).copied().unwrap_or_default();
        already.insert(
            i,
            l.quantity
                .checked_sub(left)
                .unwrap_or_default()
                .max(Decimal::ZERO),
        );
    }
    already
}

/// `lines` (from 1) of `found` as pos-core selections (from 0), refused
/// when a line names no line of the ticket or asks more than is left.
fn selections_within(
    found: &FoundOriginal,
    lines: &[super::RefundLine],
) -> Result<Vec<RefundSelection>, RefundAnywhereError> {
    let count = found.ticket.lines().len();
    let mut selections = Vec::new();
    for l in lines {
        let index = usize::try_from(l.line)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .filter(|i| *i < count)
            .ok_or_else(|| SdkError::UnknownRefundLine {
                line: u64::from(l.line),
                ticket: found.ticket.id().chars().take(40).collect(),
                lines: count,
            })?;
        let left = found.refundable.get(&l.line).copied().unwrap_or_default();
        if l.quantity > left {
            return Err(RefundAnywhereError::Exceeds {
                line: l.line,
                left,
                asked: l.quantity,
            });
        }
        selections.push(RefundSelection {
            line: index,
            quantity: l.quantity,
        });
    }
    Ok(selections)
}

/// Decodes a pulled [`pos_sync::wire::ChangeKind::Refund`] (`None`: not
/// one, set aside as undecodable).
pub(crate) fn decode_pulled(c: &Change) -> Option<RefundedElsewhere> {
    let r: RefundedElsewhere = serde_json::from_value(c.data.clone()).ok()?;
    let valid = uuid::Uuid::try_parse(&r.original).is_ok()
        && !r.lines.is_empty()
        && r.lines
            .iter()
            .all(|l| l.line > 0 && l.quantity > Decimal::ZERO && l.quantity.scale() <= 3);
    valid.then_some(r)
}

/// Keeps a refund made elsewhere of lines of this till's ticket.
pub(crate) fn apply_pulled(
    tx: &Transaction<'_>,
    r: &RefundedElsewhere,
    key: &str,
) -> Result<(), SdkError> {
    for l in &r.lines {
        let line = i64::from(l.line).saturating_sub(1);
        tx.execute(
            "INSERT INTO remote_refunds(source, original_id, line, quantity) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
            params![key, r.original, line, l.quantity.to_string()],
        )?;
    }
    Ok(())
}

/// Adds the refunds made elsewhere of `original_id` to `out` (per line from 0).
pub(crate) fn add_remote_refunds(
    conn: &Connection,
    original_id: &str,
    out: &mut BTreeMap<usize, Decimal>,
) -> Result<(), SdkError> {
    let mut stmt =
        conn.prepare_cached("SELECT line, quantity FROM remote_refunds WHERE original_id = ?1")?;
    let rows = stmt.query_map([original_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (line, q) = row?;
        let line = usize::try_from(line).map_err(|_| SdkError::Corrupt {
            what: "remote refund line",
        })?;
        let q = Decimal::from_str(&q).map_err(|_| SdkError::Corrupt {
            what: "remote refund quantity",
        })?;
        let e = out.entry(line).or_default();
        *e = e.checked_add(q).ok_or(pos_core::CoreError::Overflow)?;
    }
    Ok(())
}

/// The fiscal reference of another till's original a refund takes back,
/// with that till's name for the journal (`REGISTER`, or `STORE/REGISTER`
/// for another store's).
pub(crate) fn remote_ref(
    tx: &Connection,
    original: &str,
    own_store: &str,
) -> Result<Option<(DocRef, String)>, SdkError> {
    let row: Option<(String, String, String, i64)> = tx
        .query_row(
            "SELECT store, register, series, number FROM remote_originals WHERE ticket_id = ?1",
            [original],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((store, register, series, number)) = row else {
        return Ok(None);
    };
    let doc = super::receipts::doc_ref_of(&series, number)?;
    let name = if store == own_store {
        register
    } else {
        format!("{store}/{register}")
    };
    Ok(Some((doc, name)))
}

/// Adds to a refund's outbox event what the server needs: the reservation
/// it consumes, or the mark of a refund without verified original; and
/// refuses a gift receipt's refund paid other than in store credit.
pub(crate) fn annotate(
    tx: &Transaction<'_>,
    ticket: &Ticket,
    payload: &mut serde_json::Value,
) -> Result<(), SdkError> {
    let Some(original) = ticket.originals().first() else {
        return Ok(());
    };
    let row: Option<(Option<String>, bool, bool)> = tx
        .query_row(
            "SELECT reservation, unverified, gift FROM remote_originals WHERE ticket_id = ?1",
            [original],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((reservation, unverified, gift)) = row else {
        return Ok(());
    };
    // Only money going back is restricted: a gift's receiver may pay the
    // difference of an exchange by any means.
    if gift {
        let other = ticket.payments().iter().find(|p| {
            p.applied.is_negative()
                && !matches!(p.method, pos_core::tender::TenderMethod::StoreCredit { .. })
        });
        if let Some(p) = other {
            return Err(SdkError::GiftStoreCreditOnly {
                original: original.clone(),
                method: p.method.code(),
            });
        }
    }
    if let Some(obj) = payload.as_object_mut() {
        if let Some(r) = reservation {
            obj.insert("refund_reservation".into(), r.into());
        }
        if unverified {
            obj.insert("unverified_original".into(), true.into());
        }
    }
    // A refund of another till's original counts here too (the tickets
    // table links only this till's originals).
    let local: Option<i64> = tx
        .query_row("SELECT 1 FROM tickets WHERE id = ?1", [original], |r| {
            r.get(0)
        })
        .optional()?;
    if local.is_none() {
        for l in ticket.lines() {
            if let Some(o) = l.return_of.as_ref().filter(|o| o.ticket_id == *original) {
                let line = i64::try_from(o.line).map_err(|_| SdkError::Corrupt {
                    what: "refund line",
                })?;
                tx.execute(
                    "INSERT INTO remote_refunds(source, original_id, line, quantity)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                    params![ticket.id(), original, line, l.quantity.abs().to_string()],
                )?;
            }
        }
    }
    // The reservation is consumed by this refund.
    tx.execute(
        "UPDATE remote_originals SET reservation = NULL, unverified = 0 WHERE ticket_id = ?1",
        [original],
    )?;
    Ok(())
}
