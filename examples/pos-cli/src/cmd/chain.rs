//! Chain retail from a till file (see `pos_sdk::chain`): `pos customer
//! add|search|history`, `pos stock SKU` (this till's levels, or every store
//! of the retailer with `--server`), `pos transfer` and `pos order` (a click
//! & collect order in another store). Output is one JSON document.

use pos_core::customer::PersonalData;
use pos_core::ids::{CustomerId, LocationId, Sku, StoreId};
use pos_sdk::{Register, SdkError, chain};
use pos_sync::SyncError;
use pos_sync::http_client::UreqTransport;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

/// Arguments of `pos customer`.
#[derive(Debug, clap::Args)]
pub struct CustomerArgs {
    #[command(subcommand)]
    pub command: CustomerCommand,
}

/// `pos customer` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum CustomerCommand {
    /// Register a customer on the till: `pos customer add --db PATH [--given-name N] [--family-name N] [--email E] [--phone P]`.
    Add(AddArgs),
    /// Find customers by name, phone, e-mail or loyalty card: offline from the till's cache, or in every store of the retailer with `--server`.
    Search(SearchArgs),
    /// A customer's tickets in every store of the retailer (needs `--server`).
    History(HistoryArgs),
}

/// Arguments of `pos customer add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The till file.
    #[arg(long)]
    pub db: PathBuf,
    #[arg(long)]
    pub given_name: Option<String>,
    #[arg(long)]
    pub family_name: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
}

/// Arguments of `pos customer search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// A name, a phone number, an e-mail address or a loyalty card code.
    pub query: String,
    /// The till file.
    #[arg(long)]
    pub db: PathBuf,
    /// Ask the sync server (every store of the retailer, points summed).
    #[arg(long)]
    pub server: Option<String>,
}

/// Arguments of `pos customer history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// The customer's id (loyalty card code).
    pub customer: String,
    /// The till file.
    #[arg(long)]
    pub db: PathBuf,
    /// The sync server.
    #[arg(long)]
    pub server: String,
}

/// Arguments of `pos stock`.
#[derive(Debug, clap::Args)]
pub struct StockArgs {
    /// The item.
    pub sku: String,
    /// The till file.
    #[arg(long)]
    pub db: PathBuf,
    /// Ask the sync server for every store of the retailer (without it:
    /// this till's own location).
    #[arg(long)]
    pub server: Option<String>,
}

/// Arguments of `pos transfer`.
#[derive(Debug, clap::Args)]
pub struct TransferArgs {
    /// The till file.
    #[arg(long)]
    pub db: PathBuf,
    /// The sync server.
    #[arg(long)]
    pub server: String,
    /// The item.
    #[arg(long)]
    pub sku: String,
    /// Quantity (positive, at most 3 decimals).
    #[arg(long)]
    pub quantity: String,
    /// Where the goods leave: `STORE[:LOCATION]` (location `shop` by default).
    #[arg(long)]
    pub from: String,
    /// Where they go: `STORE[:LOCATION]`.
    #[arg(long)]
    pub to: String,
}

/// Arguments of `pos order`.
#[derive(Debug, clap::Args)]
pub struct OrderArgs {
    /// The till file.
    #[arg(long)]
    pub db: PathBuf,
    /// The sync server.
    #[arg(long)]
    pub server: String,
    /// The store where the customer picks the order up.
    #[arg(long)]
    pub store: String,
    /// The location whose stock is reserved.
    #[arg(long, default_value = "shop")]
    pub location: String,
    /// Lines as `SKU:QUANTITY`.
    #[arg(long = "line", num_args = 1.., required = true)]
    pub lines: Vec<String>,
    /// Pickup time (RFC 3339).
    #[arg(long)]
    pub pickup_at: Option<String>,
}

/// A refusal as the other commands print it (exit 2).
fn refuse(kind: &str, message: &str) -> ExitCode {
    println!("{}", json!({"error": {"kind": kind, "message": message}}));
    ExitCode::from(2)
}

/// A sync failure; a server's refusal is printed with the server's code
/// (`not_found`, `insufficient_stock`...).
fn sync_failed(e: &SyncError) -> ExitCode {
    match e {
        SyncError::Server { code, .. } => refuse(code, &e.to_string()),
        _ => refuse(e.code(), &e.to_string()),
    }
}

fn done(v: &Value) -> ExitCode {
    println!("{v}");
    ExitCode::SUCCESS
}

fn open(db: &std::path::Path) -> Result<Register, ExitCode> {
    super::till::open_till(db).map_err(|e| super::till::fail(&e))
}

fn input<T: FromStr>(value: &str, field: &str) -> Result<T, ExitCode> {
    value
        .parse()
        .map_err(|_| refuse("invalid_input", &format!("--{field}: not a valid value")))
}

fn customer_json(c: &pos_core::customer::Customer) -> Value {
    let p = c.personal().cloned().unwrap_or_default();
    json!({
        "id": c.id().as_str(),
        "given_name": p.given_name,
        "family_name": p.family_name,
        "email": p.email,
        "phone": p.phone,
    })
}

/// `pos customer ...`.
pub fn customer(args: &CustomerArgs) -> ExitCode {
    match &args.command {
        CustomerCommand::Add(a) => add(a),
        CustomerCommand::Search(a) => search(a),
        CustomerCommand::History(a) => history(a),
    }
}

fn add(args: &AddArgs) -> ExitCode {
    let mut reg = match open(&args.db) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let personal = PersonalData {
        given_name: args.given_name.clone(),
        family_name: args.family_name.clone(),
        email: args.email.clone(),
        phone: args.phone.clone(),
        address: None,
    };
    match reg.create_customer(personal, None) {
        Ok(c) => done(&customer_json(&c)),
        Err(e) => super::till::fail(&e),
    }
}

fn search(args: &SearchArgs) -> ExitCode {
    let reg = match open(&args.db) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let Some(url) = &args.server else {
        return match reg.find_customers(&args.query) {
            Ok(found) => done(&json!({
                "source": "till",
                "customers": found.iter().map(customer_json).collect::<Vec<_>>(),
            })),
            Err(e) => super::till::fail(&e),
        };
    };
    let mut http = UreqTransport::new(url);
    match chain::search_customers(&reg, &mut http, &args.query) {
        Ok(found) => done(&json!({
            "source": "server",
            "customers": found.iter().map(|f| {
                let mut c = customer_json(&f.customer);
                if let Some(o) = c.as_object_mut() {
                    o.insert("points".into(), json!(f.points));
                }
                c
            }).collect::<Vec<_>>(),
        })),
        Err(SyncError::Till { source }) => match source.downcast::<SdkError>() {
            Ok(e) => super::till::fail(&e),
            Err(e) => refuse("till", &e.to_string()),
        },
        Err(e) => sync_failed(&e),
    }
}

fn history(args: &HistoryArgs) -> ExitCode {
    let reg = match open(&args.db) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let customer: CustomerId = match input(&args.customer, "customer") {
        Ok(c) => c,
        Err(c) => return c,
    };
    let mut http = UreqTransport::new(&args.server);
    match chain::customer_history(&reg, &mut http, &customer) {
        Ok(tickets) => done(&json!({ "customer": customer.as_str(), "tickets": tickets })),
        Err(e) => sync_failed(&e),
    }
}

/// `pos stock SKU`.
pub fn stock(args: &StockArgs) -> ExitCode {
    let reg = match open(&args.db) {
        Ok(r) => r,
        Err(c) => return c,
    };
    let sku: Sku = match input(&args.sku, "sku") {
        Ok(s) => s,
        Err(c) => return c,
    };
    let Some(url) = &args.server else {
        let location = reg.config().location.clone();
        return match reg.stock_level(&sku, &location) {
            Ok(level) => done(&json!({
                "sku": sku.as_str(),
                "levels": [{
                    "store": reg.config().store.as_str(),
                    "location": location.as_str(),
                    "on_hand": level.on_hand.to_string(),
                }],
            })),
            Err(e) => super::till::fail(&e),
        };
    };
    let mut http = UreqTransport::new(url);
    match chain::stock_in_stores(&reg, &mut http, &sku) {
        Ok(levels) => done(&json!({ "sku": sku.as_str(), "levels": levels })),
        Err(e) => sync_failed(&e),
    }
}

fn place(value: &str, field: &str) -> Result<chain::Place, ExitCode> {
    let (store, location) = value.split_once(':').unwrap_or((value, "shop"));
    Ok(chain::Place {
        store: input::<StoreId>(store, field)?,
        location: input::<LocationId>(location, field)?,
    })
}

/// `pos transfer`.
pub fn transfer(args: &TransferArgs) -> ExitCode {
    let run = || -> Result<ExitCode, ExitCode> {
        let reg = open(&args.db)?;
        let sku: Sku = input(&args.sku, "sku")?;
        let quantity = Decimal::from_str(&args.quantity)
            .map_err(|_| refuse("invalid_input", "--quantity: a decimal number"))?;
        let from = place(&args.from, "from")?;
        let to = place(&args.to, "to")?;
        let mut http = UreqTransport::new(&args.server);
        Ok(
            match chain::start_transfer(&reg, &mut http, &sku, &from, &to, quantity) {
                Ok(t) => done(&json!({ "transfer": t.id, "created": t.created })),
                Err(e) => sync_failed(&e),
            },
        )
    };
    run().unwrap_or_else(|c| c)
}

/// `pos order`.
pub fn order(args: &OrderArgs) -> ExitCode {
    let run = || -> Result<ExitCode, ExitCode> {
        let reg = open(&args.db)?;
        let store: StoreId = input(&args.store, "store")?;
        let location: LocationId = input(&args.location, "location")?;
        let mut lines = Vec::new();
        for l in &args.lines {
            let (sku, qty) = l
                .split_once(':')
                .ok_or_else(|| refuse("invalid_input", "--line: SKU:QUANTITY"))?;
            lines.push((input::<Sku>(sku, "line")?, input::<Decimal>(qty, "line")?));
        }
        let pickup_at = args
            .pickup_at
            .as_deref()
            .map(|p| input::<chrono::DateTime<chrono::Utc>>(p, "pickup-at"))
            .transpose()?;
        let mut http = UreqTransport::new(&args.server);
        Ok(
            match chain::order_in_store(&reg, &mut http, &store, &location, &lines, pickup_at) {
                Ok(o) => done(&json!({ "order": o.id, "store": o.store, "state": o.state })),
                Err(e) => sync_failed(&e),
            },
        )
    };
    run().unwrap_or_else(|c| c)
}
