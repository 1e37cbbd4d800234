//! Receipts of stored tickets: the print-ready facts (NF525 section 7) and
//! their rendering through pos-hw. Printing a fiscal original a second time
//! makes a signed duplicate (series C) printed "DUPLICATA n°k"; a screen
//! preview changes nothing.
//!
//! The receipt link (QR and e-mail) is `{link_base}/r/{token}`, the token an
//! HMAC of the ticket id under the till's own link key (`pos_sync::digital::
//! token`): the same link on every print, computed offline; the sale event
//! carries the token and the facts so the server's page equals the paper.

use super::{Register, TillSettings};
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
        // Printed under the record's signature extract: the copy must say
        // what the record signs, or nothing is printed.
        super::signed_copy::ensure_agrees(
            &self.conn,
            pos_fiscal::model::DocRef { series, number },
        )?;
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
            (_, TicketKind::Exchange) => ReceiptKind::Exchange {
                original: self.original_label(&ticket)?,
            },
            _ => ReceiptKind::Sale,
        };
        // The merchant block is the one signed in force at the sale.
        let printed = self.settings_of_record(pos_fiscal::model::DocRef { series, number })?;
        printed.ensure_printable()?;
        let url = self.link_with(&printed, ticket.id());
        Ok(build_facts(
            &self.config,
            &printed,
            &ticket,
            format!("{}{number}", series.code()),
            extract,
            kind,
            url,
        ))
    }

    /// The settings signed as in force when ticket `ticket_id` was recorded
    /// (the settings in force now for a ticket not stored).
    fn settings_of_ticket(&self, ticket_id: &str) -> Result<TillSettings, SdkError> {
        let doc = stored_doc_ref(&self.conn, ticket_id)?;
        match doc {
            Some(doc) => self.settings_of_record(doc),
            None => Ok(self.settings()),
        }
    }

    /// The link of `ticket_id` under `settings`' link base (`None` without
    /// one or without the till's link key).
    fn link_with(&self, settings: &TillSettings, ticket_id: &str) -> Option<String> {
        let base = settings.receipt_link_base.as_ref()?;
        let tx = self.conn.unchecked_transaction().ok()?;
        let key = crate::db::meta_get(&tx, LINK_KEY).ok().flatten();
        drop(tx);
        let key = key.and_then(|k| hex::decode(k).ok())?;
        let token = pos_sync::digital::token::link_token(&key, ticket_id).ok()?;
        Some(pos_sync::digital::token::receipt_url(base, &token))
    }

    /// The digital receipt link of a ticket (`None` without a link base or
    /// before the till's first sale made its link key). The link base is the
    /// one signed in force when the ticket was recorded, so every print of a
    /// ticket carries the same link.
    pub fn receipt_link(&self, ticket_id: &str) -> Result<Option<String>, SdkError> {
        let settings = self.settings_of_ticket(ticket_id)?;
        let Some(base) = &settings.receipt_link_base else {
            return Ok(None);
        };
        let tx = self.conn.unchecked_transaction()?;
        let key = crate::db::meta_get(&tx, LINK_KEY)?;
        drop(tx);
        let Some(key) = key.and_then(|k| hex::decode(k).ok()) else {
            return Ok(None);
        };
        let token = pos_sync::digital::token::link_token(&key, ticket_id).map_err(|_| {
            SdkError::Corrupt {
                what: "receipt link key",
            }
        })?;
        Ok(Some(pos_sync::digital::token::receipt_url(base, &token)))
    }

    /// Asks the server to send ticket `ticket_id`'s receipt by e-mail or SMS
    /// (the server checks the customer's consent and sends at most once per
    /// ticket and channel, so retrying after a transport failure is safe).
    /// The till must be enrolled for sync.
    pub fn send_digital_receipt(
        &self,
        transport: &mut dyn pos_sync::transport::Transport,
        ticket_id: &str,
        channel: pos_core::customer::Channel,
    ) -> Result<pos_sync::digital::SendReceiptResponse, pos_sync::SyncError> {
        let creds = crate::sync::credentials(self)?.ok_or(pos_sync::SyncError::NotFound {
            what: "sync enrolment",
        })?;
        pos_sync::digital::request::send_receipt(
            transport,
            &creds,
            ticket_id,
            channel,
            self.clock.now().timestamp_millis(),
        )
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
        // A reprint is a signed duplicate: the clock must be plausible.
        let now = self.checked_now()?;
        let stamp = super::stamp(&self.config, now)?;
        let tx = self.conn.transaction()?;
        let printed: Option<String> = tx
            .query_row(
                "SELECT printed_at FROM receipt_prints WHERE ticket_id = ?1",
                [&ticket_id],
                |r| r.get(0),
            )
            .optional()?;
        // A ticket already reprinted (a duplicate recorded by `duplicate`,
        // without going through here) was printed too.
        let doc = pos_fiscal::model::DocRef { series, number };
        if printed.is_some() || pos_fiscal::store::rows::reprints(&tx, doc)? > 0 {
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
        original_label(&self.conn, ticket)
    }

    pub(super) fn facts(
        &self,
        ticket: &Ticket,
        number: String,
        extract: String,
        kind: ReceiptKind,
    ) -> ReceiptFacts {
        // A link that cannot be computed leaves the QR out; nothing legal
        // depends on it. Settings that cannot be read back from the journal
        // leave the ones in force now.
        let printed = self
            .settings_of_ticket(ticket.id())
            .unwrap_or_else(|_| self.settings());
        let url = self.link_with(&printed, ticket.id());
        build_facts(&self.config, &printed, ticket, number, extract, kind, url)
    }
}

/// The meta key of the till's receipt link key (32 bytes, hex).
const LINK_KEY: &str = "receipt_link_key";
/// The till's receipt link key, made from the operating system's entropy
/// the first time (inside the caller's transaction).
pub(crate) fn link_key(tx: &rusqlite::Transaction<'_>) -> Result<Vec<u8>, SdkError> {
    if let Some(key) = crate::db::meta_get(tx, LINK_KEY)?.and_then(|k| hex::decode(k).ok()) {
        return Ok(key);
    }
    let mut key = [0u8; pos_sync::digital::token::KEY_BYTES];
    rand::TryRngCore::try_fill_bytes(&mut rand::rngs::OsRng, &mut key).map_err(|_| {
        SdkError::Precondition {
            what: "operating-system entropy",
        }
    })?;
    crate::db::meta_set(tx, LINK_KEY, &hex::encode(key))?;
    Ok(key.to_vec())
}

/// The digital receipt a sale event carries: the link token and the facts
/// the till prints (so the server's page shows the same receipt).
pub(crate) fn receipt_for_event(
    tx: &rusqlite::Transaction<'_>,
    config: &super::RegisterConfig,
    ticket: &Ticket,
    fiscal: &pos_fiscal::store::Recorded,
) -> Result<serde_json::Value, SdkError> {
    let key = link_key(tx)?;
    let token =
        pos_sync::digital::token::link_token(&key, ticket.id()).map_err(|_| SdkError::Corrupt {
            what: "receipt link key",
        })?;
    let kind = match ticket.kind() {
        TicketKind::Refund => ReceiptKind::Refund {
            original: original_label(tx, ticket)?,
        },
        TicketKind::Exchange => ReceiptKind::Exchange {
            original: original_label(tx, ticket)?,
        },
        _ => ReceiptKind::Sale,
    };
    let url = config
        .receipt
        .link_base
        .as_ref()
        .map(|base| pos_sync::digital::token::receipt_url(base, &token));
    // The settings in force now are the last signed ones (they change only
    // with their JET 270, in their own transaction).
    let facts = build_facts(
        config,
        &TillSettings::from_config(config),
        ticket,
        format!("{}{}", fiscal.doc.series.code(), fiscal.doc.number),
        fiscal.extract.clone(),
        kind,
        url,
    );
    Ok(serde_json::json!({ "token": token, "facts": facts }))
}

/// The series and number columns of stored ticket `ticket_id`, as stored
/// (none for a ticket this till has not recorded).
pub(crate) fn stored_doc_row(
    conn: &rusqlite::Connection,
    ticket_id: &str,
) -> rusqlite::Result<Option<(String, i64)>> {
    conn.query_row(
        "SELECT series, number FROM tickets WHERE id = ?1",
        [ticket_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// The fiscal reference of stored ticket `ticket_id`: none when this till
/// has not recorded it or its stored series or number does not read.
pub(crate) fn stored_doc_ref(
    conn: &rusqlite::Connection,
    ticket_id: &str,
) -> rusqlite::Result<Option<pos_fiscal::model::DocRef>> {
    Ok(stored_doc_row(conn, ticket_id)?.and_then(|(s, n)| {
        Some(pos_fiscal::model::DocRef {
            series: Series::parse(&s)?,
            number: u64::try_from(n).ok()?,
        })
    }))
}

/// The fiscal reference of a stored series and number; a value that does
/// not read is corrupt storage.
pub(crate) fn doc_ref_of(series: &str, number: i64) -> Result<pos_fiscal::model::DocRef, SdkError> {
    let series = Series::parse(series).ok_or(SdkError::Corrupt {
        what: "ticket series",
    })?;
    let number = u64::try_from(number).map_err(|_| SdkError::Corrupt {
        what: "ticket number",
    })?;
    Ok(pos_fiscal::model::DocRef { series, number })
}

fn original_label(conn: &rusqlite::Connection, ticket: &Ticket) -> Result<String, SdkError> {
    {
        let Some(id) = ticket.originals().first() else {
            return Ok(String::new());
        };
        let row: Option<(String, i64)> = conn
            .query_row(
                "SELECT series, number FROM tickets WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((s, n)) = row {
            return Ok(format!("{s}{n}"));
        }
        // Another till's original: its till, series and number.
        Ok(
            match super::refund_anywhere::remote_ref(conn, id, ticket.store().as_str())? {
                Some((doc, till)) => format!("{till}/{}{}", doc.series.code(), doc.number),
                None => id.clone(),
            },
        )
    }
}

/// The print-ready facts of a ticket under a till's configuration.
fn build_facts(
    config: &super::RegisterConfig,
    settings: &TillSettings,
    ticket: &Ticket,
    number: String,
    extract: String,
    kind: ReceiptKind,
    receipt_url: Option<String>,
) -> ReceiptFacts {
    {
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
        let local = ticket.at().with_timezone(&config.time_zone).naive_local();
        ReceiptFacts {
            currency: ticket.currency(),
            trader: settings.trader_facts(),
            register: config.register.to_string(),
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
                    card: p.card.clone(),
                })
                .collect(),
            change: ticket.change().amount(),
            software_name: "pos-sdk".into(),
            software_version: config
                .software_version
                .trim_start_matches("pos-sdk ")
                .to_owned(),
            certificate: config.receipt.certificate.clone(),
            signature_extract: extract,
            receipt_url,
            kind,
            logo: settings.logo.clone(),
            footer: settings.footer.clone(),
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
