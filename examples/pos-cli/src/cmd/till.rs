//! The till commands on a real SQLite file: `pos sell` completes one sale,
//! `pos simulate` completes many random realistic ones.

use pos_core::ids::{LocationId, OperatorId, RegisterId, Sku, StoreId};
use pos_core::tender::{Payment, Tender, TenderMethod};
use pos_core::{CoreError, Currency, Money};
use pos_sdk::{IdGenerator, Register, RegisterConfig, SaleOptions, SdkError, SystemClock};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Opens a till file with the CLI's defaults (store `demo-store`, register
/// `till-1`, location `shop`), keeping the register an existing file has.
pub fn open_till(db: &Path) -> Result<Register, SdkError> {
    let existing = existing_ids(db);
    let (store, register) = existing.unwrap_or_else(|| ("demo-store".into(), "till-1".into()));
    let config = RegisterConfig::france(
        StoreId::new(store)?,
        RegisterId::new(register)?,
        LocationId::new("shop")?,
    )?;
    let mut reg = Register::open_with_key_file(
        db,
        config,
        Arc::new(SystemClock),
        IdGenerator::from_entropy(),
    )?;
    if reg.catalog().is_err() {
        eprintln!(
            "pos: {} has no catalog yet: importing the sample catalog",
            db.display()
        );
        reg.import_catalog_json(pos_core::catalog::sample_catalog_json())?;
    }
    Ok(reg)
}

pub(super) fn existing_ids(db: &Path) -> Option<(String, String)> {
    if !db.exists() {
        return None;
    }
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .ok()?;
    let get = |k: &str| -> Option<String> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
            .ok()
    };
    Some((get("store")?, get("register")?))
}

/// Prints an error as JSON on stdout and returns exit code 2.
pub fn fail(error: &SdkError) -> ExitCode {
    println!(
        "{}",
        serde_json::json!({"error": {"kind": error.kind(), "message": error.to_string()}})
    );
    ExitCode::from(2)
}

/// Arguments of `pos sell`.
#[derive(Debug, clap::Args)]
pub struct SellArgs {
    /// The till's SQLite file (created if missing).
    #[arg(long)]
    pub db: PathBuf,
    /// Basket JSON: `{"items":[{"code":"3760123000352"},{"sku":"COMTE-18","quantity":"0.347"}]}`.
    #[arg(long)]
    pub basket: PathBuf,
    /// Payments in order: `cash`, `card`, `cheque`, `meal_voucher`, each with
    /// an optional `:AMOUNT` (default: what remains due).
    #[arg(long, num_args = 1.., required = true)]
    pub pay: Vec<String>,
    /// The cashier.
    #[arg(long, default_value = "cashier")]
    pub operator: String,
    /// Store and register of a till file made here.
    #[command(flatten)]
    pub ids: super::till_ids::TillIds,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BasketFile {
    items: Vec<BasketItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BasketItem {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    quantity: Option<String>,
}

/// Runs `pos sell`.
pub fn sell(args: &SellArgs) -> ExitCode {
    match run_sell(args) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn run_sell(args: &SellArgs) -> Result<serde_json::Value, SdkError> {
    let basket = read_basket(&args.basket)?;
    let mut reg = super::till_ids::open_till_as(&args.db, &args.ids)?;
    let mut cart = reg.new_cart();
    add_basket(&reg, &mut cart, &basket)?;
    let mut payment = reg.start_payment(&cart, None)?;
    for spec in &args.pay {
        payment.add(parse_tender(spec, &payment, reg.config().currency)?)?;
    }
    let options = SaleOptions {
        operator: OperatorId::new(args.operator.as_str())?,
        customer: None,
        training: false,
        ticket_id: None,
    };
    let sale = reg.complete_sale(cart, payment, &options)?;
    Ok(serde_json::json!({
        "ticket": sale.number,
        "series": sale.series.code(),
        "id": sale.ticket.id(),
        "total": sale.ticket.total().format_plain(),
        "change": sale.ticket.change().format_plain(),
        "taxes": sale.ticket.taxes().iter().map(|t| serde_json::json!({
            "rate": t.rate.percent_string(), "net": t.net.format_plain(), "vat": t.vat.format_plain(), "gross": t.gross.format_plain(),
        })).collect::<Vec<_>>(),
        "signature_extract": sale.fiscal.extract,
        "shortfalls": sale.shortfalls.iter().map(|s| s.sku.to_string()).collect::<Vec<_>>(),
    }))
}

/// A basket file (`pos sell --basket`), read and decoded before any till
/// file is opened.
pub(super) struct Basket(BasketFile);

pub(super) fn read_basket(path: &Path) -> Result<Basket, SdkError> {
    let text = std::fs::read_to_string(path).map_err(|_| SdkError::NotFound {
        what: "basket file",
        id: path.display().to_string(),
    })?;
    let basket: BasketFile = serde_json::from_str(&text).map_err(|e| CoreError::InvalidJson {
        line: e.line(),
        column: e.column(),
        detail: e.to_string(),
    })?;
    Ok(Basket(basket))
}

/// Scans the basket's items into `cart` (codes as scanned, SKUs with an
/// optional quantity).
pub(super) fn add_basket(
    reg: &Register,
    cart: &mut pos_core::cart::Cart,
    basket: &Basket,
) -> Result<(), SdkError> {
    let ctx = reg.price_context(None);
    for item in &basket.0.items {
        let line = match (&item.code, &item.sku) {
            (Some(code), None) => reg.scan(cart, code, &ctx)?,
            (None, Some(sku)) => {
                let catalog = reg.catalog()?;
                let q = item
                    .quantity
                    .as_deref()
                    .map(pos_core::money::parse_decimal)
                    .transpose()?
                    .unwrap_or(Decimal::ONE);
                cart.add_sku(catalog, &Sku::new(sku.as_str())?, &ctx, q)?
            }
            _ => {
                return Err(SdkError::Precondition {
                    what: "each item has exactly one of `code` or `sku`",
                });
            }
        };
        if let (Some(q), Some(_)) = (&item.quantity, &item.code) {
            cart.set_quantity(line, pos_core::money::parse_decimal(q)?)?;
        }
    }
    Ok(())
}

/// Parses `cash`, `card:12.50`... into a tender; no amount means what remains.
pub(super) fn parse_tender(
    spec: &str,
    payment: &Payment,
    currency: Currency,
) -> Result<Tender, SdkError> {
    let (name, amount) = match spec.split_once(':') {
        Some((n, a)) => (n, Some(a)),
        None => (spec, None),
    };
    let method = match name {
        "cash" => TenderMethod::Cash,
        "card" => TenderMethod::Card,
        "cheque" => TenderMethod::Cheque,
        "meal_voucher" => TenderMethod::MealVoucher,
        _ => {
            return Err(SdkError::Precondition {
                what: "a payment method among cash, card, cheque, meal_voucher",
            });
        }
    };
    let amount = match amount {
        Some(a) => Money::parse(a, currency)?,
        None => payment.remaining()?,
    };
    Ok(Tender::new(method, amount))
}

/// Arguments of `pos simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The till's SQLite file (created if missing).
    #[arg(long)]
    pub db: PathBuf,
    /// How many sales to complete.
    #[arg(long)]
    pub sales: u64,
    /// Seed of the basket generator (the same seed gives the same baskets).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Store and register of a till file made here.
    #[command(flatten)]
    pub ids: super::till_ids::TillIds,
}

/// Runs `pos simulate`: prints `committed <number>` right after each commit.
pub fn simulate(args: &SimulateArgs) -> ExitCode {
    match run_simulate(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn run_simulate(args: &SimulateArgs) -> Result<(), SdkError> {
    let mut reg = super::till_ids::open_till_as(&args.db, &args.ids)?;
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let skus: Vec<(Sku, bool)> = reg
        .catalog()?
        .variants()
        .map(|v| (v.variant.sku.clone(), v.product.unit.is_measured()))
        .collect();
    if skus.is_empty() {
        return Err(SdkError::Precondition {
            what: "a catalog with products",
        });
    }
    let operator = OperatorId::new("sim")?;
    let stdout = std::io::stdout();
    for _ in 0..args.sales {
        let ctx = reg.price_context(None);
        let mut cart = reg.new_cart();
        let lines = rng.random_range(1..=8);
        for _ in 0..lines {
            let Some((sku, measured)) = skus.get(rng.random_range(0..skus.len())) else {
                continue;
            };
            let q = if *measured {
                Decimal::new(rng.random_range(50..=1500), 3)
            } else {
                Decimal::from(rng.random_range(1..=3))
            };
            cart.add_sku(reg.catalog()?, sku, &ctx, q)?;
        }
        let mut payment = reg.start_payment(&cart, None)?;
        let due = payment.remaining()?;
        match rng.random_range(0..4) {
            0 => payment.add(Tender::new(TenderMethod::Cash, round_up_cash(due)?))?,
            1 => {
                let half = Money::new(
                    due.amount()
                        .checked_div(Decimal::TWO)
                        .unwrap_or_default()
                        .round_dp(2),
                    due.currency(),
                );
                payment.add(Tender::new(TenderMethod::Card, half))?;
                let rest = payment.remaining()?;
                payment.add(Tender::new(TenderMethod::Cash, rest))?;
            }
            _ => payment.add(Tender::new(TenderMethod::Card, due))?,
        }
        let sale = reg.complete_sale(
            cart,
            payment,
            &SaleOptions {
                operator: operator.clone(),
                customer: None,
                training: false,
                ticket_id: None,
            },
        )?;
        let mut out = stdout.lock();
        // Printed only after commit returned: a line here means "on disk".
        let _ = writeln!(out, "committed {}", sale.number);
        let _ = out.flush();
    }
    Ok(())
}

/// Cash handed over: the amount rounded up to the next 5 euros.
fn round_up_cash(due: Money) -> Result<Money, SdkError> {
    let five = Decimal::from(5);
    let units = due
        .amount()
        .checked_div(five)
        .ok_or(CoreError::Overflow)?
        .ceil();
    Ok(Money::new(
        units.checked_mul(five).ok_or(CoreError::Overflow)?,
        due.currency(),
    ))
}
