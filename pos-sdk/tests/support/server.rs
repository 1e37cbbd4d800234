//! An in-process sync server on a SQLite file holding retailer `r1` and its
//! store `lille-1`, shared by the tests that sync a till.

use pos_server::{InProcess, Server, SqliteStorage};

/// Starts the server on `dir/server.sqlite`.
pub fn server(dir: &std::path::Path) -> (Server<SqliteStorage>, InProcess) {
    let server = Server::new(SqliteStorage::open(&dir.join("server.sqlite")).unwrap());
    server
        .with_tx(|tx| {
            tx.bo_put_retailer("r1", "Retailer One", "123456789")?;
            tx.bo_put_store("lille-1", "r1")?;
            Ok(())
        })
        .unwrap();
    let running = pos_server::spawn_in_process(server.clone()).unwrap();
    (server, running)
}

/// A single-use enrolment code for `lille-1`, valid for an hour.
#[allow(dead_code)]
pub fn code(server: &Server<SqliteStorage>, replaces: Option<&str>) -> String {
    server
        .enrolment_code("r1", "lille-1", replaces, 3_600_000, chrono::Utc::now())
        .unwrap()
        .0
        .secret
}
