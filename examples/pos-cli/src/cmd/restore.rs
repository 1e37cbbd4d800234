//! `pos restore`: rebuilds a till whose disk died from what the sync server
//! holds (see `pos_sdk::restore`), into a new till file with a new signing
//! key kept beside it.

use pos_core::ids::{LocationId, RegisterId, StoreId};
use pos_sdk::{IdGenerator, RegisterConfig, SdkError, SystemClock};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `pos restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The server's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    pub server: String,
    /// A single-use enrolment code whose `replaces` names the lost till
    /// (`pos backoffice enrolment-code --replaces STORE/REGISTER`).
    #[arg(long)]
    pub enrolment_code: String,
    /// The new till file (must not exist).
    #[arg(long)]
    pub db: PathBuf,
    /// The lost till's store.
    #[arg(long, default_value = "demo-store")]
    pub store: String,
    /// The lost till's register id.
    #[arg(long, default_value = "till-1")]
    pub register: String,
    /// The lost till's stock location.
    #[arg(long, default_value = "shop")]
    pub location: String,
}

fn config(args: &RestoreArgs) -> Result<RegisterConfig, SdkError> {
    RegisterConfig::france(
        StoreId::new(args.store.as_str())?,
        RegisterId::new(args.register.as_str())?,
        LocationId::new(args.location.as_str())?,
    )
    .map_err(SdkError::from)
}

/// Runs `pos restore`: prints the report as JSON (exit 0) or the error
/// (exit 2; nothing is written when the server's copy does not verify).
pub fn run(args: &RestoreArgs) -> ExitCode {
    let config = match config(args) {
        Ok(c) => c,
        Err(e) => return super::till::fail(&e),
    };
    let mut http = pos_sync::http_client::UreqTransport::new(&args.server);
    let restored = pos_sdk::restore::restore_with_key_file(
        &args.db,
        config,
        Arc::new(SystemClock),
        IdGenerator::from_entropy(),
        &mut http,
        &args.enrolment_code,
    );
    match restored {
        Ok((_, r)) => {
            println!(
                "{}",
                serde_json::json!({
                    "device": r.device,
                    "records": r.records,
                    "pulled": r.pulled,
                    "skipped": r.skipped,
                    "takeover": r.takeover.map(|n| format!("E{n}")),
                    "gap": gap_json(&r.gap),
                })
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            // The server's own code when it refused (e.g. a code that does
            // not name this till: `replaces_not_authorised`).
            let code = match &e {
                pos_sync::SyncError::Server { code, .. } => code.clone(),
                other => other.code().to_owned(),
            };
            println!(
                "{}",
                serde_json::json!({ "error": code, "message": e.to_string() })
            );
            ExitCode::from(2)
        }
    }
}

/// The gap as the CLI prints it (restore and `pos sync`).
pub fn gap_json(g: &pos_sdk::restore::RestoreGap) -> serde_json::Value {
    let last: serde_json::Map<String, serde_json::Value> = g
        .server_last
        .iter()
        .map(|(s, n)| (s.code().to_owned(), serde_json::json!(n)))
        .collect();
    serde_json::json!({
        "server_last": last,
        "acked_seq": g.acked_seq,
        "last_push": g.last_push,
        "restored_at": g.restored_at,
    })
}
