//! `pos sync-server` runs the reference sync server; `pos sync` syncs a
//! till file with it once (enrolling the till first if needed), trying
//! again within `--retry-budget` while the server is unavailable or
//! unreachable, then exiting 75 (`EX_TEMPFAIL`: try again later).

use pos_server::{PostgresStorage, Server, SqliteStorage};
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
    /// On the first start of an empty database: the retailer to create
    /// (an enrolment code and a web-shop key are then printed, once).
    #[arg(long, default_value = "retailer-1")]
    pub first_retailer: String,
    /// On the first start: the retailer's name.
    #[arg(long, default_value = "First retailer")]
    pub first_retailer_name: String,
    /// On the first start: the retailer's SIREN (9 digits).
    #[arg(long, default_value = "000000000")]
    pub first_siren: String,
    /// On the first start: the retailer's store.
    #[arg(long, default_value = "store-1")]
    pub first_store: String,
    // ---- digital receipts ----
    /// Public base URL of the receipt pages (`https://recus.example.fr`):
    /// e-mailed and texted links point at `{base}/r/{token}`.
    #[arg(long)]
    pub link_base: Option<String>,
    /// SMTP server (`host:port`) for e-mailed receipts; the password, if
    /// any, is read from `POS_SMTP_PASSWORD`.
    #[arg(long)]
    pub smtp: Option<String>,
    /// SMTP connection security: `starttls`, `tls` or `plain` (a local relay).
    #[arg(long, default_value = "starttls")]
    pub smtp_security: String,
    /// Sender of receipt e-mails (`Boutique <recus@example.fr>`).
    #[arg(long)]
    pub smtp_from: Option<String>,
    /// SMTP login.
    #[arg(long)]
    pub smtp_user: Option<String>,
    /// SMS provider endpoint (JSON POST); its bearer token is read from
    /// `POS_SMS_TOKEN`.
    #[arg(long)]
    pub sms_url: Option<String>,
    /// Sender name shown on SMS.
    #[arg(long)]
    pub sms_sender: Option<String>,
    /// Subscriber of the signed outgoing stock and order webhooks
    /// (`https://shop.example/hooks/pos`); the signing secret is read from
    /// `POS_WEBHOOK_SECRET`. (Incoming stock webhooks must be signed with
    /// `POS_WEBHOOK_IN_SECRET` when that variable is set.)
    #[arg(long)]
    pub webhook_url: Option<String>,
    /// A store whose changes the webhook subscriber receives (repeatable).
    #[arg(long = "webhook-store")]
    pub webhook_stores: Vec<String>,
    /// Database timeouts.
    #[command(flatten)]
    pub timeouts: TimeoutArgs,
    /// Metrics token and log format.
    #[command(flatten)]
    pub ops: super::server_ops::OpsArgs,
    /// `backup`: copy the SQLite database instead of serving.
    #[command(subcommand)]
    pub op: Option<super::server_ops::ServerOp>,
}

/// Timeouts of the server's database connections, in milliseconds (0 turns
/// one off); unset ones keep the defaults of [`pos_server::PgTimeouts`].
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TimeoutArgs {
    /// PostgreSQL: establishing a connection (default 5000).
    #[arg(long)]
    pub pg_connect_timeout_ms: Option<u64>,
    /// PostgreSQL: one statement, lock waits included (default 30000).
    #[arg(long)]
    pub pg_statement_timeout_ms: Option<u64>,
    /// PostgreSQL: a transaction left idle (default 60000).
    #[arg(long)]
    pub pg_idle_in_transaction_timeout_ms: Option<u64>,
    /// PostgreSQL: silence before the first TCP keepalive probe (default 10000).
    #[arg(long)]
    pub pg_keepalive_idle_ms: Option<u64>,
    /// PostgreSQL: between keepalive probes (default 5000).
    #[arg(long)]
    pub pg_keepalive_interval_ms: Option<u64>,
    /// PostgreSQL: unanswered keepalive probes before the connection is dead (default 3).
    #[arg(long)]
    pub pg_keepalive_retries: Option<u32>,
    /// PostgreSQL: sent data left unacknowledged (TCP_USER_TIMEOUT, default 20000).
    #[arg(long)]
    pub pg_tcp_user_timeout_ms: Option<u64>,
    /// SQLite: how long a request waits for another writer of the file
    /// before answering 503 (default 10000).
    #[arg(long)]
    pub sqlite_busy_timeout_ms: Option<u64>,
}

impl TimeoutArgs {
    /// The PostgreSQL timeouts: the defaults with the flags given.
    pub fn pg(&self) -> pos_server::PgTimeouts {
        use std::time::Duration;
        let d = pos_server::PgTimeouts::default();
        let ms = |v: Option<u64>, default: Duration| v.map_or(default, Duration::from_millis);
        pos_server::PgTimeouts {
            connect: ms(self.pg_connect_timeout_ms, d.connect),
            statement: ms(self.pg_statement_timeout_ms, d.statement),
            idle_in_transaction: ms(
                self.pg_idle_in_transaction_timeout_ms,
                d.idle_in_transaction,
            ),
            keepalive_idle: ms(self.pg_keepalive_idle_ms, d.keepalive_idle),
            keepalive_interval: ms(self.pg_keepalive_interval_ms, d.keepalive_interval),
            keepalive_retries: self.pg_keepalive_retries.unwrap_or(d.keepalive_retries),
            tcp_user: ms(self.pg_tcp_user_timeout_ms, d.tcp_user),
        }
    }

    /// Opens the SQLite server file with the busy timeout given, if any.
    fn open_sqlite(
        &self,
        path: &std::path::Path,
    ) -> Result<SqliteStorage, pos_server::ServerError> {
        let storage = SqliteStorage::open(path)?;
        match self.sqlite_busy_timeout_ms {
            Some(ms) => storage.with_busy_timeout(std::time::Duration::from_millis(ms)),
            None => Ok(storage),
        }
    }
}

/// The outgoing webhook delivery loop the flags describe, if any.
fn webhook_delivery<S: pos_server::Storage>(
    args: &ServerArgs,
    server: &Server<S>,
) -> Result<Option<pos_server::webhooks::Delivery>, pos_server::ServerError> {
    let Some(url) = &args.webhook_url else {
        return Ok(None);
    };
    let bad = || pos_sync::SyncError::Invalid {
        message: "--webhook-url",
        rule: "an http(s)://host[:port]/path URL, POS_WEBHOOK_SECRET set and one --webhook-store or more",
    };
    let secret = std::env::var("POS_WEBHOOK_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
        .ok_or_else(bad)?;
    if args.webhook_stores.is_empty() {
        return Err(bad().into());
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(bad)?;
    let path_at = rest.find('/').map_or(url.len(), |i| {
        url.len().saturating_sub(rest.len()).saturating_add(i)
    });
    let (base, path) = url.split_at_checked(path_at).ok_or_else(bad)?;
    let endpoint = pos_server::webhooks::Endpoint {
        name: url.clone(),
        path: if path.is_empty() {
            "/".into()
        } else {
            path.to_owned()
        },
        secret: secret.into_bytes(),
    };
    eprintln!("pos sync-server: webhooks to {url}");
    Ok(Some(pos_server::webhooks::spawn_delivery(
        server.clone(),
        args.webhook_stores.clone(),
        endpoint,
        Box::new(pos_sync::http_client::UreqTransport::new(base)),
        std::time::Duration::from_secs(2),
    )))
}

/// Serves the sync API, the receipt pages and the back office over one
/// storage, with the webhook delivery loop running beside it.
fn run<S: pos_server::Storage>(
    args: &ServerArgs,
    storage: S,
) -> Result<(), pos_server::ServerError> {
    let mut server = super::server_ops::configure(Server::new(storage), &args.ops);
    first_start(args, &server)?;
    if let Some(secret) = std::env::var("POS_WEBHOOK_IN_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
    {
        server = server.with_webhook_secret(secret.as_bytes());
    }
    let _delivery = webhook_delivery(args, &server)?;
    let receipts = digital(args, &server)?;
    pos_server::serve_app(
        &args.listen,
        // ---- back office ----
        pos_server::http::operations(
            pos_server::backoffice::attach(
                pos_server::digital::app(server.clone(), receipts),
                server.clone(),
            ),
            &server,
        ),
        // ---- end back office ----
    )
}

/// On an empty database, creates the first retailer and store and prints
/// one enrolment code and one web-shop key (stdout, one JSON line), once:
/// only their hashes are kept. Otherwise prints nothing.
fn first_start<S: pos_server::Storage>(
    args: &ServerArgs,
    server: &Server<S>,
) -> Result<(), pos_server::ServerError> {
    use pos_server::credentials::{self, CODE_PREFIX, KEY_PREFIX};
    let (code, key) = (
        credentials::fresh(CODE_PREFIX),
        credentials::fresh(KEY_PREFIX),
    );
    let now = chrono::Utc::now();
    let first = server.with_tx(|tx| {
        credentials::first_start(
            tx,
            (
                &args.first_retailer,
                &args.first_retailer_name,
                &args.first_siren,
            ),
            &args.first_store,
            code.clone(),
            key.clone(),
            now.timestamp_millis(),
        )
    })?;
    if let Some(f) = first {
        let expires = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(f.code_expires_ms)
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        eprintln!(
            "pos sync-server: empty database: created retailer {} with store {}; \
             the enrolment code and web key below are shown only now",
            f.retailer, f.store
        );
        println!(
            "{}",
            serde_json::json!({
                "first_start": {
                    "retailer": f.retailer, "store": f.store,
                    "enrolment_code": f.code.secret, "enrolment_code_expires_at": expires,
                    "web_key": f.web_key.secret,
                }
            })
        );
    }
    Ok(())
}

/// The digital-receipt service the server's flags describe.
fn digital<S: pos_server::Storage>(
    args: &ServerArgs,
    server: &Server<S>,
) -> Result<pos_server::digital::Digital<S>, pos_server::ServerError> {
    use pos_server::digital::mail::{SmtpConfig, SmtpMailer, SmtpSecurity};
    use pos_server::digital::sms::{HttpSmsConfig, HttpSmsProvider};
    let base = args
        .link_base
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.listen));
    let mut digital = pos_server::digital::Digital::new(server.clone(), &base);
    if let Some(smtp) = &args.smtp {
        let bad = || pos_sync::SyncError::Invalid {
            message: "--smtp",
            rule: "host:port, --smtp-from and --smtp-security starttls|tls|plain",
        };
        let (host, port) = smtp.rsplit_once(':').ok_or(bad())?;
        let security = match args.smtp_security.as_str() {
            "starttls" => SmtpSecurity::StartTls,
            "tls" => SmtpSecurity::Tls,
            "plain" => SmtpSecurity::Plain,
            _ => return Err(bad().into()),
        };
        let mailer = SmtpMailer::new(&SmtpConfig {
            host: host.to_owned(),
            port: port.parse().map_err(|_| bad())?,
            security,
            from: args.smtp_from.clone().ok_or(bad())?,
            credentials: args
                .smtp_user
                .clone()
                .map(|u| (u, std::env::var("POS_SMTP_PASSWORD").unwrap_or_default())),
            timeout: std::time::Duration::from_secs(30),
        })?;
        digital = digital.with_mailer(std::sync::Arc::new(mailer));
    }
    if let Some(url) = &args.sms_url {
        digital = digital.with_sms(std::sync::Arc::new(HttpSmsProvider::new(HttpSmsConfig {
            url: url.clone(),
            token: std::env::var("POS_SMS_TOKEN").unwrap_or_default(),
            sender: args.sms_sender.clone(),
            timeout: std::time::Duration::from_secs(30),
        })));
    }
    Ok(digital)
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
    /// Enrolment code for this till's store (`pos backoffice
    /// enrolment-code`), used once if the till is not enrolled yet.
    #[arg(long)]
    pub enrolment_code: Option<String>,
    /// Enrol as the replacement of this (lost or broken) till.
    #[arg(long)]
    pub replaces: Option<String>,
    /// Seconds to keep trying while the server is unavailable (503) or
    /// unreachable, with capped exponential backoff and jitter; then exit
    /// 75 (EX_TEMPFAIL). 0 tries once.
    #[arg(long, default_value_t = 30.0)]
    pub retry_budget: f64,
}

/// `EX_TEMPFAIL` (sysexits.h): a temporary failure, try again later.
const EXIT_TEMPFAIL: u8 = 75;

fn sync_fail(code: &str, message: &str) -> ExitCode {
    println!(
        "{}",
        serde_json::json!({ "error": code, "message": message })
    );
    ExitCode::from(2)
}

/// `pos sync-server`.
pub fn server(args: &ServerArgs) -> ExitCode {
    if let Some(op) = &args.op {
        return super::server_ops::run(op);
    }
    let _logs = super::server_ops::init_logs(&args.ops);
    let served = match &args.postgres {
        Some(url) => PostgresStorage::connect_with(url, args.timeouts.pg()).and_then(|storage| {
            eprintln!(
                "pos sync-server: listening on http://{} (PostgreSQL)",
                args.listen
            );
            run(args, storage)
        }),
        None => args.timeouts.open_sqlite(&args.db).and_then(|storage| {
            eprintln!(
                "pos sync-server: listening on http://{} (SQLite {})",
                args.listen,
                args.db.display()
            );
            run(args, storage)
        }),
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => sync_fail(e.code(), &e.to_string()),
    }
}

/// `pos sync`.
pub fn sync(args: &SyncArgs) -> ExitCode {
    let mut reg = match super::till::open_till(&args.db) {
        Ok(r) => r,
        Err(e) => return super::till::fail(&e),
    };
    let Some(budget) = std::time::Duration::try_from_secs_f64(args.retry_budget).ok() else {
        return sync_fail("invalid", "--retry-budget: a number of seconds, 0 or more");
    };
    let policy = pos_sync::retry::RetryPolicy::with_budget(budget);
    let mut env = pos_sdk::sync::SystemRetryEnv::new();
    let mut on_wait = |w: &pos_sync::retry::Wait<'_>| {
        eprintln!(
            "pos sync: {} ({}); retry {} in {:.1} s ({:.1} s of the budget left after)",
            w.cause,
            w.cause.code(),
            w.retry,
            w.delay.as_secs_f64(),
            w.budget_left.as_secs_f64()
        );
    };
    let mut http = pos_sync::http_client::UreqTransport::new(&args.server);
    let mut run = || -> Result<serde_json::Value, pos_sync::SyncError> {
        let client = match pos_sdk::sync::client(&mut reg)? {
            Some(c) => c,
            None => {
                let code = args
                    .enrolment_code
                    .as_deref()
                    .ok_or(pos_sync::SyncError::Invalid {
                        message: "--enrolment-code",
                        rule: "a till that is not enrolled yet needs an enrolment code",
                    })?;
                // A code is single-use: only a 503 (nothing applied) is
                // retried, never a request whose answer may have been lost.
                pos_sync::retry::run_if(
                    &policy,
                    &mut env,
                    &mut on_wait,
                    |e| matches!(e, pos_sync::SyncError::Unavailable { .. }),
                    || pos_sdk::sync::enroll(&mut reg, &mut http, code, args.replaces.as_deref()),
                )?;
                pos_sdk::sync::client(&mut reg)?.ok_or(pos_sync::SyncError::Corrupt {
                    what: "sync secret",
                })?
            }
        };
        let report = pos_sdk::sync::sync_register_with_retry(
            &mut reg,
            &client,
            &mut http,
            &policy,
            &mut env,
            &mut on_wait,
        )?;
        let status = pos_sdk::sync::status(&mut reg)?;
        let skipped_changes: Vec<serde_json::Value> = pos_sdk::sync::skipped_changes(&reg, 20)?
            .into_iter()
            .map(|s| {
                serde_json::json!({
                    "cursor": s.cursor,
                    "kind": s.kind,
                    "key": s.key,
                    "code": s.code,
                    "message": s.message,
                    "skipped_at": s.skipped_at,
                })
            })
            .collect();
        Ok(serde_json::json!({
            "acked_seq": report.acked_seq,
            "pushes": report.pushes,
            "pulled": report.pulled,
            "skipped": report.skipped,
            "quarantined": report.quarantined.len(),
            "rejections": report.rejections.len(),
            "pending": status.pending,
            "last_success": status.last_success,
            "skipped_total": status.skipped,
            "skipped_changes": skipped_changes,
            "restore_gap": pos_sdk::restore::gap(&reg)?.map(|g| super::restore::gap_json(&g)),
        }))
    };
    match run() {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        // Not a refusal: the outbox is intact, a later `pos sync` goes on.
        Err(e) if e.is_transient() => {
            eprintln!("pos sync: server unavailable, will retry ({e})");
            println!(
                "{}",
                serde_json::json!({
                    "error": e.code(),
                    "message": format!("server unavailable, will retry: {e}"),
                })
            );
            ExitCode::from(EXIT_TEMPFAIL)
        }
        Err(e) => sync_fail(e.code(), &e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, clap::Parser)]
    struct Flags {
        #[command(flatten)]
        timeouts: TimeoutArgs,
    }

    #[test]
    fn timeout_flags_override_the_defaults_one_by_one() {
        let none = Flags::try_parse_from(["x"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(none.timeouts.pg(), pos_server::PgTimeouts::default());
        let some = Flags::try_parse_from([
            "x",
            "--pg-connect-timeout-ms",
            "1500",
            "--pg-statement-timeout-ms",
            "0",
            "--pg-keepalive-retries",
            "7",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let t = some.timeouts.pg();
        assert_eq!(t.connect, std::time::Duration::from_millis(1500));
        assert_eq!(t.statement, std::time::Duration::ZERO);
        assert_eq!(t.keepalive_retries, 7);
        assert_eq!(
            t.idle_in_transaction,
            pos_server::PgTimeouts::default().idle_in_transaction
        );
    }
}
