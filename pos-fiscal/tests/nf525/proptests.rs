//! Property: any single-byte change, deletion, insertion, reorder or
//! truncation of a stored journal is reported at the right record.

use crate::util::*;
use pos_fiscal::archive::decode_jsonl;
use pos_fiscal::canon::to_canonical;
use pos_fiscal::head::SignedHead;
use pos_fiscal::record::StoredRecord;
use pos_fiscal::store::{self, rows};
use pos_fiscal::verify::{Report, VerifyContext, verify_records};
use pos_fiscal::{PublicKey, Series, Signer};
use proptest::prelude::*;
use std::sync::OnceLock;

struct Journal {
    records: Vec<StoredRecord>,
    head: SignedHead,
    key: PublicKey,
}

fn journal() -> &'static Journal {
    static J: OnceLock<Journal> = OnceLock::new();
    J.get_or_init(|| {
        let t = Till::new();
        for i in 0..6 {
            let rec = t.sale_at(&format!("2026-11-02T09:0{i}:00Z"));
            if i == 2 {
                t.tx(|c| {
                    store::record_duplicate(
                        c,
                        &t.signer,
                        at("2026-11-02T09:02:30Z"),
                        rec.doc,
                        "bob",
                    )
                })
                .unwrap();
                t.record(
                    "2026-11-02T09:02:40Z",
                    &refund_of(&sale(1200, 550), rec.doc),
                )
                .unwrap();
            }
        }
        t.tx(|c| {
            store::close_day(
                c,
                &t.signer,
                at("2026-11-02T20:00:00Z"),
                "2026-11-02".parse().unwrap(),
                None,
                "a",
            )
        })
        .unwrap();
        Journal {
            records: rows::load_records(&t.conn).unwrap(),
            head: rows::load_head(&t.conn).unwrap().unwrap(),
            key: PublicKey::from_sec1(&t.signer.public_key_sec1()).unwrap(),
        }
    })
}

fn check(records: &[StoredRecord]) -> Report {
    let j = journal();
    let ctx = VerifyContext {
        source: "records".into(),
        keys: vec![j.key.clone()],
        head: Some(j.head.clone()),
        ..Default::default()
    };
    verify_records(records, &ctx)
}

fn names(r: &Report, s: Series, n: u64) -> bool {
    r.defects.iter().any(|d| {
        d.series == Some(s)
            && d.number
                .is_some_and(|a| a <= n && d.last_number.unwrap_or(a) >= n)
    })
}

#[test]
fn the_fixture_journal_is_intact() {
    let r = check(&journal().records);
    assert!(r.is_intact(), "{}", r.to_json());
    assert!(journal().records.len() > 12);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_single_byte_change_is_reported_at_its_line(pos in any::<prop::sample::Index>(), x in 1u8..=255) {
        let j = journal();
        let mut file = Vec::new();
        let mut starts = Vec::new();
        for r in &j.records {
            starts.push(file.len());
            file.extend_from_slice(&to_canonical(r).unwrap());
            file.push(b'\n');
        }
        let i = pos.index(file.len());
        file[i] ^= x;
        let line = starts.iter().rposition(|s| *s <= i).unwrap();
        let (recs, mut defects) = decode_jsonl(&file);
        let mut r = check(&recs);
        r.defects.append(&mut defects);
        let target = &j.records[line];
        let hit = r.defects.iter().any(|d| d.position == Some(line))
            || names(&r, target.series, target.number);
        prop_assert!(hit, "byte {} (line {}) not reported: {}", i, line, r.to_json());
    }

    #[test]
    fn any_deletion_is_reported_at_the_deleted_number(pos in any::<prop::sample::Index>()) {
        let j = journal();
        let mut recs = j.records.clone();
        let gone = recs.remove(pos.index(recs.len()));
        let r = check(&recs);
        prop_assert!(names(&r, gone.series, gone.number), "{}", r.to_json());
    }

    #[test]
    fn any_truncation_is_reported(keep in any::<prop::sample::Index>()) {
        let j = journal();
        let n = keep.index(j.records.len());
        let gone = &j.records[n..];
        let r = check(&j.records[..n]);
        for g in gone {
            prop_assert!(names(&r, g.series, g.number), "{}{} not named: {}", g.series, g.number, r.to_json());
        }
    }

    #[test]
    fn any_insertion_of_a_copy_is_reported(from in any::<prop::sample::Index>(), to in any::<prop::sample::Index>()) {
        let j = journal();
        let mut recs = j.records.clone();
        let copy = recs[from.index(recs.len())].clone();
        recs.insert(to.index(recs.len() + 1), copy.clone());
        let r = check(&recs);
        prop_assert!(names(&r, copy.series, copy.number), "{}", r.to_json());
    }

    #[test]
    fn any_reorder_within_a_series_is_reported(a in any::<prop::sample::Index>(), b in any::<prop::sample::Index>()) {
        let j = journal();
        let t_pos: Vec<usize> = (0..j.records.len()).filter(|i| j.records[*i].series == Series::E).collect();
        let (x, y) = (t_pos[a.index(t_pos.len())], t_pos[b.index(t_pos.len())]);
        prop_assume!(x != y);
        let mut recs = j.records.clone();
        recs.swap(x, y);
        let r = check(&recs);
        let lower = j.records[x.min(y)].number.min(j.records[x.max(y)].number);
        prop_assert!(names(&r, Series::E, lower) || r.defects.iter().any(|d| d.kind == pos_fiscal::verify::DefectKind::Reordered), "{}", r.to_json());
        prop_assert!(!r.is_intact());
    }
}
