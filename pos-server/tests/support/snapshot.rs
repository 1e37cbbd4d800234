//! Snapshots of a server database, every table and every row as text, read
//! through a separate connection (the server keeps running). The
//! hostile-tenant suite keeps the rows that mention one retailer (its id,
//! its store ids, its usernames) and checks they are unchanged after the
//! other retailer's attempts.

use std::collections::{BTreeMap, BTreeSet};

/// table -> its rows, each rendered as one line of text.
pub type Snapshot = BTreeMap<String, BTreeSet<String>>;

fn render(v: rusqlite::types::ValueRef<'_>) -> String {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => hex::encode(b),
    }
}

/// Every table of a SQLite server database (read-only connection).
pub fn sqlite(path: &std::path::Path) -> Snapshot {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut out = Snapshot::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = stmt.column_count();
        let rows: BTreeSet<String> = stmt
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| render(r.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        out.insert(t, rows);
    }
    out
}

/// Every table of the `public` schema of a PostgreSQL server database.
pub fn postgres(url: &str) -> Snapshot {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let tables: Vec<String> = client
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = Snapshot::new();
    for t in tables {
        let rows: BTreeSet<String> = client
            .query(&format!("SELECT CAST(x AS text) FROM \"{t}\" AS x"), &[])
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect();
        out.insert(t, rows);
    }
    out
}

/// The rows that mention any of `markers`, per table.
pub fn mentioning(s: &Snapshot, markers: &[&str]) -> Snapshot {
    s.iter()
        .map(|(t, rows)| {
            (
                t.clone(),
                rows.iter()
                    .filter(|r| markers.iter().any(|m| r.contains(m)))
                    .cloned()
                    .collect(),
            )
        })
        .collect()
}

/// Asserts that the rows mentioning `markers` are the same in both
/// snapshots, naming the table and the rows that differ.
pub fn assert_unchanged(before: &Snapshot, after: &Snapshot, markers: &[&str], what: &str) {
    let b = mentioning(before, markers);
    let a = mentioning(after, markers);
    let tables: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    for t in tables {
        let empty = BTreeSet::new();
        let rb = b.get(t).unwrap_or(&empty);
        let ra = a.get(t).unwrap_or(&empty);
        let gone: Vec<_> = rb.difference(ra).collect();
        let new: Vec<_> = ra.difference(rb).collect();
        assert!(
            gone.is_empty() && new.is_empty(),
            "{what}: table {t} changed for the victim: removed {gone:?}, added {new:?}"
        );
    }
}
