//! Section 9, cases 1-5, 14 and 16: tampering with the stored journal.

use crate::util::*;
use pos_fiscal::head::SignedHead;
use pos_fiscal::record::StoredRecord;
use pos_fiscal::store::{self, VerifyOptions, rows};
use pos_fiscal::verify::{Anchor, DefectKind, VerifyContext, verify_records};
use pos_fiscal::{PublicKey, Series, Signer, SoftwareSigner};

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
    assert!(
        has(&r, DefectKind::Missing, Series::T, 2),
        "{}",
        r.to_json()
    );
    assert!(
        has(&r, DefectKind::BrokenLink, Series::T, 3),
        "{}",
        r.to_json()
    );
}

#[test]
fn s9_03_deleted_tail_is_reported_against_the_head() {
    let t = three_sales();
    t.drop_guards();
    t.conn
        .execute(
            "DELETE FROM fiscal_record WHERE series='T' AND number >= 2",
            [],
        )
        .unwrap();
    let r = t.verify();
    assert!(
        has(&r, DefectKind::TruncatedTail, Series::T, 2),
        "{}",
        r.to_json()
    );
    assert!(
        has(&r, DefectKind::TruncatedTail, Series::T, 3),
        "{}",
        r.to_json()
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
    // The app mirrors the head mark elsewhere (sync server, keystore).
    let mark = rows::load_head(&t.conn).unwrap().unwrap().mark().unwrap();
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
    // ... but older than the mirrored head.
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
    assert!(has(&r, DefectKind::Forged, Series::T, 3), "{}", r.to_json());
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
    assert!(
        has(&r, DefectKind::Reordered, Series::T, 2),
        "{}",
        r.to_json()
    );
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
    assert!(
        has(&r, DefectKind::Duplicated, Series::T, 2),
        "{}",
        r.to_json()
    );
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
    // Signing with a key that is not the journal's is refused, not skipped.
    let other = SoftwareSigner::from_secret(&[0x33; 32]).unwrap();
    let e = t.tx(|c| store::record_ticket(c, &other, at("2026-11-02T12:01:00Z"), &sale(1, 1)));
    assert!(matches!(e, Err(pos_fiscal::FiscalError::WrongKey { .. })));
    let h: SignedHead = rows::load_head(&t.conn).unwrap().unwrap();
    assert!(h.decode().unwrap().head_seq > 5);
}
