//! A minimal stand-alone sync server (SQLite), with the same arguments as
//! `pos sync-server`: `sync_server [sync-server] --listen ADDR --db FILE
//! --web-token T --enrolment-token T`.

use pos_server::{Server, SqliteStorage};
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
        let server = Server::new(
            storage,
            &get("--enrolment-token", "change-me"),
            &get("--web-token", "change-me-too"),
        );
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
