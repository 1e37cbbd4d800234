//! Completing a sale or a refund: ONE transaction writes the ticket, its
//! signed fiscal record and running totals, the stock movements and levels,
//! and the sync outbox event. If any step fails, nothing is written; once
//! `commit` returns, all of it is on disk (WAL, synchronous=FULL).

use super::{Register, fiscal_map, stamp};
use crate::{SdkError, outbox};
use pos_core::cart::{Actor, Cart, Permission};
use pos_core::ids::{CustomerId, LocationId, MovementId, OperatorId, Sku};
use pos_core::stock::{
    MovementReason, SaleLine, Shortfall, StockLedger, StockLevel, StockMovement, StockVerdict,
    check_sale,
};
use pos_core::tender::Payment;
use pos_core::ticket::{Ticket, TicketKind, TicketMeta};
use pos_fiscal::model::{DocRef, Series};
use pos_fiscal::store::{self as journal, Recorded};
use rusqlite::{OptionalExtension, Transaction, params};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Who completes the sale and for whom.
#[derive(Debug, Clone)]
pub struct SaleOptions {
    /// The cashier.
    pub operator: OperatorId,
    /// The identified customer (pseudonymous id), if any.
    pub customer: Option<CustomerId>,
    /// Training mode ("mode école"): series X, no stock, no totals, no sync.
    pub training: bool,
    /// The sale's idempotency key, made by the app before it asks to
    /// complete, so that a retry after a crash or a timeout returns the sale
    /// already recorded instead of making a second one: any UUID (it becomes
    /// the ticket's id) or an app string of 1 to 64 characters without
    /// control characters (the ticket gets an id derived from it). The same
    /// key with another request is `idempotency_conflict`. `None`: the till
    /// makes a UUID v7.
    pub ticket_id: Option<String>,
}

impl SaleOptions {
    /// A normal sale by `operator`, anonymous, with a till-made id.
    pub fn by(operator: OperatorId) -> SaleOptions {
        SaleOptions {
            operator,
            customer: None,
            training: false,
            ticket_id: None,
        }
    }
}

/// What a completed sale produced.
#[derive(Debug, Clone)]
pub struct CompletedSale {
    /// The immutable ticket.
    pub ticket: Ticket,
    /// Its fiscal number in its series (what the receipt and `pos simulate` print).
    pub number: u64,
    /// Its series (`T`, or `X` in training mode).
    pub series: Series,
    /// Record hash, signature and the 4-character extract for the receipt.
    pub fiscal: Recorded,
    /// Items sold beyond the available stock under a `warn`/`allow` policy.
    pub shortfalls: Vec<Shortfall>,
    /// The outbox sequence of the sale event (none in training mode).
    pub outbox_seq: Option<u64>,
}

/// A sale the till refused, with the cart and payment it was given back so
/// the app can fix them and retry.
#[derive(Debug)]
pub struct SaleRefused {
    /// Why.
    pub error: SdkError,
    /// The cart, unchanged.
    pub cart: Cart,
    /// The payment, unchanged.
    pub payment: Payment,
}

impl SaleRefused {
    /// The refusal's stable code (see [`SdkError::kind`]).
    pub fn kind(&self) -> &'static str {
        self.error.kind()
    }
}

impl std::fmt::Display for SaleRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for SaleRefused {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<Box<SaleRefused>> for SdkError {
    fn from(refused: Box<SaleRefused>) -> SdkError {
        refused.error
    }
}

impl Register {
    /// Completes the sale (or refund) in `cart` paid by `payment`.
    ///
    /// `options.ticket_id` is the sale's idempotency key: the same key with
    /// the same cart, payment, operator and customer returns the sale
    /// already recorded (nothing is written again); the same key with a
    /// different request is `idempotency_conflict` naming the key. Before
    /// anything is written, a clock the journal cannot accept is refused
    /// (`clock_implausible`), as is a sale the till cannot record now
    /// (`day_closed`, `session_closed`), or that may not fit in the storage
    /// left (`storage_full`).
    ///
    /// The cart and the payment are consumed: a completed cart cannot be
    /// scanned into, paid or completed again (the compiler says so). A
    /// refusal hands them back in [`SaleRefused`] (fix and retry); `?`
    /// turns it into its [`SdkError`].
    pub fn complete_sale(
        &mut self,
        cart: Cart,
        payment: Payment,
        options: &SaleOptions,
    ) -> Result<CompletedSale, Box<SaleRefused>> {
        match self.record_sale(&cart, &payment, options) {
            Ok(sale) => Ok(sale),
            Err(error) => Err(Box::new(SaleRefused {
                error: self.sale_refused(error),
                cart,
                payment,
            })),
        }
    }

    /// Records the sale of `cart` paid by `payment` (see [`Register::complete_sale`]).
    /// A full disk (SQLITE_FULL) is `storage_full`, its transaction rolled back.
    pub(crate) fn record_sale(
        &mut self,
        cart: &Cart,
        payment: &Payment,
        options: &SaleOptions,
    ) -> Result<CompletedSale, SdkError> {
        self.write_sale(cart, payment, options)
            .map_err(super::storage::full_disk_refusal)
    }

    fn write_sale(
        &mut self,
        cart: &Cart,
        payment: &Payment,
        options: &SaleOptions,
    ) -> Result<CompletedSale, SdkError> {
        let key = options
            .ticket_id
            .as_deref()
            .map(|k| ticket_id_for_key(self.config.register.as_str(), k))
            .transpose()?;
        if let Some(id) = &key
            && let Some(done) = self.completed(id)?
        {
            // The request is compared with the recorded sale: a time-free
            // fingerprint of what was sold, how it was paid, by and for whom.
            let meta = self.ticket_meta(id.clone(), self.clock.now(), options);
            let conflict = || -> SdkError {
                pos_core::CoreError::IdempotencyConflict {
                    id: options.ticket_id.clone().unwrap_or_default(),
                }
                .into()
            };
            // A request that cannot even complete is not the recorded one.
            let asked = cart.complete(payment, meta).map_err(|_| conflict())?;
            if fingerprint(&asked, options.training)?
                != fingerprint(&done.ticket, done.series == Series::X)?
            {
                return Err(conflict());
            }
            return Ok(done);
        }
        let now = self.checked_now()?;
        if !options.training
            && let Some(refused) = self.period_at_now(now)?
        {
            return Err(refused);
        }
        self.check_storage_headroom()?;
        let id = key.unwrap_or_else(|| self.ids.next(now));
        let meta = self.ticket_meta(id, now, options);
        let ticket = cart.complete(payment, meta)?;
        self.check_card_pointers(&ticket)?;
        let stamp = stamp(&self.config, now)?;
        // Loyalty bonuses need the items' categories: have the catalog built
        // before the transaction (a till without a catalog sells ad-hoc items).
        let _ = self.catalog();
        let tx = self.conn.transaction()?;
        let (original, original_register) = original_ref(&tx, &ticket, &self.config)?;
        let mut input = fiscal_map::ticket_input(&ticket, original, options.training)?;
        let remote = original_register.is_some();
        input.original_register = original_register;
        let shortfalls = if options.training {
            Vec::new()
        } else {
            check_stock(
                &tx,
                &ticket,
                &self.config.location,
                &self.config.stock_policies,
            )?
        };
        let fiscal = journal::record_ticket(&tx, self.signer.as_ref(), stamp, &input)?;
        insert_ticket(&tx, &ticket, &fiscal, original.filter(|_| !remote))?;
        let mut outbox_seq = None;
        if !options.training {
            let program = loyalty_program_tx(&tx)?;
            let points = post_customer(
                &tx,
                &ticket,
                program.as_ref(),
                self.catalog.get(),
                &self.ids,
            )?;
            crate::sync::charge_sale(&tx, &ticket)?;
            post_stored_value(&tx, &ticket, &self.ids)?;
            super::cash::record_in_session(&tx, &ticket)?;
            let movements = post_stock(&tx, &ticket, &self.config.location, &fiscal, |at| {
                self.ids.next(at)
            })?;
            let receipt = super::receipts::receipt_for_event(&tx, &self.config, &ticket, &fiscal)?;
            let mut payload = serde_json::json!({
                "ticket": &ticket,
                "receipt": receipt,
                "fiscal": { "series": fiscal.doc.series.code(), "number": fiscal.doc.number, "hash": &fiscal.hash },
                "stock_movements": movements,
                "loyalty_points": points,
            });
            super::refund_anywhere::annotate(&tx, &ticket, &mut payload)?;
            let kind = kind_code(ticket.kind());
            outbox_seq = Some(outbox::append(
                &tx,
                &self.ids.next(now),
                kind,
                now,
                &payload,
            )?);
        }
        tx.commit()?;
        Ok(self.sale_committed(CompletedSale {
            number: fiscal.doc.number,
            series: fiscal.doc.series,
            ticket,
            fiscal,
            shortfalls,
            outbox_seq,
        }))
    }

    /// Starts paying `cart` under the till's tender rules. For an identified
    /// customer, the meal vouchers they already used today count against the
    /// daily cap; an anonymous sale starts from zero (the till cannot know).
    ///
    /// Refused before any tender is taken when the sale could not be
    /// recorded now: `day_closed` after the Z, `session_closed` when the
    /// till requires an open cash session, `clock_implausible`, and
    /// `storage_full` when the host's storage headroom is under the reserve
    /// of a sale (see [`Register::set_storage_headroom`]).
    pub fn start_payment(
        &self,
        cart: &Cart,
        customer: Option<&CustomerId>,
    ) -> Result<Payment, SdkError> {
        self.sellable_now()?;
        self.check_storage_headroom()?;
        let used = match customer {
            Some(c) => self.meal_vouchers_used_today(c)?,
            None => pos_core::Money::zero(self.config.currency),
        };
        Ok(cart.start_payment(self.config.tender_policy, used)?)
    }

    /// Meal-voucher amounts a customer paid on this till since local midnight.
    pub fn meal_vouchers_used_today(
        &self,
        customer: &CustomerId,
    ) -> Result<pos_core::Money, SdkError> {
        let now = self.clock.now();
        let local = now.with_timezone(&self.config.time_zone);
        let midnight = local
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .and_then(|m| m.and_local_timezone(self.config.time_zone).earliest())
            .map(|m| m.with_timezone(&chrono::Utc))
            .unwrap_or(now);
        let mut stmt = self.conn.prepare_cached(
            "SELECT json FROM tickets WHERE customer_id = ?1 AND created_at >= ?2",
        )?;
        let rows = stmt.query_map(params![customer.as_str(), midnight.to_rfc3339()], |r| {
            r.get::<_, String>(0)
        })?;
        let mut used = pos_core::Money::zero(self.config.currency);
        for json in rows {
            let t: Ticket = serde_json::from_str(&json?)?;
            for p in t
                .payments()
                .iter()
                .filter(|p| p.method == pos_core::tender::TenderMethod::MealVoucher)
            {
                used = used.checked_add(&p.applied)?;
            }
        }
        Ok(used)
    }

    fn ticket_meta(
        &self,
        ticket_id: String,
        now: chrono::DateTime<chrono::Utc>,
        options: &SaleOptions,
    ) -> TicketMeta {
        TicketMeta {
            ticket_id,
            store: self.config.store.clone(),
            register: self.config.register.clone(),
            operator: options.operator.clone(),
            at: now,
            utc_offset_seconds: self.config.utc_offset_seconds(now),
            customer: options.customer.clone(),
        }
    }

    /// The refusal of a sale at `now` (closed day, missing session), if any.
    fn period_at_now(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<SdkError>, SdkError> {
        Ok(self.period_at(now)?.refusal())
    }

    /// The sale already recorded under `ticket_id`, if any (idempotent retry).
    fn completed(&self, ticket_id: &str) -> Result<Option<CompletedSale>, SdkError> {
        let row: Option<(String, i64, String)> = self
            .conn
            .query_row(
                "SELECT series, number, json FROM tickets WHERE id = ?1",
                [ticket_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((series, number, json)) = row else {
            return Ok(None);
        };
        let doc = super::receipts::doc_ref_of(&series, number)?;
        let record =
            pos_fiscal::store::rows::record_by_ref(&self.conn, doc)?.ok_or(SdkError::Corrupt {
                what: "fiscal record of a ticket",
            })?;
        let signature_b64 = record.signature_b64().ok_or(SdkError::Corrupt {
            what: "fiscal signature",
        })?;
        Ok(Some(CompletedSale {
            ticket: serde_json::from_str(&json)?,
            number: doc.number,
            series: doc.series,
            fiscal: Recorded {
                doc,
                hash: record.hash.clone(),
                extract: pos_fiscal::record::receipt_extract(&signature_b64),
                signature_b64,
            },
            shortfalls: Vec::new(),
            outbox_seq: None,
        }))
    }

    /// A cart that refunds `lines` of the stored ticket `original_id`
    /// (everything still refundable when `lines` is `None`), knowing what
    /// earlier refunds already took back. Lines are numbered from 1, as the
    /// ticket prints them and as the sale's cart lines were; quantities are
    /// positive (the cart's lines and total come out negative). Needs the
    /// `return` permission: without it, [`SdkError::PermissionRequired`].
    pub fn refund_cart(
        &self,
        original_id: &str,
        lines: Option<&[RefundLine]>,
        actor: &Actor,
    ) -> Result<Cart, SdkError> {
        if !actor.permissions.has(Permission::Return) {
            return Err(SdkError::PermissionRequired {
                action: "refunding a ticket",
                permission: Permission::Return.name(),
            });
        }
        let original = self.ticket(original_id)?;
        let already = self.refunded_quantities(original_id)?;
        let count = original.lines().len();
        let made = match lines {
            Some(lines) => {
                let selections = super::exchange::refund_selections(lines, original_id, count)?;
                Cart::refund_of(&original, &selections, &already, actor)
            }
            None => Cart::full_refund_of(&original, &already, actor),
        };
        made.map_err(|e| super::exchange::refund_cart_error(e, original_id, count))
    }

    /// Quantities already refunded per line of a stored ticket.
    pub fn refunded_quantities(
        &self,
        original_id: &str,
    ) -> Result<BTreeMap<usize, Decimal>, SdkError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT json FROM tickets WHERE original_id = ?1")?;
        let rows = stmt.query_map([original_id], |r| r.get::<_, String>(0))?;
        let mut out: BTreeMap<usize, Decimal> = BTreeMap::new();
        for json in rows {
            let refund: Ticket = serde_json::from_str(&json?)?;
            for line in refund.lines() {
                if let Some(origin) = line
                    .return_of
                    .as_ref()
                    .filter(|o| o.ticket_id == original_id)
                {
                    let q = out.entry(origin.line).or_default();
                    *q = q
                        .checked_add(line.quantity.abs())
                        .ok_or(pos_core::CoreError::Overflow)?;
                }
            }
        }
        super::refund_anywhere::add_remote_refunds(&self.conn, original_id, &mut out)?;
        Ok(out)
    }

    /// A stored ticket by its id.
    pub fn ticket(&self, id: &str) -> Result<Ticket, SdkError> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT json FROM tickets WHERE id = ?1", [id], |r| r.get(0))
            .optional()?;
        let json = json.ok_or_else(|| SdkError::NotFound {
            what: "ticket",
            id: id.chars().take(40).collect(),
        })?;
        Ok(serde_json::from_str(&json)?)
    }

    /// A stored ticket by its fiscal series and number (`T42`).
    pub fn ticket_by_number(&self, series: Series, number: u64) -> Result<Ticket, SdkError> {
        let n = i64::try_from(number).map_err(|_| SdkError::NotFound {
            what: "ticket",
            id: number.to_string(),
        })?;
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT json FROM tickets WHERE series = ?1 AND number = ?2",
                params![series.code(), n],
                |r| r.get(0),
            )
            .optional()?;
        let json = json.ok_or_else(|| SdkError::NotFound {
            what: "ticket",
            id: format!("{}{number}", series.code()),
        })?;
        Ok(serde_json::from_str(&json)?)
    }

    /// The stock level of a SKU at a location (one indexed read).
    pub fn stock_level(&self, sku: &Sku, location: &LocationId) -> Result<StockLevel, SdkError> {
        // One indexed read of the maintained level: no replay, no transaction.
        read_level(&self.conn, sku, location)
    }
}

/// A line of a stored ticket to give back, and how much of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundLine {
    /// The line's number on the original ticket, from 1 (as printed, and as
    /// the sale's cart line ids were).
    pub line: u32,
    /// Quantity to give back (positive).
    pub quantity: Decimal,
}

/// The ticket id a sale's idempotency key stands for: a UUID (any version,
/// any case) is the ticket's id, lower-cased; any other app key (the rule of
/// [`pos_core::ids::OperationId`]: 1 to 64 characters, no control character,
/// no surrounding space) becomes a UUID v8 derived from the register and
/// the key, so the same key always finds the same ticket.
pub(crate) fn ticket_id_for_key(register: &str, key: &str) -> Result<String, SdkError> {
    if let Ok(uuid) = uuid::Uuid::try_parse(key)
        && !uuid.is_nil()
        && !uuid.is_max()
    {
        return Ok(uuid.hyphenated().to_string());
    }
    pos_core::ids::OperationId::new(key).map_err(|_| SdkError::InvalidInput {
        field: "idempotency key",
        expected: "a UUID or 1 to 64 characters without control characters",
    })?;
    let digest =
        pos_fiscal::record::sha256_hex(format!("pos-sdk sale key\0{register}\0{key}").as_bytes());
    let mut bytes = [0u8; 16];
    for (b, pair) in bytes.iter_mut().zip(digest.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).unwrap_or_default();
        *b = u8::from_str_radix(pair, 16).map_err(|_| SdkError::Corrupt { what: "key digest" })?;
    }
    Ok(uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string())
}

/// What a sale asks for, without its time or id: the lines, the payments,
/// the total, the operator, the customer and the training flag, hashed.
/// Two requests under one key are the same request when this is equal.
fn fingerprint(ticket: &Ticket, training: bool) -> Result<String, SdkError> {
    let request = serde_json::json!({
        "lines": ticket.lines(),
        "payments": ticket.payments(),
        "total": ticket.total(),
        "operator": ticket.operator(),
        "customer": ticket.customer(),
        "training": training,
    });
    Ok(pos_fiscal::record::sha256_hex(
        serde_json::to_string(&request)?.as_bytes(),
    ))
}

/// The fiscal reference of the sale a refund takes back (its first
/// original), with the original's till when it is another till's.
fn original_ref(
    tx: &Transaction<'_>,
    ticket: &Ticket,
    config: &super::RegisterConfig,
) -> Result<(Option<DocRef>, Option<String>), SdkError> {
    let Some(original) = ticket.originals().first() else {
        return Ok((None, None));
    };
    let row: Option<(String, i64)> = tx
        .query_row(
            "SELECT series, number FROM tickets WHERE id = ?1",
            [original],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if row.is_none()
        && let Some((doc, till)) =
            super::refund_anywhere::remote_ref(tx, original, config.store.as_str())?
    {
        return Ok((Some(doc), Some(till)));
    }
    let (series, number) = row.ok_or_else(|| SdkError::NotFound {
        what: "original ticket",
        id: original.chars().take(40).collect(),
    })?;
    Ok((Some(super::receipts::doc_ref_of(&series, number)?), None))
}

fn insert_ticket(
    tx: &Transaction<'_>,
    ticket: &Ticket,
    fiscal: &Recorded,
    original: Option<DocRef>,
) -> Result<(), SdkError> {
    let original_id = original.and(ticket.originals().first().cloned());
    tx.prepare_cached(
        "INSERT INTO tickets(id, series, number, kind, created_at, total, customer_id, original_id, json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
            ticket.id(),
            fiscal.doc.series.code(),
            i64::try_from(fiscal.doc.number).map_err(|_| SdkError::Corrupt { what: "ticket number" })?,
            kind_code(ticket.kind()),
            ticket.at().to_rfc3339(),
            ticket.total().format_plain(),
            ticket.customer().map(ToString::to_string),
            original_id,
            serde_json::to_string(ticket)?,
    ])?;
    Ok(())
}

fn kind_code(kind: TicketKind) -> &'static str {
    match kind {
        TicketKind::Sale => "sale",
        TicketKind::Refund => "refund",
        TicketKind::Exchange => "exchange",
    }
}

/// Quantity per SKU taken (positive) or returned (negative) by a ticket.
fn quantities(ticket: &Ticket) -> Result<BTreeMap<Sku, Decimal>, SdkError> {
    let mut per_sku: BTreeMap<Sku, Decimal> = BTreeMap::new();
    for line in ticket.lines() {
        let q = per_sku.entry(line.sku.clone()).or_default();
        *q = q
            .checked_add(line.quantity)
            .ok_or(pos_core::CoreError::Overflow)?;
    }
    Ok(per_sku)
}

fn check_stock(
    tx: &Transaction<'_>,
    ticket: &Ticket,
    location: &LocationId,
    policies: &pos_core::stock::StockPolicies,
) -> Result<Vec<Shortfall>, SdkError> {
    let per_sku = quantities(ticket)?;
    let mut levels = Vec::with_capacity(per_sku.len());
    let mut lines = Vec::with_capacity(per_sku.len());
    for (sku, quantity) in per_sku {
        if quantity.is_zero() {
            continue;
        }
        levels.push((
            sku.clone(),
            location.clone(),
            read_level(tx, &sku, location)?,
        ));
        lines.push(SaleLine {
            sku,
            location: location.clone(),
            quantity,
        });
    }
    let check = check_sale(&StockLedger::from_levels(levels), &lines, policies)?;
    if let Some(error) = check.blocking_error() {
        return Err(error.into());
    }
    Ok(match check.verdict() {
        StockVerdict::Ok => Vec::new(),
        _ => check.shortfalls,
    })
}

pub(crate) fn read_level(
    conn: &rusqlite::Connection,
    sku: &Sku,
    location: &LocationId,
) -> Result<StockLevel, SdkError> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT on_hand, reserved FROM stock_levels WHERE sku = ?1 AND location = ?2",
        )?
        .query_row(params![sku.as_str(), location.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match row {
        None => Ok(StockLevel::default()),
        Some((on_hand, reserved)) => Ok(StockLevel {
            on_hand: Decimal::from_str(&on_hand).map_err(|_| SdkError::Corrupt {
                what: "stock level",
            })?,
            reserved: Decimal::from_str(&reserved).map_err(|_| SdkError::Corrupt {
                what: "stock level",
            })?,
        }),
    }
}

/// Appends the ticket's stock movements and maintains the levels.
fn post_stock(
    tx: &Transaction<'_>,
    ticket: &Ticket,
    location: &LocationId,
    fiscal: &Recorded,
    mut new_id: impl FnMut(chrono::DateTime<chrono::Utc>) -> String,
) -> Result<Vec<StockMovement>, SdkError> {
    let reference = format!("{}{}", fiscal.doc.series.code(), fiscal.doc.number);
    let mut movements = Vec::new();
    for (sku, quantity) in quantities(ticket)? {
        if quantity.is_zero() {
            continue;
        }
        let (reason, signed) = if quantity.is_sign_positive() {
            (MovementReason::Sale, pos_core::money::negate(quantity))
        } else {
            (MovementReason::Return, pos_core::money::negate(quantity))
        };
        let movement = StockMovement {
            id: MovementId::new(new_id(ticket.at()))?,
            reason,
            sku: sku.clone(),
            location: location.clone(),
            quantity: signed,
            operator: ticket.operator().clone(),
            at: ticket.at(),
            reference: Some(reference.clone()),
        };
        apply_movement(tx, &movement, Some(ticket.id()))?;
        movements.push(movement);
    }
    Ok(movements)
}

/// Writes one movement and its effect on the maintained level.
pub(crate) fn apply_movement(
    tx: &Transaction<'_>,
    movement: &StockMovement,
    document: Option<&str>,
) -> Result<(), SdkError> {
    let before = read_level(tx, &movement.sku, &movement.location)?;
    let mut ledger =
        StockLedger::from_levels([(movement.sku.clone(), movement.location.clone(), before)]);
    ledger.apply(movement)?;
    let after = ledger.level(&movement.sku, &movement.location);
    tx.prepare_cached(
        "INSERT INTO stock_movements(id, sku, location, quantity, kind, document, at, json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        movement.id.as_str(),
        movement.sku.as_str(),
        movement.location.as_str(),
        movement.quantity.to_string(),
        movement.reason.as_str(),
        document,
        movement.at.to_rfc3339(),
        serde_json::to_string(movement)?,
    ])?;
    tx.prepare_cached(
        "INSERT INTO stock_levels(sku, location, on_hand, reserved) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(sku, location) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved",
    )?
    .execute(params![
        movement.sku.as_str(),
        movement.location.as_str(),
        after.on_hand.to_string(),
        after.reserved.to_string()
    ])?;
    Ok(())
}

fn loyalty_program_tx(
    tx: &Transaction<'_>,
) -> Result<Option<pos_core::loyalty::LoyaltyProgram>, SdkError> {
    let json = crate::db::meta_get(tx, "loyalty_program")?;
    Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
}

/// Adds the ticket to the customer's history and earns (or, on a refund,
/// takes back) loyalty points, keyed by the ticket id so that a retried sale
/// never earns twice. Returns the signed points moved.
fn post_customer(
    tx: &Transaction<'_>,
    ticket: &Ticket,
    program: Option<&pos_core::loyalty::LoyaltyProgram>,
    catalog: Option<&pos_core::catalog::Catalog>,
    ids: &crate::IdGenerator,
) -> Result<i64, SdkError> {
    use pos_core::ids::{OperationId, TicketId};
    use pos_core::loyalty::{EarnLine, LoyaltyAccount};
    let Some(customer_id) = ticket.customer() else {
        return Ok(0);
    };
    let mut customer = super::customers::load_customer(tx, customer_id)?;
    customer.record_purchase(TicketId::new(ticket.id())?, ticket.at(), ticket.total())?;
    super::customers::save_customer(tx, &customer, ticket.at())?;
    let Some(program) = program else { return Ok(0) };
    let mut account = super::customers::load_loyalty(tx, customer_id)?
        .unwrap_or_else(|| LoyaltyAccount::new(customer_id.clone()));
    let before = account.entries().len();
    let balance_before =
        i64::try_from(account.balance()?).map_err(|_| pos_core::CoreError::Overflow)?;
    // The points a set of lines earns (returned lines counted as sold).
    let earn_lines = |returned: bool| -> Vec<EarnLine> {
        ticket
            .lines()
            .iter()
            .filter(|l| l.return_of.is_some() == returned)
            .map(|l| EarnLine {
                sku: l.sku.clone(),
                categories: catalog
                    .and_then(|c| {
                        let ctx = pos_core::item::PriceContext {
                            store: Some(ticket.store().clone()),
                            customer_group: None,
                            at: ticket.at(),
                        };
                        pos_core::item::ItemSource::item_by_sku(c, &l.sku, &ctx).ok()
                    })
                    .map(|item| item.categories)
                    .unwrap_or_default(),
                quantity: l.quantity.abs(),
                eligible_amount: l.amount.amount().abs(),
            })
            .collect()
    };
    // A refund gives back the points of what it returns; an exchange does
    // that, then earns on what it sells.
    let mut unrecovered: u64 = 0;
    if ticket.kind() != TicketKind::Sale
        && let Some(original) = ticket.originals().first()
    {
        let returned = super::exchange::returned_amount(ticket)?;
        if returned > Decimal::ZERO {
            let op = OperationId::new(ids.next(ticket.at()))?;
            let original = TicketId::new(original.as_str())?;
            if account.earning(&original).is_some() {
                account.reverse_refund(op, ticket.at(), &original, returned)?;
            } else {
                unrecovered = super::exchange::reverse_points_earned_elsewhere(
                    &mut account,
                    program,
                    op,
                    ticket.at(),
                    &earn_lines(true),
                )?;
            }
        }
    }
    if ticket.kind() != TicketKind::Refund {
        account.earn(
            program,
            TicketId::new(ticket.id())?,
            ticket.at(),
            &earn_lines(false),
        )?;
    }
    super::customers::save_loyalty(tx, &account, before, Some(ticket.id()), || {
        ids.next(ticket.at())
    })?;
    let after = i64::try_from(account.balance()?).map_err(|_| pos_core::CoreError::Overflow)?;
    let unrecovered = i64::try_from(unrecovered).map_err(|_| pos_core::CoreError::Overflow)?;
    Ok(after
        .checked_sub(balance_before)
        .and_then(|d| d.checked_sub(unrecovered))
        .ok_or(pos_core::CoreError::Overflow)?)
}

/// Redeems (or gives back, on a refund) the gift-card and store-credit
/// tenders of the ticket; above the balance fails the whole sale.
fn post_stored_value(
    tx: &Transaction<'_>,
    ticket: &Ticket,
    ids: &crate::IdGenerator,
) -> Result<(), SdkError> {
    use pos_core::ids::{OperationId, TicketId};
    for p in ticket.payments() {
        let Some(code) = p.method.reference().filter(|_| {
            matches!(
                p.method,
                pos_core::tender::TenderMethod::GiftCard { .. }
                    | pos_core::tender::TenderMethod::StoreCredit { .. }
            )
        }) else {
            continue;
        };
        let mut account =
            super::customers::load_stored_value(tx, code)?.ok_or_else(|| SdkError::NotFound {
                what: "gift card",
                id: "****".into(),
            })?;
        let op = OperationId::new(ids.next(ticket.at()))?;
        let amount = pos_core::Money::new(p.applied.amount().abs(), p.applied.currency());
        let ticket_id = Some(TicketId::new(ticket.id())?);
        if p.applied.is_negative()
            && super::exchange::credits_store_credit(ticket, &p.method, &account)
        {
            account.load(op, ticket.at(), amount, ticket_id)?;
        } else if p.applied.is_negative() {
            account.refund(op, ticket.at(), amount, ticket_id)?;
        } else {
            account.redeem(op, ticket.at(), amount, ticket_id)?;
        }
        super::customers::save_stored_value(tx, &account, ticket.at(), Some(ticket.id()))?;
    }
    Ok(())
}
