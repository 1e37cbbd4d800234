//! `pos receipt --gift --db PATH --ticket T42 [--line N]... [--format F] [--out FILE] [--preview]`:
//! the gift receipt ("ticket cadeau") of a sale: its items (all, or lines
//! N, numbered from 1) without any price, with the code `GIFT-<ticket id>`
//! as text and QR. Each print is recorded as a signed JET 340, never as a
//! duplicate; `--preview` records nothing. Says on standard error which
//! code was printed and which journal record logged it.

use super::receipt::{ReceiptArgs, ticket_ref, write_out};
use super::till::{fail, open_till};
use pos_core::ids::OperatorId;
use pos_hw::printer::PrinterProfile;
use pos_hw::receipt::{OutputFormat, build_gift, render};
use pos_sdk::SdkError;
use std::process::ExitCode;

/// Runs `pos receipt --gift`.
pub fn run(args: &ReceiptArgs) -> ExitCode {
    match gift(args) {
        Ok(said) => {
            eprintln!("{said}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

fn gift(args: &ReceiptArgs) -> Result<String, SdkError> {
    let format = OutputFormat::parse(&args.format)?;
    let (series, number) = ticket_ref(args)?;
    let mut till = open_till(&args.db)?;
    let id = till.ticket_by_number(series, number)?.id().to_owned();
    let lines = (!args.line.is_empty()).then_some(args.line.as_slice());
    if args.preview {
        let facts = till.gift_receipt_facts(&id, lines)?;
        let profile = PrinterProfile::by_id(&till.config().receipt.printer_profile)?;
        write_out(args, &render(&build_gift(&facts), format, &profile)?)?;
        return Ok(format!(
            "gift receipt {} (preview, not recorded)",
            facts.code
        ));
    }
    let operator = OperatorId::new(args.operator.as_str())?;
    let printed = till.gift_receipt(&id, lines, format, &operator)?;
    write_out(args, &printed.bytes)?;
    Ok(format!(
        "gift receipt {} (recorded as JET 340 {})",
        printed.code, printed.event
    ))
}
