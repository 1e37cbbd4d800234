//! Back-office operations over the server's storage, each in one
//! transaction: retailers, stores and users (the CLI), sign-in and
//! sessions, and the data a signed-in user may read. Every read goes
//! through a [`Viewer`], which only reaches its own retailer's stores.

use super::auth;
use super::model::{BackOfficeFailure, BoUser, Role};
use super::report::{self, ClosureFact, Dashboard, TicketFact};
use crate::error::{Result, SyncError};
use crate::store::{StoredOrder, Tx};
use crate::verify_job::{Progress, Verdict, VerifyJobs};
use crate::{Server, Storage};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The value at a JSON pointer, or null.
pub(crate) fn at<'a>(v: &'a serde_json::Value, pointer: &str) -> &'a serde_json::Value {
    static NULL: serde_json::Value = serde_json::Value::Null;
    v.pointer(pointer).unwrap_or(&NULL)
}

/// Adds a retailer (or updates its name and SIREN).
pub fn add_retailer(tx: &mut dyn Tx, id: &str, name: &str, siren: &str) -> Result<()> {
    auth::check_name("retailer", id)?;
    if siren.len() != 9 || !siren.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BackOfficeFailure::BadName { field: "siren" }.into());
    }
    tx.bo_put_retailer(id, name, siren)
}

/// Attaches a store to a retailer (a store belongs to one retailer only).
pub fn add_store(tx: &mut dyn Tx, retailer: &str, store: &str) -> Result<()> {
    auth::check_name("store", store)?;
    if tx.bo_retailer(retailer)?.is_none() {
        return Err(BackOfficeFailure::UnknownRetailer.into());
    }
    if !tx.bo_put_store(store, retailer)? {
        return Err(BackOfficeFailure::ForeignStore.into());
    }
    Ok(())
}

/// Adds a user; the password is hashed with Argon2id under `salt`.
pub fn add_user(
    tx: &mut dyn Tx,
    retailer: &str,
    username: &str,
    role: Role,
    password: &str,
    salt: [u8; 16],
) -> Result<()> {
    auth::check_name("user", username)?;
    if tx.bo_retailer(retailer)?.is_none() {
        return Err(BackOfficeFailure::UnknownRetailer.into());
    }
    if tx.bo_user(username)?.is_some() {
        return Err(BackOfficeFailure::UserExists.into());
    }
    tx.bo_put_user(&BoUser {
        username: username.to_owned(),
        retailer: retailer.to_owned(),
        role,
        password_hash: auth::hash_password(password, salt)?,
        failures: 0,
        locked_until_ms: 0,
    })
}

/// A signed-in user and the stores they may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The user.
    pub user: BoUser,
    /// Their retailer's name.
    pub retailer_name: String,
    /// Their retailer's stores, sorted.
    pub stores: Vec<String>,
    /// The session's CSRF token.
    pub csrf: String,
}

impl Viewer {
    /// Refuses a store of another retailer.
    pub fn check_store(&self, store: &str) -> Result<()> {
        if self.stores.iter().any(|s| s == store) {
            Ok(())
        } else {
            Err(BackOfficeFailure::ForeignStore.into())
        }
    }

    /// Refuses an action the role may not do.
    pub fn require(&self, allowed: &[Role], action: &'static str) -> Result<()> {
        if allowed.contains(&self.user.role) {
            Ok(())
        } else {
            Err(BackOfficeFailure::Forbidden {
                role: self.user.role.as_str(),
                action,
            }
            .into())
        }
    }
}

/// What the attempt counters decided before a password is checked.
enum Claim {
    /// Locked: refused without checking the password.
    Locked(crate::ServerError),
    /// Counted: check the password against this user's hash (none for an
    /// unknown name, which is checked against a dummy hash).
    Counted(Option<BoUser>),
}

/// Checks a password and opens a session (`session_id` and `csrf` are
/// fresh random tokens from the caller; `address` is the client's IP as
/// the server sees it).
///
/// The attempt is counted BEFORE its password is checked, in the same
/// transaction that reads the counters, against both the account from
/// this address (any name, known or not: [`auth::account_key`]; another
/// address's failures never lock this one out) and the client address
/// ([`auth::address_key`]), each row locked until commit: N concurrent
/// attempts are N counts, and once [`auth::FREE_FAILURES`] of an account
/// (or [`auth::ADDRESS_FREE_FAILURES`] of an address) are counted the
/// next ones are refused (429) without a password check. A success takes
/// its own count back (and clears the account's). An unknown name gets the
/// same answers as a real one: the same counting and 429s, and a dummy
/// Argon2 check so it takes as long.
pub fn login<S: Storage>(
    server: &Server<S>,
    username: &str,
    password: &str,
    address: std::net::IpAddr,
    session_id: &str,
    csrf: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let now_ms = now.timestamp_millis();
    let account = auth::account_key(username, address);
    let client = auth::address_key(address);
    let claim = server.with_tx(|tx| {
        tx.bo_prune_login_counters(now_ms, now_ms.saturating_sub(auth::FORGET_MS))?;
        let a = tx.bo_login_counter_for_update(&account)?;
        let c = tx.bo_login_counter_for_update(&client)?;
        if let Err(e) = a.check_not_locked(now_ms) {
            return Ok(Claim::Locked(e));
        }
        if let Err(e) = c.check_not_locked(now_ms) {
            return Ok(Claim::Locked(e));
        }
        tx.bo_put_login_counter(&a.after_attempt(now_ms, auth::FREE_FAILURES))?;
        tx.bo_put_login_counter(&c.after_attempt(now_ms, auth::ADDRESS_FREE_FAILURES))?;
        Ok(Claim::Counted(tx.bo_user(username)?))
    })?;
    let user = match claim {
        Claim::Locked(e) => return Err(e),
        Claim::Counted(u) => u,
    };
    // Argon2 runs outside the transaction (it takes tens of milliseconds);
    // the attempt is already counted, so a concurrent one cannot slip in.
    let good = match &user {
        Some(u) => auth::verify_password(&u.password_hash, password),
        None => {
            // As slow as a real check, so names cannot be probed by timing.
            let _ = auth::verify_password(auth::dummy_hash(), password);
            false
        }
    };
    if !good {
        return Err(BackOfficeFailure::BadCredentials.into());
    }
    server.with_tx(|tx| {
        // The user may have been removed meanwhile.
        if tx.bo_user(username)?.is_none() {
            return Err(BackOfficeFailure::BadCredentials.into());
        }
        tx.bo_put_login_counter(&auth::LoginCounter::fresh(&account))?;
        let c = tx.bo_login_counter_for_update(&client)?;
        tx.bo_put_login_counter(&c.after_success(auth::ADDRESS_FREE_FAILURES))?;
        tx.bo_put_session(&auth::new_session(username, session_id, csrf, now_ms))
    })
}

/// The viewer of a session cookie value.
pub fn viewer<S: Storage>(
    server: &Server<S>,
    session_id: &str,
    now: DateTime<Utc>,
) -> Result<Viewer> {
    let hash = auth::hash_session_id(session_id);
    server.with_tx(|tx| {
        let s = tx.bo_session(&hash)?.ok_or(BackOfficeFailure::NoSession)?;
        if s.expires_ms <= now.timestamp_millis() {
            tx.bo_delete_session(&hash)?;
            return Err(BackOfficeFailure::NoSession.into());
        }
        let user = tx
            .bo_user(&s.username)?
            .ok_or(BackOfficeFailure::NoSession)?;
        let (retailer_name, _) = tx
            .bo_retailer(&user.retailer)?
            .ok_or(BackOfficeFailure::UnknownRetailer)?;
        let stores = tx.bo_stores(&user.retailer)?;
        Ok(Viewer {
            user,
            retailer_name,
            stores,
            csrf: s.csrf,
        })
    })
}

/// Ends a session.
pub fn logout<S: Storage>(server: &Server<S>, session_id: &str) -> Result<()> {
    let hash = auth::hash_session_id(session_id);
    server.with_tx(|tx| tx.bo_delete_session(&hash))
}

/// The accepted fiscal records of the viewer's stores, decoded.
/// Tickets are decoded only when their UTC date is within a day of a day
/// in `days` (the dashboard's day and the same weekday a week earlier):
/// decoding the payload is most of the cost.
fn facts(
    tx: &mut dyn Tx,
    stores: &[String],
    days: &[NaiveDate],
) -> Result<(Vec<TicketFact>, Vec<ClosureFact>)> {
    let near = |ts: &str| {
        let Some(d) = ts
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            return true;
        };
        days.iter()
            .any(|day| d.signed_duration_since(*day).num_days().abs() <= 1)
    };
    let mut tickets = Vec::new();
    let mut closures = Vec::new();
    for store in stores {
        for device in tx.bo_devices(store)? {
            for r in tx.fiscal_records(&device)? {
                let ticket = matches!(r.series, pos_fiscal::Series::T | pos_fiscal::Series::I);
                if ticket && !near(&r.ts) {
                    continue;
                }
                if let Some(t) = report::ticket_fact(store, &r) {
                    tickets.push(t);
                } else if let Some(c) = report::closure_fact(store, &r) {
                    closures.push(c);
                }
            }
        }
        tickets.extend(web_facts(tx, store, days)?);
    }
    Ok((tickets, closures))
}

/// The web orders paid online of `store` around `days`, as facts of their
/// channel (lines labelled by the product's name in the store's catalog).
fn web_facts(tx: &mut dyn Tx, store: &str, days: &[NaiveDate]) -> Result<Vec<TicketFact>> {
    let bound = |d: Option<&NaiveDate>, shift: i64| {
        d.and_then(|d| d.and_hms_opt(0, 0, 0)).and_then(|t| {
            t.and_utc()
                .checked_add_signed(chrono::Duration::days(shift))
        })
    };
    let (Some(from), Some(to)) = (bound(days.iter().min(), -1), bound(days.iter().max(), 2)) else {
        return Ok(Vec::new());
    };
    let sales = crate::web_sales::sales(tx, store, from, to)?;
    if sales.is_empty() {
        return Ok(Vec::new());
    }
    let names = product_names(tx, store)?;
    Ok(sales
        .into_iter()
        .map(|w| TicketFact {
            store: w.store,
            till: w.channel.clone(),
            doc: w.order_id,
            local: w.local,
            refund: false,
            total: w.total,
            lines: w
                .lines
                .into_iter()
                .map(|(sku, qty, amount)| (names.get(&sku).cloned().unwrap_or(sku), qty, amount))
                .collect(),
            payments: BTreeMap::from([("online".to_owned(), w.total)]),
            vat: BTreeMap::new(),
            channel: w.channel,
        })
        .collect())
}

/// SKU to product name, from the store's published catalog.
fn product_names(tx: &mut dyn Tx, store: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let Some((json, _)) = tx.document("catalog", store, "current")? else {
        return Ok(out);
    };
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    for p in at(at(&doc, "/catalog"), "/products")
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(name) = at(p, "/name").as_str() else {
            continue;
        };
        for v in at(p, "/variants").as_array().into_iter().flatten() {
            if let Some(sku) = at(v, "/sku").as_str() {
                out.insert(sku.to_owned(), name.to_owned());
            }
        }
    }
    Ok(out)
}

/// Line label to category name, from the stores' published catalogs and
/// the SKUs of the synced tickets.
fn categories(
    tx: &mut dyn Tx,
    stores: &[String],
    day: NaiveDate,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let from = day
        .checked_sub_days(chrono::Days::new(8))
        .unwrap_or(day)
        .format("%Y-%m-%d")
        .to_string();
    let to = day
        .checked_add_days(chrono::Days::new(2))
        .unwrap_or(day)
        .format("%Y-%m-%d")
        .to_string();
    for store in stores {
        let Some((json, _)) = tx.document("catalog", store, "current")? else {
            continue;
        };
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        let cat = at(&doc, "/catalog");
        let names: BTreeMap<&str, &str> = at(cat, "/categories")
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| Some((at(c, "/id").as_str()?, at(c, "/name").as_str()?)))
            .collect();
        let mut by_sku: BTreeMap<String, String> = BTreeMap::new();
        for p in at(cat, "/products").as_array().into_iter().flatten() {
            let Some(first) = at(p, "/categories/0").as_str() else {
                continue;
            };
            let name = names.get(first).copied().unwrap_or(first);
            for v in at(p, "/variants").as_array().into_iter().flatten() {
                if let Some(sku) = at(v, "/sku").as_str() {
                    by_sku.insert(sku.to_owned(), name.to_owned());
                }
            }
        }
        for e in tx.bo_events(store, &from, &to)? {
            if !matches!(e.kind.as_str(), "sale" | "refund" | "exchange") {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(&e.json).unwrap_or_default();
            for l in at(&v, "/payload/ticket/lines")
                .as_array()
                .into_iter()
                .flatten()
            {
                if let (Some(label), Some(sku)) = (at(l, "/label").as_str(), at(l, "/sku").as_str())
                    && let Some(c) = by_sku.get(sku)
                {
                    out.insert(label.to_owned(), c.clone());
                }
            }
        }
    }
    Ok(out)
}

/// The refunds flagged when they synced (over-refunds, unknown originals)
/// in the viewer's stores, newest event last.
pub fn refund_flags<S: Storage>(
    server: &Server<S>,
    viewer: &Viewer,
) -> Result<Vec<pos_sync::refunds::RefundFlag>> {
    let stores = viewer.stores.clone();
    server.with_tx(|tx| crate::refunds::flags(tx, &stores))
}

/// The dashboard of one local day over the viewer's stores (or one store).
pub fn dashboard<S: Storage>(
    server: &Server<S>,
    viewer: &Viewer,
    store: Option<&str>,
    day: NaiveDate,
) -> Result<Dashboard> {
    let stores = scope(viewer, store)?;
    let (tickets, closures, cats) = server.with_tx(|tx| {
        let last_week = day.checked_sub_days(chrono::Days::new(7)).unwrap_or(day);
        let (t, c) = facts(tx, &stores, &[day, last_week])?;
        Ok((t, c, categories(tx, &stores, day)?))
    })?;
    report::dashboard(day, &tickets, &closures, &cats)
}

fn scope(viewer: &Viewer, store: Option<&str>) -> Result<Vec<String>> {
    match store {
        Some(s) => {
            viewer.check_store(s)?;
            Ok(vec![s.to_owned()])
        }
        None => Ok(viewer.stores.clone()),
    }
}

/// A cheap fingerprint of what the viewer's dashboard depends on (events
/// and accepted fiscal heads): the live feed recomputes when it changes.
pub fn fingerprint<S: Storage>(server: &Server<S>, viewer: &Viewer) -> Result<String> {
    server.with_tx(|tx| {
        let mut parts = Vec::new();
        for store in &viewer.stores {
            for device in tx.bo_devices(store)? {
                let n = tx.event_count(&device)?;
                let heads: Vec<String> = tx
                    .fiscal_heads(&device)?
                    .into_iter()
                    .map(|(s, h)| format!("{}{}", s.code(), h.number))
                    .collect();
                parts.push(format!("{device}:{n}:{}", heads.join(",")));
            }
        }
        Ok(parts.join(";"))
    })
}

/// A stock alert: below the threshold, or negative (a shortfall from
/// offline sales).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StockAlert {
    /// Store.
    pub store: String,
    /// Item.
    pub sku: String,
    /// Location.
    pub location: String,
    /// On hand.
    pub on_hand: Decimal,
    /// Reserved for orders.
    pub reserved: Decimal,
    /// Negative on hand: sold offline beyond the stock.
    pub shortfall: bool,
}

/// Items at or below `threshold` available, shortfalls first.
pub fn stock_alerts<S: Storage>(
    server: &Server<S>,
    viewer: &Viewer,
    threshold: Decimal,
) -> Result<Vec<StockAlert>> {
    let mut out = Vec::new();
    server.with_tx(|tx| {
        out.clear();
        for store in &viewer.stores {
            for ((sku, location), (on_hand, reserved)) in tx.stock_levels(store)? {
                let available = on_hand.checked_sub(reserved).ok_or(SyncError::Overflow {
                    what: "stock level",
                })?;
                if on_hand < Decimal::ZERO || available <= threshold {
                    out.push(StockAlert {
                        store: store.clone(),
                        sku,
                        location,
                        on_hand,
                        reserved,
                        shortfall: on_hand < Decimal::ZERO,
                    });
                }
            }
        }
        Ok(())
    })?;
    out.sort_by(|a, b| {
        b.shortfall
            .cmp(&a.shortfall)
            .then_with(|| a.on_hand.cmp(&b.on_hand))
            .then_with(|| (&a.store, &a.sku).cmp(&(&b.store, &b.sku)))
    });
    Ok(out)
}

/// Orders still to prepare or hand over (not collected, cancelled or
/// refunded), click & collect first, by pickup time.
pub fn order_queue<S: Storage>(server: &Server<S>, viewer: &Viewer) -> Result<Vec<StoredOrder>> {
    let mut out: Vec<StoredOrder> = server.with_tx(|tx| {
        let mut v = Vec::new();
        for store in &viewer.stores {
            v.extend(tx.bo_orders(store)?);
        }
        Ok(v)
    })?;
    out.retain(|o| !matches!(o.state.as_str(), "collected" | "cancelled" | "refunded"));
    let key = |o: &StoredOrder| {
        let v: serde_json::Value = serde_json::from_str(&o.json).unwrap_or_default();
        (
            at(&v, "/channel").as_str() != Some("click_collect"),
            at(&v, "/pickup_at").as_str().unwrap_or("").to_owned(),
            o.id.clone(),
        )
    };
    out.sort_by_key(key);
    Ok(out)
}

/// A till's journal as the server holds it, with the cached verdict of its
/// background verification ([`crate::verify_job`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TillStatus {
    /// Store.
    pub store: String,
    /// Till.
    pub till: String,
    /// Last accepted number per series (`T42`, `Z3`...).
    pub heads: Vec<String>,
    /// Batches kept aside because they did not verify.
    pub quarantined: u64,
    /// The cached verdict (none: never verified yet).
    pub verdict: Option<Verdict>,
    /// Records accepted past the verdict (by the numbers of each series).
    pub unverified: u64,
    /// The verification queued or running now.
    pub progress: Option<Progress>,
    /// Why the last verification run failed, if it did.
    pub failure: Option<String>,
    /// Last successful push.
    pub last_push: Option<DateTime<Utc>>,
}

impl TillStatus {
    /// Verified up to the last accepted record, with no defect.
    pub fn verified(&self) -> bool {
        self.unverified == 0 && self.verdict.as_ref().is_some_and(Verdict::is_intact)
    }
}

/// Every till's journal status with its cached verdict; never verifies
/// inline. A till with records past its verdict gets a verification
/// queued on `jobs` (deduplicated: at most one per till at a time).
pub fn journal_status<S: Storage>(
    server: &Server<S>,
    viewer: &Viewer,
    jobs: &VerifyJobs,
) -> Result<Vec<TillStatus>> {
    let mut out = server.with_tx(|tx| {
        let mut out = Vec::new();
        for store in &viewer.stores {
            for till in tx.bo_devices(store)? {
                let heads = tx.fiscal_heads(&till)?;
                let verdict = tx.journal_verdict(&till)?;
                let unverified = heads
                    .iter()
                    .map(|(s, h)| {
                        let reached = verdict
                            .as_ref()
                            .and_then(|v| v.heads.get(s.code()))
                            .map_or(0, |v| v.number);
                        h.number.saturating_sub(reached)
                    })
                    .fold(0u64, u64::saturating_add);
                out.push(TillStatus {
                    store: store.clone(),
                    heads: heads
                        .iter()
                        .map(|(s, h)| format!("{}{}", s.code(), h.number))
                        .collect(),
                    quarantined: tx.quarantine_count(&till)?,
                    verdict,
                    unverified,
                    progress: None,
                    failure: None,
                    last_push: tx.last_push(&till)?,
                    till,
                });
            }
        }
        Ok(out)
    })?;
    for t in &mut out {
        if t.unverified > 0 || t.verdict.is_none() {
            jobs.request(&t.till);
        }
        t.progress = jobs.progress(&t.till);
        t.failure = jobs.failure(&t.till);
    }
    Ok(out)
}

/// The FEC of one till's daily closures: (file name, ISO-8859-15 bytes).
pub fn fec<S: Storage>(
    server: &Server<S>,
    viewer: &Viewer,
    till: &str,
) -> Result<(String, Vec<u8>)> {
    viewer.require(
        &[Role::Owner, Role::Manager, Role::Accountant],
        "download the FEC",
    )?;
    let (store, records, siren) = till_records(server, viewer, till)?;
    let closures: Vec<(u64, pos_fiscal::payload::ClosurePayload)> = records
        .iter()
        .filter_map(|r| report::closure_fact(&store, r))
        .map(|c| (c.number, c.payload))
        .collect();
    if closures.is_empty() {
        // Nothing to export yet: the request is fine, the file does not exist.
        return Err(crate::error::SyncError::NotFound {
            what: "daily closure of this till (the FEC is built from them)",
        }
        .into());
    }
    Ok(pos_fiscal::fec::file(&siren, till, &closures)?)
}

/// One till's accepted journal as canonical JSON lines, the layout of a
/// pos-fiscal archive's `records.jsonl` (each line a signed record;
/// `pos_fiscal::archive::decode_jsonl` reads them and the verifier checks
/// them with the till's public key).
pub fn journal_jsonl<S: Storage>(
    server: &Server<S>,
    viewer: &Viewer,
    till: &str,
) -> Result<Vec<u8>> {
    let (_, records, _) = till_records(server, viewer, till)?;
    let mut out = Vec::new();
    for r in &records {
        out.extend(pos_fiscal::canon::to_canonical(r)?);
        out.push(b'\n');
    }
    Ok(out)
}

fn till_records<S: Storage>(
    server: &Server<S>,
    viewer: &Viewer,
    till: &str,
) -> Result<(String, Vec<pos_fiscal::record::StoredRecord>, String)> {
    server.with_tx(|tx| {
        let dev = tx.device(till)?.ok_or(BackOfficeFailure::ForeignStore)?;
        viewer.check_store(&dev.store)?;
        let (_, siren) = tx
            .bo_retailer(&viewer.user.retailer)?
            .ok_or(BackOfficeFailure::UnknownRetailer)?;
        Ok((dev.store.clone(), tx.fiscal_records(till)?, siren))
    })
}

/// The daily closures (Z) of the viewer's stores, newest period first.
pub fn closures<S: Storage>(server: &Server<S>, viewer: &Viewer) -> Result<Vec<ClosureFact>> {
    let stores = viewer.stores.clone();
    let (_, mut c) = server.with_tx(|tx| facts(tx, &stores, &[]))?;
    c.sort_by(|a, b| {
        b.payload
            .period
            .cmp(&a.payload.period)
            .then_with(|| (&a.store, &a.till, a.number).cmp(&(&b.store, &b.till, b.number)))
    });
    Ok(c)
}

/// (store, till) of every till of the viewer's stores.
pub fn tills<S: Storage>(server: &Server<S>, viewer: &Viewer) -> Result<Vec<(String, String)>> {
    server.with_tx(|tx| {
        let mut out = Vec::new();
        for s in &viewer.stores {
            for t in tx.bo_devices(s)? {
                out.push((s.clone(), t));
            }
        }
        Ok(out)
    })
}

fn csv_field(s: &str) -> String {
    // Quote every field; neutralise spreadsheet formulas.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The day's tickets as CSV (`;`-separated, decimal comma, for French
/// spreadsheets).
pub fn sales_csv(d: &Dashboard) -> String {
    let mut out = String::from("magasin;caisse;document;heure locale;total TTC\r\n");
    for t in &d.day_tickets {
        out.push_str(&format!(
            "{};{};{};{};{}\r\n",
            csv_field(&t.store),
            csv_field(&t.till),
            csv_field(&t.doc),
            csv_field(&t.local.format("%Y-%m-%d %H:%M:%S").to_string()),
            csv_field(&super::html::plain_amount(t.total))
        ));
    }
    out
}
