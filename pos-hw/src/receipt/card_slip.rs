//! The card lines under a card payment, as a French card slip ("ticket
//! client") prints them: scheme and masked number, authorisation code and
//! entry mode, the processor's reference, and on a refund the charge it
//! pays back. Only masked card data ever reaches here (see
//! [`pos_core::tender::MaskedPan`]).

use super::document::{ReceiptDocument, TextStyle};
use pos_core::tender::CardReference;

/// Pushes the card lines of `card`, indented under its payment row.
pub fn push(doc: &mut ReceiptDocument, card: &CardReference) {
    for line in lines(card) {
        doc.text(format!("  {line}"), TextStyle::PLAIN);
    }
}

/// The lines, without indent: `VISA **** **** **** 1234`,
/// `AUTO 123456 SANS CONTACT`, `Réf. pi_…`, `Terminal …`, `Remb. de …`.
pub fn lines(card: &CardReference) -> Vec<String> {
    let mut out = Vec::new();
    let scheme = card.scheme().map(|s| s.label());
    let pan = card.masked_pan().map(|p| p.to_string());
    let first: Vec<String> = scheme.into_iter().chain(pan).collect();
    if !first.is_empty() {
        out.push(first.join(" "));
    }
    let auth = card.authorisation_code().map(|c| format!("AUTO {c}"));
    let mode = card.entry_mode().map(|m| m.label().to_owned());
    let second: Vec<String> = auth.into_iter().chain(mode).collect();
    if !second.is_empty() {
        out.push(second.join(" "));
    }
    if let Some(r) = card.processor_reference() {
        out.push(format!("Réf. {r}"));
    }
    if let Some(t) = card.terminal_id() {
        out.push(format!("Terminal {t}"));
    }
    if let Some(o) = card.original_reference() {
        out.push(format!("Remb. de {o}"));
    }
    out
}
