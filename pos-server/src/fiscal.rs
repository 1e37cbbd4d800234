//! Accepting a till's fiscal records: continuity and signatures are checked
//! against what the server already holds for that till (per-series anchors)
//! with pos-fiscal's verifier. A batch with a gap, a fork, a bad signature
//! or a record of another register is kept aside whole (quarantine) and
//! reported; the accepted heads do not move.
//!
//! Keys: the public key registered at enrolment signs the device's records
//! until a key change (JET 310) signed by it names a new key; from that
//! record on, in the till's append order and across batches, only the new
//! key is accepted. A record signed by any other key (a history re-signed
//! wholesale, an old key used after its replacement) is kept aside. Every
//! key accepted so far stays registered ([`registered_keys`]) so that old
//! records still verify.

use super::store::{Device, DeviceKey, Tx};
use crate::error::{Result, SyncError};
use crate::wire::FiscalQuarantine;
use base64::Engine;
use pos_fiscal::PublicKey;
use pos_fiscal::Series;
use pos_fiscal::jet::JetCode;
use pos_fiscal::payload::JetPayload;
use pos_fiscal::record::{StoredRecord, genesis_hash, sha256_hex};
use pos_fiscal::verify::{Anchor, VerifyContext, verify_records};
use std::collections::BTreeMap;

fn parse_key(sec1_hex: &str) -> Option<PublicKey> {
    hex::decode(sec1_hex)
        .ok()
        .and_then(|b| PublicKey::from_sec1(&b).ok())
}

/// The keys registered for a device, oldest first: the enrolment key (since
/// 0), then each key introduced by an accepted JET 310. The last one signs
/// the device's next records.
pub fn registered_keys(tx: &mut dyn Tx, dev: &Device) -> Result<Vec<DeviceKey>> {
    let enrolled = parse_key(&dev.public_key).ok_or(SyncError::Corrupt { what: "device key" })?;
    let mut keys = vec![DeviceKey {
        since: 0,
        key_id: enrolled.key_id(),
        public_key: dev.public_key.clone(),
    }];
    keys.extend(tx.device_keys(&dev.id)?);
    Ok(keys)
}

/// The new key a key-change record (JET 310) names, if `r` is one.
fn key_change(r: &StoredRecord) -> Option<std::result::Result<PublicKey, ()>> {
    if r.series != Series::E {
        return None;
    }
    let p: JetPayload = pos_fiscal::canon::from_canonical(r.payload.as_bytes(), "jet").ok()?;
    if p.code != JetCode::KeyChange.code() {
        return None;
    }
    let new = p
        .detail
        .get("new_public_key")
        .and_then(|h| parse_key(h))
        .filter(|k| p.detail.get("new_key_id") == Some(&k.key_id()));
    Some(new.ok_or(()))
}

fn signed_by(r: &StoredRecord, key: &PublicKey) -> bool {
    match (r.envelope_bytes(), r.signature_bytes()) {
        (Ok(env), Some(sig)) => key.verify(&env, &sig),
        _ => false,
    }
}

/// Walks the fresh records in append order with the device's current key:
/// each must be signed by the key current at its place; a valid JET 310
/// signed by it makes its new key current. Returns the keys introduced.
fn check_keys(
    fresh: &[StoredRecord],
    current: &DeviceKey,
    defects: &mut Vec<String>,
) -> Result<Vec<DeviceKey>> {
    let mut key =
        parse_key(&current.public_key).ok_or(SyncError::Corrupt { what: "device key" })?;
    let mut introduced = Vec::new();
    for r in fresh {
        let place = format!("{}{}", r.series.code(), r.number);
        if r.key_id != key.key_id() {
            defects.push(format!(
                "wrong_key {place}: signed by key {}, the registered key is {}",
                r.key_id,
                key.key_id()
            ));
            continue;
        }
        match key_change(r) {
            Some(Ok(new)) if signed_by(r, &key) => {
                introduced.push(DeviceKey {
                    since: r.number,
                    key_id: new.key_id(),
                    public_key: hex::encode(new.sec1()),
                });
                key = new;
            }
            Some(Ok(_)) => {} // its bad signature is reported by the verifier
            Some(Err(())) => defects.push(format!("bad_key_change {place}")),
            None => {}
        }
    }
    Ok(introduced)
}

/// Checks and stores a fiscal batch; returns the quarantine notice if kept aside.
pub fn accept(
    tx: &mut dyn Tx,
    dev: &mut Device,
    records: &[StoredRecord],
) -> Result<Option<FiscalQuarantine>> {
    if records.is_empty() {
        return Ok(None);
    }
    let heads = tx.fiscal_heads(&dev.id)?;
    let mut defects: Vec<String> = Vec::new();
    let mut fresh: Vec<StoredRecord> = Vec::new();
    for r in records {
        if r.register != dev.register {
            defects.push(format!("foreign_register {}{}", r.series.code(), r.number));
            continue;
        }
        let head = heads.get(&r.series).map_or(0, |h| h.number);
        if r.number <= head {
            // Already accepted: the same record again is a harmless retry,
            // another record at that number is a fork.
            if tx.fiscal_hash(&dev.id, r.series, r.number)?.as_deref() != Some(r.hash.as_str()) {
                defects.push(format!("fork {}{}", r.series.code(), r.number));
            }
            continue;
        }
        fresh.push(r.clone());
    }
    let registered = registered_keys(tx, dev)?;
    let current = registered
        .last()
        .ok_or(SyncError::Corrupt { what: "device key" })?;
    let introduced = check_keys(&fresh, current, &mut defects)?;
    let key = parse_key(&current.public_key).ok_or(SyncError::Corrupt { what: "device key" })?;
    let mut anchors = BTreeMap::new();
    for s in Series::ALL {
        if let Some(h) = heads.get(&s) {
            let sig =
                hex::decode(&h.signature).map_err(|_| SyncError::Corrupt { what: "signature" })?;
            anchors.insert(
                s,
                Anchor {
                    first: h.number.checked_add(1).ok_or(SyncError::Overflow {
                        what: "fiscal number",
                    })?,
                    prev_hash: h.hash.clone(),
                    prev_signature: Some(
                        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig),
                    ),
                },
            );
        } else if let Some((reg, key_id, ts)) = &dev.genesis {
            anchors.insert(
                s,
                Anchor {
                    first: 1,
                    prev_hash: genesis_hash(reg, key_id, ts, s)?,
                    prev_signature: None,
                },
            );
        }
    }
    if !fresh.is_empty() {
        let report = verify_records(
            &fresh,
            &VerifyContext {
                source: "sync".into(),
                keys: vec![key],
                anchors,
                head: None,
                known_head: None,
            },
        );
        for d in &report.defects {
            defects.push(format!(
                "{:?} {}{}: {}",
                d.kind,
                d.series.map(|s| s.code()).unwrap_or("-"),
                d.number.map(|n| n.to_string()).unwrap_or_default(),
                d.detail
            ));
        }
    }
    if !defects.is_empty() {
        let json =
            serde_json::to_string(records).map_err(|_| SyncError::Corrupt { what: "records" })?;
        let digest = sha256_hex(json.as_bytes());
        let defects_json =
            serde_json::to_string(&defects).map_err(|_| SyncError::Corrupt { what: "defects" })?;
        let id = tx.quarantine(&dev.id, &digest, &json, &defects_json)?;
        return Ok(Some(FiscalQuarantine {
            id,
            records: u64::try_from(records.len()).unwrap_or(u64::MAX),
            defects,
        }));
    }
    for r in &fresh {
        if r.series == Series::E
            && r.number == 1
            && dev.genesis.is_none()
            && let Some(g) = genesis_of(r)
        {
            tx.set_genesis(&dev.id, &g)?;
            dev.genesis = Some(g);
        }
        tx.insert_fiscal(&dev.id, r)?;
    }
    for k in &introduced {
        // A restored till's takeover (JET 310 signed by its new key) names
        // the key its restore already registered.
        if !registered.iter().any(|r| r.key_id == k.key_id) {
            tx.add_device_key(&dev.id, k)?;
        }
    }
    Ok(None)
}

fn genesis_of(r: &StoredRecord) -> Option<(String, String, String)> {
    let p: JetPayload = pos_fiscal::canon::from_canonical(r.payload.as_bytes(), "jet").ok()?;
    if p.code != JetCode::Initialisation.code() {
        return None;
    }
    Some((
        p.detail.get("register")?.clone(),
        p.detail.get("key_id")?.clone(),
        p.detail.get("init_ts")?.clone(),
    ))
}
