//! Verifying an archive file alone (no SQLite, no SDK state): manifest
//! signature, per-file SHA-256, every record's signature, hash, chain link
//! and signed string, and each series' range against the signed manifest.

use super::{ARCHIVE_FORMAT, Manifest, tarball};
use crate::canon;
use crate::error::{FiscalError, Result};
use crate::record::{StoredRecord, sha256_hex, strict_hex};
use crate::signer::PublicKey;
use crate::verify::{Anchor, Defect, DefectKind, Report, VerifyContext, verify_records};
use std::collections::BTreeMap;

fn file_defect(detail: &'static str) -> Defect {
    Defect {
        kind: DefectKind::ArchiveFile,
        series: None,
        number: None,
        last_number: None,
        position: None,
        detail,
        place: None,
    }
}

/// Reads and decodes `manifest.json` of an archive (no verification).
pub fn read_manifest(bytes: &[u8]) -> Result<Manifest> {
    let files = tarball::read(bytes)?;
    let m = files.get("manifest.json").ok_or(FiscalError::Malformed {
        what: "archive: no manifest.json",
    })?;
    let manifest: Manifest = canon::from_canonical(m, "archive manifest")?;
    if manifest.format != ARCHIVE_FORMAT {
        return Err(FiscalError::Malformed {
            what: "archive format",
        });
    }
    Ok(manifest)
}

/// Splits `records.jsonl` into records; lines that are not the canonical
/// JSON of a record are reported at their position.
pub fn decode_jsonl(data: &[u8]) -> (Vec<StoredRecord>, Vec<Defect>) {
    let mut records = Vec::new();
    let mut defects = Vec::new();
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    if body.is_empty() {
        return (records, defects);
    }
    for (pos, line) in body.split(|b| *b == b'\n').enumerate() {
        match canon::from_canonical::<StoredRecord>(line, "record line") {
            Ok(r) => records.push(r),
            Err(_) => defects.push(Defect {
                kind: DefectKind::Malformed,
                series: None,
                number: None,
                last_number: None,
                position: Some(pos),
                detail: "line is not a canonical record",
                place: None,
            }),
        }
    }
    if !data.is_empty() && !data.ends_with(b"\n") {
        defects.push(file_defect("records.jsonl does not end with a newline"));
    }
    (records, defects)
}

/// Verifies an archive file alone. `trusted`: the register's registered
/// keys, if the caller has them (otherwise the archive's own keys are used
/// and the report names them, to compare with the registration).
/// Errors only when the input is unusable (not a tar, no manifest).
pub fn verify_archive(bytes: &[u8], trusted: &[PublicKey]) -> Result<Report> {
    let files = tarball::read(bytes)?;
    let manifest = read_manifest(bytes)?;
    let mbytes = files.get("manifest.json").ok_or(FiscalError::Malformed {
        what: "archive: no manifest.json",
    })?;
    let mut defects = Vec::new();

    // The manifest's signature under public_key.pem.
    let pem = files
        .get("public_key.pem")
        .and_then(|p| std::str::from_utf8(p).ok());
    let key = pem.and_then(|p| PublicKey::from_spki_pem(p).ok());
    let sig = files
        .get("manifest.sig")
        .and_then(|s| std::str::from_utf8(s).ok())
        .and_then(|s| strict_hex::<64>(s.trim_end()));
    match (&key, sig) {
        (Some(k), Some(s)) if k.verify(mbytes, &s) && k.key_id() == manifest.manifest_key_id => {}
        _ => defects.push(file_defect(
            "manifest signature does not verify under public_key.pem",
        )),
    }
    if let Some(k) = &key
        && !trusted.is_empty()
        && !trusted.contains(k)
    {
        defects.push(file_defect("archive key is not a trusted key"));
    }
    // Every listed file is there with its hash; nothing unlisted.
    for (name, want) in &manifest.files {
        match files.get(name) {
            Some(data) if &sha256_hex(data) == want => {}
            Some(_) => defects.push(file_defect("a file does not match its manifest hash")),
            None => defects.push(file_defect("a file listed in the manifest is missing")),
        }
    }
    for name in files.keys() {
        if !manifest.files.contains_key(name) && name != "manifest.json" && name != "manifest.sig" {
            defects.push(file_defect("a file is not listed in the manifest"));
        }
    }
    let (records, mut line_defects) = files
        .get("records.jsonl")
        .map_or_else(|| (Vec::new(), Vec::new()), |d| decode_jsonl(d));

    let mut keys: Vec<PublicKey> = if trusted.is_empty() {
        manifest
            .keys
            .values()
            .filter_map(|p| PublicKey::from_spki_pem(p).ok())
            .collect()
    } else {
        trusted.to_vec()
    };
    if trusted.is_empty()
        && let Some(k) = &key
    {
        keys.push(k.clone());
    }
    let anchors: BTreeMap<_, _> = manifest
        .ranges
        .iter()
        .map(|(s, r)| {
            let prev_signature =
                (!r.anchor_signature.is_empty()).then(|| r.anchor_signature.clone());
            (
                *s,
                Anchor {
                    first: r.first,
                    prev_hash: r.anchor.clone(),
                    prev_signature,
                },
            )
        })
        .collect();
    let ctx = VerifyContext {
        source: "archive".into(),
        keys,
        anchors,
        head: None,
        known_head: None,
    };
    let mut report = verify_records(&records, &ctx);
    // The signed manifest ranges play the head's role inside an archive.
    for (s, r) in &manifest.ranges {
        let last = records
            .iter()
            .filter(|x| x.series == *s)
            .max_by_key(|x| x.number);
        match last {
            Some(x) if x.number == r.last && x.hash == r.last_hash => {}
            Some(x) if x.number > r.last => report.defects.push(Defect {
                kind: DefectKind::BeyondHead,
                series: Some(*s),
                number: r.last.checked_add(1),
                last_number: Some(x.number),
                position: None,
                detail: "records beyond the manifest range",
                place: None,
            }),
            other => report.defects.push(Defect {
                kind: DefectKind::TruncatedTail,
                series: Some(*s),
                number: other.map_or(Some(r.first), |x| x.number.checked_add(1)),
                last_number: Some(r.last),
                position: None,
                detail: "records named by the manifest are missing",
                place: None,
            }),
        }
    }
    for s in report.series.keys() {
        if !manifest.ranges.contains_key(s) {
            report.defects.push(Defect {
                kind: DefectKind::BeyondHead,
                series: Some(*s),
                number: None,
                last_number: None,
                position: None,
                detail: "series absent from the manifest",
                place: None,
            });
        }
    }
    report.defects.append(&mut defects);
    report.defects.append(&mut line_defects);
    report.register = Some(manifest.register.clone());
    report.verdict = if report.defects.is_empty() {
        "intact"
    } else {
        "defects"
    };
    Ok(report)
}
