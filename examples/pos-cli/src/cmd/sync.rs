//! `pos sync-server` runs the reference sync server; `pos sync` syncs a
//! till file with it once (enrolling the till first if needed).

use pos_sync::server::{PostgresStorage, Server, SqliteStorage};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `pos sync-server`.
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The server's SQLite file (created if missing).
    #[arg(long, default_value = "pos-sync-server.sqlite")]
    pub db: PathBuf,
    /// Use PostgreSQL instead of SQLite (e.g. `host=127.0.0.1 user=pos dbname=pos`
    /// or a `postgresql://` URL); several servers may share it.
    #[arg(long)]
    pub postgres: Option<String>,
    /// Token that authorises enrolling tills.
    #[arg(long, default_value = "change-me")]
    pub enrolment_token: String,
    /// Bearer token of the web shop API.
    #[arg(long, default_value = "change-me-too")]
    pub web_token: String,
}

/// Arguments of `pos sync`.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// The till file.
    #[arg(long)]
    pub db: PathBuf,
    /// The server's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub server: String,
    /// Enrolment token, used once if the till is not enrolled yet.
    #[arg(long, default_value = "change-me")]
    pub enrolment_token: String,
    /// Enrol as the replacement of this (lost or broken) till.
    #[arg(long)]
    pub replaces: Option<String>,
}

fn sync_fail(e: &pos_sync::SyncError) -> ExitCode {
    println!(
        "{}",
        serde_json::json!({ "error": e.code(), "message": e.to_string() })
    );
    ExitCode::from(2)
}

/// `pos sync-server`.
pub fn server(args: &ServerArgs) -> ExitCode {
    let served = match &args.postgres {
        Some(url) => PostgresStorage::connect(url).and_then(|storage| {
            eprintln!(
                "pos sync-server: listening on http://{} (PostgreSQL)",
                args.listen
            );
            pos_sync::server::serve(
                &args.listen,
                Server::new(storage, &args.enrolment_token, &args.web_token),
            )
        }),
        None => SqliteStorage::open(&args.db).and_then(|storage| {
            eprintln!(
                "pos sync-server: listening on http://{} (SQLite {})",
                args.listen,
                args.db.display()
            );
            pos_sync::server::serve(
                &args.listen,
                Server::new(storage, &args.enrolment_token, &args.web_token),
            )
        }),
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => sync_fail(&e),
    }
}

/// `pos sync`.
pub fn sync(args: &SyncArgs) -> ExitCode {
    let mut reg = match super::till::open_till(&args.db) {
        Ok(r) => r,
        Err(e) => return super::till::fail(&e),
    };
    let mut http = pos_sync::http_client::UreqTransport::new(&args.server);
    let mut run = || -> Result<serde_json::Value, pos_sync::SyncError> {
        let client = match pos_sdk::sync::client(&mut reg)? {
            Some(c) => c,
            None => {
                pos_sdk::sync::enroll(
                    &mut reg,
                    &mut http,
                    &args.enrolment_token,
                    args.replaces.as_deref(),
                )?;
                pos_sdk::sync::client(&mut reg)?.ok_or(pos_sync::SyncError::Corrupt {
                    what: "sync secret",
                })?
            }
        };
        let report = pos_sdk::sync::sync_register(&mut reg, &client, &mut http)?;
        let status = pos_sdk::sync::status(&mut reg)?;
        Ok(serde_json::json!({
            "acked_seq": report.acked_seq,
            "pushes": report.pushes,
            "pulled": report.pulled,
            "quarantined": report.quarantined.len(),
            "rejections": report.rejections.len(),
            "pending": status.pending,
            "last_success": status.last_success,
        }))
    };
    match run() {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => sync_fail(&e),
    }
}
