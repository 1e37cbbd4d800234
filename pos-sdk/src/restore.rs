//! Restoring a till whose disk died from what the sync server holds
//! (issue 17): the same register, on a new tablet, with a new signing key.
//!
//! [`restore`] re-enrols the register's device with a single-use enrolment
//! code that names it (the server rotates its secret and registers the new
//! key, see pos-server's `restore`), downloads the register's fiscal journal
//! as the server accepted it and **verifies every signature and chain link**
//! under the keys the server registered before anything is written, then
//! writes a new till file that continues the same chains:
//!
//! 1. the downloaded records, as signed, with their caches (query columns,
//!    `fiscal_meta`, running totals) rebuilt from the signed data;
//! 2. a JET 310 (key change) naming the new key and **signed by the new key
//!    itself**: the old key was lost with the device, so nothing in the file
//!    can vouch for the new one; the server's registration does (a verifier
//!    trusts it through the server's keys, `pos verify --server`);
//! 3. JET 127 (terminal removed: the lost tablet, its key id) and JET 126
//!    (terminal added: this tablet, its key id), detail `reason` `restore`;
//! 4. JET 90 (integrity defect) with `during` `restore`: the gap. What the
//!    lost tablet recorded after its last push (sales, their events) never
//!    reached the server and is not in the restored file; the entry names
//!    the last record of each series and the last event sequence the server
//!    held, and the time of the last push. Nothing is invented.
//!
//! The outbox resumes after the sequence the server acknowledged (a marker
//! row, already acknowledged, holds that sequence), the sync state starts at
//! the server's fiscal heads, and the store's shared data (catalog,
//! customers, loyalty points, stored value, stock movements, orders) is
//! pulled from the start of the store's change feed, the lost tablet's own
//! changes included.
//!
//! Not restored: the business copy of past tickets (`tickets`: receipts and
//! refunds of tickets sold before the loss can only be looked up on the
//! server), the cash session (the new tablet opens a new one), promotions
//! and local settings.

use crate::sync::{DEVICE_KEY, SECRET_KEY, TillSync, sql, till};
use crate::{Clock, IdGenerator, Register, RegisterConfig, SdkError, db};
use chrono::{DateTime, Utc};
use pos_fiscal::Series;
use pos_fiscal::jet::JetCode;
use pos_fiscal::payload::{ClosurePayload, DuplicatePayload, JetPayload};
use pos_fiscal::record::StoredRecord;
use pos_fiscal::store::rows::{self, Derived};
use pos_fiscal::ticket::TicketPayload;
use pos_fiscal::verify::{VerifyContext, verify_records};
use pos_fiscal::{PublicKey, Signer};
use pos_sync::client::{ClientState, Credentials, SyncClient, TillStore, server_error, signed};
use pos_sync::restore::{RestoreRequest, RestoreResponse, decode_restore_response, paths};
use pos_sync::transport::{HttpRequest, Transport};
use pos_sync::wire::{self, PROTOCOL_VERSION};
use pos_sync::{Result, SyncError};
use rusqlite::Transaction;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Where the gap is kept in the till's `meta` table.
const GAP_KEY: &str = "restore.gap";
/// Records asked for per page.
const PAGE: u32 = 1000;

/// What the lost tablet may have recorded that the server never received:
/// everything after these. Written as JET 90 and kept for the sync status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreGap {
    /// The last number of each series the server held.
    pub server_last: BTreeMap<Series, u64>,
    /// The last event sequence the server acknowledged.
    pub acked_seq: u64,
    /// The lost tablet's last push.
    pub last_push: Option<DateTime<Utc>>,
    /// When the till was restored.
    pub restored_at: DateTime<Utc>,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// The server's id of the device (`{store}/{register}`).
    pub device: String,
    /// Fiscal records downloaded, verified and written.
    pub records: u64,
    /// Store changes pulled (applied or set aside as `skipped`).
    pub pulled: u64,
    /// Pulled changes set aside as invalid.
    pub skipped: u64,
    /// The number of the JET 310 that hands the chain to the new key
    /// (`None` when the server held no record: the journal starts afresh).
    pub takeover: Option<u64>,
    /// What was lost with the tablet.
    pub gap: RestoreGap,
}

fn refuse(rule: &'static str) -> SyncError {
    SyncError::Invalid {
        message: "server journal copy",
        rule,
    }
}

/// Restores the till of `config`'s store and register into the new file
/// `path`, signing from now on with `signer` (a new key), authorised by the
/// single-use enrolment `code` whose `replaces` names this register.
/// Returns the opened till; nothing is written when the server's copy does
/// not verify.
pub fn restore(
    path: &Path,
    config: RegisterConfig,
    clock: Arc<dyn Clock>,
    ids: IdGenerator,
    signer: Box<dyn Signer>,
    transport: &mut dyn Transport,
    code: &str,
) -> Result<(Register, RestoreReport)> {
    restore_then(
        path,
        config,
        clock,
        ids,
        signer,
        transport,
        code,
        &mut || Ok(()),
    )
}

/// [`restore`], running `before_write` once the server's copy verified and
/// before the till file is written (to keep the new key).
#[allow(clippy::too_many_arguments)] // restore's arguments plus the hook
fn restore_then(
    path: &Path,
    config: RegisterConfig,
    clock: Arc<dyn Clock>,
    ids: IdGenerator,
    signer: Box<dyn Signer>,
    transport: &mut dyn Transport,
    code: &str,
    before_write: &mut dyn FnMut() -> Result<()>,
) -> Result<(Register, RestoreReport)> {
    if path.exists() {
        return Err(till(SdkError::Precondition {
            what: "a new till file to restore into",
        }));
    }
    let device = format!("{}/{}", config.store, config.register);
    let enrolled = enroll(&config, signer.as_ref(), transport, code, &device)?;
    let creds = Credentials {
        device: enrolled.device.clone(),
        secret: hex::decode(&enrolled.secret).map_err(|_| SyncError::Corrupt {
            what: "sync secret",
        })?,
    };
    let (records, last) = download(&creds, transport)?;
    check(&records, &last, &config, &signer.key_id())?;
    let now = clock.now();
    let gap = RestoreGap {
        server_last: last.heads.iter().map(|(s, h)| (*s, h.last)).collect(),
        acked_seq: last.acked_seq,
        last_push: last.last_push,
        restored_at: now,
    };
    before_write()?;
    let takeover = write_journal(path, &config, signer.as_ref(), &records, &gap, now)?;
    let mut register = Register::open(path, config, clock, ids, signer).map_err(till)?;
    resume_outbox(&register, &creds, &last)?;
    let (pulled, skipped) = pull_all(&mut register, &creds, transport)?;
    {
        let tx = register.connection().unchecked_transaction().map_err(sql)?;
        db::meta_set(&tx, DEVICE_KEY, &creds.device).map_err(till)?;
        let json = serde_json::to_string(&gap).map_err(|_| SyncError::Corrupt {
            what: "restore gap",
        })?;
        db::meta_set(&tx, GAP_KEY, &json).map_err(till)?;
        tx.commit().map_err(sql)?;
    }
    let report = RestoreReport {
        device: creds.device,
        records: u64::try_from(records.len()).unwrap_or(u64::MAX),
        pulled,
        skipped,
        takeover,
        gap,
    };
    Ok((register, report))
}

/// [`restore`] with a new software key kept in the default key store beside
/// `path` (see [`crate::keystore::default_key_store`]); refused when a key
/// is already kept there.
pub fn restore_with_key_file(
    path: &Path,
    config: RegisterConfig,
    clock: Arc<dyn Clock>,
    ids: IdGenerator,
    transport: &mut dyn Transport,
    code: &str,
) -> Result<(Register, RestoreReport)> {
    let mut keys = crate::keystore::default_key_store(path);
    if keys.load().map_err(|e| till(e.into()))?.is_some() {
        return Err(till(SdkError::Precondition {
            what: "no signing key kept beside the new till file",
        }));
    }
    let fresh = crate::keystore::generate().map_err(|e| till(e.into()))?;
    let pem = fresh.to_pkcs8_pem().map_err(|e| till(e.into()))?;
    let kept = pos_fiscal::SoftwareSigner::from_pkcs8_pem(&pem).map_err(|e| till(e.into()))?;
    // The key is kept only once the server's copy verified: a refused
    // restore leaves nothing behind.
    restore_then(
        path,
        config,
        clock,
        ids,
        Box::new(fresh),
        transport,
        code,
        &mut || keys.store(&kept).map_err(|e| till(e.into())),
    )
}

/// The gap a restore recorded, if this till was restored.
pub fn gap(register: &Register) -> Result<Option<RestoreGap>> {
    let tx = register.connection().unchecked_transaction().map_err(sql)?;
    match db::meta_get(&tx, GAP_KEY).map_err(till)? {
        Some(json) => serde_json::from_str(&json)
            .map(Some)
            .map_err(|_| SyncError::Corrupt {
                what: "restore gap",
            }),
        None => Ok(None),
    }
}

fn enroll(
    config: &RegisterConfig,
    signer: &dyn Signer,
    transport: &mut dyn Transport,
    code: &str,
    device: &str,
) -> Result<wire::EnrollResponse> {
    let body = wire::encode(&wire::EnrollRequest {
        device: config.register.to_string(),
        store: config.store.to_string(),
        location: config.location.to_string(),
        public_key: hex::encode(signer.public_key_sec1()),
        replaces: Some(device.to_owned()),
    })?;
    let req = HttpRequest {
        method: "POST",
        path: paths::RESTORE_ENROLL.into(),
        headers: vec![
            (
                pos_sync::auth::HEADER_ENROLMENT_CODE.into(),
                code.trim().into(),
            ),
            ("content-type".into(), "application/json".into()),
        ],
        body,
    };
    let resp = transport.send(&req)?;
    if resp.status != 200 {
        return Err(server_error(&resp));
    }
    let enrolled = wire::decode_enroll_response(&resp.body)?;
    if enrolled.device != device {
        return Err(SyncError::Invalid {
            message: "restore enrolment",
            rule: "the server re-enrols the device asked for",
        });
    }
    Ok(enrolled)
}

/// Every page of the device's journal copy; the last page's metadata.
fn download(
    creds: &Credentials,
    transport: &mut dyn Transport,
) -> Result<(Vec<StoredRecord>, RestoreResponse)> {
    let mut records = Vec::new();
    let mut after = 0u64;
    loop {
        let body = wire::encode(&RestoreRequest {
            protocol: PROTOCOL_VERSION,
            after,
            limit: PAGE,
        })?;
        let now_ms = Utc::now().timestamp_millis();
        let resp = transport.send(&signed(creds, "POST", paths::RESTORE, body, now_ms))?;
        if resp.status != 200 {
            return Err(server_error(&resp));
        }
        let mut page = decode_restore_response(&resp.body)?;
        if page.device != creds.device {
            return Err(refuse("the copy is the asking device's"));
        }
        if page.more && (page.next <= after || page.records.is_empty()) {
            return Err(refuse("pages move forward"));
        }
        records.append(&mut page.records);
        after = page.next;
        if !page.more {
            return Ok((records, page));
        }
    }
}

/// Nothing fiscal is taken unchecked: every record verifies (signature,
/// hash, chain link, signed string, numbering from the genesis) under the
/// keys the server registered before this restore, belongs to this
/// register, and each series ends at the head the server reports.
fn check(
    records: &[StoredRecord],
    last: &RestoreResponse,
    config: &RegisterConfig,
    new_key: &str,
) -> Result<()> {
    match last.public_keys.last() {
        Some(k) if k.key_id == new_key => {}
        _ => return Err(refuse("the server registered the new key last")),
    }
    if records.is_empty() {
        return if last.heads.is_empty() {
            Ok(())
        } else {
            Err(refuse("the copy holds the records of every head"))
        };
    }
    let mut keys = Vec::new();
    for k in last.public_keys.iter().filter(|k| k.key_id != new_key) {
        let key = hex::decode(&k.public_key)
            .ok()
            .and_then(|b| PublicKey::from_sec1(&b).ok())
            .filter(|p| p.key_id() == k.key_id)
            .ok_or(refuse("registered keys are P-256 keys"))?;
        keys.push(key);
    }
    if records
        .iter()
        .any(|r| r.register != config.register.as_str())
    {
        return Err(refuse("every record is this register's"));
    }
    let report = verify_records(
        records,
        &VerifyContext {
            source: "restore".into(),
            keys,
            ..Default::default()
        },
    );
    if !report.defects.is_empty() {
        return Err(refuse("every signature and chain link verifies"));
    }
    let mut tails: BTreeMap<Series, (u64, &str)> = BTreeMap::new();
    for r in records {
        tails.insert(r.series, (r.number, r.hash.as_str()));
    }
    let heads: BTreeMap<Series, (u64, &str)> = last
        .heads
        .iter()
        .map(|(s, h)| (*s, (h.last, h.hash.as_str())))
        .collect();
    if tails != heads {
        return Err(refuse("each series ends at the server's head"));
    }
    Ok(())
}

/// The query columns of a record, from its signed payload.
fn derived(r: &StoredRecord) -> Result<(Derived, Option<TicketPayload>)> {
    let bad = || refuse("every payload decodes");
    let date = r.stamp().and_then(|s| s.local_date()).ok_or_else(bad)?;
    let mut reference = None;
    let mut amount = 0;
    let mut ticket = None;
    match r.kind.as_str() {
        "sale" | "refund" | "exchange" => {
            let p: TicketPayload =
                pos_fiscal::canon::from_canonical(r.payload.as_bytes(), "ticket")
                    .map_err(|_| bad())?;
            reference = p.ticket.original;
            amount = p.ticket.total;
            ticket = Some(p);
        }
        "duplicate" => {
            let p: DuplicatePayload =
                pos_fiscal::canon::from_canonical(r.payload.as_bytes(), "duplicate")
                    .map_err(|_| bad())?;
            reference = Some(p.original);
        }
        "closure_day" | "closure_month" | "closure_year" => {
            let p: ClosurePayload =
                pos_fiscal::canon::from_canonical(r.payload.as_bytes(), "closure")
                    .map_err(|_| bad())?;
            amount = p.period_total;
        }
        _ => {}
    }
    Ok((
        Derived {
            local_date: date.to_string(),
            reference,
            amount,
        },
        ticket,
    ))
}

/// `fiscal_meta` from the signed records (FORMAT.md 1.3).
fn meta_from(records: &[StoredRecord]) -> Result<BTreeMap<String, String>> {
    let mut meta = BTreeMap::new();
    for r in records.iter().filter(|r| r.series == Series::E) {
        let p: JetPayload = pos_fiscal::canon::from_canonical(r.payload.as_bytes(), "jet")
            .map_err(|_| refuse("every payload decodes"))?;
        let d = |k: &str| p.detail.get(k).cloned();
        let code = [
            JetCode::Initialisation,
            JetCode::KeyChange,
            JetCode::SoftwareUpdate,
            JetCode::SettingChange,
        ]
        .into_iter()
        .find(|c| c.code() == p.code);
        match code {
            Some(JetCode::Initialisation) if r.number == 1 => {
                let (Some(reg), Some(id), Some(ts), Some(key)) =
                    (d("register"), d("key_id"), d("init_ts"), d("public_key"))
                else {
                    return Err(refuse("E1 is a complete JET 260"));
                };
                meta.insert("register".into(), reg);
                meta.insert("init_ts".into(), ts);
                meta.insert("genesis_key_id".into(), id.clone());
                meta.insert("current_key_id".into(), id.clone());
                meta.insert(format!("public_key:{id}"), key);
            }
            Some(JetCode::KeyChange) => {
                if let (Some(id), Some(key)) = (d("new_key_id"), d("new_public_key")) {
                    meta.insert("current_key_id".into(), id.clone());
                    meta.insert(format!("public_key:{id}"), key);
                }
            }
            Some(JetCode::SoftwareUpdate) => {
                if let Some(to) = d("to") {
                    meta.insert("software_version".into(), to);
                }
            }
            Some(JetCode::SettingChange) if d("setting").as_deref() == Some("siren") => {
                if let Some(v) = d("value") {
                    meta.insert("siren".into(), v);
                }
            }
            _ => {}
        }
    }
    if !meta.contains_key("register") {
        return Err(refuse("E1 is a complete JET 260"));
    }
    let last_ts = records
        .iter()
        .map(|r| r.ts.as_str())
        .max()
        .ok_or(refuse("the copy holds records"))?;
    meta.insert("last_ts".into(), last_ts.to_owned());
    Ok(meta)
}

fn fiscal_err(e: pos_fiscal::FiscalError) -> SyncError {
    till(SdkError::from(e))
}

/// Writes the verified records and the takeover entries into a new file.
fn write_journal(
    path: &Path,
    config: &RegisterConfig,
    signer: &dyn Signer,
    records: &[StoredRecord],
    gap: &RestoreGap,
    now: DateTime<Utc>,
) -> Result<Option<u64>> {
    if records.is_empty() {
        // Nothing to continue: the new tablet starts the register's journal
        // (Register::open writes its genesis) and logs the gap below.
        return Ok(None);
    }
    let mut conn = db::open(path).map_err(till)?;
    let tx = conn.transaction().map_err(sql)?;
    db::meta_set(&tx, "register", config.register.as_str()).map_err(till)?;
    db::meta_set(&tx, "store", config.store.as_str()).map_err(till)?;
    for r in records {
        let (d, ticket) = derived(r)?;
        rows::insert_record(&tx, r, &d).map_err(fiscal_err)?;
        if let Some(t) = ticket
            && matches!(r.series, Series::T | Series::I)
        {
            let date = r
                .stamp()
                .and_then(|s| s.local_date())
                .ok_or(refuse("dates"))?;
            pos_fiscal::store::totals::add_ticket(&tx, date, &t.ticket).map_err(fiscal_err)?;
        }
    }
    let meta = meta_from(records)?;
    let old_key = meta.get("current_key_id").cloned().unwrap_or_default();
    for (k, v) in &meta {
        rows::meta_set(&tx, k, v).map_err(fiscal_err)?;
    }
    // The old key is gone: the takeover is signed by the new key, which
    // the server registered at this restore's enrolment.
    rows::meta_set(&tx, "current_key_id", &signer.key_id()).map_err(fiscal_err)?;
    let stamp = crate::register::stamp(config, now).map_err(till)?;
    let operator = config.system_operator.to_string();
    let takeover =
        pos_fiscal::store::change_key(&tx, signer, signer, stamp, &operator).map_err(fiscal_err)?;
    let me = config.register.to_string();
    let event = |code, detail: Vec<(&str, String)>| {
        let detail = detail.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        pos_fiscal::store::record_event(&tx, signer, stamp, code, &operator, detail)
            .map_err(fiscal_err)
    };
    event(
        JetCode::TerminalRemoved,
        vec![
            ("terminal", me.clone()),
            ("replaced_by", me.clone()),
            ("key_id", old_key),
            ("reason", "restore".into()),
        ],
    )?;
    event(
        JetCode::TerminalAdded,
        vec![
            ("terminal", me.clone()),
            ("replaces", me.clone()),
            ("key_id", signer.key_id()),
            ("reason", "restore".into()),
        ],
    )?;
    event(JetCode::IntegrityDefect, gap_detail(gap))?;
    tx.commit().map_err(sql)?;
    Ok(Some(takeover.doc.number))
}

/// The JET 90 detail of a restore's gap.
fn gap_detail(gap: &RestoreGap) -> Vec<(&'static str, String)> {
    let mut d = vec![
        ("during", "restore".to_owned()),
        ("server_acked_seq", gap.acked_seq.to_string()),
        (
            "server_last_push",
            gap.last_push.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ),
        (
            "server_last",
            gap.server_last
                .iter()
                .map(|(s, n)| format!("{}{n}", s.code()))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        (
            "lost",
            "what the lost tablet recorded after these never reached the server".to_owned(),
        ),
    ];
    d.sort();
    d
}

/// The outbox continues after the server's sequence; the sync state starts
/// at the server's heads (the restored records are not pushed again).
fn resume_outbox(register: &Register, creds: &Credentials, last: &RestoreResponse) -> Result<()> {
    let tx = register.connection().unchecked_transaction().map_err(sql)?;
    if last.acked_seq > 0 {
        let seq = i64::try_from(last.acked_seq).map_err(|_| SyncError::Corrupt {
            what: "outbox sequence",
        })?;
        tx.execute(
            "INSERT INTO outbox(seq, event_id, kind, created_at, payload, acked)
             VALUES (?1, ?2, 'restore_marker', ?3, '{}', 1)",
            rusqlite::params![
                seq,
                format!("restore-marker:{}:{seq}", creds.device),
                Utc::now().to_rfc3339()
            ],
        )
        .map_err(sql)?;
    }
    db::meta_set(&tx, SECRET_KEY, &hex::encode(&creds.secret)).map_err(till)?;
    let state = ClientState {
        acked_seq: last.acked_seq,
        fiscal_heads: last.heads.iter().map(|(s, h)| (*s, h.last)).collect(),
        ..ClientState::default()
    };
    save_state(&tx, &state)?;
    tx.commit().map_err(sql)
}

fn save_state(tx: &Transaction<'_>, state: &ClientState) -> Result<()> {
    let json =
        serde_json::to_string(state).map_err(|_| SyncError::Corrupt { what: "sync state" })?;
    db::meta_set(tx, crate::sync::STATE_KEY, &json).map_err(till)
}

/// Pulls the store's whole change feed. The device id is not yet written to
/// the file, so the lost tablet's own changes (its stock movements,
/// customers, ledgers) are applied like any other till's.
fn pull_all(
    register: &mut Register,
    creds: &Credentials,
    transport: &mut dyn Transport,
) -> Result<(u64, u64)> {
    let client = SyncClient::new(creds.clone());
    let mut store = TillSync::new(register);
    let mut state = store.load_state()?;
    let (mut pulled, mut skipped) = (0u64, 0u64);
    loop {
        let req = client.pull_request(&state, Utc::now().timestamp_millis())?;
        let resp = transport.send(&req)?;
        let r = client.on_pull_response(&state, &resp)?;
        skipped = skipped.saturating_add(store.apply_pulled(&r.changes)?);
        pulled = pulled.saturating_add(u64::try_from(r.changes.len()).unwrap_or(u64::MAX));
        client.advance(&mut state, &r);
        store.save_state(&state)?;
        if !r.more {
            return Ok((pulled, skipped));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ManualClock, SaleOptions};
    use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
    use pos_core::tender::{Tender, TenderMethod};
    use pos_fiscal::SoftwareSigner;
    use pos_sync::wire::{HeadEntry, RegisteredKey};

    fn config() -> RegisterConfig {
        RegisterConfig::france(
            StoreId::new("s").unwrap(),
            RegisterId::new("r").unwrap(),
            LocationId::new("shop").unwrap(),
        )
        .unwrap()
    }

    fn signer(seed: u8) -> SoftwareSigner {
        SoftwareSigner::from_secret(&[seed; 32]).unwrap()
    }

    /// The journal of a till that made `sales` sales, as the server holds it.
    fn journal(sales: usize) -> Vec<StoredRecord> {
        let clock = Arc::new(ManualClock::new("2026-03-02T10:00:00Z".parse().unwrap()));
        let mut reg =
            Register::in_memory(config(), clock, IdGenerator::seeded(1), Box::new(signer(7)))
                .unwrap();
        reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
            .unwrap();
        for _ in 0..sales {
            let ctx = reg.price_context(None);
            let mut cart = reg.new_cart();
            reg.scan(&mut cart, "3760123000352", &ctx).unwrap();
            let mut payment = reg.start_payment(&cart, None).unwrap();
            let due = payment.remaining().unwrap();
            payment.add(Tender::new(TenderMethod::Cash, due)).unwrap();
            reg.complete_sale(
                cart,
                payment,
                &SaleOptions::by(OperatorId::new("a").unwrap()),
            )
            .unwrap();
        }
        rows::load_records(reg.connection()).unwrap()
    }

    fn key(s: &SoftwareSigner, since: u64) -> RegisteredKey {
        RegisteredKey {
            key_id: s.key_id(),
            public_key: hex::encode(s.public_key_sec1()),
            since,
        }
    }

    fn copy(records: &[StoredRecord]) -> RestoreResponse {
        let mut heads = BTreeMap::new();
        for r in records {
            heads.insert(
                r.series,
                HeadEntry {
                    last: r.number,
                    hash: r.hash.clone(),
                },
            );
        }
        RestoreResponse {
            device: "s/r".into(),
            records: Vec::new(),
            next: 0,
            more: false,
            public_keys: vec![key(&signer(7), 0), key(&signer(9), 99)],
            heads,
            acked_seq: 4,
            last_push: None,
        }
    }

    #[test]
    fn only_a_complete_copy_that_verifies_under_the_registered_keys_is_taken() {
        let records = journal(2);
        let new = signer(9).key_id();
        check(&records, &copy(&records), &config(), &new).unwrap();

        // One changed byte of a signed payload.
        let mut changed = records.clone();
        let t1 = changed.iter_mut().find(|r| r.series == Series::T).unwrap();
        t1.payload = t1.payload.replacen("\"total\":", "\"total\":1", 1);
        assert!(check(&changed, &copy(&records), &config(), &new).is_err());

        // A cut tail: the server's head names a record the copy lacks.
        let cut: Vec<StoredRecord> = records
            .iter()
            .filter(|r| !(r.series == Series::T && r.number == 2))
            .cloned()
            .collect();
        assert!(check(&cut, &copy(&records), &config(), &new).is_err());

        // Another register's journal.
        let mut other = config();
        other.register = RegisterId::new("r2").unwrap();
        assert!(check(&records, &copy(&records), &other, &new).is_err());

        // The new key must be the one the server registered last.
        assert!(check(&records, &copy(&records), &config(), &signer(8).key_id()).is_err());

        // A history signed by a key the server never registered.
        let mut foreign = copy(&records);
        foreign.public_keys[0] = key(&signer(8), 0);
        assert!(check(&records, &foreign, &config(), &new).is_err());
    }

    #[test]
    fn the_restored_journal_continues_the_chains_under_the_new_key() {
        let records = journal(2);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("restored.sqlite");
        let gap = RestoreGap {
            server_last: BTreeMap::from([(Series::T, 2)]),
            acked_seq: 4,
            last_push: None,
            restored_at: "2026-03-03T09:00:00Z".parse().unwrap(),
        };
        let new = signer(9);
        let takeover =
            write_journal(&path, &config(), &new, &records, &gap, gap.restored_at).unwrap();
        let new = signer(9);
        let e_head = records
            .iter()
            .filter(|r| r.series == Series::E)
            .map(|r| r.number)
            .max()
            .unwrap();
        assert_eq!(takeover, Some(e_head + 1));

        let conn = pos_fiscal::store::open_read_only(&path).unwrap();
        let restored = rows::load_records(&conn).unwrap();
        assert_eq!(restored[..records.len()], records[..]);
        let codes: Vec<(u32, String)> = restored[records.len()..]
            .iter()
            .map(|r| {
                let p: JetPayload =
                    pos_fiscal::canon::from_canonical(r.payload.as_bytes(), "jet").unwrap();
                (p.code, r.key_id.clone())
            })
            .collect();
        let k = new.key_id();
        assert_eq!(
            codes,
            [
                (310, k.clone()),
                (127, k.clone()),
                (126, k.clone()),
                (90, k)
            ]
        );

        // With the keys the server registered (old, then new): one intact
        // history, caches (meta, totals, query columns) included.
        let both = pos_fiscal::store::VerifyOptions {
            keys: [signer(7), new]
                .iter()
                .map(|s| PublicKey::from_sec1(&s.public_key_sec1()).unwrap())
                .collect(),
            ..Default::default()
        };
        let report = crate::verify::verify_connection(&conn, &both).unwrap();
        assert_eq!(report.verdict, "intact", "{:?}", report.defects);

        // From the file alone nothing vouches for the new key (the old one,
        // which could have signed the hand-over, was lost): not intact.
        let alone = pos_fiscal::store::VerifyOptions::default();
        let report = crate::verify::verify_connection(&conn, &alone).unwrap();
        assert_ne!(report.verdict, "intact");
    }
}
