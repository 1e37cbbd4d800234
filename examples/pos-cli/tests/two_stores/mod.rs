//! Setup shared by the `pos refund --server` and `pos exchange --server`
//! tests: a real in-process sync server with one retailer and two stores
//! (s-a, s-b), and one till in each (A1, B1) that sold the same basket
//! (two items) and synced once.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `pos` with `args`.
pub fn pos(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pos"))
        .args(args)
        .output()
        .unwrap()
}

/// The command's standard output as JSON.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The command succeeded; its output as JSON.
pub fn ok(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    json(out)
}

/// A path as a command-line argument.
pub fn db(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The server, the two till files and the basket both sold.
pub struct TwoStores {
    pub dir: tempfile::TempDir,
    pub url: String,
    /// Till A1 of store s-a.
    pub a: PathBuf,
    /// Till B1 of store s-b.
    pub b: PathBuf,
    /// The basket each till sold first (two items).
    pub basket: PathBuf,
    _running: pos_server::InProcess,
}

impl TwoStores {
    pub fn start() -> TwoStores {
        let dir = tempfile::tempdir().unwrap();
        let server = pos_server::Server::new(
            pos_server::SqliteStorage::open(&dir.path().join("s.sqlite")).unwrap(),
        );
        server
            .with_tx(|tx| {
                tx.bo_put_retailer("r1", "Retailer One", "123456789")?;
                tx.bo_put_store("s-a", "r1")?;
                tx.bo_put_store("s-b", "r1")?;
                Ok(())
            })
            .unwrap();
        let running = pos_server::spawn_in_process(server.clone()).unwrap();
        let url = running.url().to_owned();
        let basket = dir.path().join("basket.json");
        std::fs::write(
            &basket,
            r#"{"items":[{"code":"3760123000352"},{"code":"3760123001472"}]}"#,
        )
        .unwrap();
        let (a, b) = (dir.path().join("a.sqlite"), dir.path().join("b.sqlite"));
        for (file, store, register) in [(&a, "s-a", "A1"), (&b, "s-b", "B1")] {
            ok(&pos(&[
                "sell",
                "--db",
                db(file),
                "--basket",
                db(&basket),
                "--pay",
                "card",
                "--store",
                store,
                "--register",
                register,
            ]));
            let code = server
                .enrolment_code("r1", store, None, 3_600_000, chrono::Utc::now())
                .unwrap()
                .0
                .secret;
            ok(&pos(&[
                "sync",
                "--db",
                db(file),
                "--server",
                &url,
                "--enrolment-code",
                &code,
            ]));
        }
        TwoStores {
            dir,
            url,
            a,
            b,
            basket,
            _running: running,
        }
    }
}
