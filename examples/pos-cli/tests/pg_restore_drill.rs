//! PostgreSQL backup and point-in-time restore drill: WAL archived to a
//! directory (`archive_mode = on`, `archive_command` copying each segment),
//! a `pg_basebackup` of the serving primary, sales pushed by a till
//! through `pos sync-server`, a named restore point
//! (`pg_create_restore_point`), more sales pushed. The base backup restored
//! into a new data directory with `restore_command`,
//! `recovery_target_name` and `recovery.signal` holds every event the
//! server acknowledged before the restore point, and none after.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::time::Duration;
use support::pg_node::{PgNode, append_conf, give_to_postgres};
use support::pos::{SyncServer, enrolment_code, json, outbox, simulate, sync_cmd};
use support::wait_for;

fn events(node: &PgNode) -> Vec<(i64, String)> {
    node.sql("SELECT seq, event_id FROM events ORDER BY seq")
        .lines()
        .map(|l| {
            let (seq, id) = l.split_once('|').unwrap();
            (seq.parse().unwrap(), id.to_owned())
        })
        .collect()
}

#[test]
fn base_backup_and_archived_wal_restore_to_a_named_point() {
    let dir = tempfile::tempdir().unwrap();
    let pg = dir.path();
    let archive = pg.join("archive");
    std::fs::create_dir(&archive).unwrap();
    give_to_postgres(pg);

    let primary = PgNode::init(
        pg,
        "primary",
        &format!(
            "wal_level = replica\narchive_mode = on\narchive_command = 'test ! -f {a}/%f && cp %p {a}/%f'\nfsync = off",
            a = archive.display()
        ),
    );
    primary.start();
    let server = SyncServer::start(&primary.url(), &pg.join("server.log"), &[]);
    let url = format!("http://{}", server.addr);
    // The base backup of the serving database (schema and retailer made).
    let base = primary.base_backup(pg, "restored", "postgres", None);

    let till = pg.join("till.sqlite");
    simulate(&till, 40, 1);
    let out = sync_cmd(&till, &url, &enrolment_code(&primary.url()), 30)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["pending"], 0);
    let acked = json(&out)["acked_seq"].as_i64().unwrap();
    let before: Vec<(i64, String)> = outbox(&till);
    assert_eq!(before.last().unwrap().0, acked, "every event acknowledged");

    primary.sql("SELECT pg_create_restore_point('drill')");

    simulate(&till, 40, 2);
    let out = sync_cmd(&till, &url, "unused", 30).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["pending"], 0);
    let after: Vec<(i64, String)> = outbox(&till).split_off(before.len());
    assert!(!after.is_empty());
    assert_eq!(events(&primary).len(), before.len() + after.len());

    // Close the current WAL segment and wait until the archive holds it.
    let lsn = primary.sql("SELECT pg_switch_wal()");
    let segment = primary.sql(&format!("SELECT pg_walfile_name('{lsn}')"));
    wait_for(
        "the WAL segment to be archived",
        Duration::from_secs(60),
        || {
            let last = primary.sql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
            (last.as_str() >= segment.as_str()).then_some(())
        },
    );

    // Restore: base backup + archived WAL up to the restore point.
    std::fs::write(base.join("recovery.signal"), "").unwrap();
    // postgresql.auto.conf: in the data directory on every installation
    // (Debian keeps postgresql.conf in /etc/postgresql).
    append_conf(
        &base,
        "postgresql.auto.conf",
        &format!(
            "restore_command = 'cp {}/%f %p'\nrecovery_target_name = 'drill'\nrecovery_target_action = 'promote'",
            archive.display()
        ),
    );
    give_to_postgres(&base);
    let restored = PgNode::at(pg, base, "-c archive_mode=off");
    restored.start();
    restored.wait_primary(Duration::from_secs(60));
    assert!(
        restored
            .log_text()
            .contains("recovery stopping at restore point \"drill\""),
        "{}",
        restored.log_text()
    );

    let got = events(&restored);
    assert_eq!(
        got, before,
        "every event acknowledged before the restore point, in order"
    );
    assert!(got.iter().all(|e| !after.contains(e)), "none after it");
}
