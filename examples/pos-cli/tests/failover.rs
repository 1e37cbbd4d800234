//! Failover as a tested feature: a PostgreSQL primary with a synchronous
//! standby (streaming replication), two `pos sync-server` processes with
//! the two-host connection string
//! `host=127.0.0.1,127.0.0.1 port=P1,P2 target_session_attrs=read-write`
//! behind Debian's nginx (round robin, the next server on a refused
//! connection, timeout, 502 or 503). Three tills push their offline sales
//! through nginx; the primary is SIGKILLed mid-push and the standby is
//! promoted. It holds every event acknowledged before the kill
//! (synchronous replication); every till reaches 0 pending; it then holds
//! every event of every till once, in sequence, and every fiscal record,
//! none quarantined; both server processes are the ones started at first.
//!
//! Needs Debian's `postgresql` and `nginx` packages: a missing one fails
//! the test with the `apt-get install` line.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;
use support::nginx::Nginx;
use support::pg_node::{PgNode, give_to_postgres};
use support::pos::{
    SyncServer, enrolment_code, json, new_till, outbox, simulate, sync_cmd, tickets,
};
use support::wait_for;

/// Offline sales each till pushes during the failover.
const SALES: u32 = 600;

/// The tills' `pos sync` processes, killed if the test ends early.
struct Pushes(Vec<Child>);

impl Drop for Pushes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// (seq, event_id) of one device's events on a node.
fn server_events(node: &PgNode, device: &str) -> Vec<(i64, String)> {
    node.sql(&format!(
        "SELECT seq, event_id FROM events WHERE device = '{device}' ORDER BY seq"
    ))
    .lines()
    .map(|l| {
        let (seq, id) = l.split_once('|').unwrap();
        (seq.parse().unwrap(), id.to_owned())
    })
    .collect()
}

/// The server's device id of a till (from its first event).
fn device_of(node: &PgNode, till: &Path) -> String {
    node.sql(&format!(
        "SELECT device FROM events WHERE event_id = '{}'",
        outbox(till)[0].1
    ))
}

/// The till's outbox events a server has acknowledged, read while its
/// `pos sync` runs.
fn acked(db: &Path) -> Vec<(i64, String)> {
    let t = rusqlite::Connection::open(db).unwrap();
    t.busy_timeout(Duration::from_secs(10)).unwrap();
    let mut stmt = t
        .prepare("SELECT seq, event_id FROM outbox WHERE acked = 1 ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The till's fiscal records as (series, number, hash).
fn till_records(db: &Path) -> BTreeSet<String> {
    let t = rusqlite::Connection::open(db).unwrap();
    pos_fiscal::store::rows::load_records(&t)
        .unwrap()
        .iter()
        .map(|r| format!("{}|{}|{}", r.series.code(), r.number, r.hash))
        .collect()
}

#[test]
fn primary_killed_mid_push_loses_and_doubles_nothing_after_promotion() {
    // Fail at once, with the line that installs it, when nginx is missing.
    support::nginx::nginx_bin();
    let dir = tempfile::tempdir().unwrap();
    give_to_postgres(dir.path());
    let pg = dir.path();

    // Primary: streaming replication on (PostgreSQL 15's defaults already
    // say replica / 10 senders; written out as an operator would).
    let primary = PgNode::init(
        pg,
        "primary",
        "wal_level = replica\nmax_wal_senders = 10\nhot_standby = on\nfsync = off",
    );
    primary.start();
    primary.sql("CREATE ROLE replicator WITH REPLICATION LOGIN");
    // Standby: a base backup with -R (standby.signal + primary_conninfo
    // naming application_name=standby1), on its own port.
    let standby_data = primary.base_backup(pg, "standby", "replicator", Some("standby1"));
    let standby = PgNode::at(pg, standby_data, "-c cluster_name=standby1");
    standby.start();
    // Synchronous from now on: a commit returns once the standby has the WAL.
    // Set after the base backup so the standby, once promoted, does not
    // wait for a standby of its own.
    primary.sql("ALTER SYSTEM SET synchronous_standby_names = 'standby1'");
    primary.sql("SELECT pg_reload_conf()");
    wait_for("a synchronous standby", Duration::from_secs(60), || {
        (primary
            .sql("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'")
            == "sync")
            .then_some(())
    });

    let conninfo = format!(
        "host=127.0.0.1,127.0.0.1 port={},{} user=postgres dbname=postgres target_session_attrs=read-write",
        primary.port, standby.port
    );
    let timeouts = [
        "--pg-connect-timeout-ms",
        "2000",
        "--pg-statement-timeout-ms",
        "10000",
    ];
    let mut server_a = SyncServer::start(&conninfo, &pg.join("server-a.log"), &timeouts);
    let mut server_b = SyncServer::start(&conninfo, &pg.join("server-b.log"), &timeouts);
    let (pid_a, pid_b) = (server_a.pid(), server_b.pid());
    let lb_dir = pg.join("nginx");
    std::fs::create_dir(&lb_dir).unwrap();
    let mut nginx = Nginx::start(&lb_dir, &[server_a.addr.clone(), server_b.addr.clone()]);

    // Three tills, each enrolled through the load balancer, then offline
    // for SALES sales.
    let tills: Vec<_> = (0..3u64)
        .map(|i| pg.join(format!("till-{i}.sqlite")))
        .collect();
    for (i, till) in tills.iter().enumerate() {
        new_till(till, &format!("till-{}", i + 1));
        simulate(till, 3, i as u64 + 1);
        let code = enrolment_code(&conninfo);
        let out = sync_cmd(till, &nginx.url, &code, 30).output().unwrap();
        assert!(
            out.status.success(),
            "first sync: {}{}\nnginx: {}\nservers: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            nginx.errors(),
            server_a.log_text(),
            server_b.log_text()
        );
        assert_eq!(json(&out)["pending"], 0);
    }
    std::thread::scope(|s| {
        for (i, till) in tills.iter().enumerate() {
            s.spawn(move || simulate(till, SALES, 100 + i as u64));
        }
    });
    let count_events =
        |node: &PgNode| -> usize { node.sql("SELECT count(*) FROM events").parse().unwrap() };
    let before = count_events(&primary);
    let expected: usize = tills.iter().map(|t| outbox(t).len()).sum();
    assert!(
        expected >= before + 3 * SALES as usize,
        "one event per sale at least"
    );

    // The tills push; the code is no longer needed (they are enrolled).
    let mut pushes = Pushes(
        tills
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let stderr = std::fs::File::create(pg.join(format!("push-{i}.log"))).unwrap();
                sync_cmd(t, &nginx.url, "unused", 180)
                    .stdout(Stdio::piped())
                    .stderr(stderr)
                    .spawn()
                    .unwrap()
            })
            .collect(),
    );
    // Mid-push: the servers have acknowledged a tenth of the backlog to
    // the tills.
    let tenth = (expected - before) / 10;
    wait_for(
        "a tenth of the backlog acknowledged",
        Duration::from_secs(120),
        || (tills.iter().map(|t| acked(t).len()).sum::<usize>() >= before + tenth).then_some(()),
    );
    let log_mark = nginx.access_lines().len();
    let at_kill = count_events(&primary);
    primary.kill_9();
    let mut still_pushing = 0;
    for c in &mut pushes.0 {
        if c.try_wait().unwrap().is_none() {
            still_pushing += 1;
        }
    }
    assert!(
        at_kill < expected && still_pushing > 0,
        "the kill landed mid-push"
    );
    // What the servers had acknowledged to the tills when the primary died
    // (a till marks an event acked only from a server's answer).
    let acked_at_kill: Vec<Vec<(i64, String)>> = tills.iter().map(|t| acked(t)).collect();
    standby.promote();
    standby.wait_primary(Duration::from_secs(60));
    // Synchronous replication: all of it is on the promoted standby (the
    // tills never send an acknowledged event again).
    for (till, acked) in tills.iter().zip(&acked_at_kill) {
        let device = device_of(&standby, till);
        let on_standby = server_events(&standby, &device);
        assert!(
            acked.iter().all(|e| on_standby.contains(e)),
            "{device}: an event acknowledged before the kill is missing after the promotion"
        );
    }

    let mut waits = 0;
    for (i, (child, till)) in pushes.0.iter_mut().zip(&tills).enumerate() {
        let mut stdout = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        let status = child.wait().unwrap();
        let stderr = std::fs::read_to_string(pg.join(format!("push-{i}.log"))).unwrap();
        assert!(status.success(), "{}: {stdout}{stderr}", till.display());
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(report["pending"], 0, "{stderr}");
        waits += stderr.lines().filter(|l| l.contains("retry ")).count();
    }

    // On the promoted database: every event of every till once, in
    // sequence; every sale; every fiscal record; nothing kept aside.
    for till in &tills {
        let local = outbox(till);
        let device = device_of(&standby, till);
        assert_eq!(
            server_events(&standby, &device),
            local,
            "{device}: every event once, in sequence"
        );
        let sales: i64 = standby
            .sql(&format!(
                "SELECT count(*) FROM events WHERE device = '{device}' AND kind = 'sale'"
            ))
            .parse()
            .unwrap();
        assert_eq!(sales, tickets(till));
        let records: BTreeSet<String> = standby
            .sql(&format!(
                "SELECT series, number, hash FROM fiscal_records WHERE device = '{device}'"
            ))
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(records, till_records(till), "{device}: every fiscal record");
    }
    assert_eq!(count_events(&standby), expected);
    assert_eq!(standby.sql("SELECT count(*) FROM fiscal_quarantine"), "0");

    // No server restarted, and both answered pushes after the kill.
    assert!(server_a.running() && server_b.running() && nginx.running());
    assert_eq!((server_a.pid(), server_b.pid()), (pid_a, pid_b));
    let after: Vec<String> = nginx.access_lines().split_off(log_mark);
    for addr in [&server_a.addr, &server_b.addr] {
        assert!(
            after.iter().any(|l| {
                let f: Vec<&str> = l.split('|').collect();
                f[0] == "200" && f[1].rsplit(", ").next() == Some(addr.as_str())
            }),
            "{addr} served after the failover: {after:?}"
        );
    }
    let unavailable = after.iter().filter(|l| l.starts_with("503|")).count();
    eprintln!(
        "failover: {at_kill} of {expected} events on the primary at the kill, {} acknowledged to the tills; {unavailable} answers 503 through nginx, {waits} client waits, then every till at 0 pending",
        acked_at_kill.iter().map(Vec::len).sum::<usize>()
    );
}
