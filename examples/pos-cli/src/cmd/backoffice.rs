//! `pos backoffice ...`: retailers, their stores and back-office users on
//! the sync server's database (SQLite file or PostgreSQL), enrolment codes
//! and web-shop keys (printed once, stored hashed), catalog publishing, the
//! RGPD
//! retention run and the personal-data access log. Passwords come from
//! `POS_BO_PASSWORD` or the first line of stdin and are never echoed.

use chrono::{DateTime, Utc};
use pos_server::backoffice::{Role, rgpd, service};
use pos_server::credentials;
use pos_server::store::Tx;
use pos_server::{PostgresStorage, Server, SqliteStorage, Storage};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the server's data lives.
#[derive(Debug, clap::Args)]
pub struct DbArgs {
    /// The server's SQLite file.
    #[arg(long, default_value = "pos-sync-server.sqlite")]
    pub db: PathBuf,
    /// Use this PostgreSQL database instead.
    #[arg(long)]
    pub postgres: Option<String>,
}

/// `pos backoffice` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum BackOfficeCommand {
    /// Add a retailer (or update its name and SIREN).
    AddRetailer {
        #[command(flatten)]
        db: DbArgs,
        /// Retailer id.
        #[arg(long)]
        id: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// SIREN (9 digits), used in FEC file names.
        #[arg(long)]
        siren: String,
    },
    /// Attach a store to a retailer (a store belongs to one retailer).
    AddStore {
        #[command(flatten)]
        db: DbArgs,
        /// Retailer id.
        #[arg(long)]
        retailer: String,
        /// Store id (as the tills' configuration names it).
        #[arg(long)]
        store: String,
    },
    /// Add a back-office user; the password is read from `POS_BO_PASSWORD`
    /// or from the first line of stdin.
    AddUser {
        #[command(flatten)]
        db: DbArgs,
        /// Retailer id.
        #[arg(long)]
        retailer: String,
        /// Login name.
        #[arg(long)]
        user: String,
        /// `owner`, `manager` or `accountant` (read-only).
        #[arg(long)]
        role: String,
    },
    /// Publish a catalog to a store's tills (and give the dashboard its
    /// categories); default: the sample catalog.
    PublishCatalog {
        #[command(flatten)]
        db: DbArgs,
        /// Store id.
        #[arg(long)]
        store: String,
        /// Catalog version (must grow).
        #[arg(long)]
        version: u64,
        /// Catalog JSON file; default the sample catalog.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Issue a single-use enrolment code for a till of one of the
    /// retailer's stores (printed once).
    EnrolmentCode {
        #[command(flatten)]
        db: DbArgs,
        /// Retailer id.
        #[arg(long)]
        retailer: String,
        /// The store the till sells in.
        #[arg(long)]
        store: String,
        /// The server id (`store/register`) of a lost or broken till the
        /// new one replaces.
        #[arg(long)]
        replaces: Option<String>,
        /// Lifetime: `90s`, `30m`, `24h`, `7d` (at most 30 days).
        #[arg(long, default_value = "24h")]
        expires_in: String,
    },
    /// List the retailer's enrolment codes (without their secrets).
    EnrolmentCodes {
        #[command(flatten)]
        db: DbArgs,
        /// Retailer id.
        #[arg(long)]
        retailer: String,
    },
    /// Revoke an unused enrolment code by its id.
    RevokeEnrolmentCode {
        #[command(flatten)]
        db: DbArgs,
        /// Retailer id.
        #[arg(long)]
        retailer: String,
        /// The code's id (from `enrolment-codes`).
        #[arg(long)]
        id: String,
    },
    /// Issue a web-shop API key for some of the retailer's stores (printed
    /// once); without `--store`, every store of the retailer.
    WebKey {
        #[command(flatten)]
        db: DbArgs,
        /// Retailer id.
        #[arg(long)]
        retailer: String,
        /// A store the key may reach (repeatable).
        #[arg(long = "store")]
        stores: Vec<String>,
    },
    /// List the retailer's web-shop keys (without their secrets).
    WebKeys {
        #[command(flatten)]
        db: DbArgs,
        /// Retailer id.
        #[arg(long)]
        retailer: String,
    },
    /// Revoke a web-shop key by its id.
    RevokeWebKey {
        #[command(flatten)]
        db: DbArgs,
        /// Retailer id.
        #[arg(long)]
        retailer: String,
        /// The key's id (from `web-keys`).
        #[arg(long)]
        id: String,
    },
    /// Anonymise the retailer's customers inactive for `--days` (RGPD).
    Retention {
        #[command(flatten)]
        db: DbArgs,
        /// Retailer id.
        #[arg(long)]
        retailer: String,
        /// Inactivity before anonymisation, in days (default three years).
        #[arg(long, default_value_t = rgpd::DEFAULT_RETENTION_DAYS)]
        days: i64,
        /// The current time (RFC 3339), for rehearsals and tests; default now.
        #[arg(long)]
        now: Option<String>,
    },
    /// Print the retailer's personal-data access log (JSON lines, newest first).
    AccessLog {
        #[command(flatten)]
        db: DbArgs,
        /// Retailer id.
        #[arg(long)]
        retailer: String,
        /// At most this many entries.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

/// Arguments of `pos backoffice`.
#[derive(Debug, clap::Args)]
pub struct BackOfficeArgs {
    #[command(subcommand)]
    command: BackOfficeCommand,
}

fn fail(e: &pos_server::ServerError) -> ExitCode {
    println!(
        "{}",
        serde_json::json!({ "error": e.code(), "message": e.to_string() })
    );
    ExitCode::from(2)
}

fn with_db<R>(
    db: &DbArgs,
    f: impl FnMut(&mut dyn Tx) -> pos_server::Result<R>,
) -> pos_server::Result<R> {
    fn run<S: Storage, R>(
        s: S,
        f: impl FnMut(&mut dyn Tx) -> pos_server::Result<R>,
    ) -> pos_server::Result<R> {
        Server::new(s).with_tx(f)
    }
    match &db.postgres {
        Some(url) => run(PostgresStorage::connect(url)?, f),
        None => run(SqliteStorage::open(&db.db)?, f),
    }
}

fn ms_to_rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn read_password() -> Option<String> {
    if let Ok(p) = std::env::var("POS_BO_PASSWORD") {
        return Some(p);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    Some(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `pos backoffice ...`.
pub fn run(args: &BackOfficeArgs) -> ExitCode {
    let out = match &args.command {
        BackOfficeCommand::AddRetailer {
            db,
            id,
            name,
            siren,
        } => with_db(db, |tx| service::add_retailer(tx, id, name, siren))
            .map(|()| serde_json::json!({ "retailer": id })),
        BackOfficeCommand::AddStore {
            db,
            retailer,
            store,
        } => with_db(db, |tx| service::add_store(tx, retailer, store))
            .map(|()| serde_json::json!({ "retailer": retailer, "store": store })),
        BackOfficeCommand::AddUser {
            db,
            retailer,
            user,
            role,
        } => {
            let Some(role_v) = Role::parse(role) else {
                return fail(&pos_server::ServerError::from(
                    pos_sync::SyncError::Invalid {
                        message: "--role",
                        rule: "owner, manager or accountant",
                    },
                ));
            };
            let Some(password) = read_password() else {
                return fail(&pos_server::ServerError::from(
                    pos_sync::SyncError::Invalid {
                        message: "password",
                        rule: "POS_BO_PASSWORD or one line on stdin",
                    },
                ));
            };
            let salt = pos_server::backoffice::auth::random_bytes::<16>();
            with_db(db, |tx| {
                service::add_user(tx, retailer, user, role_v, &password, salt)
            })
            .map(|()| serde_json::json!({ "user": user, "retailer": retailer, "role": role_v.as_str() }))
        }
        BackOfficeCommand::PublishCatalog {
            db,
            store,
            version,
            file,
        } => {
            let json = match file {
                None => pos_core::catalog::sample_catalog_json().to_owned(),
                Some(f) => match std::fs::read_to_string(f) {
                    Ok(j) => j,
                    Err(_) => {
                        return fail(&pos_server::ServerError::from(
                            pos_sync::SyncError::Invalid {
                                message: "--file",
                                rule: "a readable catalog JSON file",
                            },
                        ));
                    }
                },
            };
            let published = match &db.postgres {
                Some(url) => PostgresStorage::connect(url)
                    .and_then(|s| Server::new(s).publish_catalog(store, *version, &json)),
                None => SqliteStorage::open(&db.db)
                    .and_then(|s| Server::new(s).publish_catalog(store, *version, &json)),
            };
            published.map(|cursor| serde_json::json!({ "store": store, "version": version, "cursor": cursor }))
        }
        BackOfficeCommand::EnrolmentCode {
            db,
            retailer,
            store,
            replaces,
            expires_in,
        } => {
            let Some(ttl_ms) = credentials::parse_duration_ms(expires_in) else {
                return fail(&pos_server::ServerError::from(
                    pos_sync::SyncError::Invalid {
                        message: "--expires-in",
                        rule: "a number and s, m, h or d (e.g. 24h)",
                    },
                ));
            };
            let fresh = credentials::fresh(credentials::CODE_PREFIX);
            let req = credentials::CodeRequest {
                retailer: retailer.clone(),
                store: store.clone(),
                replaces: replaces.clone(),
                ttl_ms,
            };
            let now = Utc::now();
            with_db(db, |tx| {
                credentials::issue_code(tx, &fresh, &req, now.timestamp_millis())
            })
            .map(|c| {
                serde_json::json!({
                    "code": fresh.secret, "id": c.id, "retailer": c.retailer, "store": c.store,
                    "replaces": c.replaces, "expires_at": ms_to_rfc3339(c.expires_ms),
                })
            })
        }
        BackOfficeCommand::EnrolmentCodes { db, retailer } => {
            let now = Utc::now().timestamp_millis();
            with_db(db, |tx| tx.credentials().codes(retailer)).map(|codes| {
                for c in &codes {
                    let line = serde_json::json!({
                        "id": c.id, "store": c.store, "replaces": c.replaces,
                        "state": c.state(now), "created_at": ms_to_rfc3339(c.created_ms),
                        "expires_at": ms_to_rfc3339(c.expires_ms), "used_by": c.used_by,
                    });
                    println!("{line}");
                }
                serde_json::json!({ "codes": codes.len() })
            })
        }
        BackOfficeCommand::RevokeEnrolmentCode { db, retailer, id } => {
            let now = Utc::now().timestamp_millis();
            with_db(db, |tx| credentials::revoke_code(tx, retailer, id, now))
                .map(|()| serde_json::json!({ "revoked": id }))
        }
        BackOfficeCommand::WebKey {
            db,
            retailer,
            stores,
        } => {
            let fresh = credentials::fresh(credentials::KEY_PREFIX);
            let now = Utc::now().timestamp_millis();
            with_db(db, |tx| {
                credentials::issue_web_key(tx, &fresh, retailer, stores, now)
            })
            .map(|k| {
                serde_json::json!({
                    "key": fresh.secret, "id": k.id, "retailer": k.retailer,
                    "stores": if k.stores.is_empty() { serde_json::json!("all") } else { serde_json::json!(k.stores) },
                })
            })
        }
        BackOfficeCommand::WebKeys { db, retailer } => {
            with_db(db, |tx| tx.credentials().web_keys(retailer)).map(|keys| {
                for k in &keys {
                    let line = serde_json::json!({
                        "id": k.id, "stores": k.stores, "created_at": ms_to_rfc3339(k.created_ms),
                        "revoked": k.revoked_ms.is_some(),
                    });
                    println!("{line}");
                }
                serde_json::json!({ "keys": keys.len() })
            })
        }
        BackOfficeCommand::RevokeWebKey { db, retailer, id } => {
            let now = Utc::now().timestamp_millis();
            with_db(db, |tx| credentials::revoke_web_key(tx, retailer, id, now))
                .map(|()| serde_json::json!({ "revoked": id }))
        }
        BackOfficeCommand::Retention {
            db,
            retailer,
            days,
            now,
        } => {
            let now = match now {
                None => Utc::now(),
                Some(s) => match DateTime::parse_from_rfc3339(s) {
                    Ok(d) => d.with_timezone(&Utc),
                    Err(_) => {
                        return fail(&pos_server::ServerError::from(
                            pos_sync::SyncError::Invalid {
                                message: "--now",
                                rule: "an RFC 3339 time",
                            },
                        ));
                    }
                },
            };
            with_db(db, |tx| {
                rgpd::apply_retention(tx, retailer, "retention (cli)", *days, now)
            })
            .map(|done| {
                serde_json::json!({
                    "anonymised": done
                        .iter()
                        .map(|(s, c)| serde_json::json!({ "store": s, "customer": c }))
                        .collect::<Vec<_>>(),
                })
            })
        }
        BackOfficeCommand::AccessLog {
            db,
            retailer,
            limit,
        } => with_db(db, |tx| tx.bo_access_log(retailer, *limit)).map(|entries| {
            for e in &entries {
                println!("{}", serde_json::to_string(e).unwrap_or_default());
            }
            serde_json::json!({ "entries": entries.len() })
        }),
    };
    match out {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}
