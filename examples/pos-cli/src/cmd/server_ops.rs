//! Operating `pos sync-server`: the `backup` subcommand (an online copy of
//! the SQLite server database while a server serves it), the `/metrics`
//! operator token and the log format.

use pos_server::{Server, Storage};
use std::path::PathBuf;
use std::process::ExitCode;

/// The environment variable that may hold the `/metrics` operator token
/// (kept out of the process list, unlike `--metrics-token`).
pub const METRICS_TOKEN_ENV: &str = "POS_METRICS_TOKEN";

/// Operations flags of `pos sync-server`.
#[derive(Debug, clap::Args)]
pub struct OpsArgs {
    /// Operator token for `GET /metrics` (`Authorization: Bearer TOKEN`);
    /// also read from `POS_METRICS_TOKEN`. Without one, `/metrics` is not served.
    #[arg(long)]
    pub metrics_token: Option<String>,
    /// Request logs on stderr: `text` or `json` (one object per line).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// The request log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Subcommands of `pos sync-server`.
#[derive(Debug, clap::Subcommand)]
pub enum ServerOp {
    /// Copy the SQLite server database, consistent while a server serves it:
    /// `pos sync-server backup --db FILE --out FILE [--force]`.
    Backup(BackupArgs),
}

/// Arguments of `pos sync-server backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The server's SQLite file.
    #[arg(long)]
    pub db: PathBuf,
    /// The copy to write (refused if it exists, unless `--force`).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
}

/// Runs a `pos sync-server` subcommand.
pub fn run(op: &ServerOp) -> ExitCode {
    match op {
        ServerOp::Backup(a) => backup(a),
    }
}

/// `pos sync-server backup`: prints the report (one JSON line) on stdout.
/// Exit 0 done, 1 the copy fails its integrity check, 2 refused or failed.
fn backup(a: &BackupArgs) -> ExitCode {
    let opts = pos_server::ops::BackupOptions {
        force: a.force,
        ..pos_server::ops::BackupOptions::default()
    };
    match pos_server::ops::backup_sqlite_with(&a.db, &a.out, opts) {
        Ok(r) => {
            println!(
                "{}",
                serde_json::json!({
                    "backup": r.out, "pages": r.pages, "steps": r.steps, "bytes": r.bytes,
                    "integrity": r.integrity, "rows": r.rows,
                })
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!(
                "{}",
                serde_json::json!({ "error": e.code(), "message": e.to_string() })
            );
            match e {
                pos_server::ops::BackupError::Integrity { .. } => ExitCode::from(1),
                _ => ExitCode::from(2),
            }
        }
    }
}

/// Installs the request log on stderr in the chosen format. Lines go
/// through a bounded queue to a writer thread (tracing-appender, lossy): a
/// stderr nobody reads (a full pipe) drops log lines instead of stalling
/// every request behind a blocked write. Keep the guard until the server
/// stops: dropping it flushes what is queued.
pub fn init_logs(args: &OpsArgs) -> tracing_appender::non_blocking::WorkerGuard {
    use tracing_subscriber::filter::LevelFilter;
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(true)
        .finish(std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_max_level(LevelFilter::INFO);
    // A second installation (tests) keeps the first one.
    let _ = match args.log_format {
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
    guard
}

/// Applies the operations flags to a server (the metrics token).
pub fn configure<S: Storage>(server: Server<S>, args: &OpsArgs) -> Server<S> {
    let token = args
        .metrics_token
        .clone()
        .or_else(|| std::env::var(METRICS_TOKEN_ENV).ok())
        .filter(|t| !t.is_empty());
    match token {
        Some(t) => server.with_metrics_token(&t),
        None => server,
    }
}
