//! Section 9, cases 1-5, 14 and 16: tampering with the stored journal.

use crate::util::*;
use pos_fiscal::head::SignedHead;
use pos_fiscal::payload::HeadEntry;
use pos_fiscal::record::StoredRecord;
use pos_fiscal::store::{self, VerifyOptions, rows};
use pos_fiscal::verify::{Anchor, DefectKind, Report, VerifyContext, verify_records};
use pos_fiscal::{DocRef, PublicKey, Series, Signer, SoftwareSigner};
use std::collections::BTreeMap;

fn three_sales() -> Till {
    let t = Till::new();
    t.sale_at("2026-11-02T09:00:00Z");
    t.sale_at("2026-11-02T09:05:00Z");
    t.sale_at("2026-11-02T09:10:00Z");
    assert!(t.verify().is_intact(), "{}", t.verify().to_json());
    t
}

/// Flips one byte of one column of T2 (text columns as text, so SQLite
/// keeps the row readable).
fn flip(t: &Till, col: &str) {
    let v: String = t
        .conn
        .query_row(
            &format!("SELECT {col} FROM fiscal_record WHERE series='T' AND number=2"),
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut b = v.into_bytes();
    let i = b.len() / 2;
    b[i] = if b[i] == b'1' { b'2' } else { b'1' };
    let v = String::from_utf8(b).unwrap();
    t.conn
        .execute(
            &format!("UPDATE fiscal_record SET {col} = ?1 WHERE series='T' AND number=2"),
            [v],
        )
        .unwrap();
}

#[test]
fn s9_01_one_changed_byte_in_any_column_names_that_record() {
    for col in [
        "payload",
        "signed_string",
        "ts",
        "prev_hash",
        "signature",
        "hash",
        "kind",
        "key_id",
        "register",
    ] {
        let t = three_sales();
        t.drop_guards();
        flip(&t, col);
        let r = t.verify();
        assert!(!r.is_intact(), "{col}");
        let named = r
            .defects
            .iter()
            .any(|d| d.series == Some(Series::T) && d.number == Some(2));
        assert!(named, "{col}: {}", r.to_json());
        assert!(
            r.defects.iter().all(|d| d.series != Some(Series::T)
                || d.number == Some(2)
                || d.kind == DefectKind::BrokenLink),
            "{col}: only T2 (and T3's link when T2's hash changed) is named: {}",
            r.to_json()
        );
    }
}

#[test]
fn s9_01_changed_number_or_offset_is_reported() {
    let t = three_sales();
    t.drop_guards();
    t.conn
        .execute(
            "UPDATE fiscal_record SET utc_offset_min = 120 WHERE series='T' AND number=2",
            [],
        )
        .unwrap();
    assert!(has(&t.verify(), DefectKind::Modified, Series::T, 2));
}

#[test]
fn s9_02_deleted_middle_record_is_a_gap_and_a_broken_link() {
    let t = three_sales();
    t.drop_guards();
    t.conn
        .execute(
            "DELETE FROM fiscal_record WHERE series='T' AND number=2",
            [],
        )
        .unwrap();
    let r = t.verify();
    assert_defect(&r, DefectKind::Missing, Series::T, 2);
    assert_defect(&r, DefectKind::BrokenLink, Series::T, 3);
}

/// Seals the journal (what the till does when idle, at shutdown, before a
/// sync push, at closures).
fn seal(t: &Till, when: &str) -> bool {
    t.tx(|c| store::seal(c, &t.signer, &at(when))).unwrap()
}

/// What the sync server mirrors once it has accepted the till's records:
/// the last number and hash of every series.
fn server_mirror(t: &Till) -> BTreeMap<Series, HeadEntry> {
    let mut out = BTreeMap::new();
    for r in rows::load_records(&t.conn).unwrap() {
        out.insert(
            r.series,
            HeadEntry {
                last: r.number,
                hash: r.hash.clone(),
            },
        );
    }
    out
}

fn verify_against(t: &Till, mirrored_heads: BTreeMap<Series, HeadEntry>) -> Report {
    store::verify_store(
        &t.conn,
        &VerifyOptions {
            mirrored_heads,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn s9_03_sales_leave_an_unsealed_tail_that_verifies() {
    let t = three_sales();
    let r = t.verify();
    // Init sealed E1; the start-up JET and three sales are unsealed.
    assert!(r.is_intact(), "{}", r.to_json());
    assert_eq!(r.head_seq, Some(1));
    assert!(r.unsealed >= 4, "{}", r.to_json());
    assert!(seal(&t, "2026-11-02T09:11:00Z"));
    assert!(
        !seal(&t, "2026-11-02T09:12:00Z"),
        "nothing new: no signature"
    );
    let r = t.verify();
    assert!(r.is_intact(), "{}", r.to_json());
    assert_eq!(r.unsealed, 0);
}

#[test]
fn s9_03_deleted_tail_after_a_seal_is_reported_against_the_head() {
    let t = three_sales();
    seal(&t, "2026-11-02T09:11:00Z");
    t.drop_guards();
    t.conn
        .execute(
            "DELETE FROM fiscal_record WHERE series='T' AND number >= 2",
            [],
        )
        .unwrap();
    let r = t.verify();
    assert_defect(&r, DefectKind::TruncatedTail, Series::T, 2);
    assert_defect(&r, DefectKind::TruncatedTail, Series::T, 3);
}

#[test]
fn s9_03_deleted_unsealed_tail_is_found_by_the_server_mirror() {
    let t = three_sales();
    // The server accepted every record (a sync round seals first).
    seal(&t, "2026-11-02T09:11:00Z");
    t.sale_at("2026-11-02T09:20:00Z");
    let mirror = server_mirror(&t);
    assert!(verify_against(&t, mirror.clone()).is_intact());
    t.drop_guards();
    t.conn
        .execute(
            "DELETE FROM fiscal_record WHERE series='T' AND number = 4",
            [],
        )
        .unwrap();
    // The cut end of the unsealed tail leaves no chain, counter or head
    // defect (only caches an attacker also rewrites: totals, last_ts) ...
    let r = t.verify();
    assert!(
        !r.defects.iter().any(|d| matches!(
            d.kind,
            DefectKind::TruncatedTail | DefectKind::Missing | DefectKind::BeyondHead
        )),
        "{}",
        r.to_json()
    );
    // ... but the server holds T4.
    let r = verify_against(&t, mirror);
    assert_defect(&r, DefectKind::TruncatedTail, Series::T, 4);
}

#[test]
fn s9_03_deleted_middle_of_the_unsealed_tail_in_another_series_is_a_counter_gap() {
    let t = three_sales();
    seal(&t, "2026-11-02T09:11:00Z");
    // After the seal: a reprint (C1, the last of its series) then a sale.
    t.tx(|c| {
        store::record_duplicate(
            c,
            &t.signer,
            at("2026-11-02T09:12:00Z"),
            DocRef {
                series: Series::T,
                number: 1,
            },
            "bob",
        )
    })
    .unwrap();
    t.sale_at("2026-11-02T09:13:00Z");
    assert!(t.verify().is_intact(), "{}", t.verify().to_json());
    t.drop_guards();
    t.conn
        .execute("DELETE FROM fiscal_record WHERE series='C'", [])
        .unwrap();
    // Series C is now empty and T chains fine: only the journal counter
    // shows the hole.
    let r = t.verify();
    assert!(
        r.defects
            .iter()
            .any(|d| d.kind == DefectKind::Missing && d.series.is_none()),
        "{}",
        r.to_json()
    );
}

#[test]
fn s9_03_older_head_put_back_after_a_closure_is_reported() {
    let t = three_sales();
    let old: (i64, String, String) = t
        .conn
        .query_row(
            "SELECT head_seq, payload, signature FROM fiscal_head",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    t.tx(|c| {
        store::close_day(
            c,
            &t.signer,
            at("2026-11-02T20:00:00Z"),
            "2026-11-02".parse().unwrap(),
            None,
            "alice",
        )
    })
    .unwrap();
    assert!(t.verify().is_intact(), "{}", t.verify().to_json());
    t.drop_guards();
    t.conn
        .execute(
            "UPDATE fiscal_head SET head_seq = ?1, payload = ?2, signature = ?3",
            rusqlite::params![old.0, old.1, old.2],
        )
        .unwrap();
    let r = t.verify();
    assert_defect(&r, DefectKind::BeyondHead, Series::Z, 1);
}

#[test]
fn s9_03_unsealed_tail_is_bounded() {
    let t = Till::new();
    for i in 0..(store::SEAL_EVERY + 6) {
        let when = format!("2026-11-02T09:{:02}:{:02}Z", i / 60, i % 60);
        t.sale_at(&when);
    }
    let r = t.verify();
    assert!(r.is_intact(), "{}", r.to_json());
    assert!(r.unsealed <= store::SEAL_EVERY, "{}", r.unsealed);
    assert!(
        r.head_seq.unwrap() > 1,
        "an append sealed on reaching the bound"
    );
}

#[test]
fn s9_03_restored_older_copy_is_reported_with_the_mirrored_head() {
    let mut t = three_sales();
    let backup = t.path.with_file_name("backup.sqlite");
    t.conn
        .execute("VACUUM INTO ?1", [backup.to_str().unwrap()])
        .unwrap();
    t.sale_at("2026-11-02T10:00:00Z");
    // The app seals, then mirrors the head mark elsewhere (sync server,
    // keystore); the server also mirrors the records it accepted.
    seal(&t, "2026-11-02T10:00:01Z");
    let mark = rows::load_head(&t.conn).unwrap().unwrap().mark().unwrap();
    let mirror = server_mirror(&t);
    drop(std::mem::replace(
        &mut t.conn,
        rusqlite::Connection::open_in_memory().unwrap(),
    ));
    let _ = std::fs::remove_file(t.path.with_extension("sqlite-wal"));
    let _ = std::fs::remove_file(t.path.with_extension("sqlite-shm"));
    std::fs::copy(&backup, &t.path).unwrap();
    t.reopen();
    // Alone, the old copy is self-consistent ...
    assert!(t.verify().is_intact());
    assert_eq!(t.count(Series::T), 3);
    // ... but older than the mirrored head ...
    let r = store::verify_store(
        &t.conn,
        &VerifyOptions {
            keys: vec![],
            known_head: Some(mark),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        r.defects
            .iter()
            .any(|d| d.kind == DefectKind::RestoredBackup),
        "{}",
        r.to_json()
    );
    // ... and than the server's records.
    let r = verify_against(&t, mirror);
    assert_defect(&r, DefectKind::TruncatedTail, Series::T, 4);
}

/// Counts signatures: the cost of a sale on a hardware keystore.
struct Counting<'a> {
    inner: &'a SoftwareSigner,
    calls: std::sync::atomic::AtomicUsize,
}

impl Signer for Counting<'_> {
    fn sign(
        &self,
        m: &[u8],
    ) -> std::result::Result<pos_fiscal::RawSignature, pos_fiscal::SignerError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.sign(m)
    }
    fn public_key_sec1(&self) -> Vec<u8> {
        self.inner.public_key_sec1()
    }
    fn key_id(&self) -> String {
        self.inner.key_id()
    }
}

#[test]
fn s9_03_a_sale_costs_one_signature() {
    let t = three_sales();
    let c = Counting {
        inner: &t.signer,
        calls: Default::default(),
    };
    t.tx(|x| store::record_ticket(x, &c, at("2026-11-02T09:30:00Z"), &sale(1200, 550)))
        .unwrap();
    assert_eq!(c.calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    t.tx(|x| store::seal(x, &c, &at("2026-11-02T09:31:00Z")))
        .unwrap();
    assert_eq!(c.calls.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert!(t.verify().is_intact());
}

#[test]
fn s9_04_record_forged_without_the_key_is_reported() {
    let t = three_sales();
    t.drop_guards();
    // An attacker re-creates T3 with different content and a valid hash,
    // but can only sign with another key.
    let mut rec = rows::record_by_ref(
        &t.conn,
        pos_fiscal::DocRef {
            series: Series::T,
            number: 3,
        },
    )
    .unwrap()
    .unwrap();
    rec.payload = rec.payload.replace("1200", "1100");
    let other = SoftwareSigner::from_secret(&[0x22; 32]).unwrap();
    let sig = pos_fiscal::signer::sign_fixed(&other, &rec.envelope_bytes().unwrap()).unwrap();
    rec.signature = hex::encode(sig);
    rec.hash = rec.compute_hash().unwrap();
    t.conn
        .execute("UPDATE fiscal_record SET payload=?1, signature=?2, hash=?3 WHERE series='T' AND number=3", [&rec.payload, &rec.signature, &rec.hash])
        .unwrap();
    let r = t.verify();
    assert_defect(&r, DefectKind::Forged, Series::T, 3);
    // Same with the attacker's own key id: unknown key.
    let key_id = other.key_id();
    t.conn
        .execute(
            "UPDATE fiscal_record SET key_id=?1 WHERE series='T' AND number=3",
            [key_id],
        )
        .unwrap();
    assert!(has(&t.verify(), DefectKind::Forged, Series::T, 3));
    // A whole journal re-signed with another key fails against the registered key.
    let reg = PublicKey::from_sec1(&signer().public_key_sec1()).unwrap();
    let r = store::verify_store(
        &t.conn,
        &VerifyOptions {
            keys: vec![reg],
            known_head: None,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(has(&r, DefectKind::Forged, Series::T, 3));
}

#[test]
fn s9_04_inserted_record_is_reported() {
    let t = three_sales();
    t.drop_guards();
    t.conn
        .execute_batch(
            "INSERT INTO fiscal_record (format, register, series, number, kind, ts, utc_offset_min, key_id, payload, signed_string, prev_hash, signature, hash, local_date)
             SELECT format, register, series, 4, kind, ts, utc_offset_min, key_id, payload, signed_string, hash, signature, hash, local_date
             FROM fiscal_record WHERE series='T' AND number=3",
        )
        .unwrap();
    let r = t.verify();
    assert!(
        r.defects
            .iter()
            .any(|d| d.series == Some(Series::T) && d.number == Some(4)),
        "{}",
        r.to_json()
    );
}

#[test]
fn s9_05_reordered_records_are_reported() {
    let t = three_sales();
    t.drop_guards();
    // Move T2 after T3 in the stored order.
    t.conn
        .execute("UPDATE fiscal_record SET seq = (SELECT MAX(seq) + 1 FROM fiscal_record) WHERE series='T' AND number=2", [])
        .unwrap();
    let r = t.verify();
    assert_defect(&r, DefectKind::Reordered, Series::T, 2);
}

#[test]
fn s9_05_duplicated_record_is_reported() {
    let t = three_sales();
    t.drop_guards();
    t.conn
        .execute_batch(
            "INSERT INTO fiscal_record (format, register, series, number, kind, ts, utc_offset_min, key_id, payload, signed_string, prev_hash, signature, hash, local_date)
             SELECT format, register, series, number, kind, ts, utc_offset_min, key_id, payload, signed_string, prev_hash, signature, hash, local_date
             FROM fiscal_record WHERE series='T' AND number=2",
        )
        .unwrap();
    let r = t.verify();
    assert_defect(&r, DefectKind::Duplicated, Series::T, 2);
}

#[test]
fn s9_14_offline_chain_continues_and_server_verifies_pushed_batches() {
    // Offline: the till keeps recording; its chain continues.
    let t = Till::new();
    t.tx(|c| {
        store::record_event(
            c,
            &t.signer,
            at("2026-11-02T08:00:00Z"),
            pos_fiscal::jet::JetCode::OfflineStart,
            "alice",
            Default::default(),
        )
    })
    .unwrap();
    for m in 0..5 {
        t.sale_at(&format!("2026-11-02T08:{:02}:00Z", 10 + m));
    }
    t.tx(|c| {
        store::record_event(
            c,
            &t.signer,
            at("2026-11-02T09:00:00Z"),
            pos_fiscal::jet::JetCode::OfflineEnd,
            "alice",
            Default::default(),
        )
    })
    .unwrap();
    assert!(t.verify().is_intact());
    // The server receives the records in two pushes and verifies each batch
    // from the public key and the last accepted record of each series.
    let all: Vec<StoredRecord> = rows::load_records(&t.conn).unwrap();
    let key = PublicKey::from_sec1(&t.signer.public_key_sec1()).unwrap();
    let (first, second) = all.split_at(4);
    let ctx1 = VerifyContext {
        source: "records".into(),
        keys: vec![key.clone()],
        ..Default::default()
    };
    assert!(verify_records(first, &ctx1).is_intact());
    let mut anchors = std::collections::BTreeMap::new();
    for s in Series::ALL {
        if let Some(last) = first
            .iter()
            .filter(|r| r.series == s)
            .max_by_key(|r| r.number)
        {
            anchors.insert(
                s,
                Anchor {
                    first: last.number + 1,
                    prev_hash: last.hash.clone(),
                    prev_signature: last.signature_b64(),
                },
            );
        }
    }
    let ctx2 = VerifyContext {
        source: "records".into(),
        keys: vec![key],
        anchors,
        ..Default::default()
    };
    assert!(
        verify_records(second, &ctx2).is_intact(),
        "{}",
        verify_records(second, &ctx2).to_json()
    );
    // A re-pushed record (retry) is reported as a duplicate, not dropped.
    let mut retry = second.to_vec();
    retry.push(second[0].clone());
    let r = verify_records(&retry, &ctx2);
    assert!(has(
        &r,
        DefectKind::Duplicated,
        second[0].series,
        second[0].number
    ));
    assert_eq!(
        r.records as usize,
        retry.len(),
        "every pushed record is accounted for"
    );
}

#[test]
fn s9_16_fiscal_logging_cannot_be_disabled() {
    let t = three_sales();
    // Every ticket mode writes a signed record; there is no mode without one.
    use pos_fiscal::ticket::TicketMode;
    for mode in [
        TicketMode::Ticket,
        TicketMode::Invoice,
        TicketMode::Training,
        TicketMode::Provisional,
    ] {
        let mut s = sale(100, 100);
        s.mode = mode;
        t.record("2026-11-02T11:00:00Z", &s).unwrap();
    }
    assert_eq!(
        (
            t.count(Series::T),
            t.count(Series::I),
            t.count(Series::X),
            t.count(Series::B)
        ),
        (4, 1, 1, 1)
    );
    // Records and head refuse UPDATE and DELETE.
    assert!(
        t.conn
            .execute(
                "UPDATE fiscal_record SET kind='x' WHERE series='T' AND number=1",
                []
            )
            .is_err()
    );
    assert!(
        t.conn
            .execute(
                "DELETE FROM fiscal_record WHERE series='T' AND number=1",
                []
            )
            .is_err()
    );
    assert!(t.conn.execute("DELETE FROM fiscal_head", []).is_err());
    assert!(
        t.conn
            .execute("UPDATE fiscal_head SET head_seq = 1", [])
            .is_err()
    );
    // A meta flag pretending to switch logging off changes nothing.
    t.conn
        .execute(
            "INSERT INTO fiscal_meta(key, value) VALUES ('fiscal_logging', 'off')",
            [],
        )
        .unwrap();
    t.sale_at("2026-11-02T12:00:00Z");
    assert_eq!(t.count(Series::T), 5);
    seal(&t, "2026-11-02T12:00:30Z");
    // Signing with a key that is not the journal's is refused, not skipped.
    let other = SoftwareSigner::from_secret(&[0x33; 32]).unwrap();
    let e = t.tx(|c| store::record_ticket(c, &other, at("2026-11-02T12:01:00Z"), &sale(1, 1)));
    assert!(matches!(e, Err(pos_fiscal::FiscalError::WrongKey { .. })));
    let h: SignedHead = rows::load_head(&t.conn).unwrap().unwrap();
    assert!(h.decode().unwrap().head_seq > 5);
}

/// Re-makes the journal as format 1 wrote it: records without a counter,
/// and a head re-signed after the last operation (`head_seq` counted
/// operations there, here 4 for 6 records).
fn as_format_1(t: &Till) {
    use pos_fiscal::payload::HeadPayload;
    use pos_fiscal::record::signed_string;
    t.drop_guards();
    let mut last: BTreeMap<Series, StoredRecord> = BTreeMap::new();
    for mut r in rows::load_records(&t.conn).unwrap() {
        let prev = last.get(&r.series);
        r.format = 1;
        r.head_seq = None;
        if let Some(p) = prev {
            r.prev_hash = p.hash.clone();
        }
        r.signed_string = signed_string::build(
            r.series,
            r.number,
            &r.kind,
            r.payload.as_bytes(),
            &r.stamp().unwrap(),
            prev.and_then(|p| p.signature_b64()).as_deref(),
        )
        .unwrap();
        r.signature = hex::encode(
            pos_fiscal::signer::sign_fixed(&t.signer, &r.envelope_bytes().unwrap()).unwrap(),
        );
        r.hash = r.compute_hash().unwrap();
        t.conn
            .execute(
                "UPDATE fiscal_record SET format = 1, head_seq = NULL, prev_hash = ?1,
                   signed_string = ?2, signature = ?3, hash = ?4
                 WHERE series = ?5 AND number = ?6",
                rusqlite::params![
                    r.prev_hash,
                    r.signed_string,
                    r.signature,
                    r.hash,
                    r.series.code(),
                    i64::try_from(r.number).unwrap()
                ],
            )
            .unwrap();
        last.insert(r.series, r);
    }
    let head = HeadPayload {
        kind: "head".into(),
        register: "R1".into(),
        head_seq: 4,
        key_id: t.signer.key_id(),
        ts: "2026-11-02T09:10:00Z".into(),
        series: last
            .iter()
            .map(|(s, r)| {
                (
                    *s,
                    HeadEntry {
                        last: r.number,
                        hash: r.hash.clone(),
                    },
                )
            })
            .collect(),
    };
    let h = SignedHead::sign(&head, &t.signer).unwrap();
    rows::store_head(&t.conn, 4, &h).unwrap();
}

#[test]
fn s9_03_a_format_1_journal_verifies_and_continues_in_format_2() {
    let t = three_sales();
    as_format_1(&t);
    let r = t.verify();
    assert!(r.is_intact(), "{}", r.to_json());
    assert_eq!((r.head_seq, r.unsealed), (Some(4), 0));
    // The next record continues the old head's counter.
    t.sale_at("2026-11-02T09:30:00Z");
    let t4 = rows::record_by_ref(
        &t.conn,
        DocRef {
            series: Series::T,
            number: 4,
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!((t4.format, t4.head_seq), (2, Some(5)));
    let r = t.verify();
    assert!(r.is_intact(), "{}", r.to_json());
    assert_eq!(r.unsealed, 1);
    seal(&t, "2026-11-02T09:31:00Z");
    let r = t.verify();
    assert!(r.is_intact(), "{}", r.to_json());
    assert_eq!((r.head_seq, r.unsealed), (Some(5), 0));
}
