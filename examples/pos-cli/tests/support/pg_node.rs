//! One PostgreSQL server from Debian's binaries in a temp dir: a primary
//! made by `initdb`, a standby or a restore made from `pg_basebackup`.
//! As root, the server runs as the `postgres` user (PostgreSQL refuses
//! root). Missing binaries fail the test with the command that installs them.

use super::{free_port, wait_for};
pub use server_pg::{bin_dir, is_root};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// The PostgreSQL helpers of pos-server's tests: the finder of the server
/// binaries is shared.
#[path = "../../../../pos-server/tests/support/pg.rs"]
mod server_pg;

/// A PostgreSQL server; stopped (`-m immediate`) when dropped.
pub struct PgNode {
    /// Its data directory.
    pub data: PathBuf,
    /// Its loopback port.
    pub port: u16,
    /// Settings given on the command line (port, socket dir, per-node ones).
    opts: String,
    log: PathBuf,
}

/// Makes `dir` (a fresh temp dir) the `postgres` user's when running as root.
pub fn give_to_postgres(dir: &Path) {
    if is_root() {
        assert!(
            Command::new("chown")
                .args(["-R", "postgres"])
                .arg(dir)
                .status()
                .unwrap()
                .success()
        );
    }
}

/// Runs a PostgreSQL tool (as `postgres` when root) and returns its output.
fn tool(name: &str, args: &[&str]) -> Output {
    server_pg::command(&bin_dir().join(name), is_root())
        .args(args)
        .output()
        .unwrap()
}

/// Runs a PostgreSQL tool that must succeed.
pub fn run(name: &str, args: &[&str]) -> String {
    let out = tool(name, args);
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Appends lines to a configuration file of a data directory.
pub fn append_conf(data: &Path, file: &str, lines: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(data.join(file))
        .unwrap();
    writeln!(f, "\n{lines}").unwrap();
}

impl PgNode {
    /// A new cluster in `dir/name` (`dir` must be the postgres user's),
    /// with `conf` appended to its postgresql.conf; not started.
    pub fn init(dir: &Path, name: &str, conf: &str) -> PgNode {
        let data = dir.join(name);
        run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        append_conf(&data, "postgresql.conf", conf);
        PgNode::at(dir, data, "")
    }

    /// A node on the data directory `data` (made by pg_basebackup, say),
    /// on a new port, with `extra` command-line settings; not started.
    pub fn at(dir: &Path, data: PathBuf, extra: &str) -> PgNode {
        let port = free_port();
        let name = data.file_name().unwrap().to_string_lossy().into_owned();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 {extra}",
            dir.display()
        );
        PgNode {
            log: dir.join(format!("{name}.log")),
            data,
            port,
            opts,
        }
    }

    /// `pg_basebackup` of this node into `dir/name` as `user` (a role with
    /// REPLICATION), WAL included; with `standby`, `-R` writes the
    /// standby.signal and a primary_conninfo naming `application_name`.
    pub fn base_backup(
        &self,
        dir: &Path,
        name: &str,
        user: &str,
        standby: Option<&str>,
    ) -> PathBuf {
        let target = dir.join(name);
        let conninfo = format!(
            "host=127.0.0.1 port={} user={user} application_name={}",
            self.port,
            standby.unwrap_or("pg_basebackup")
        );
        let target_s = target.display().to_string();
        let mut args = vec![
            "-d",
            &conninfo,
            "-D",
            &target_s,
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        ];
        if standby.is_some() {
            args.push("-R");
        }
        run("pg_basebackup", &args);
        target
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start(&self) {
        run(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-o",
                &self.opts,
                "-l",
                &self.log.display().to_string(),
                "-t",
                "120",
                "-w",
                "start",
            ],
        );
    }

    /// The connection string of this node alone.
    pub fn url(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }

    /// Runs SQL with psql and returns its unaligned output (`|` between
    /// fields, a line per row), or the error text.
    pub fn try_sql(&self, sql: &str) -> Result<String, String> {
        let out = Command::new(bin_dir().join("psql"))
            .args(["-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", "-d", "postgres", "-c", sql])
            .output()
            .unwrap();
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Runs SQL that must succeed.
    pub fn sql(&self, sql: &str) -> String {
        self.try_sql(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}\nserver log: {}", self.log_text()))
    }

    /// The server's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the node answers and is no longer in recovery.
    pub fn wait_primary(&self, within: Duration) {
        wait_for("the node to leave recovery", within, || {
            (self.try_sql("SELECT pg_is_in_recovery()").ok()? == "f").then_some(())
        });
    }

    /// SIGKILL to the postmaster and every process it started, at once, as
    /// when the machine dies: no shutdown checkpoint, no goodbye to the
    /// standby or to clients. Returns when the port refuses connections.
    pub fn kill_9(&self) {
        let pid_file = std::fs::read_to_string(self.data.join("postmaster.pid")).unwrap();
        let postmaster = pid_file.lines().next().unwrap().trim().to_owned();
        let mut pids = vec![postmaster.clone()];
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1).map(str::to_owned));
            if ppid.as_deref() == Some(postmaster.as_str()) {
                pids.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        // A backend may have ended since the scan: `kill` then complains
        // about that one and still kills the others.
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(&pids)
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        wait_for(
            "the killed node's port to close",
            Duration::from_secs(30),
            || {
                std::net::TcpStream::connect(("127.0.0.1", self.port))
                    .is_err()
                    .then_some(())
            },
        );
    }

    /// `pg_ctl promote`: the standby becomes a primary (waits until it is).
    pub fn promote(&self) {
        run(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-t",
                "120",
                "-w",
                "promote",
            ],
        );
    }
}

impl Drop for PgNode {
    fn drop(&mut self) {
        let _ = tool(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-m",
                "immediate",
                "stop",
            ],
        );
    }
}
