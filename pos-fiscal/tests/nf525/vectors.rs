//! Section 9, case 18: the published test vectors in `testdata/vectors/`.
//! This test rebuilds them (deterministic: fixed key, fixed times, RFC 6979
//! signatures) and compares with the committed files. Run with
//! `POS_FISCAL_BLESS=1` to rewrite them after an intended change.

use crate::util::*;
use pos_fiscal::canon::to_canonical;
use pos_fiscal::head::SignedHead;
use pos_fiscal::record::{StoredRecord, sha256_hex};
use pos_fiscal::store::{self, rows};
use pos_fiscal::verify::{VerifyContext, verify_records};
use pos_fiscal::{PublicKey, Signer, SoftwareSigner};
use serde_json::json;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/vectors")
}

fn jsonl(records: &[StoredRecord]) -> String {
    let mut s = String::new();
    for r in records {
        s.push_str(std::str::from_utf8(&to_canonical(r).unwrap()).unwrap());
        s.push('\n');
    }
    s
}

fn build() -> Vec<(String, String)> {
    let t = Till::new();
    let s = sale(1200, 550);
    let first = t.record("2026-11-02T09:00:00Z", &s).unwrap();
    t.sale_at("2026-11-02T09:05:00Z");
    t.tx(|c| store::record_duplicate(c, &t.signer, at("2026-11-02T09:06:00Z"), first.doc, "bob"))
        .unwrap();
    t.record("2026-11-02T09:10:00Z", &refund_of(&s, first.doc))
        .unwrap();
    t.sale_at("2026-11-02T09:15:00Z");
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
    let records = rows::load_records(&t.conn).unwrap();
    let head: SignedHead = rows::load_head(&t.conn).unwrap().unwrap();
    let key = PublicKey::from_sec1(&t.signer.public_key_sec1()).unwrap();

    let mut files = Vec::new();
    files.push((
        "key.json".to_string(),
        serde_json::to_string_pretty(&json!({
            "note": "TEST KEY ONLY: the secret is published so anyone can re-sign and compare.",
            "curve": "P-256 (secp256r1), ECDSA with SHA-256, signatures r||s (64 bytes, low-S), hex",
            "secret_hex": hex::encode([0x11u8; 32]),
            "public_key_sec1_hex": hex::encode(key.sec1()),
            "public_key_pem": key.to_spki_pem().unwrap(),
            "key_id": key.key_id(),
        }))
        .unwrap(),
    ));
    files.push(("journal.jsonl".to_string(), jsonl(&records)));
    files.push((
        "head.json".to_string(),
        serde_json::to_string_pretty(&head).unwrap(),
    ));
    let detail: Vec<_> = records
        .iter()
        .map(|r| {
            let env = r.envelope_bytes().unwrap();
            json!({
                "series": r.series, "number": r.number,
                "payload_sha256": sha256_hex(r.payload.as_bytes()),
                "envelope": String::from_utf8(env.clone()).unwrap(),
                "envelope_sha256": sha256_hex(&env),
                "signed_string": r.signed_string,
                "signature": r.signature,
                "hash": r.hash,
            })
        })
        .collect();
    files.push((
        "records.json".to_string(),
        serde_json::to_string_pretty(&detail).unwrap(),
    ));

    // Tampered journals.
    let find = |s: &str, n: u64| {
        records
            .iter()
            .position(|r| r.series.code() == s && r.number == n)
            .unwrap()
    };
    let mut cases = Vec::new();
    let mut variants: Vec<(&str, &str, Vec<StoredRecord>)> =
        vec![("intact", "the journal as written", records.clone())];
    let mut m = records.clone();
    let i = find("T", 2);
    m[i].payload = m[i]
        .payload
        .replacen("\"amount\":1200", "\"amount\":1300", 1);
    variants.push(("modified_payload", "one amount changed in T2's payload", m));
    let mut m = records.clone();
    m.remove(find("T", 2));
    variants.push(("deleted_middle", "T2 deleted", m));
    let mut m = records.clone();
    m.retain(|r| !(r.series.code() == "T" && r.number >= 3));
    variants.push((
        "truncated_tail",
        "T3 and T4 deleted (the head still names T4)",
        m,
    ));
    let mut m = records.clone();
    let (a, b) = (find("T", 2), find("T", 4));
    m.swap(a, b);
    variants.push(("reordered", "T2 and T4 swapped in storage order", m));
    let mut m = records.clone();
    let dup = m[find("T", 2)].clone();
    m.insert(find("T", 2) + 1, dup);
    variants.push(("duplicated", "T2 stored twice", m));
    let mut m = records.clone();
    let i = find("T", 4);
    m[i].payload = m[i].payload.replacen("\"amount\":1200", "\"amount\":1", 1);
    let other = SoftwareSigner::from_secret(&[0x22; 32]).unwrap();
    m[i].signature = hex::encode(
        pos_fiscal::signer::sign_fixed(&other, &m[i].envelope_bytes().unwrap()).unwrap(),
    );
    m[i].hash = m[i].compute_hash().unwrap();
    variants.push((
        "forged",
        "T4 rewritten and re-signed with another key, hash recomputed",
        m,
    ));

    for (name, what, recs) in variants.drain(..) {
        let ctx = VerifyContext {
            source: "records".into(),
            keys: vec![key.clone()],
            head: Some(head.clone()),
            ..Default::default()
        };
        let r = verify_records(&recs, &ctx);
        let file = format!("cases/{name}.jsonl");
        cases.push(json!({
            "name": name,
            "description": what,
            "records": file,
            "head": "head.json",
            "verdict": r.verdict,
            "defects": r.defects.iter().map(|d| json!({
                "kind": d.kind, "series": d.series, "number": d.number, "last_number": d.last_number,
            })).collect::<Vec<_>>(),
        }));
        files.push((file, jsonl(&recs)));
    }
    files.push((
        "cases.json".to_string(),
        serde_json::to_string_pretty(&cases).unwrap(),
    ));
    files
}

#[test]
fn s9_18_published_vectors_match_the_code() {
    let files = build();
    let bless = std::env::var("POS_FISCAL_BLESS").is_ok_and(|v| v == "1");
    for (name, content) in files {
        let path = dir().join(&name);
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &content).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{name} missing: run with POS_FISCAL_BLESS=1"));
        assert_eq!(
            committed, content,
            "{name} differs from what the code produces"
        );
    }
}

#[test]
fn s9_18_vector_cases_have_the_expected_verdicts() {
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("cases.json")).unwrap()).unwrap();
    let verdicts: Vec<(&str, &str)> = cases
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["verdict"].as_str().unwrap()))
        .collect();
    for (name, verdict) in verdicts {
        assert_eq!(verdict == "intact", name == "intact", "{name}");
    }
}
