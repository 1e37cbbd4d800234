//! Section 9, case 13: archives.

use crate::util::*;
use pos_fiscal::archive::{self, read_manifest, verify_archive};
use pos_fiscal::store::{self, totals};
use pos_fiscal::verify::DefectKind;
use pos_fiscal::{FiscalError, PublicKey, Series, Signer};

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn busy_till() -> Till {
    let t = Till::new();
    t.sale_at("2026-11-02T09:00:00Z");
    t.sale_at("2026-11-02T10:00:00Z");
    t.sale_at("2026-11-03T09:00:00Z");
    t.tx(|c| {
        store::close_day(
            c,
            &t.signer,
            at("2026-11-03T20:00:00Z"),
            day("2026-11-03"),
            None,
            "alice",
        )
    })
    .unwrap();
    t
}

fn make(t: &Till, from: &str, to: &str, now: &str) -> pos_fiscal::Result<archive::ArchiveOutput> {
    t.tx(|c| archive::make_archive(c, &t.signer, at(now), day(from), day(to), "alice"))
}

#[test]
fn s9_13_archive_verifies_alone_and_one_changed_byte_fails() {
    let t = busy_till();
    let a = make(&t, "2026-11-01", "2026-11-03", "2026-11-04T08:00:00Z").unwrap();
    assert!(a.report.is_intact());
    let key = PublicKey::from_sec1(&t.signer.public_key_sec1()).unwrap();
    let r = verify_archive(&a.bytes, std::slice::from_ref(&key)).unwrap();
    assert!(r.is_intact(), "{}", r.to_json());
    assert_eq!(r.series[&Series::T].last.number, 3);
    // Change one byte inside records.jsonl (it sits after the manifest).
    let at_pos = a
        .bytes
        .windows(8)
        .position(|w| w == b"\"kind\":\"")
        .unwrap()
        + 9;
    let mut bad = a.bytes.clone();
    bad[at_pos] ^= 0x01;
    let r = verify_archive(&bad, std::slice::from_ref(&key));
    assert!(r.map(|r| !r.is_intact()).unwrap_or(true));
    // Any byte anywhere: defects or unusable, never intact.
    for i in (0..a.bytes.len()).step_by(97) {
        let mut b = a.bytes.clone();
        b[i] ^= 0x20;
        if b == a.bytes {
            continue;
        }
        if let Ok(r) = verify_archive(&b, std::slice::from_ref(&key)) {
            // Tar padding and header fields that carry no content can change
            // silently; content never does.
            if r.is_intact() {
                let m1 = read_manifest(&a.bytes).unwrap();
                let m2 = read_manifest(&b).unwrap();
                assert_eq!(m1, m2, "byte {i}");
                assert_eq!(
                    pos_fiscal::archive::tarball::read(&b).unwrap(),
                    pos_fiscal::archive::tarball::read(&a.bytes).unwrap(),
                    "byte {i}"
                );
            }
        }
    }
}

#[test]
fn s9_13_archive_over_a_year_or_in_the_future_is_refused() {
    let t = busy_till();
    let e = make(&t, "2025-11-01", "2026-11-03", "2026-11-04T08:00:00Z");
    assert!(matches!(e, Err(FiscalError::InvalidArchivePeriod { .. })));
    let e = make(&t, "2026-11-01", "2026-11-05", "2026-11-04T08:00:00Z");
    assert!(matches!(e, Err(FiscalError::InvalidArchivePeriod { .. })));
    assert_eq!(t.count(Series::A), 0);
}

#[test]
fn s9_13_archives_chain_and_purge_only_after_archive_keeps_totals() {
    let t = busy_till();
    // No purge before an archive.
    let e = t.tx(|c| archive::purge_archived(c, &t.signer, at("2026-11-04T07:00:00Z"), "alice"));
    assert!(matches!(e, Err(FiscalError::PurgeRefused { .. })));
    assert!(
        t.conn
            .execute(
                "DELETE FROM fiscal_record WHERE series='T' AND number=1",
                []
            )
            .is_err()
    );
    let a1 = make(&t, "2026-11-01", "2026-11-03", "2026-11-04T08:00:00Z").unwrap();
    t.sale_at("2026-11-04T09:00:00Z");
    t.sale_at("2026-11-05T09:00:00Z");
    let gt_before = totals::read(&t.conn, totals::Scope::Perpetual, "GT", None).unwrap();
    let deleted = t
        .tx(|c| archive::purge_archived(c, &t.signer, at("2026-11-05T10:00:00Z"), "alice"))
        .unwrap();
    assert_eq!(deleted, 3, "T1..T3 archived and purged");
    assert_eq!(t.count(Series::T), 2);
    assert_eq!(
        totals::read(&t.conn, totals::Scope::Perpetual, "GT", None).unwrap(),
        gt_before
    );
    // The store still verifies: the chain resumes from the archive's anchor.
    let r = t.verify();
    assert!(r.is_intact(), "{}", r.to_json());
    // An archive covers closed days only.
    assert!(matches!(
        make(&t, "2026-11-04", "2026-11-05", "2026-11-06T08:00:00Z"),
        Err(FiscalError::InvalidArchivePeriod { .. })
    ));
    // The Z of the 5th, made the next morning, goes with the 5th.
    t.tx(|c| {
        store::close_day(
            c,
            &t.signer,
            at("2026-11-06T07:00:00Z"),
            day("2026-11-05"),
            None,
            "alice",
        )
    })
    .unwrap();
    // The next archive chains to the first.
    let a2 = make(&t, "2026-11-04", "2026-11-05", "2026-11-06T08:00:00Z").unwrap();
    let z = &read_manifest(&a2.bytes).unwrap().ranges[&Series::Z];
    assert_eq!((z.first, z.last), (3, 4), "Z of the 4th and of the 5th");
    let m2 = read_manifest(&a2.bytes).unwrap();
    assert_eq!(m2.previous_manifest_sha256, a1.manifest_sha256);
    let r = verify_archive(&a2.bytes, &[]).unwrap();
    assert!(r.is_intact(), "{}", r.to_json());
    // Deleting an unarchived record is still refused.
    assert!(
        t.conn
            .execute(
                "DELETE FROM fiscal_record WHERE series='T' AND number=5",
                []
            )
            .is_err()
    );
}

#[test]
fn s9_13_archive_opens_without_the_sdk() {
    let t = busy_till();
    let a = make(&t, "2026-11-01", "2026-11-03", "2026-11-04T08:00:00Z").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(&a.file_name);
    std::fs::write(&file, &a.bytes).unwrap();
    // The system tar reads it.
    let out = std::process::Command::new("tar")
        .arg("-xf")
        .arg(&file)
        .current_dir(dir.path())
        .output();
    if let Ok(out) = out {
        assert!(out.status.success());
        for f in [
            "README.txt",
            "manifest.json",
            "manifest.sig",
            "public_key.pem",
            "records.jsonl",
            "totals.json",
        ] {
            assert!(dir.path().join(f).exists(), "{f}");
        }
        // Plain JSON with plain SHA-256 values.
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap())
                .unwrap();
        let want = m["files"]["records.jsonl"].as_str().unwrap();
        let got = pos_fiscal::record::sha256_hex(
            &std::fs::read(dir.path().join("records.jsonl")).unwrap(),
        );
        assert_eq!(want, got);
    }
    // A tampered manifest is caught by its signature.
    let mut bad = a.bytes.clone();
    let p = bad.windows(6).position(|w| w == b"\"from\"").unwrap() + 9;
    bad[p] = if bad[p] == b'1' { b'2' } else { b'1' };
    let r = verify_archive(&bad, &[]);
    assert!(
        r.map(|r| r.defects.iter().any(|d| d.kind == DefectKind::ArchiveFile))
            .unwrap_or(true)
    );
}

#[test]
fn s9_13_making_an_archive_reverifies_and_logs_jet_90_on_a_defect() {
    let t = busy_till();
    t.drop_guards();
    t.conn
        .execute("UPDATE fiscal_record SET payload = replace(payload, '1200', '1300') WHERE series='T' AND number=2", [])
        .unwrap();
    let a = make(&t, "2026-11-01", "2026-11-03", "2026-11-04T08:00:00Z").unwrap();
    assert!(!a.report.is_intact());
    assert_eq!(read_manifest(&a.bytes).unwrap().verification, "defects");
    let jet90: i64 = t
        .conn
        .query_row(
            "SELECT COUNT(*) FROM fiscal_record WHERE series='E' AND payload LIKE '%\"code\":90,%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(jet90, 1);
    // The archive itself carries the modified record, and says so.
    let r = verify_archive(&a.bytes, &[]).unwrap();
    assert!(
        r.defects
            .iter()
            .any(|d| d.series == Some(Series::T) && d.number == Some(2))
    );
}
