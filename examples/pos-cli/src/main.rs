//! `pos`: the store-day demo and the admin tool of pos-sdk.
//!
//! Each subcommand lives in its own module under `cmd/`; this file only
//! parses arguments and dispatches. Exit codes: 0 success, 1 a finding (e.g.
//! a journal defect), 2 unusable input.

mod cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// The pos-sdk command line.
#[derive(Debug, Parser)]
#[command(name = "pos", version, about = "pos-sdk: demo and admin tool")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The store-day demo on a fresh SQLite file (the main job).
    Demo(cmd::demo::DemoArgs),
    /// Complete one sale on a till file: `pos sell --db PATH --basket FILE --pay cash|card[:AMOUNT]...`.
    Sell(cmd::till::SellArgs),
    /// Give back lines of a ticket and sell a basket on one ticket: `pos exchange --db PATH --ticket REF --return N:QTY [--return ...] --basket FILE --pay METHOD... [--server URL]` (with a server, a ticket of any till of the retailer).
    Exchange(cmd::exchange::ExchangeArgs),
    /// Complete N random realistic sales, printing `committed <number>` after each commit.
    Simulate(cmd::till::SimulateArgs),
    /// Make a till file with the merchant's settings: `pos init --db PATH --settings FILE` (JSON).
    Init(cmd::config::InitArgs),
    /// Print the merchant settings, or change them: `pos config --db PATH [--set KEY=VALUE]...` (one JET 270).
    Config(cmd::config::ConfigArgs),
    /// Describe a scanned code as JSON (EAN/UPC, in-store weight/price codes, GS1 element strings).
    Barcode(cmd::barcode::BarcodeArgs),
    /// Refund lines of a ticket sold at any till of the retailer: `pos refund --db PATH --ticket REF [--line N:QTY]... --pay METHOD [--server URL]`.
    Refund(cmd::refund::RefundArgs),
    /// Render a stored ticket's receipt; a second print is a DUPLICATA (series C).
    Receipt(cmd::receipt::ReceiptArgs),
    /// Price a basket given as JSON (FILE or `-` for stdin) with the pricing rules.
    Price(cmd::price::PriceArgs),
    /// Verify a till's SQLite file or an archive file (exit 0 intact, 1 defects, 2 unusable).
    Verify(cmd::fiscal::VerifyArgs),
    /// Verify a till's SQLite file, then record the tax audit in its journal (JET 280).
    Audit(cmd::fiscal::AuditArgs),
    /// Close a day, month or year of the fiscal journal.
    Close(cmd::fiscal::CloseArgs),
    /// Archive a period of the fiscal journal into one file.
    Archive(cmd::fiscal::ArchiveArgs),
    /// Keep the till file small: archive closed months, send the archives to the server, purge what they confirm beyond `journal_days_kept`, reclaim space: `pos retention --db PATH [--server URL]`.
    Retention(cmd::retention::RetentionArgs),
    /// Export fiscal data (`fec`).
    Export(cmd::fiscal::ExportArgs),
    /// Run the sync server (SQLite): `pos sync-server --listen 127.0.0.1:PORT --db FILE`; the first start of an empty database prints one enrolment code and one web key. `pos sync-server backup --db FILE --out FILE` copies a live SQLite database.
    SyncServer(Box<cmd::sync::ServerArgs>),
    /// Sync a till file with a server once: `pos sync --db PATH --server URL [--enrolment-code CODE]`.
    Sync(cmd::sync::SyncArgs),
    /// Rebuild a lost till from the sync server: `pos restore --server URL --enrolment-code CODE --db NEW_FILE [--store S --register R]`.
    Restore(cmd::restore::RestoreArgs),
    /// Print the fiscal journal as JSON lines.
    Journal(cmd::fiscal::JournalArgs),
    /// Back office admin: `pos backoffice add-retailer|add-store|add-user|enrolment-code|web-key|retention|access-log|...`.
    Backoffice(cmd::backoffice::BackOfficeArgs),
    /// Customers across the retailer's stores: `pos customer add|search QUERY|history ID --db PATH [--server URL]`.
    Customer(cmd::chain::CustomerArgs),
    /// An item's stock: `pos stock SKU --db PATH [--server URL]` (with a server: every store of the retailer).
    Stock(cmd::chain::StockArgs),
    /// Move stock between stores: `pos transfer --db PATH --server URL --sku SKU --quantity Q --from STORE[:LOC] --to STORE[:LOC]`.
    Transfer(cmd::chain::TransferArgs),
    /// A click & collect order in a store of the retailer: `pos order --db PATH --server URL --store S --line SKU:QTY...`.
    Order(cmd::chain::OrderArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Price(args) => cmd::price::run(&args),
        Command::Receipt(args) => cmd::receipt::run(&args),
        Command::Refund(args) => cmd::refund::run(&args),
        Command::Barcode(args) => cmd::barcode::run(&args),
        Command::Init(args) => cmd::config::init(&args),
        Command::Config(args) => cmd::config::config(&args),
        Command::Demo(args) => cmd::demo::run(&args),
        Command::Sell(args) => cmd::till::sell(&args),
        Command::Exchange(args) => cmd::exchange::run(&args),
        Command::Simulate(args) => cmd::till::simulate(&args),
        Command::Verify(args) => cmd::fiscal::verify(&args),
        Command::Audit(args) => cmd::fiscal::audit(&args),
        Command::Close(args) => cmd::fiscal::close(&args),
        Command::Archive(args) => cmd::fiscal::archive(&args),
        Command::Retention(args) => cmd::retention::retention(&args),
        Command::Export(args) => cmd::fiscal::export(&args),
        Command::Journal(args) => cmd::fiscal::journal(&args),
        Command::SyncServer(args) => cmd::sync::server(&args),
        Command::Sync(args) => cmd::sync::sync(&args),
        Command::Restore(args) => cmd::restore::run(&args),
        Command::Backoffice(args) => cmd::backoffice::run(&args),
        Command::Customer(args) => cmd::chain::customer(&args),
        Command::Stock(args) => cmd::chain::stock(&args),
        Command::Transfer(args) => cmd::chain::transfer(&args),
        Command::Order(args) => cmd::chain::order(&args),
    }
}
