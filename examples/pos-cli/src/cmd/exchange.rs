//! `pos exchange --db PATH --ticket REF --return N:QTY [--return ...]
//! --basket FILE [--pay METHOD[:AMOUNT]]...`: gives back lines of a ticket of
//! this till and sells the basket on the same ticket (one fiscal record of
//! kind `exchange`); the balance is paid (positive) or paid back (negative)
//! with the tenders given, none for an even exchange.
//!
//! With `--server URL`, REF may name a ticket of any till of the retailer
//! (`REGISTER/T42`, `STORE/REGISTER/T42`, its id or receipt link) as for
//! `pos refund`: the original is found through the server, the returned
//! quantities reserved there, the exchange recorded with the original's
//! till and pushed; offline, the retailer's policy applies
//! (`--approved-by`, `--offline-policy`).

use super::till::{add_basket, fail, open_till, parse_tender, read_basket};
use pos_core::cart::{Actor, Permissions};
use pos_core::ids::OperatorId;
use pos_fiscal::Series;
use pos_sdk::refund_anywhere::RefundAnywhereError;
use pos_sdk::{RefundLine, Register, SaleOptions, SdkError};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `pos exchange`.
#[derive(Debug, clap::Args)]
pub struct ExchangeArgs {
    /// The till's SQLite file.
    #[arg(long)]
    pub db: PathBuf,
    /// The original ticket: `T42` (series and number) or its id.
    #[arg(long)]
    pub ticket: String,
    /// A line of the original to give back, `N:QTY` (lines numbered from 1
    /// as printed); repeated.
    #[arg(long = "return", required = true)]
    pub returns: Vec<String>,
    /// The new items, as for `pos sell`.
    #[arg(long)]
    pub basket: PathBuf,
    /// Payments of the balance in order (`cash`, `card`, `cheque`,
    /// `meal_voucher`, each with an optional `:AMOUNT`, default what remains;
    /// a negative balance is paid back): none for an even exchange.
    #[arg(long, num_args = 1..)]
    pub pay: Vec<String>,
    /// The operator (exchanges need the `return` permission: the CLI acts
    /// with a manager's rights).
    #[arg(long, default_value = "manager")]
    pub operator: String,
    /// Idempotency key: the same exchange run again returns the same ticket.
    #[arg(long)]
    pub key: Option<String>,
    /// The sync server: REF may then be another till's ticket (online
    /// lookup, reservation, push).
    #[arg(long)]
    pub server: Option<String>,
    /// Offline under `manager_approval`: the manager approving an exchange
    /// without verified original.
    #[arg(long = "approved-by", requires = "server")]
    pub approved_by: Option<String>,
    /// Sets this till's offline refund policy first (`refuse` or
    /// `manager_approval`).
    #[arg(long = "offline-policy", requires = "server")]
    pub offline_policy: Option<String>,
}

/// Runs `pos exchange`.
pub fn run(args: &ExchangeArgs) -> ExitCode {
    let done = if args.server.is_some() {
        exchange_anywhere(args)
    } else {
        exchange(args).map_err(RefundAnywhereError::from)
    };
    match done {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(RefundAnywhereError::Till(e)) => fail(&e),
        Err(e) => super::refund::fail(&e),
    }
}

/// `N:QTY` (or `N`, one unit).
fn parse_return(spec: &str) -> Result<RefundLine, SdkError> {
    let bad = || SdkError::InvalidInput {
        field: "return",
        expected: "N:QTY, a line number from 1 and a positive quantity",
    };
    let (n, q) = spec.split_once(':').unwrap_or((spec, "1"));
    let line: u32 = n.trim().parse().map_err(|_| bad())?;
    let quantity = pos_core::money::parse_decimal(q).map_err(|_| bad())?;
    Ok(RefundLine { line, quantity })
}

/// The stored ticket `T42` / `I7` names, or the id given.
fn original_id(reg: &Register, reference: &str) -> Result<String, SdkError> {
    let mut chars = reference.chars();
    let numbered = chars
        .next()
        .and_then(|c| Series::parse(&c.to_string()))
        .zip(chars.as_str().parse::<u64>().ok());
    match numbered {
        Some((series, number)) => Ok(reg.ticket_by_number(series, number)?.id().to_owned()),
        None => Ok(reg.ticket(reference)?.id().to_owned()),
    }
}

/// The returns and the basket given, read before the till file (which must
/// exist) is opened.
fn open_with_inputs(
    args: &ExchangeArgs,
) -> Result<(Register, Vec<RefundLine>, super::till::Basket), SdkError> {
    let returns = args
        .returns
        .iter()
        .map(|s| parse_return(s))
        .collect::<Result<Vec<_>, _>>()?;
    let basket = read_basket(&args.basket)?;
    if !args.db.exists() {
        return Err(SdkError::NotFound {
            what: "till file",
            id: args.db.display().to_string(),
        });
    }
    Ok((open_till(&args.db)?, returns, basket))
}

fn exchange(args: &ExchangeArgs) -> Result<serde_json::Value, SdkError> {
    let (mut reg, returns, basket) = open_with_inputs(args)?;
    let operator = OperatorId::new(args.operator.as_str())?;
    let original = original_id(&reg, &args.ticket)?;
    let actor = Actor::new(operator.clone(), Permissions::manager());
    let cart = reg.exchange_cart(&original, &returns, &actor)?;
    let sale = complete(&mut reg, cart, &basket, args, args.key.clone())?;
    Ok(summary(&sale, &original))
}

/// `pos exchange --server`: the original found through the server (see
/// `pos refund`), the returns reserved there, the exchange pushed.
fn exchange_anywhere(args: &ExchangeArgs) -> Result<serde_json::Value, RefundAnywhereError> {
    let (mut reg, returns, basket) = open_with_inputs(args)?;
    let operator = OperatorId::new(args.operator.as_str()).map_err(SdkError::from)?;
    let actor = Actor::new(operator, Permissions::manager());
    let (found, mut http) = super::refund::find_checked(
        &mut reg,
        &args.ticket,
        args.server.as_deref(),
        args.approved_by.as_deref(),
        args.offline_policy.as_deref(),
        &actor,
    )?;
    let cart = reg.exchange_cart_from(&found, &returns, &actor)?;
    let key = super::refund::key_or_new(args.key.as_deref());
    let reservation = super::refund::reserve_online(&mut reg, &found, &cart, &key, &mut http)?;
    let sale = complete(&mut reg, cart, &basket, args, Some(key))?;
    let pushed = super::refund::push(&mut reg, &mut http)?;
    let mut out = summary(&sale, found.ticket.id());
    if let Some(obj) = out.as_object_mut() {
        obj.insert(
            "original_reference".into(),
            found.reference(reg.config().store.as_str()).into(),
        );
        obj.insert("verified".into(), found.verified.into());
        obj.insert(
            "reservation".into(),
            reservation.map(|r| r.reservation).into(),
        );
        obj.insert("pushed".into(), pushed.into());
    }
    Ok(out)
}

/// Scans the basket into the exchange cart, pays the balance with the
/// tenders given and records the exchange under `key`.
fn complete(
    reg: &mut Register,
    mut cart: pos_core::cart::Cart,
    basket: &super::till::Basket,
    args: &ExchangeArgs,
    key: Option<String>,
) -> Result<pos_sdk::CompletedSale, SdkError> {
    add_basket(reg, &mut cart, basket)?;
    let mut payment = reg.start_payment(&cart, None)?;
    for spec in &args.pay {
        // Tenders are given as positive amounts; what remains of a negative
        // balance is the amount paid back.
        let mut tender = parse_tender(spec, &payment, reg.config().currency)?;
        tender.amount =
            pos_core::Money::new(tender.amount.amount().abs(), tender.amount.currency());
        payment.add(tender)?;
    }
    let options = SaleOptions {
        operator: OperatorId::new(args.operator.as_str())?,
        customer: None,
        training: false,
        ticket_id: key,
    };
    Ok(reg.complete_sale(cart, payment, &options)?)
}

/// The JSON printed for an exchange of `original`.
fn summary(sale: &pos_sdk::CompletedSale, original: &str) -> serde_json::Value {
    let t = &sale.ticket;
    serde_json::json!({
        "ticket": sale.number,
        "series": sale.series.code(),
        "id": t.id(),
        "kind": "exchange",
        "original": original,
        "balance": t.total().format_plain(),
        "returned": t.lines().iter().filter(|l| l.return_of.is_some()).map(|l| serde_json::json!({
            "sku": l.sku.as_str(), "quantity": l.quantity.to_string(), "amount": l.amount.format_plain(),
        })).collect::<Vec<_>>(),
        "sold": t.lines().iter().filter(|l| l.return_of.is_none()).map(|l| serde_json::json!({
            "sku": l.sku.as_str(), "quantity": l.quantity.to_string(), "amount": l.amount.format_plain(),
        })).collect::<Vec<_>>(),
        "payments": t.payments().iter().map(|p| serde_json::json!({
            "method": p.method.code(), "amount": p.applied.format_plain(),
        })).collect::<Vec<_>>(),
        "change": t.change().format_plain(),
        "signature_extract": sale.fiscal.extract,
    })
}
