//! No private key material in any file the `pos` command writes: the till
//! files of `pos demo` and `pos simulate` (with their -wal / -shm) and every
//! other output of the demo (sync server database, receipts, FEC, archive,
//! QR image) are scanned byte by byte for the PEM markers, the PEM body and
//! the raw 32-byte secret in binary, hex and base64. The key lives only in
//! `<till>.key.pem`, owner-only (0600).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

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

fn unbase64(text: &str) -> Vec<u8> {
    let (mut bits, mut n, mut out) = (0u32, 0, Vec::new());
    for c in text.bytes().filter(|&c| c != b'=') {
        bits = (bits << 6) | STD.iter().position(|&a| a == c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out
}

/// The PEM body lines and the 32-byte P-256 secret of a PKCS#8 PEM file
/// (the OCTET STRING of 32 bytes after ECPrivateKey's version 1).
fn key_forms(pem: &str) -> Vec<(String, Vec<u8>)> {
    let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = unbase64(&body.concat());
    let at = der
        .windows(5)
        .position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20])
        .unwrap();
    let secret = &der[at + 5..at + 37];
    let mut forms: Vec<(String, Vec<u8>)> = vec![
        ("PEM BEGIN marker".into(), b"-----BEGIN".to_vec()),
        ("PRIVATE KEY marker".into(), b"PRIVATE KEY".to_vec()),
        ("raw secret".into(), secret.to_vec()),
        ("hex secret".into(), hex(secret, false).into_bytes()),
        ("HEX secret".into(), hex(secret, true).into_bytes()),
        (
            "base64 secret".into(),
            base64(secret, STD, true).into_bytes(),
        ),
        (
            "base64url secret".into(),
            base64(secret, URL, false).into_bytes(),
        ),
        ("PKCS#8 DER".into(), der.clone()),
    ];
    for (i, line) in body.iter().enumerate().filter(|(_, l)| l.len() >= 16) {
        forms.push((format!("PEM body line {i}"), line.as_bytes().to_vec()));
    }
    forms
}

fn hex(bytes: &[u8], upper: bool) -> String {
    bytes
        .iter()
        .map(|b| {
            if upper {
                format!("{b:02X}")
            } else {
                format!("{b:02x}")
            }
        })
        .collect()
}

fn key_file(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".key.pem");
    PathBuf::from(p)
}

/// Scans every file under `dir` but the key file; returns how many.
fn assert_no_key_under(dir: &Path, key: &Path) -> usize {
    let pem = std::fs::read_to_string(key).unwrap();
    let forms = key_forms(&pem);
    let mut scanned = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path == key {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            for (what, needle) in &forms {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                    "{what} found in {}",
                    path.display()
                );
            }
            scanned += 1;
        }
    }
    scanned
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_files_pos_simulate_writes_hold_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("till.sqlite");
    let out = Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(["simulate", "--db"])
        .arg(&db)
        .args(["--sales", "40", "--seed", "7"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = key_file(&db);
    assert_eq!(mode(&key), 0o600);
    let n = assert_no_key_under(dir.path(), &key);
    assert!(n >= 1, "the till file was scanned");
}

#[test]
fn the_files_pos_demo_writes_hold_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(["demo", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let key = key_file(&dir.path().join("store-day.sqlite"));
    assert_eq!(mode(&key), 0o600);
    let n = assert_no_key_under(dir.path(), &key);
    assert!(n >= 4, "the demo's outputs were scanned ({n} files)");
}
