//! A minimal stand-alone sync server (SQLite), with the same arguments as
//! `pos sync-server`: `sync_server [sync-server] --listen ADDR --db FILE
//! [--first-retailer R] [--first-store S]`. On the first start of an empty
//! database it creates that retailer and store and prints one enrolment
//! code and one web-shop key (one JSON line on stdout), once.

use pos_server::{Server, SqliteStorage, credentials};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i.saturating_add(1)))
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    let listen = get("--listen", "127.0.0.1:8080");
    let db = get("--db", "pos-sync-server.sqlite");
    let run = || -> pos_server::Result<()> {
        let storage = SqliteStorage::open(std::path::Path::new(&db))?;
        let server = Server::new(storage);
        let (retailer, store) = (
            get("--first-retailer", "retailer-1"),
            get("--first-store", "store-1"),
        );
        let now_ms = chrono::Utc::now().timestamp_millis();
        let first = server.with_tx(|tx| {
            credentials::first_start(
                tx,
                (&retailer, "First retailer", "000000000"),
                &store,
                credentials::fresh(credentials::CODE_PREFIX),
                credentials::fresh(credentials::KEY_PREFIX),
                now_ms,
            )
        })?;
        if let Some(f) = first {
            println!(
                "{}",
                serde_json::json!({ "first_start": {
                    "retailer": f.retailer, "store": f.store,
                    "enrolment_code": f.code.secret, "web_key": f.web_key.secret,
                }})
            );
        }
        pos_server::serve(&listen, server)
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sync_server: {e}");
            ExitCode::from(2)
        }
    }
}
