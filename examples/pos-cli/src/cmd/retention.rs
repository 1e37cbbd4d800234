//! `pos retention`: keeps a till file small. It archives each closed month
//! of the fiscal journal, sends the archives to the sync server (which
//! verifies and keeps them), purges what confirmed archives cover and the
//! till's `journal_days_kept` setting allows (`pos config --set
//! journal_days_kept=31`), then gives freed pages back to the disk a few
//! at a time. Each step is the facade's; this command only chains them and
//! prints one JSON line.

use pos_core::ids::OperatorId;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `pos retention`.
#[derive(Debug, clap::Args)]
pub struct RetentionArgs {
    /// The till file.
    #[arg(long)]
    pub db: PathBuf,
    /// The sync server that keeps the archives (without it, archives wait
    /// on the till and nothing is purged).
    #[arg(long)]
    pub server: Option<String>,
    /// The operator named in the journal's archive and purge entries.
    #[arg(long, default_value = "backoffice")]
    pub operator: String,
    /// Incremental-vacuum steps to run after the purge (each frees up to
    /// `VACUUM_PAGES_PER_STEP` pages); 0 leaves the free pages for reuse.
    #[arg(long, default_value_t = 64)]
    pub vacuum_steps: u32,
}

fn file_bytes(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Runs `pos retention`.
pub fn retention(args: &RetentionArgs) -> ExitCode {
    let operator = match OperatorId::new(args.operator.as_str()) {
        Ok(o) => o,
        Err(e) => return super::till::fail(&pos_sdk::SdkError::from(e)),
    };
    let mut reg = match super::till::open_till(&args.db) {
        Ok(r) => r,
        Err(e) => return super::till::fail(&e),
    };
    let before = file_bytes(&args.db);
    let archived = match reg.archive_closed_months(&operator) {
        Ok(a) => a,
        Err(e) => return super::till::fail(&e),
    };
    let mut sent = Vec::new();
    if let Some(url) = &args.server {
        let mut http = pos_sync::http_client::UreqTransport::new(url);
        // The server checks an archive against its copy of the journal:
        // the records it covers (and its A record) are pushed first.
        let pushed = pos_sdk::sync::client(&mut reg).and_then(|c| {
            let c = c.ok_or(pos_sync::SyncError::NotFound {
                what: "sync enrolment (run `pos sync` with an enrolment code first)",
            })?;
            pos_sdk::sync::sync_register(&mut reg, &c, &mut http)?;
            pos_sdk::sync::push_archives(&mut reg, &mut http)
        });
        match pushed {
            Ok(receipts) => sent = receipts,
            Err(e) => {
                println!(
                    "{}",
                    serde_json::json!({
                        "error": e.code(),
                        "message": e.to_string(),
                        "archived": archived.len(),
                    })
                );
                return ExitCode::from(2);
            }
        }
    }
    let purged = match reg.purge_confirmed(&operator) {
        Ok(p) => p,
        Err(e) => return super::till::fail(&e),
    };
    let reclaimed = match reg.reclaim_space(args.vacuum_steps) {
        Ok(p) => p,
        Err(e) => return super::till::fail(&e),
    };
    drop(reg);
    println!(
        "{}",
        serde_json::json!({
            "archived": archived
                .iter()
                .map(|a| serde_json::json!({
                    "file": a.file_name,
                    "manifest_sha256": a.manifest_sha256,
                    "bytes": a.bytes.len(),
                }))
                .collect::<Vec<_>>(),
            "sent": sent
                .iter()
                .map(|r| serde_json::json!({
                    "from": r.from,
                    "to": r.to,
                    "records": r.records,
                    "manifest_sha256": r.manifest_sha256,
                }))
                .collect::<Vec<_>>(),
            "purged": {
                "records": purged.records,
                "tickets": purged.tickets,
                "stock_movements": purged.stock_movements,
                "before": purged.before.map(|d| d.to_string()),
            },
            "pages_reclaimed": reclaimed,
            "file_bytes_before": before,
            "file_bytes_after": file_bytes(&args.db),
        })
    );
    ExitCode::SUCCESS
}
