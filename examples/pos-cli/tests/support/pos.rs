//! `pos` processes: sync servers on PostgreSQL, and tills made with
//! `pos simulate` and synced with `pos sync`.

use super::{free_port, wait_listening};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

pub fn pos() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pos"))
}

/// A `pos sync-server` process; killed when dropped.
pub struct SyncServer {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    log: std::path::PathBuf,
}

impl SyncServer {
    /// `pos sync-server --postgres CONNINFO` on a free port, first start
    /// creating retailer `r1` with store `demo-store` (the store of `pos
    /// simulate`'s tills); `extra` are more flags. Waits until it listens.
    pub fn start(conninfo: &str, log: &Path, extra: &[&str]) -> SyncServer {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let child = pos()
            .args(["sync-server", "--listen", &addr, "--postgres", conninfo])
            .args(["--first-retailer", "r1", "--first-store", "demo-store"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let mut server = SyncServer {
            child,
            addr,
            log: log.to_owned(),
        };
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!("pos sync-server exited at once: {status}");
        }
        wait_listening("pos sync-server", port);
        server
    }

    /// What the server wrote on stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The process id (the same at the end shows no restart).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for SyncServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new till file for register `register` of `demo-store` with the
/// sample catalog (what `pos simulate` does for `till-1`), so that several
/// tills of one store each have their own register.
pub fn new_till(db: &Path, register: &str) {
    use pos_core::ids::{LocationId, RegisterId, StoreId};
    let config = pos_sdk::RegisterConfig::france(
        StoreId::new("demo-store").unwrap(),
        RegisterId::new(register).unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    let mut reg = pos_sdk::Register::open_with_key_file(
        db,
        config,
        std::sync::Arc::new(pos_sdk::SystemClock),
        pos_sdk::IdGenerator::from_entropy(),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
}

/// `pos simulate`: `sales` more offline sales in the till file.
pub fn simulate(db: &Path, sales: u32, seed: u64) {
    let out = pos()
        .args(["simulate", "--db"])
        .arg(db)
        .args(["--sales", &sales.to_string(), "--seed", &seed.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pos simulate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `pos sync` of a till with `server`, enrolling it with `code` if needed,
/// retrying for up to `budget` seconds while the server is unavailable.
pub fn sync_cmd(db: &Path, server: &str, code: &str, budget: u32) -> Command {
    let mut c = pos();
    c.args(["sync", "--db"])
        .arg(db)
        .args(["--server", server, "--enrolment-code", code])
        .args(["--retry-budget", &budget.to_string()]);
    c
}

/// The JSON line a `pos` command printed.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "stdout is not one JSON line: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A single-use enrolment code for a till of `demo-store`, issued on the
/// server's PostgreSQL database.
pub fn enrolment_code(conninfo: &str) -> String {
    let out = pos()
        .args(["backoffice", "enrolment-code", "--postgres", conninfo])
        .args(["--retailer", "r1", "--store", "demo-store"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "no enrolment code: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    json(&out)["code"].as_str().unwrap().to_owned()
}

/// A till's outbox: (seq, event_id) in order.
pub fn outbox(db: &Path) -> Vec<(i64, String)> {
    let t = rusqlite::Connection::open(db).unwrap();
    let mut stmt = t
        .prepare("SELECT seq, event_id FROM outbox ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The till's sales (tickets of series T).
pub fn tickets(db: &Path) -> i64 {
    let t = rusqlite::Connection::open(db).unwrap();
    t.query_row("SELECT count(*) FROM tickets WHERE series = 'T'", [], |r| {
        r.get(0)
    })
    .unwrap()
}
