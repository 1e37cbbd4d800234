//! Keeping each ticket's digital receipt when its sale (or refund) event is
//! applied: the till puts `receipt: {token, facts}` in the event (the same
//! facts it prints), and the server keeps them under the token.

use super::model::StoredReceipt;
use super::token;
use crate::error::{Result, ServerError, SyncError};
use crate::{Device, Tx};
use pos_hw::receipt::ReceiptFacts;

fn bad(rule: &'static str) -> ServerError {
    ServerError::from(SyncError::Invalid {
        message: "receipt of a sale event",
        rule,
    })
}

/// Keeps the receipt a sale event carries. An event without one (a till
/// from before digital receipts) is accepted as is; a malformed one is an
/// error (the caller reports it as the event's rejection).
pub fn on_sale(tx: &mut dyn Tx, dev: &Device, payload: &serde_json::Value) -> Result<()> {
    let Some(receipt) = payload.get("receipt") else {
        return Ok(());
    };
    let token = receipt
        .get("token")
        .and_then(serde_json::Value::as_str)
        .filter(|t| token::is_well_formed(t))
        .ok_or(bad("a receipt has a well-formed token"))?;
    let facts_value = receipt.get("facts").ok_or(bad("a receipt has its facts"))?;
    let facts: ReceiptFacts = serde_json::from_value(facts_value.clone())
        .map_err(|_| bad("receipt facts are well-formed"))?;
    let ticket = payload
        .get("ticket")
        .ok_or(bad("a sale carries its ticket"))?;
    let field = |name: &str| ticket.get(name).and_then(serde_json::Value::as_str);
    let ticket_id = field("id").ok_or(bad("a ticket has an id"))?;
    if token::ticket_of(token) != Some(ticket_id) {
        return Err(bad("a receipt token names its ticket"));
    }
    let at = field("at").ok_or(bad("a ticket has a time"))?;
    tx.dr_insert_receipt(&StoredReceipt {
        token: token.to_owned(),
        store: dev.store.clone(),
        device: dev.id.clone(),
        ticket_id: ticket_id.to_owned(),
        customer: field("customer").map(str::to_owned),
        at: at.to_owned(),
        total: facts.total.to_string(),
        facts: facts_value.to_string(),
    })?;
    Ok(())
}
