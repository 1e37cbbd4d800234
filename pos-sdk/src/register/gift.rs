//! Gift receipts ("ticket cadeau") of stored sales: the items (all lines or
//! chosen ones) without any price, with the code `GIFT-<ticket id>` as text
//! and QR, by which any till of the retailer finds the sale (through the
//! server) for an exchange or a refund as store credit.
//!
//! NF525: a gift receipt is not a copy of the fiscal document (it shows no
//! amount, no VAT, no payment and no signature extract), so it is not a
//! duplicate: no series C record, no "DUPLICATA" counter, no total moves.
//! Printing one is still traced, as a signed JET 340 (`gift receipt
//! printed`) naming the sale, the lines printed and the code, so every
//! paper that can bring goods back to a till is on the journal.

use super::Register;
use crate::SdkError;
use pos_core::gift_code::GiftCode;
use pos_core::ticket::TicketKind;
use pos_fiscal::jet::JetCode;
use pos_fiscal::model::{DocRef, Series};
use pos_hw::printer::PrinterProfile;
use pos_hw::receipt::{GiftFacts, GiftLineFacts, OutputFormat, build_gift, render};
use std::collections::BTreeMap;

/// A rendered gift receipt.
#[derive(Debug, Clone)]
pub struct PrintedGiftReceipt {
    /// The rendered bytes (ESC/POS, text, HTML, PNG or SVG).
    pub bytes: Vec<u8>,
    /// The gift code printed (`GIFT-<ticket id>`).
    pub code: GiftCode,
    /// The JET record of the print (`E<n>`).
    pub event: String,
}

impl Register {
    /// The facts of a gift receipt of sale `ticket_id`: every sold line, or
    /// only `lines` (numbered from 1 as on the ticket, each at most once).
    /// No fiscal effect (a screen preview); [`Register::gift_receipt`]
    /// prints and records it.
    pub fn gift_receipt_facts(
        &self,
        ticket_id: &str,
        lines: Option<&[u32]>,
    ) -> Result<GiftFacts, SdkError> {
        Ok(self.gift_parts(ticket_id, lines)?.facts)
    }

    /// Prints a gift receipt of sale `ticket_id` (all lines, or only
    /// `lines`, numbered from 1) in `format`, and records the print as a
    /// signed JET 340 by `operator`. Refused, recording nothing: a ticket
    /// that is not a sale (refund, exchange, training), a line number that
    /// is 0, past the end, repeated or a return line, an empty choice.
    pub fn gift_receipt(
        &mut self,
        ticket_id: &str,
        lines: Option<&[u32]>,
        format: OutputFormat,
        operator: &pos_core::ids::OperatorId,
    ) -> Result<PrintedGiftReceipt, SdkError> {
        let mut parts = self.gift_parts(ticket_id, lines)?;
        let profile = PrinterProfile::by_id(&self.config.receipt.printer_profile)?;
        // The record is signed and dated: the clock must be plausible.
        let now = self.checked_now()?;
        parts.facts.printed_at = now.with_timezone(&self.config.time_zone).naive_local();
        let bytes = render(&build_gift(&parts.facts), format, &profile)?;
        let stamp = super::stamp(&self.config, now)?;
        let mut detail = BTreeMap::new();
        detail.insert("document".to_owned(), parts.facts.ticket_number.clone());
        detail.insert(
            "lines".to_owned(),
            parts
                .numbers
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(","),
        );
        detail.insert("code".to_owned(), parts.code.to_string());
        let tx = self.conn.transaction()?;
        let recorded = pos_fiscal::store::record_event(
            &tx,
            self.signer.as_ref(),
            stamp,
            JetCode::GiftReceipt,
            operator.as_str(),
            detail,
        )?;
        tx.commit()?;
        Ok(PrintedGiftReceipt {
            bytes,
            code: parts.code,
            event: format!("{}{}", recorded.doc.series.code(), recorded.doc.number),
        })
    }

    fn gift_parts(&self, ticket_id: &str, lines: Option<&[u32]>) -> Result<GiftParts, SdkError> {
        let ticket = self.ticket(ticket_id)?;
        let doc = self.gift_doc(ticket_id)?;
        if doc.series == Series::X || ticket.kind() != TicketKind::Sale {
            return Err(SdkError::InvalidInput {
                field: "ticket",
                expected: "a sale (not a refund, exchange or training ticket)",
            });
        }
        // Printed from the stored ticket: it must say what the record signs.
        super::signed_copy::ensure_agrees(&self.conn, doc)?;
        let count = ticket.lines().len();
        let numbers: Vec<u32> = match lines {
            None => (1..=u32::try_from(count).unwrap_or(u32::MAX)).collect(),
            Some(chosen) => chosen.to_vec(),
        };
        if numbers.is_empty() {
            return Err(SdkError::InvalidInput {
                field: "gift receipt lines",
                expected: "at least one line",
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        let mut printed = Vec::with_capacity(numbers.len());
        for &n in &numbers {
            let line = usize::try_from(n)
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| ticket.lines().get(i))
                .filter(|l| l.quantity.is_sign_positive() && !l.quantity.is_zero());
            let Some(line) = line.filter(|_| seen.insert(n)) else {
                return Err(SdkError::InvalidInput {
                    field: "gift receipt line",
                    expected: "each sold line of the ticket at most once, numbered from 1",
                });
            };
            printed.push(GiftLineFacts {
                label: line.label.clone(),
                quantity: line.quantity,
                unit: Some(line.unit.symbol())
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned),
            });
        }
        let code = GiftCode::for_ticket(ticket.id())
            .map_err(|_| SdkError::Corrupt { what: "ticket id" })?;
        let settings = self.settings_of_record(doc)?;
        settings.ensure_printable()?;
        let local = |at: chrono::DateTime<chrono::Utc>| {
            at.with_timezone(&self.config.time_zone).naive_local()
        };
        let facts = GiftFacts {
            trader: settings.trader_facts(),
            register: self.config.register.to_string(),
            ticket_number: format!("{}{}", doc.series.code(), doc.number),
            sold_at: local(ticket.at()),
            printed_at: local(self.clock.now()),
            lines: printed,
            code: code.to_string(),
            software_name: "pos-sdk".into(),
            software_version: self
                .config
                .software_version
                .trim_start_matches("pos-sdk ")
                .to_owned(),
            logo: settings.logo.clone(),
            footer: settings.footer.clone(),
        };
        Ok(GiftParts {
            facts,
            code,
            numbers,
        })
    }

    /// The fiscal reference of stored ticket `ticket_id`.
    fn gift_doc(&self, ticket_id: &str) -> Result<DocRef, SdkError> {
        super::receipts::stored_doc_ref(&self.conn, ticket_id)?.ok_or(SdkError::Corrupt {
            what: "fiscal reference of a ticket",
        })
    }
}

struct GiftParts {
    facts: GiftFacts,
    code: GiftCode,
    numbers: Vec<u32>,
}
