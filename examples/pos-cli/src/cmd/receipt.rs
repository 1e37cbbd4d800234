//! `pos receipt --db PATH --ticket N --format escpos|text|html|png|svg --out FILE [--preview]`:
//! renders a stored ticket's receipt. The first print of a ticket is the
//! original; printing it again makes a signed duplicate (NF525 series C)
//! printed "DUPLICATA n°k". `--preview` renders for a screen and records
//! nothing. `--send email|sms --server URL` asks the sync server to send
//! the ticket's digital receipt instead (with the customer's consent).
//! `--gift [--line N]...` prints the sale's gift receipt instead (see
//! [`super::gift`]).

use super::till::{fail, open_till};
use pos_core::ids::OperatorId;
use pos_fiscal::model::Series;
use pos_hw::receipt::{OutputFormat, ReceiptKind};
use pos_sdk::SdkError;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `pos receipt`.
#[derive(Debug, clap::Args)]
pub struct ReceiptArgs {
    /// The till's SQLite file.
    #[arg(long)]
    pub db: PathBuf,
    /// The ticket number as `pos simulate` and `pos sell` print it (`42` or
    /// `T42`), or a closure (`Z3`: the closure ticket with the chain head).
    #[arg(long)]
    pub ticket: String,
    /// Output format.
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Output file (`-` for standard output).
    #[arg(long, default_value = "-")]
    pub out: String,
    /// Render for a screen: no print is recorded, no duplicate is made.
    #[arg(long)]
    pub preview: bool,
    /// Who prints.
    #[arg(long, default_value = "cashier")]
    pub operator: String,
    // ---- digital receipts ----
    /// Send the digital receipt instead of rendering: `email` or `sms`
    /// (the server checks the customer's consent; sent at most once).
    #[arg(long)]
    pub send: Option<String>,
    /// The sync server's URL, with `--send`.
    #[arg(long)]
    pub server: Option<String>,
    /// Print the sale's gift receipt (no price; code `GIFT-<ticket id>`).
    #[arg(long)]
    pub gift: bool,
    /// With `--gift`: a line to list (from 1), repeated; all lines without.
    #[arg(long, requires = "gift")]
    pub line: Vec<u32>,
}

/// Runs `pos receipt`.
pub fn run(args: &ReceiptArgs) -> ExitCode {
    if args.gift {
        return super::gift::run(args);
    }
    if let Some(channel) = &args.send {
        return send(args, channel);
    }
    if let Ok((Series::Z, number)) = ticket_ref(args) {
        return match closure(args, number) {
            Ok(()) => {
                eprintln!("closure ticket Z{number}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        };
    }
    match render(args) {
        Ok(kind) => {
            eprintln!("{}", describe(&kind));
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn describe(kind: &ReceiptKind) -> String {
    match kind {
        ReceiptKind::Duplicate { number } => format!("DUPLICATA n°{number} (recorded in series C)"),
        ReceiptKind::Refund { original } => format!("refund of {original}"),
        ReceiptKind::Exchange { original } => format!("exchange of {original}"),
        ReceiptKind::Training => "training (mode école)".into(),
        ReceiptKind::ProvisionalBill => "provisional bill".into(),
        ReceiptKind::Sale => "original".into(),
    }
}

/// `pos receipt --send email|sms --server URL`: prints the server's answer
/// as JSON (exit 0), or the refusal's code (exit 2).
fn send(args: &ReceiptArgs, channel: &str) -> ExitCode {
    let channel = match channel {
        "email" => pos_core::customer::Channel::EmailReceipt,
        "sms" => pos_core::customer::Channel::SmsReceipt,
        _ => {
            return fail(&SdkError::InvalidInput {
                field: "--send",
                expected: "email or sms",
            });
        }
    };
    let Some(server) = &args.server else {
        return fail(&SdkError::InvalidInput {
            field: "--server",
            expected: "the sync server's URL",
        });
    };
    let ticket = match ticket_ref(args).and_then(|(series, number)| {
        let till = open_till(&args.db)?;
        let id = till.ticket_by_number(series, number)?.id().to_owned();
        Ok((till, id))
    }) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let (till, id) = ticket;
    let mut http = pos_sync::http_client::UreqTransport::new(server);
    match till.send_digital_receipt(&mut http, &id, channel) {
        Ok(r) => {
            println!("{}", serde_json::to_string(&r).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(e) => {
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

pub(super) fn ticket_ref(args: &ReceiptArgs) -> Result<(Series, u64), SdkError> {
    let (series, digits) = match args.ticket.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => (
            Series::parse(&c.to_string()).ok_or(SdkError::InvalidInput {
                field: "--ticket",
                expected: "a number like 42 or T42",
            })?,
            &args.ticket[1..],
        ),
        _ => (Series::T, args.ticket.as_str()),
    };
    let number: u64 = digits.parse().map_err(|_| SdkError::InvalidInput {
        field: "--ticket",
        expected: "a number like 42 or T42",
    })?;
    if !args.db.exists() {
        return Err(SdkError::NotFound {
            what: "till file",
            id: args.db.display().to_string(),
        });
    }
    Ok((series, number))
}

/// `pos receipt --ticket Z3`: the closure ticket, from the signed record.
fn closure(args: &ReceiptArgs, number: u64) -> Result<(), SdkError> {
    let format = OutputFormat::parse(&args.format)?;
    let till = open_till(&args.db)?;
    let bytes = till.closure_receipt(number, format)?;
    write_out(args, &bytes)
}

pub(super) fn write_out(args: &ReceiptArgs, bytes: &[u8]) -> Result<(), SdkError> {
    let written = if args.out == "-" {
        use std::io::Write;
        std::io::stdout().write_all(bytes)
    } else {
        std::fs::write(&args.out, bytes)
    };
    written.map_err(|_| SdkError::InvalidInput {
        field: "--out",
        expected: "a writable file",
    })
}

fn render(args: &ReceiptArgs) -> Result<ReceiptKind, SdkError> {
    let format = OutputFormat::parse(&args.format)?;
    let (series, number) = ticket_ref(args)?;
    if !args.db.exists() {
        return Err(SdkError::NotFound {
            what: "till file",
            id: args.db.display().to_string(),
        });
    }
    let mut till = open_till(&args.db)?;
    let printed = if args.preview {
        till.preview_receipt(series, number, format)?
    } else {
        till.print_receipt(
            series,
            number,
            format,
            &OperatorId::new(args.operator.as_str())?,
        )?
    };
    write_out(args, &printed.bytes)?;
    Ok(printed.kind)
}
