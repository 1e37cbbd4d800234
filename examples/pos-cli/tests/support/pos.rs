//! `pos` processes: sync servers on PostgreSQL, and tills made with
//! `pos simulate` and synced with `pos sync`.

use super::{free_port, wait_listening};
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub fn pos() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pos"))
}

/// How to start a `pos sync-server` on a free loopback port: where it
/// stores, the store its first start creates for retailer `r1`, more
/// flags, environment, and where its output goes (nowhere by default).
pub struct ServerSpec {
    storage: [OsString; 2],
    first_store: String,
    extra: Vec<String>,
    env: Vec<(String, String)>,
    log: Option<PathBuf>,
    stdout_piped: bool,
}

impl ServerSpec {
    fn new(flag: &str, value: &OsStr) -> ServerSpec {
        ServerSpec {
            storage: [flag.into(), value.to_owned()],
            first_store: "demo-store".to_owned(),
            extra: Vec::new(),
            env: Vec::new(),
            log: None,
            stdout_piped: false,
        }
    }

    /// A server on the SQLite file `db`.
    pub fn sqlite(db: &Path) -> ServerSpec {
        ServerSpec::new("--db", db.as_os_str())
    }

    /// A server on PostgreSQL at `conninfo`.
    pub fn postgres(conninfo: &str) -> ServerSpec {
        ServerSpec::new("--postgres", OsStr::new(conninfo))
    }

    /// The store the first start creates (`demo-store`, the store of `pos
    /// simulate`'s tills, unless told).
    pub fn first_store(mut self, store: &str) -> ServerSpec {
        store.clone_into(&mut self.first_store);
        self
    }

    /// More flags.
    pub fn args(mut self, extra: &[&str]) -> ServerSpec {
        self.extra.extend(extra.iter().map(|a| (*a).to_owned()));
        self
    }

    /// An environment variable of the process.
    pub fn env(mut self, key: &str, value: &str) -> ServerSpec {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Its stderr goes to the file `log`.
    pub fn log(mut self, log: &Path) -> ServerSpec {
        self.log = Some(log.to_owned());
        self
    }

    /// Its stdout is kept, for [`SyncServer::stop`] to give back.
    pub fn stdout_piped(mut self) -> ServerSpec {
        self.stdout_piped = true;
        self
    }

    /// Starts the server and waits until it listens.
    pub fn start(self) -> SyncServer {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let stderr = match &self.log {
            Some(log) => Stdio::from(std::fs::File::create(log).unwrap()),
            None => Stdio::null(),
        };
        let stdout = if self.stdout_piped {
            Stdio::piped()
        } else {
            Stdio::null()
        };
        let child = pos()
            .args(["sync-server", "--listen", &addr])
            .args(&self.storage)
            .args(["--first-retailer", "r1", "--first-store", &self.first_store])
            .args(&self.extra)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut server = SyncServer {
            child,
            addr,
            log: self.log,
        };
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!("pos sync-server exited at once: {status}");
        }
        wait_listening("pos sync-server", port);
        server
    }
}

/// A `pos sync-server` process; killed when dropped.
pub struct SyncServer {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    log: Option<PathBuf>,
}

impl SyncServer {
    /// `pos sync-server --postgres CONNINFO` on a free port, first start
    /// creating retailer `r1` with store `demo-store` (the store of `pos
    /// simulate`'s tills); `extra` are more flags. Waits until it listens.
    pub fn start(conninfo: &str, log: &Path, extra: &[&str]) -> SyncServer {
        ServerSpec::postgres(conninfo).log(log).args(extra).start()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the server wrote on stderr so far.
    pub fn log_text(&self) -> String {
        self.log
            .as_ref()
            .and_then(|log| std::fs::read_to_string(log).ok())
            .unwrap_or_default()
    }

    /// The process id (the same at the end shows no restart).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Kills the server and gives back what it wrote on stdout (kept by
    /// [`ServerSpec::stdout_piped`]).
    pub fn stop(&mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        out
    }
}

impl Drop for SyncServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens (or creates) the till file `db` for register `register` of
/// `demo-store` (`pos simulate`'s till is `till-1`), ids from `ids`.
pub fn open_till(db: &Path, register: &str, ids: pos_sdk::IdGenerator) -> pos_sdk::Register {
    use pos_core::ids::{LocationId, RegisterId, StoreId};
    let config = pos_sdk::RegisterConfig::france(
        StoreId::new("demo-store").unwrap(),
        RegisterId::new(register).unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    pos_sdk::Register::open_with_key_file(
        db,
        config,
        std::sync::Arc::new(pos_sdk::SystemClock),
        ids,
    )
    .unwrap()
}

/// A new till file for register `register` of `demo-store` with the
/// sample catalog (what `pos simulate` does for `till-1`), so that several
/// tills of one store each have their own register.
pub fn new_till(db: &Path, register: &str) {
    let mut reg = open_till(db, register, pos_sdk::IdGenerator::from_entropy());
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

/// `pos sync` of a till with `server`, enrolling it with `code` if needed.
pub fn sync_once_cmd(db: &Path, server: &str, code: &str) -> Command {
    let mut c = pos();
    c.args(["sync", "--db"])
        .arg(db)
        .args(["--server", server, "--enrolment-code", code]);
    c
}

/// `pos sync` of a till with `server`, enrolling it with `code` if needed,
/// retrying for up to `budget` seconds while the server is unavailable.
pub fn sync_cmd(db: &Path, server: &str, code: &str, budget: u32) -> Command {
    let mut c = sync_once_cmd(db, server, code);
    c.args(["--retry-budget", &budget.to_string()]);
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
    enrolment_code_in("--postgres", OsStr::new(conninfo))
}

/// A single-use enrolment code for a till of `demo-store`, issued on the
/// server's SQLite file.
pub fn enrolment_code_sqlite(db: &Path) -> String {
    enrolment_code_in("--db", db.as_os_str())
}

fn enrolment_code_in(flag: &str, storage: &OsStr) -> String {
    let out = pos()
        .args(["backoffice", "enrolment-code", flag])
        .arg(storage)
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
