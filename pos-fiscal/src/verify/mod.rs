//! The verifier: recomputes every signature, hash, chain link and signed
//! string of an ordered list of records, checks the journal counters
//! (`head_seq`) and the signed head, and reports each defect's series,
//! number, position and kind.
//!
//! The head is signed at seals, not at every record: records beyond it are
//! accepted as the unsealed tail when their counters continue the head's
//! with no gap (any series), there are at most [`crate::store::SEAL_EVERY`]
//! of them, and none is a closure or archive (those are always sealed).
//! Cutting the end of the unsealed tail leaves no trace in the file; the
//! server's mirrored heads or a [`HeadMark`] find it.
//!
//! It works over any ordered list of [`StoredRecord`]s plus public keys, so
//! the same code checks a till's SQLite file ([`crate::store::verify_store`]),
//! an archive file alone ([`crate::archive::verify_archive`]) and records a
//! till pushes to the sync server. Signatures are checked in parallel
//! (rayon), everything else in one pass per series.

pub mod caches;
mod report;

pub use report::{Defect, DefectKind, Place, Point, Report, SeriesSummary};

use crate::canon::from_canonical;
use crate::head::{HeadMark, SignedHead};
use crate::jet::JetCode;
use crate::model::Series;
use crate::payload::JetPayload;
use crate::record::{StoredRecord, genesis_hash, signed_string};
use crate::signer::PublicKey;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Where a series' chain starts when it does not start at number 1 with
/// its genesis value (after a purge, or inside an archive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The first number expected.
    pub first: u64,
    /// The `prev_hash` that record must carry.
    pub prev_hash: String,
    /// The previous record's signature (base64url) for the signed string,
    /// `None` when `first` is 1.
    pub prev_signature: Option<String>,
}

/// What the verifier trusts and compares against.
#[derive(Debug, Clone, Default)]
pub struct VerifyContext {
    /// Where this came from ("sqlite", "archive", "records").
    pub source: String,
    /// Public keys trusted from the start (the register's registered key).
    /// Keys introduced by a valid key-change JET (310) are added.
    pub keys: Vec<PublicKey>,
    /// Explicit anchors; series without one start at 1 from the genesis
    /// value derived from the JET 260 record (E1).
    pub anchors: BTreeMap<Series, Anchor>,
    /// The signed head to compare tails with.
    pub head: Option<SignedHead>,
    /// The externally mirrored head mark (detects an old backup put back).
    pub known_head: Option<HeadMark>,
}

struct Checked {
    /// Signature verified under a known key.
    sig_ok: bool,
    /// The key id was unknown.
    unknown_key: bool,
    /// Recomputed hash (None if the envelope could not be built).
    hash: Option<String>,
}

fn defect(
    kind: DefectKind,
    series: Option<Series>,
    number: Option<u64>,
    position: Option<usize>,
    detail: &'static str,
) -> Defect {
    Defect {
        kind,
        series,
        number,
        last_number: None,
        position,
        detail,
        place: None,
    }
}

/// The genesis parameters recorded in a JET 260 record.
fn genesis_of(records: &[StoredRecord]) -> Option<(String, String, String)> {
    let r = records
        .iter()
        .find(|r| r.series == Series::E && r.number == 1)?;
    let p: JetPayload = from_canonical(r.payload.as_bytes(), "jet").ok()?;
    if p.code != JetCode::Initialisation.code() {
        return None;
    }
    Some((
        p.detail.get("register")?.clone(),
        p.detail.get("key_id")?.clone(),
        p.detail.get("init_ts")?.clone(),
    ))
}

/// Builds the key ring: trusted keys plus keys introduced by key-change JET
/// records that verify under a key already in the ring.
fn key_ring(records: &[StoredRecord], trusted: &[PublicKey]) -> BTreeMap<String, PublicKey> {
    let mut ring: BTreeMap<String, PublicKey> =
        trusted.iter().map(|k| (k.key_id(), k.clone())).collect();
    for r in records.iter().filter(|r| r.series == Series::E) {
        let Ok(p) = from_canonical::<JetPayload>(r.payload.as_bytes(), "jet") else {
            continue;
        };
        if p.code != JetCode::KeyChange.code() {
            continue;
        }
        let (Some(key), Ok(env), Some(sig)) =
            (ring.get(&r.key_id), r.envelope_bytes(), r.signature_bytes())
        else {
            continue;
        };
        if !key.verify(&env, &sig) {
            continue;
        }
        if let Some(new) = p
            .detail
            .get("new_public_key")
            .and_then(|h| hex::decode(h).ok())
            .and_then(|b| PublicKey::from_sec1(&b).ok())
        {
            ring.insert(new.key_id(), new);
        }
    }
    ring
}

fn check_one(r: &StoredRecord, ring: &BTreeMap<String, PublicKey>) -> Checked {
    let env = r.envelope_bytes().ok();
    let sig = r.signature_bytes();
    // hash = SHA-256(envelope || signature), from the envelope built once.
    let hash = match (&env, sig) {
        (Some(e), Some(s)) => {
            let mut b = e.clone();
            b.extend_from_slice(&s);
            Some(crate::record::sha256_hex(&b))
        }
        _ => None,
    };
    let key = ring.get(&r.key_id);
    let sig_ok = match (&env, sig, key) {
        (Some(env), Some(sig), Some(key)) => key.verify(env, &sig),
        _ => false,
    };
    Checked {
        sig_ok,
        unknown_key: key.is_none(),
        hash,
    }
}

/// Logs a verification's outcome: counts and the first defect's kind and
/// place, never a record's content.
fn log_outcome(records: usize, defects: &[Defect]) {
    match defects.first() {
        None => tracing::info!(target: "pos_fiscal::verify", records, "journal verified: intact"),
        Some(first) => tracing::warn!(
            target: "pos_fiscal::verify",
            records,
            defects = defects.len(),
            first_kind = ?first.kind,
            first_series = ?first.series,
            first_number = ?first.number,
            "journal verified: defects found"
        ),
    }
}

/// Verifies an ordered list of records.
pub fn verify_records(records: &[StoredRecord], ctx: &VerifyContext) -> Report {
    let ring = key_ring(records, &ctx.keys);
    let checked: Vec<Checked> = records.par_iter().map(|r| check_one(r, &ring)).collect();
    let mut defects = Vec::new();
    let mut signed_by = BTreeSet::new();

    // Record-level checks.
    for (pos, (r, c)) in records.iter().zip(&checked).enumerate() {
        let here = (Some(r.series), Some(r.number), Some(pos));
        let stored_ok = c.hash.as_deref() == Some(r.hash.as_str());
        if c.sig_ok {
            signed_by.insert(r.key_id.clone());
            if !stored_ok {
                defects.push(defect(
                    DefectKind::Modified,
                    here.0,
                    here.1,
                    here.2,
                    "stored hash does not match the record",
                ));
            }
        } else if c.hash.is_none() {
            defects.push(defect(
                DefectKind::Modified,
                here.0,
                here.1,
                here.2,
                "record fields are not well-formed",
            ));
        } else if c.unknown_key {
            defects.push(defect(
                DefectKind::Forged,
                here.0,
                here.1,
                here.2,
                "signed by an unknown key",
            ));
        } else if stored_ok {
            defects.push(defect(
                DefectKind::Forged,
                here.0,
                here.1,
                here.2,
                "hash consistent but signature invalid",
            ));
        } else {
            defects.push(defect(
                DefectKind::Modified,
                here.0,
                here.1,
                here.2,
                "signature does not verify",
            ));
        }
    }

    let genesis = genesis_of(records);
    let mut series_summary = BTreeMap::new();
    for s in Series::ALL {
        let items: Vec<(usize, &StoredRecord)> = records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.series == s)
            .collect();
        let anchor = match ctx.anchors.get(&s) {
            Some(a) => Some(a.clone()),
            None => genesis.as_ref().and_then(|(reg, key, ts)| {
                genesis_hash(reg, key, ts, s).ok().map(|h| Anchor {
                    first: 1,
                    prev_hash: h,
                    prev_signature: None,
                })
            }),
        };
        check_series(s, &items, anchor.as_ref(), &mut defects);
        if let Some(sum) = summary(&items) {
            series_summary.insert(s, sum);
        }
    }

    check_counters(records, &mut defects);
    let (head_seq, unsealed) = match check_head(records, ctx, &ring, &mut defects) {
        Some((h, u)) => (Some(h), u),
        None => (None, 0),
    };

    defects.sort_by_key(|d| (d.position.unwrap_or(usize::MAX), d.series, d.number, d.kind));
    log_outcome(records.len(), &defects);
    Report {
        verdict: if defects.is_empty() {
            "intact"
        } else {
            "defects"
        },
        source: ctx.source.clone(),
        register: records.first().map(|r| r.register.clone()),
        records: u64::try_from(records.len()).unwrap_or(u64::MAX),
        key_ids: signed_by.into_iter().collect(),
        signatures_checked: u64::try_from(records.len()).unwrap_or(u64::MAX),
        head_seq,
        unsealed,
        series: series_summary,
        defects,
    }
}

fn summary(items: &[(usize, &StoredRecord)]) -> Option<SeriesSummary> {
    let first = items.iter().min_by_key(|(_, r)| r.number)?.1;
    let last = items.iter().max_by_key(|(_, r)| r.number)?.1;
    let p = |r: &StoredRecord| Point {
        number: r.number,
        ts: r.ts.clone(),
        hash: r.hash.clone(),
    };
    Some(SeriesSummary {
        count: u64::try_from(items.len()).unwrap_or(u64::MAX),
        first: p(first),
        last: p(last),
    })
}

fn check_series(
    s: Series,
    items: &[(usize, &StoredRecord)],
    anchor: Option<&Anchor>,
    defects: &mut Vec<Defect>,
) {
    // Order and duplicates, in stored order.
    let mut seen: BTreeMap<u64, (usize, &StoredRecord)> = BTreeMap::new();
    let mut max_seen: Option<u64> = None;
    for &(pos, r) in items {
        if seen.contains_key(&r.number) {
            defects.push(defect(
                DefectKind::Duplicated,
                Some(s),
                Some(r.number),
                Some(pos),
                "number already present",
            ));
            continue;
        }
        if max_seen.is_some_and(|m| r.number < m) {
            defects.push(defect(
                DefectKind::Reordered,
                Some(s),
                Some(r.number),
                Some(pos),
                "stored after a higher number",
            ));
        }
        max_seen = Some(max_seen.map_or(r.number, |m| m.max(r.number)));
        seen.insert(r.number, (pos, r));
    }
    let start = anchor.map_or(1, |a| a.first);
    // Gaps.
    let mut expected = start;
    let mut prev: Option<&StoredRecord> = None;
    for (&n, &(pos, r)) in &seen {
        if n < start {
            defects.push(defect(
                DefectKind::BeforeAnchor,
                Some(s),
                Some(n),
                Some(pos),
                "number before the chain's anchor",
            ));
            continue;
        }
        if n > expected {
            defects.push(Defect {
                kind: DefectKind::Missing,
                series: Some(s),
                number: Some(expected),
                last_number: n.checked_sub(1),
                position: None,
                detail: "numbers missing in the series",
                place: None,
            });
        }
        // Link to the previous present record (or the anchor).
        let (want_hash, want_sig) = match prev {
            Some(p) => (Some(p.hash.clone()), p.signature_b64()),
            None if n == start => (
                anchor.map(|a| a.prev_hash.clone()),
                anchor.and_then(|a| a.prev_signature.clone()),
            ),
            None => (None, None),
        };
        let link_ok = want_hash.as_deref().is_none_or(|h| h == r.prev_hash);
        if !link_ok {
            defects.push(defect(
                DefectKind::BrokenLink,
                Some(s),
                Some(n),
                Some(pos),
                "previous hash does not match",
            ));
        } else if want_hash.is_some() || n == start {
            // The chained previous signature inside the signed string.
            let rebuilt = r.stamp().and_then(|st| {
                signed_string::build(
                    s,
                    n,
                    &r.kind,
                    r.payload.as_bytes(),
                    &st,
                    want_sig.as_deref(),
                )
                .ok()
            });
            if rebuilt.as_deref() != Some(r.signed_string.as_str()) {
                let detail = "signed string does not match payload and chain";
                defects.push(defect(
                    DefectKind::BrokenLink,
                    Some(s),
                    Some(n),
                    Some(pos),
                    detail,
                ));
            }
        }
        prev = Some(r);
        expected = n.saturating_add(1);
    }
}

/// Journal counters: unique over the journal, and increasing along each
/// series (a format-1 record never follows a format-2 one in its series).
fn check_counters(records: &[StoredRecord], defects: &mut Vec<Defect>) {
    let mut seen: BTreeSet<u64> = BTreeSet::new();
    for (pos, r) in records.iter().enumerate() {
        if let Some(c) = r.head_seq
            && !seen.insert(c)
        {
            defects.push(defect(
                DefectKind::Counter,
                Some(r.series),
                Some(r.number),
                Some(pos),
                "journal counter already used",
            ));
        }
    }
    for s in Series::ALL {
        let mut items: Vec<(usize, &StoredRecord)> = records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.series == s)
            .collect();
        items.sort_by_key(|(_, r)| r.number);
        // The highest counter so far along the chain; Some(0) once a
        // format-2 record has been seen.
        let mut last: Option<u64> = None;
        for (pos, r) in items {
            let ok = match (last, r.head_seq) {
                (Some(l), Some(c)) => c > l,
                (Some(_), None) => false,
                (None, _) => true,
            };
            if !ok {
                defects.push(defect(
                    DefectKind::Counter,
                    Some(s),
                    Some(r.number),
                    Some(pos),
                    "journal counter does not increase along the series",
                ));
            }
            if let Some(c) = r.head_seq {
                last = Some(last.map_or(c, |l| l.max(c)));
            }
        }
    }
}

/// Checks the signed head and the unsealed tail; returns the head counter
/// and the number of records beyond the head.
fn check_head(
    records: &[StoredRecord],
    ctx: &VerifyContext,
    ring: &BTreeMap<String, PublicKey>,
    defects: &mut Vec<Defect>,
) -> Option<(u64, u64)> {
    let head = ctx.head.as_ref()?;
    let bad =
        |d: &mut Vec<Defect>, detail| d.push(defect(DefectKind::BadHead, None, None, None, detail));
    let Ok(p) = head.decode() else {
        bad(defects, "head is malformed");
        return None;
    };
    if !ring.get(&p.key_id).is_some_and(|k| head.verify(k)) {
        bad(defects, "head signature does not verify");
    }
    if let Some(known) = &ctx.known_head
        && (p.head_seq < known.head_seq
            || (p.head_seq == known.head_seq
                && head.mark().map(|m| m.hash != known.hash).unwrap_or(true)))
    {
        defects.push(defect(
            DefectKind::RestoredBackup,
            None,
            None,
            None,
            "head is older than the mirrored head",
        ));
    }
    // The sealed part: the head's last record of each series is present
    // with its hash, and no record it covers carries a later counter.
    let mut beyond: Vec<(usize, &StoredRecord)> = Vec::new();
    for s in Series::ALL {
        let sealed_last = p.series.get(&s).map_or(0, |h| h.last);
        let last = records
            .iter()
            .filter(|r| r.series == s && r.number <= sealed_last)
            .max_by_key(|r| r.number);
        match (p.series.get(&s), last) {
            (Some(h), Some(r)) if h.last > r.number => defects.push(Defect {
                kind: DefectKind::TruncatedTail,
                series: Some(s),
                number: r.number.checked_add(1),
                last_number: Some(h.last),
                position: None,
                detail: "head names records that are missing",
                place: None,
            }),
            (Some(h), None) => defects.push(Defect {
                kind: DefectKind::TruncatedTail,
                series: Some(s),
                number: Some(1),
                last_number: Some(h.last),
                position: None,
                detail: "head names records that are missing",
                place: None,
            }),
            (Some(h), Some(r)) if h.hash != r.hash => {
                let pos = records.iter().position(|x| std::ptr::eq(x, r));
                defects.push(defect(
                    DefectKind::TruncatedTail,
                    Some(s),
                    Some(r.number),
                    pos,
                    "last record differs from the head",
                ));
            }
            _ => {}
        }
        for (pos, r) in records.iter().enumerate().filter(|(_, r)| r.series == s) {
            if r.number > sealed_last {
                beyond.push((pos, r));
            } else if r.head_seq.is_some_and(|c| c > p.head_seq) {
                defects.push(defect(
                    DefectKind::Counter,
                    Some(s),
                    Some(r.number),
                    Some(pos),
                    "record sealed by the head carries a later counter",
                ));
            }
        }
    }
    // The unsealed tail: format-2 records whose counters continue the
    // head's, no gap whatever the series, within the sealing bound, and no
    // closure or archive (those are sealed in their own transaction).
    let mut counters = BTreeSet::new();
    for &(pos, r) in &beyond {
        match r.head_seq {
            Some(c) if c > p.head_seq => {
                counters.insert(c);
            }
            _ => defects.push(defect(
                DefectKind::BeyondHead,
                Some(r.series),
                Some(r.number),
                Some(pos),
                "record beyond the head does not continue its counter",
            )),
        }
        if matches!(r.series, Series::Z | Series::A) {
            defects.push(defect(
                DefectKind::BeyondHead,
                Some(r.series),
                Some(r.number),
                Some(pos),
                "closure or archive not covered by the head",
            ));
        }
    }
    let mut expected = p.head_seq.saturating_add(1);
    for &c in &counters {
        if c > expected {
            defects.push(Defect {
                kind: DefectKind::Missing,
                series: None,
                number: Some(expected),
                last_number: c.checked_sub(1),
                position: None,
                detail: "unsealed records missing: journal counters (head_seq) skipped",
                place: None,
            });
        }
        expected = c.saturating_add(1);
    }
    let unsealed = u64::try_from(beyond.len()).unwrap_or(u64::MAX);
    if unsealed > crate::store::SEAL_EVERY {
        defects.push(defect(
            DefectKind::BeyondHead,
            None,
            None,
            None,
            "more unsealed records than the sealing bound",
        ));
    }
    Some((p.head_seq, unsealed))
}
