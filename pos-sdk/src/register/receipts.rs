//! Receipts of stored tickets: the print-ready facts (NF525 section 7) and
//! their rendering through pos-hw. Printing a fiscal original a second time
//! makes a signed duplicate (series C) printed "DUPLICATA n°k"; a screen
//! preview changes nothing.

use super::Register;
use crate::SdkError;
use pos_core::ticket::{Ticket, TicketKind};
use pos_fiscal::model::Series;
use pos_hw::printer::PrinterProfile;
use pos_hw::receipt::{
    LineFacts, OutputFormat, PaymentFacts, ReceiptFacts, ReceiptKind, VatFacts, render_receipt,
};
use rusqlite::{OptionalExtension, params};

/// A rendered receipt and what it was.
#[derive(Debug, Clone)]
pub struct PrintedReceipt {
    /// The rendered bytes (ESC/POS, text, HTML, PNG or SVG).
    pub bytes: Vec<u8>,
    /// Original, duplicate n°k, refund, training.
    pub kind: ReceiptKind,
}

impl Register {
    /// The print-ready facts of ticket `number` of `series` as an original.
    pub fn stored_receipt_facts(
        &self,
        series: Series,
        number: u64,
    ) -> Result<ReceiptFacts, SdkError> {
        let ticket = self.ticket_by_number(series, number)?;
        let record = pos_fiscal::store::rows::record_by_ref(
            &self.conn,
            pos_fiscal::model::DocRef { series, number },
        )?
        .ok_or(SdkError::Corrupt {
            what: "fiscal record of a ticket",
        })?;
        let extract = record
            .signature_b64()
            .map(|s| pos_fiscal::record::receipt_extract(&s))
            .unwrap_or_default();
        let kind = match (series, ticket.kind()) {
            (Series::X, _) => ReceiptKind::Training,
            (_, TicketKind::Refund) => ReceiptKind::Refund {
                original: self.original_label(&ticket)?,
            },
            _ => ReceiptKind::Sale,
        };
        Ok(self.facts(&ticket, format!("{}{number}", series.code()), extract, kind))
    }

    /// Renders ticket `number` for the screen or an e-mail: no fiscal effect.
    pub fn preview_receipt(
        &self,
        series: Series,
        number: u64,
        format: OutputFormat,
    ) -> Result<PrintedReceipt, SdkError> {
        let facts = self.stored_receipt_facts(series, number)?;
        let profile = PrinterProfile::by_id(&self.config.receipt.printer_profile)?;
        Ok(PrintedReceipt {
            bytes: render_receipt(&facts, format, &profile)?,
            kind: facts.kind,
        })
    }

    /// Prints ticket `number`: the first print of a fiscal original is the
    /// original; every later print is a signed duplicate (series C,
    /// counter 1, 2, 3...) marked "DUPLICATA n°k".
    pub fn print_receipt(
        &mut self,
        series: Series,
        number: u64,
        format: OutputFormat,
        operator: &pos_core::ids::OperatorId,
    ) -> Result<PrintedReceipt, SdkError> {
        let mut facts = self.stored_receipt_facts(series, number)?;
        let profile = PrinterProfile::by_id(&self.config.receipt.printer_profile)?;
        let ticket_id = self.ticket_by_number(series, number)?.id().to_owned();
        let now = self.clock.now();
        let stamp = super::stamp(&self.config, now)?;
        let tx = self.conn.transaction()?;
        let printed: Option<String> = tx
            .query_row(
                "SELECT printed_at FROM receipt_prints WHERE ticket_id = ?1",
                [&ticket_id],
                |r| r.get(0),
            )
            .optional()?;
        if printed.is_some() {
            let (_, counter) = pos_fiscal::store::record_duplicate(
                &tx,
                self.signer.as_ref(),
                stamp,
                pos_fiscal::model::DocRef { series, number },
                operator.as_str(),
            )?;
            facts.kind = ReceiptKind::Duplicate { number: counter };
        } else if facts.kind.is_fiscal_original() {
            tx.execute(
                "INSERT INTO receipt_prints(ticket_id, printed_at) VALUES (?1, ?2)",
                params![ticket_id, now.to_rfc3339()],
            )?;
        }
        let bytes = render_receipt(&facts, format, &profile)?;
        tx.commit()?;
        Ok(PrintedReceipt {
            bytes,
            kind: facts.kind,
        })
    }

    pub(super) fn original_label(&self, ticket: &Ticket) -> Result<String, SdkError> {
        let Some(id) = ticket.originals().first() else {
            return Ok(String::new());
        };
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT series, number FROM tickets WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row
            .map(|(s, n)| format!("{s}{n}"))
            .unwrap_or_else(|| id.clone()))
    }

    pub(super) fn facts(
        &self,
        ticket: &Ticket,
        number: String,
        extract: String,
        kind: ReceiptKind,
    ) -> ReceiptFacts {
        let settings = &self.config.receipt;
        // Receipts name each rate by a letter (A = the highest rate of the
        // ticket), printed next to each line and in the VAT table.
        let letter = |rate: pos_core::VatRate| -> String {
            let index = ticket
                .taxes()
                .iter()
                .position(|t| t.rate == rate)
                .unwrap_or(0);
            char::from(b'A'.saturating_add(u8::try_from(index).unwrap_or(25))).to_string()
        };
        let local = ticket
            .at()
            .with_timezone(&self.config.time_zone)
            .naive_local();
        ReceiptFacts {
            currency: ticket.currency(),
            trader: settings.trader.clone(),
            register: self.config.register.to_string(),
            ticket_number: number,
            local_time: local,
            operator: ticket.operator().to_string(),
            lines: ticket
                .lines()
                .iter()
                .map(|l| {
                    let off = l.gross.checked_sub(&l.amount).ok().filter(|d| !d.is_zero());
                    let mut reasons: Vec<String> =
                        l.promotions.iter().map(|p| p.text.clone()).collect();
                    if let Some(m) = &l.manual_discount {
                        reasons.push(
                            m.reason_text
                                .clone()
                                .unwrap_or_else(|| m.reason_code.clone()),
                        );
                    }
                    // A ticket discount is spread over the lines: name it on each.
                    if !l.ticket_discount_share.is_zero() {
                        reasons.extend(ticket.ticket_promotions().iter().map(|p| p.text.clone()));
                        if let Some(d) = ticket.ticket_discount() {
                            reasons.push(
                                d.reason_text
                                    .clone()
                                    .unwrap_or_else(|| d.reason_code.clone()),
                            );
                        }
                    }
                    LineFacts {
                        label: l.label.clone(),
                        quantity: l.quantity,
                        unit: Some(l.unit.symbol())
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned),
                        unit_price: l.unit_price.amount(),
                        amount: l.amount.amount(),
                        vat_label: letter(l.vat_rate),
                        discount: off.map(|d| {
                            let why = if reasons.is_empty() {
                                "Remise".to_owned()
                            } else {
                                reasons.join(", ")
                            };
                            format!("{why} -{}", d.format_fr())
                        }),
                        weighed: l.unit.is_measured(),
                        durable_good: l.durable_good,
                    }
                })
                .collect(),
            vat: ticket
                .taxes()
                .iter()
                .map(|t| VatFacts {
                    label: letter(t.rate),
                    rate: format!("{} %", t.rate.percent_string().replace('.', ",")),
                    net: t.net.amount(),
                    vat: t.vat.amount(),
                    gross: t.gross.amount(),
                })
                .collect(),
            total: ticket.total_due().amount(),
            payments: ticket
                .payments()
                .iter()
                .map(|p| PaymentFacts {
                    tender: p.method.code().to_owned(),
                    label: tender_label(&p.method).to_owned(),
                    amount: p.tendered.amount(),
                    cancelled: false,
                })
                .collect(),
            change: ticket.change().amount(),
            software_name: "pos-sdk".into(),
            software_version: self
                .config
                .software_version
                .trim_start_matches("pos-sdk ")
                .to_owned(),
            certificate: settings.certificate.clone(),
            signature_extract: extract,
            receipt_url: settings
                .link_base
                .as_ref()
                .map(|base| format!("{}/{}", base.trim_end_matches('/'), ticket.id())),
            kind,
            logo: None,
            footer: vec!["Merci de votre visite !".into()],
        }
    }
}

fn tender_label(m: &pos_core::tender::TenderMethod) -> &'static str {
    use pos_core::tender::TenderMethod as T;
    match m {
        T::Cash => "Espèces",
        T::Card => "Carte bancaire",
        T::Cheque => "Chèque",
        T::GiftCard { .. } => "Carte cadeau",
        T::Voucher { .. } => "Bon d'achat",
        T::StoreCredit { .. } => "Avoir",
        T::MealVoucher => "Titre-restaurant",
    }
}
