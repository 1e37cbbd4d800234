//! `pos init --db PATH --settings FILE` makes a till file with the
//! merchant's settings (a JSON object of `pos config` keys), logged as its
//! first JET 270; `pos config --db PATH [--set KEY=VALUE]...` prints the
//! settings in force, or changes them (all `--set` at once, one JET 270,
//! nothing changed when one is refused). Both print the settings as JSON
//! that `pos init --settings` takes back.

use super::till::{fail, open_till};
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_sdk::{IdGenerator, Register, RegisterConfig, SdkError, SystemClock, TillSettings};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `pos init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The till's SQLite file (must not exist yet).
    #[arg(long)]
    pub db: PathBuf,
    /// The merchant settings: a JSON object of `pos config` keys, e.g.
    /// `{"trader_name": "...", "siret": "...", "address": ["..."]}`.
    #[arg(long)]
    pub settings: PathBuf,
    /// The store (establishment) id.
    #[arg(long, default_value = "demo-store")]
    pub store: String,
    /// The register (till) id.
    #[arg(long, default_value = "till-1")]
    pub register: String,
}

/// Arguments of `pos config`.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// The till's SQLite file.
    #[arg(long)]
    pub db: PathBuf,
    /// A setting to change, `KEY=VALUE` (repeatable; lists as JSON arrays).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Who changes the settings (logged with the JET 270).
    #[arg(long, default_value = "manager")]
    pub operator: String,
}

/// Runs `pos init`.
pub fn init(args: &InitArgs) -> ExitCode {
    match make(args) {
        Ok(reg) => {
            println!("{}", to_json(&reg.settings()));
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn make(args: &InitArgs) -> Result<Register, SdkError> {
    if args.db.exists() {
        return Err(SdkError::InvalidInput {
            field: "--db",
            expected: "a path with no till file yet (`pos config` changes an existing till)",
        });
    }
    let json = std::fs::read_to_string(&args.settings).map_err(|_| SdkError::InvalidInput {
        field: "--settings",
        expected: "a readable JSON file",
    })?;
    let mut config = RegisterConfig::france(
        StoreId::new(args.store.as_str())?,
        RegisterId::new(args.register.as_str())?,
        LocationId::new("shop")?,
    )?;
    // Checked before the file is made: a refused setting leaves no file.
    let settings = TillSettings::from_config(&config).apply_json(&json)?;
    settings.apply_to(&mut config);
    Register::open_with_key_file(
        &args.db,
        config,
        Arc::new(SystemClock),
        IdGenerator::from_entropy(),
    )
}

/// Runs `pos config`.
pub fn config(args: &ConfigArgs) -> ExitCode {
    match change(args) {
        Ok(settings) => {
            println!("{}", to_json(&settings));
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn change(args: &ConfigArgs) -> Result<TillSettings, SdkError> {
    if !args.db.exists() {
        return Err(SdkError::NotFound {
            what: "till file (make it with `pos init`)",
            id: args.db.display().to_string(),
        });
    }
    let mut reg = open_till(&args.db)?;
    if args.set.is_empty() {
        return Ok(reg.settings());
    }
    let mut settings = reg.settings();
    for pair in &args.set {
        let (key, value) = pair.split_once('=').ok_or(SdkError::InvalidInput {
            field: "--set",
            expected: "KEY=VALUE",
        })?;
        settings.set(key.trim(), value)?;
    }
    let operator = OperatorId::new(args.operator.as_str())?;
    reg.set_settings(settings, &operator)?;
    Ok(reg.settings())
}

/// The settings as a JSON object: lists and objects as JSON, the rest as
/// the strings `--set` takes.
fn to_json(settings: &TillSettings) -> String {
    let doc: serde_json::Map<String, serde_json::Value> = settings
        .to_map()
        .into_iter()
        .map(|(k, v)| {
            let value = match serde_json::from_str::<serde_json::Value>(&v) {
                Ok(j @ (serde_json::Value::Array(_) | serde_json::Value::Object(_))) => j,
                _ => serde_json::Value::String(v),
            };
            (k, value)
        })
        .collect();
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
