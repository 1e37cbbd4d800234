//! The till file never holds the private key: a Register's file after sales,
//! a reprint and a day closure, and an old-style file (key in `meta`) after
//! its migration, are scanned byte by byte (with their `-wal` / `-shm`) for
//! the PEM markers, the PEM body, the PKCS#8 DER and the raw 32-byte secret
//! in binary, hex and base64; the key file beside the till is owner-only
//! (0600), an exposed one is refused, a journal whose key is gone is refused
//! rather than continued with a new key.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_fiscal::Signer;
use pos_fiscal::model::Series;
use pos_fiscal::signer::SoftwareSigner;
use pos_sdk::keystore::{
    KeyFile, KeyStore, KeyStoreError, SqliteKeyFile, key_file_path, sqlite_key_file_path,
};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions, SdkError};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const SECRET: [u8; 32] = [
    0x3a, 0x51, 0x9c, 0x0e, 0x77, 0x12, 0xd4, 0x8b, 0x60, 0x2f, 0xe1, 0x95, 0x4c, 0xa8, 0x03, 0x7d,
    0xbe, 0x46, 0x19, 0xf0, 0x2c, 0x88, 0x5a, 0x71, 0x0d, 0xc3, 0x9e, 0x64, 0x27, 0xb5, 0x4f, 0x11,
];

fn base64(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Every form of the key that must never appear in a till file.
fn needles(secret: &[u8; 32], pem: &str) -> Vec<(String, Vec<u8>)> {
    let mut n: Vec<(String, Vec<u8>)> = vec![
        ("PEM BEGIN marker".into(), b"-----BEGIN".to_vec()),
        ("PRIVATE KEY marker".into(), b"PRIVATE KEY".to_vec()),
        ("raw secret".into(), secret.to_vec()),
        ("hex secret".into(), hex::encode(secret).into_bytes()),
        ("HEX secret".into(), hex::encode_upper(secret).into_bytes()),
        (
            "base64 secret".into(),
            base64(secret, STD, true).into_bytes(),
        ),
        (
            "base64url secret".into(),
            base64(secret, URL, false).into_bytes(),
        ),
    ];
    // The PEM body: any one of its lines (64 base64 characters of DER).
    for (i, line) in pem.lines().filter(|l| !l.starts_with("-----")).enumerate() {
        if line.len() >= 16 {
            n.push((format!("PEM body line {i}"), line.as_bytes().to_vec()));
        }
    }
    n
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Asserts no form of the key is in the till file or its WAL / SHM.
fn assert_no_key(till: &Path, secret: &[u8; 32], pem: &str) {
    let mut scanned = 0;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = till.as_os_str().to_owned();
        p.push(suffix);
        let Ok(bytes) = std::fs::read(PathBuf::from(&p)) else {
            continue;
        };
        scanned += 1;
        for (what, needle) in needles(secret, pem) {
            assert!(
                !find(&bytes, &needle),
                "{what} found in {}",
                PathBuf::from(&p).display()
            );
        }
    }
    assert!(scanned >= 1, "the till file exists");
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn config() -> RegisterConfig {
    RegisterConfig::france(
        StoreId::new("nice-1").unwrap(),
        RegisterId::new("caisse-7").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap()
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new("2026-07-14T08:00:00Z".parse().unwrap()))
}

/// Three sales, a reprint (duplicate) and the day's closure.
fn trade(reg: &mut Register, clock: &ManualClock) {
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    let op = OperatorId::new("ana").unwrap();
    let mut last = 0;
    for _ in 0..3 {
        clock.advance_millis(60_000);
        let ctx = reg.price_context(None);
        let mut cart = reg.new_cart();
        reg.scan(&mut cart, "3760123000352", &ctx).unwrap();
        let mut payment = reg.start_payment(&cart, None).unwrap();
        payment
            .add(Tender::new(
                TenderMethod::Cash,
                payment.remaining().unwrap(),
            ))
            .unwrap();
        last = reg
            .complete_sale(cart, payment, &SaleOptions::by(op.clone()))
            .unwrap()
            .number;
    }
    reg.duplicate(Series::T, last, &op).unwrap();
    clock.advance_millis(10 * 3_600_000);
    reg.close_day(None, None, &op).unwrap();
}

fn known_key_file(db: &Path) -> String {
    let signer = SoftwareSigner::from_secret(&SECRET).unwrap();
    KeyFile::new(key_file_path(db)).store(&signer).unwrap();
    signer.to_pkcs8_pem().unwrap()
}

#[test]
fn a_register_file_after_sales_and_a_closure_holds_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("till.sqlite");
    let pem = known_key_file(&db);
    let clock = clock();
    let mut reg =
        Register::open_with_key_file(&db, config(), clock.clone(), IdGenerator::seeded(1)).unwrap();
    trade(&mut reg, &clock);
    assert!(reg.verify().unwrap().is_intact());
    let key_id = SoftwareSigner::from_secret(&SECRET).unwrap().key_id();
    let current: String = reg
        .connection()
        .query_row(
            "SELECT value FROM fiscal_meta WHERE key = 'current_key_id'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(current, key_id, "the till signs with the key file's key");
    // Scanned while open (WAL and SHM present) and after closing.
    assert_no_key(&db, &SECRET, &pem);
    drop(reg);
    assert_no_key(&db, &SECRET, &pem);
    assert_eq!(mode(&key_file_path(&db)), 0o600);
}

#[test]
fn a_new_till_makes_an_owner_only_key_file_and_reopens_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.sqlite");
    let clock = clock();
    let reg =
        Register::open_with_key_file(&db, config(), clock.clone(), IdGenerator::seeded(1)).unwrap();
    drop(reg);
    let kf = key_file_path(&db);
    assert_eq!(mode(&kf), 0o600);
    let pem = std::fs::read_to_string(&kf).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    // No temporary copy of the key is left in the folder.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.ends_with(".tmp")),
        "leftovers: {names:?}"
    );
    let mut reg =
        Register::open_with_key_file(&db, config(), clock.clone(), IdGenerator::seeded(2)).unwrap();
    trade(&mut reg, &clock);
    assert!(reg.verify().unwrap().is_intact());
    drop(reg);
    let signer = KeyFile::new(&kf).load().unwrap().unwrap();
    let der = pem_der(&pem);
    let secret = secret_in_pkcs8(&der);
    assert_no_key(&db, &secret, &pem);
    assert_eq!(signer.to_pkcs8_pem().unwrap(), pem);
}

/// The DER inside a PEM (standard base64).
fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in body.bytes().filter(|&c| c != b'=') {
        let v = STD.iter().position(|&a| a == c).unwrap() as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out
}

/// The 32-byte private scalar of a P-256 PKCS#8 key: the OCTET STRING of
/// 32 bytes right after ECPrivateKey's version 1.
fn secret_in_pkcs8(der: &[u8]) -> [u8; 32] {
    let at = der
        .windows(5)
        .position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20])
        .unwrap();
    der[at + 5..at + 37].try_into().unwrap()
}

#[test]
fn the_pkcs8_reader_of_these_tests_finds_the_secret() {
    let pem = SoftwareSigner::from_secret(&SECRET)
        .unwrap()
        .to_pkcs8_pem()
        .unwrap();
    assert_eq!(secret_in_pkcs8(&pem_der(&pem)), SECRET);
}

#[test]
fn an_old_till_file_with_its_key_inside_is_migrated_and_scrubbed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.sqlite");
    let pem = known_key_file(&db);
    let clock = clock();
    let mut reg =
        Register::open_with_key_file(&db, config(), clock.clone(), IdGenerator::seeded(1)).unwrap();
    trade(&mut reg, &clock);
    drop(reg);
    // What an older build left: the key in `meta`, no key file.
    std::fs::remove_file(key_file_path(&db)).unwrap();
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('software_key_pem', ?1)",
            [&pem],
        )
        .unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    assert!(
        find(&before, b"-----BEGIN PRIVATE KEY"),
        "the old-style file holds the key before migration"
    );

    clock.advance_millis(24 * 3_600_000);
    let mut reg =
        Register::open_with_key_file(&db, config(), clock.clone(), IdGenerator::seeded(2)).unwrap();
    let left: i64 = reg
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM meta WHERE key = 'software_key_pem'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(mode(&key_file_path(&db)), 0o600);
    // The journal goes on with the same key.
    trade_more(&mut reg, &clock);
    assert!(reg.verify().unwrap().is_intact());
    assert_no_key(&db, &SECRET, &pem);
    drop(reg);
    assert_no_key(&db, &SECRET, &pem);
    let moved = KeyFile::new(key_file_path(&db)).load().unwrap().unwrap();
    assert_eq!(moved.to_pkcs8_pem().unwrap(), pem);
}

fn trade_more(reg: &mut Register, clock: &ManualClock) {
    clock.advance_millis(60_000);
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    reg.scan(&mut cart, "3760123000352", &ctx).unwrap();
    let mut payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add(Tender::new(
            TenderMethod::Cash,
            payment.remaining().unwrap(),
        ))
        .unwrap();
    reg.complete_sale(
        cart,
        payment,
        &SaleOptions::by(OperatorId::new("ana").unwrap()),
    )
    .unwrap();
}

#[test]
fn an_exposed_key_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite");
    known_key_file(&db);
    let kf = key_file_path(&db);
    std::fs::set_permissions(&kf, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err =
        Register::open_with_key_file(&db, config(), clock(), IdGenerator::seeded(1)).unwrap_err();
    assert!(
        matches!(
            err,
            SdkError::KeyStore(KeyStoreError::Exposed { mode: 0o644, .. })
        ),
        "{err:?}"
    );
    assert_eq!(err.kind(), "key_store");
    assert!(err.to_string().contains("chmod 600"), "{err}");
}

#[test]
fn a_journal_whose_key_is_gone_is_refused_not_continued_with_a_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite");
    drop(Register::open_with_key_file(&db, config(), clock(), IdGenerator::seeded(1)).unwrap());
    std::fs::remove_file(key_file_path(&db)).unwrap();
    let err =
        Register::open_with_key_file(&db, config(), clock(), IdGenerator::seeded(1)).unwrap_err();
    assert!(
        matches!(err, SdkError::KeyStore(KeyStoreError::Missing { .. })),
        "{err:?}"
    );
    assert!(!key_file_path(&db).exists(), "no new key was made");
}

#[test]
fn a_key_file_is_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let kf = dir.path().join("k.pem");
    let a = SoftwareSigner::from_secret(&SECRET).unwrap();
    let b = SoftwareSigner::from_secret(&[7; 32]).unwrap();
    KeyFile::new(&kf).store(&a).unwrap();
    let err = KeyFile::new(&kf).store(&b).unwrap_err();
    assert!(
        matches!(err, KeyStoreError::AlreadyStored { .. }),
        "{err:?}"
    );
    assert_eq!(
        KeyFile::new(&kf).load().unwrap().unwrap().key_id(),
        a.key_id()
    );
}

#[test]
fn the_sqlite_key_file_of_wasm_tills_keeps_the_key_apart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("web.sqlite");
    let kf = sqlite_key_file_path(&db);
    let mut keys = SqliteKeyFile::new(&kf);
    let signer = SoftwareSigner::from_secret(&SECRET).unwrap();
    keys.store(&signer).unwrap();
    let pem = signer.to_pkcs8_pem().unwrap();
    let clock = clock();
    let mut reg = Register::open_with_key_store(
        &db,
        config(),
        clock.clone(),
        IdGenerator::seeded(1),
        &mut keys,
    )
    .unwrap();
    trade(&mut reg, &clock);
    drop(reg);
    assert_no_key(&db, &SECRET, &pem);
    // Export / import (the IndexedDB round trip of the web package).
    let bytes = keys.export().unwrap().unwrap();
    let mut other = SqliteKeyFile::new(dir.path().join("copy.keys"));
    other.import(&bytes).unwrap();
    assert_eq!(other.load().unwrap().unwrap().key_id(), signer.key_id());
    clock.advance_millis(24 * 3_600_000);
    let mut reg = Register::open_with_key_store(
        &db,
        config(),
        clock.clone(),
        IdGenerator::seeded(2),
        &mut other,
    )
    .unwrap();
    trade_more(&mut reg, &clock);
    assert!(reg.verify().unwrap().is_intact());
}
