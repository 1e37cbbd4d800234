//! A till for the digital-receipt tests: opens (or creates) a till file
//! like `pos` does (store `demo-store`, register `till-1`), records a
//! customer with the given e-mail / phone and consents, sells them a
//! cafetière (a durable good) and a baguette, enrols with the sync server
//! if needed and syncs. Prints `{"ticket", "number", "total"}` as JSON.
//!
//! `digital_till --db FILE --server URL --email ADDR [--phone +33...]
//! [--consent email,sms] [--enrolment-code CODE]` (the code is needed
//! only while the till is not enrolled yet).

use pos_core::customer::{Channel, ConsentSource, ConsentState, PersonalData};
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_sdk::{IdGenerator, Register, RegisterConfig, SaleOptions, SystemClock};
use std::process::ExitCode;
use std::sync::Arc;

fn run(args: &[String]) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let get = |name: &str| -> Option<String> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i.saturating_add(1)))
            .cloned()
    };
    let db = get("--db").ok_or("--db is required")?;
    let server = get("--server").ok_or("--server is required")?;
    let config = RegisterConfig::france(
        StoreId::new("demo-store")?,
        RegisterId::new("till-1")?,
        LocationId::new("shop")?,
    )?;
    let mut till = Register::open_with_key_file(
        std::path::Path::new(&db),
        config,
        Arc::new(SystemClock),
        IdGenerator::from_entropy(),
    )?;
    if till.catalog().is_err() {
        till.import_catalog_json(pos_core::catalog::sample_catalog_json())?;
    }
    let customer = till.create_customer(
        PersonalData {
            given_name: Some("Camille".into()),
            family_name: Some("Martin".into()),
            email: get("--email"),
            phone: get("--phone"),
            address: None,
        },
        None,
    )?;
    for c in get("--consent").unwrap_or_default().split(',') {
        let channel = match c {
            "email" => Channel::EmailReceipt,
            "sms" => Channel::SmsReceipt,
            "" => continue,
            _ => return Err("--consent takes email,sms".into()),
        };
        till.set_consent(
            customer.id(),
            channel,
            ConsentState::Granted,
            ConsentSource::InStore,
        )?;
    }
    let ctx = till.price_context(None);
    let mut cart = till.new_cart();
    till.scan(&mut cart, "3760123002172", &ctx)?; // cafetière, durable good
    till.scan(&mut cart, "2000000001012", &ctx)?; // baguette
    let mut payment = till.start_payment(&cart, Some(customer.id()))?;
    let due = payment.remaining()?;
    payment.add(Tender::new(TenderMethod::Card, due))?;
    let mut options = SaleOptions::by(OperatorId::new("cashier")?);
    options.customer = Some(customer.id().clone());
    let sale = till.complete_sale(cart, payment, &options)?;
    let mut http = pos_sync::http_client::UreqTransport::new(&server);
    let client = match pos_sdk::sync::client(&mut till)? {
        Some(c) => c,
        None => {
            let code = get("--enrolment-code").ok_or("--enrolment-code is needed to enrol")?;
            pos_sdk::sync::enroll(&mut till, &mut http, &code, None)?;
            pos_sdk::sync::client(&mut till)?.ok_or("not enrolled")?
        }
    };
    pos_sdk::sync::sync_register(&mut till, &client, &mut http)?;
    Ok(serde_json::json!({
        "ticket": sale.ticket.id(),
        "number": format!("{}{}", sale.series.code(), sale.number),
        "total": sale.ticket.total_due().amount().to_string(),
    }))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("digital_till: {e}");
            ExitCode::from(2)
        }
    }
}
