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

/// Keeps the receipt a sale event carries (see [`check`]).
pub fn on_sale(tx: &mut dyn Tx, dev: &Device, payload: &serde_json::Value) -> Result<()> {
    if let Some(r) = check(dev, payload)? {
        keep(tx, &r)?;
    }
    Ok(())
}

/// Stores a receipt [`check`] accepted.
pub fn keep(tx: &mut dyn Tx, r: &StoredReceipt) -> Result<()> {
    tx.dr_insert_receipt(r)?;
    Ok(())
}

/// The receipt a sale event carries, checked without writing anything (so
/// a malformed receipt refuses the event before any of its effects). An
/// event without one (a till from before digital receipts) has none; a
/// malformed one is an error (the caller reports it as the event's
/// rejection).
pub fn check(dev: &Device, payload: &serde_json::Value) -> Result<Option<StoredReceipt>> {
    let Some(receipt) = payload.get("receipt") else {
        return Ok(None);
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
    if let Some(c) = field("customer") {
        crate::validate::customer_id(c)?;
    }
    Ok(Some(StoredReceipt {
        token: token.to_owned(),
        store: dev.store.clone(),
        device: dev.id.clone(),
        ticket_id: ticket_id.to_owned(),
        customer: field("customer").map(str::to_owned),
        at: at.to_owned(),
        total: facts.total.to_string(),
        facts: facts_value.to_string(),
    }))
}
