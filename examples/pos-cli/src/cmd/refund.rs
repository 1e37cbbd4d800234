//! `pos refund`: refund lines of a ticket sold at this till or at any till
//! of the retailer (see `pos_sdk::refund_anywhere`).
//!
//! `pos refund --db PATH --ticket REF [--line N:QTY]... --pay METHOD
//! [--server URL] [--operator ID] [--approved-by MANAGER] [--key KEY]`
//!
//! REF is `REGISTER/T42`, `STORE/REGISTER/T42`, the ticket id, its receipt
//! link or a gift receipt's `GIFT-<id>`. With `--server`, the original is
//! looked up through the sync server (what every till refunded counts),
//! the refunded quantities are reserved there before the refund is
//! recorded, and the refund is pushed right after. Without a server, or
//! when it cannot be reached, the till's own knowledge is used and the
//! retailer's offline policy applies: `refuse`, or `manager_approval`
//! (`--approved-by` names the approving manager; the refund is recorded as
//! without verified original). Output is one JSON document.

use pos_core::cart::{Actor, Permission, Permissions};
use pos_core::ids::OperatorId;
use pos_core::tender::{Tender, TenderMethod};
use pos_sdk::refund_anywhere::{FoundOriginal, RefundAnywhereError};
use pos_sdk::{RefundLine, SaleOptions, SdkError};
use pos_sync::http_client::UreqTransport;
use pos_sync::refunds::Reservation;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

/// Arguments of `pos refund`.
#[derive(Debug, clap::Args)]
pub struct RefundArgs {
    /// The till file.
    #[arg(long)]
    pub db: PathBuf,
    /// The original: `REGISTER/T42`, `STORE/REGISTER/T42`, its id, its
    /// receipt link, or `GIFT-<id>`.
    #[arg(long)]
    pub ticket: String,
    /// A line to give back, `N:QTY` (N from 1 as printed); none: everything
    /// still refundable.
    #[arg(long = "line")]
    pub lines: Vec<String>,
    /// How the money goes back: `cash`, `card`, `cheque` or
    /// `store_credit:CODE` (the only one a gift receipt allows).
    #[arg(long)]
    pub pay: String,
    /// The sync server (online lookup, reservation, push).
    #[arg(long)]
    pub server: Option<String>,
    /// The operator refunding (given the return permission).
    #[arg(long, default_value = "manager")]
    pub operator: String,
    /// Offline under `manager_approval`: the manager approving a refund
    /// without verified original.
    #[arg(long = "approved-by")]
    pub approved_by: Option<String>,
    /// The refund's idempotency key (also its reservation key).
    #[arg(long)]
    pub key: Option<String>,
    /// Sets this till's offline refund policy first (`refuse` or
    /// `manager_approval`).
    #[arg(long = "offline-policy")]
    pub offline_policy: Option<String>,
}

fn refusal(code: &str, message: &str) -> ExitCode {
    println!("{}", json!({"error": {"kind": code, "message": message}}));
    ExitCode::from(2)
}

pub(super) fn fail(e: &RefundAnywhereError) -> ExitCode {
    refusal(e.code(), &e.to_string())
}

fn bad(what: &'static str, expected: &'static str) -> RefundAnywhereError {
    RefundAnywhereError::Till(SdkError::InvalidInput {
        field: what,
        expected,
    })
}

fn parse_line(spec: &str) -> Result<RefundLine, RefundAnywhereError> {
    let (n, q) = spec
        .split_once(':')
        .ok_or_else(|| bad("--line", "N:QTY, e.g. 2:1"))?;
    let line: u32 = n.parse().map_err(|_| bad("--line", "N:QTY, e.g. 2:1"))?;
    let quantity = Decimal::from_str(q).map_err(|_| bad("--line", "N:QTY, e.g. 2:1"))?;
    Ok(RefundLine { line, quantity })
}

fn method(spec: &str) -> Result<TenderMethod, RefundAnywhereError> {
    Ok(match spec.split_once(':') {
        None if spec == "cash" => TenderMethod::Cash,
        None if spec == "card" => TenderMethod::Card,
        None if spec == "cheque" => TenderMethod::Cheque,
        Some(("store_credit", code)) if !code.is_empty() => TenderMethod::StoreCredit {
            reference: code.to_owned(),
        },
        _ => {
            return Err(bad("--pay", "cash, card, cheque or store_credit:CODE"));
        }
    })
}

/// `pos refund`.
pub fn run(args: &RefundArgs) -> ExitCode {
    match refund(args) {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// The original `ticket` found for a refund or an exchange by `actor`:
/// through `server` when given and reached, else from the till's own
/// knowledge under the retailer's offline policy (`offline_policy` set
/// first when given; `approved_by` the approving manager). Returns the
/// transport to reserve and push with.
pub(super) fn find_checked(
    reg: &mut pos_sdk::Register,
    ticket: &str,
    server: Option<&str>,
    approved_by: Option<&str>,
    offline_policy: Option<&str>,
    actor: &Actor,
) -> Result<(FoundOriginal, Option<UreqTransport>), RefundAnywhereError> {
    if let Some(policy) = offline_policy {
        reg.set_offline_refund_policy(policy, &actor.operator)?;
    }
    let mut http = server.map(UreqTransport::new);
    let found = reg.find_original(
        ticket,
        http.as_mut()
            .map(|h| h as &mut dyn pos_sync::transport::Transport),
    )?;
    if !found.verified {
        let own = found.store == reg.config().store.as_str()
            && found.register == reg.config().register.as_str();
        // This till's own ticket, with no server asked: its own count is
        // the whole truth only when no other till can refund it, which
        // `--server` would check.
        if !own || server.is_some() {
            let approver = match approved_by {
                Some(m) => Actor::new(
                    OperatorId::new(m).map_err(SdkError::from)?,
                    Permissions::manager(),
                ),
                None => actor.clone(),
            };
            reg.check_offline_refund(&found, &approver)?;
        }
    }
    Ok((found, http))
}

/// Reserves on the server what `cart` takes back of `found` when it was
/// found there.
pub(super) fn reserve_online(
    reg: &mut pos_sdk::Register,
    found: &FoundOriginal,
    cart: &pos_core::cart::Cart,
    key: &str,
    http: &mut Option<UreqTransport>,
) -> Result<Option<Reservation>, RefundAnywhereError> {
    match (http, found.verified) {
        (Some(h), true) => Ok(Some(reg.reserve_refund(found, cart, key, h)?)),
        _ => Ok(None),
    }
}

/// Pushes the till's outbox when a server was given: whether it went.
pub(super) fn push(
    reg: &mut pos_sdk::Register,
    http: &mut Option<UreqTransport>,
) -> Result<bool, RefundAnywhereError> {
    if let (Some(h), Some(client)) = (http, pos_sdk::sync::client(reg)?) {
        return Ok(pos_sdk::sync::sync_register(reg, &client, h).is_ok());
    }
    Ok(false)
}

/// The idempotency key given, or a new one drawn now.
pub(super) fn key_or_new(key: Option<&str>) -> String {
    key.map_or_else(
        || pos_sdk::IdGenerator::from_entropy().next(chrono::Utc::now()),
        str::to_owned,
    )
}

fn refund(args: &RefundArgs) -> Result<Value, RefundAnywhereError> {
    let mut reg = super::till::open_till(&args.db)?;
    let lines = args
        .lines
        .iter()
        .map(|l| parse_line(l))
        .collect::<Result<Vec<_>, _>>()?;
    let tender = method(&args.pay)?;
    let operator = OperatorId::new(&args.operator).map_err(SdkError::from)?;
    let actor = Actor::new(
        operator.clone(),
        Permissions::cashier().with(Permission::Return),
    );
    let (found, mut http) = find_checked(
        &mut reg,
        &args.ticket,
        args.server.as_deref(),
        args.approved_by.as_deref(),
        args.offline_policy.as_deref(),
        &actor,
    )?;
    let cart = reg.refund_cart_from(
        &found,
        (!lines.is_empty()).then_some(lines.as_slice()),
        &actor,
    )?;
    let key = key_or_new(args.key.as_deref());
    let reservation = reserve_online(&mut reg, &found, &cart, &key, &mut http)?;
    let mut payment = reg.start_payment(&cart, None)?;
    let back = payment.outstanding().map_err(SdkError::from)?;
    payment
        .add(Tender::new(tender, back))
        .map_err(SdkError::from)?;
    let mut options = SaleOptions::by(operator);
    options.ticket_id = Some(key);
    let done = reg
        .complete_sale(cart, payment, &options)
        .map_err(SdkError::from)?;
    let pushed = push(&mut reg, &mut http)?;
    Ok(json!({
        "ticket": done.ticket.id(),
        "number": format!("{}{}", done.series.code(), done.number),
        "total": done.ticket.total().format_plain(),
        "original": {
            "ticket": found.ticket.id(),
            "reference": found.reference(reg.config().store.as_str()),
            "verified": found.verified,
            "gift": found.gift,
        },
        "reservation": reservation.map(|r| r.reservation),
        "pushed": pushed,
    }))
}
