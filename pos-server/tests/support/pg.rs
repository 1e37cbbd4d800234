//! Starts a throw-away PostgreSQL cluster for a test (initdb into a temp
//! dir, pg_ctl on a free loopback port) and stops it on drop. As root, the
//! server runs as the `postgres` user (PostgreSQL refuses root). Missing
//! binaries fail the test with the command that installs them.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Pg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
    /// Server options of `pg_ctl start` (kept for a restart).
    opts: String,
    pub url: String,
}

/// The newest `/usr/lib/postgresql/*/bin` holding `initdb` (also used by
/// the deployment tests of `examples/pos-cli`).
pub fn bin_dir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs.pop().unwrap_or_else(|| {
        panic!("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: run `apt-get update && apt-get install -y postgresql`")
    })
}

/// Whether the tests run as root (PostgreSQL then runs as `postgres`).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A command running `exe` as the `postgres` user (from /tmp, a dir that
/// user may enter) when `as_postgres`, else as is.
pub fn command(exe: &Path, as_postgres: bool) -> Command {
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"])
            .arg(exe)
            .current_dir("/tmp");
        c
    } else {
        Command::new(exe)
    }
}

impl Pg {
    pub fn start() -> Pg {
        let bin = bin_dir();
        let dir = tempfile::tempdir().unwrap();
        let as_postgres = is_root();
        if as_postgres {
            assert!(
                Command::new("chown")
                    .args(["-R", "postgres"])
                    .arg(dir.path())
                    .status()
                    .unwrap()
                    .success()
            );
        }
        let mut pg = Pg {
            dir,
            bin,
            as_postgres,
            opts: String::new(),
            url: String::new(),
        };
        pg.run(
            "initdb",
            &[
                "-D",
                &pg.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            pg.dir.path().display()
        );
        pg.opts = opts;
        pg.start_again();
        pg.url = format!("host=127.0.0.1 port={port} user=postgres dbname=postgres");
        pg
    }

    /// Stops the server (`pg_ctl stop -m fast`: sessions are ended, as by
    /// an operator or a crash of the host), keeping its data.
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// Starts the stopped server again on the same port and data.
    pub fn start_again(&self) {
        let log = self.dir.path().join("log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &self.opts,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let status = command(&exe, self.as_postgres).args(args).output().unwrap();
        assert!(
            status.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let exe = self.bin.join("pg_ctl");
        let data = self.data();
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .output()
        } else {
            Command::new(&exe).args(args).output()
        };
    }
}
