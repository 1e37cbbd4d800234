//! Builds the French receipt document (NF525.md section 7) from [`ReceiptFacts`].
//!
//! Mentions, in print order: logo, trader name, address, SIRET and VAT
//! number; the document kind ("DUPLICATA n°k", "MODE ÉCOLE", "DOCUMENT
//! PROVISOIRE", refund with the original's reference); ticket and register
//! numbers, date and time, operator; the lines with quantity, unit price,
//! amount, VAT code and discount; total; net / VAT / gross per rate;
//! payments and change; software name and version, certificate, signature
//! extract; the legal-warranty mention for durable goods; the QR link; cut.

use super::document::{
    Align, Block, Column, CutKind, QrLevel, ReceiptDocument, TextSize, TextStyle,
};
use super::facts::{ReceiptFacts, ReceiptKind};
use super::format::{amount, date_time, money, quantity};
use crate::escpos::drawer::DrawerConfig;

/// The legal-warranty mention printed when a durable good is sold
/// (Code de la consommation, art. L217-3 and following).
pub const LEGAL_WARRANTY_MENTION: &str = "Garantie légale de conformité : 2 ans à compter de la délivrance du bien (art. L217-3 et suivants du Code de la consommation).";

/// Builds the receipt document for `facts`.
pub fn build(facts: &ReceiptFacts) -> ReceiptDocument {
    let mut doc = ReceiptDocument::new();
    let mu = facts.currency.minor_units();
    let sym = facts.currency.symbol();
    let center = TextStyle::centered();

    if let Some(logo) = &facts.logo {
        doc.push(Block::Logo {
            bitmap: logo.clone(),
        });
    }
    doc.text(&facts.trader.name, center.bold().sized(TextSize::Double));
    for line in &facts.trader.address {
        doc.text(line, center);
    }
    doc.text(format!("SIRET {}", facts.trader.siret), center);
    if let Some(vat) = &facts.trader.vat_number {
        doc.text(format!("TVA intracom. {vat}"), center);
    }
    doc.push(Block::Feed { lines: 1 });

    kind_banner(&mut doc, &facts.kind);

    doc.row(vec![
        Column::fill(format!("Ticket n° {}", facts.ticket_number)),
        Column::right(format!("Caisse {}", facts.register)),
    ]);
    doc.text(date_time(facts.local_time), TextStyle::PLAIN);
    doc.text(format!("Opérateur {}", facts.operator), TextStyle::PLAIN);
    doc.separator('-');

    for line in &facts.lines {
        doc.row(vec![
            Column::fill(&line.label),
            Column::right(amount(line.amount, mu)),
            Column::right(&line.vat_label),
        ]);
        let unit = line
            .unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        let per = line
            .unit
            .as_deref()
            .map(|u| format!("/{u}"))
            .unwrap_or_default();
        doc.text(
            format!(
                "  {}{unit} x {}{per}",
                quantity(line.quantity),
                money(line.unit_price, mu, sym)
            ),
            TextStyle::PLAIN,
        );
        if let Some(discount) = &line.discount {
            doc.text(format!("  {discount}"), TextStyle::PLAIN);
        }
    }
    doc.separator('-');
    doc.push(Block::Row {
        columns: vec![
            Column::fill("TOTAL TTC"),
            Column::right(money(facts.total, mu, sym)),
        ],
        bold: true,
        size: TextSize::DoubleHeight,
    });

    vat_table(&mut doc, facts);
    doc.separator('-');

    for payment in &facts.payments {
        let label = if payment.cancelled {
            format!("{} (annulé)", payment.label)
        } else {
            payment.label.clone()
        };
        doc.row(vec![
            Column::fill(label),
            Column::right(money(payment.amount, mu, sym)),
        ]);
        if let Some(card) = &payment.card {
            super::card_slip::push(&mut doc, card);
        }
    }
    if !facts.change.is_zero() {
        doc.row(vec![
            Column::fill("Rendu"),
            Column::right(money(facts.change, mu, sym)),
        ]);
    }
    doc.separator('-');

    doc.text(
        format!("{} {}", facts.software_name, facts.software_version),
        center,
    );
    if let Some(cert) = &facts.certificate {
        doc.text(format!("Certificat {cert}"), center);
    }
    doc.text(format!("Signature {}", facts.signature_extract), center);

    if facts.lines.iter().any(|l| l.durable_good) {
        doc.push(Block::Feed { lines: 1 });
        doc.text(LEGAL_WARRANTY_MENTION, TextStyle::PLAIN);
    }
    if let Some(url) = &facts.receipt_url {
        doc.push(Block::Feed { lines: 1 });
        doc.text("Votre ticket en ligne :", center);
        doc.push(Block::Qr {
            data: url.clone(),
            module_size: 4,
            level: QrLevel::M,
        });
    }
    for line in &facts.footer {
        doc.text(line, center);
    }
    // Repeat the banner at the foot: a torn-off copy still says what it is.
    if !matches!(facts.kind, ReceiptKind::Sale) {
        kind_banner(&mut doc, &facts.kind);
    }
    doc.push(Block::Feed { lines: 2 });
    doc.push(Block::Cut {
        kind: CutKind::Partial,
    });
    doc
}

/// Builds the receipt with the drawer pulse first when `drawer` says one of
/// the payments opens it (the cashier gives change while the receipt prints).
pub fn build_for_till(facts: &ReceiptFacts, drawer: Option<&DrawerConfig>) -> ReceiptDocument {
    let mut doc = build(facts);
    if let Some(pulse) = drawer.and_then(|d| d.pulse_for(facts)) {
        doc.blocks.insert(0, pulse);
    }
    doc
}

/// Net / VAT / gross per rate, the amount columns padded to one width each
/// so they line up under their headings on every paper width.
fn vat_table(doc: &mut ReceiptDocument, facts: &ReceiptFacts) {
    let mu = facts.currency.minor_units();
    let mut rows: Vec<[String; 4]> = vec![[
        "TVA".to_owned(),
        "HT".to_owned(),
        "TVA".to_owned(),
        "TTC".to_owned(),
    ]];
    for rate in &facts.vat {
        rows.push([
            format!("{} {}", rate.label, rate.rate),
            amount(rate.net, mu),
            amount(rate.vat, mu),
            amount(rate.gross, mu),
        ]);
    }
    let mut widths = [0usize; 4];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for (i, row) in rows.into_iter().enumerate() {
        let columns = row
            .into_iter()
            .zip(widths)
            .enumerate()
            .map(|(c, (text, w))| {
                let align = if c == 0 { Align::Left } else { Align::Right };
                Column {
                    text: super::layout::pad(&text, w, align),
                    align,
                    weight: 1,
                }
            })
            .collect();
        doc.push(Block::Row {
            columns,
            bold: i == 0,
            size: TextSize::Normal,
        });
    }
}

/// The big banner that tells which kind of document this is.
fn kind_banner(doc: &mut ReceiptDocument, kind: &ReceiptKind) {
    let big = TextStyle::centered().bold().sized(TextSize::Double);
    match kind {
        ReceiptKind::Sale => {}
        ReceiptKind::Refund { original } => {
            doc.text("REMBOURSEMENT", big);
            doc.text(
                format!("Ticket d'origine n° {original}"),
                TextStyle::centered(),
            );
        }
        ReceiptKind::Exchange { original } => {
            doc.text("ÉCHANGE", big);
            doc.text(
                format!("Ticket d'origine n° {original}"),
                TextStyle::centered(),
            );
            doc.text(
                "Articles rendus en négatif, solde ci-dessous",
                TextStyle::centered(),
            );
        }
        ReceiptKind::Duplicate { number } => {
            doc.text(format!("DUPLICATA n°{number}"), big);
        }
        ReceiptKind::Training => {
            doc.text("MODE ÉCOLE", big);
            doc.text("Ticket de formation, sans valeur", TextStyle::centered());
        }
        ReceiptKind::ProvisionalBill => {
            doc.text("DOCUMENT PROVISOIRE", big);
            doc.text("Ne vaut pas ticket de caisse", TextStyle::centered());
        }
    }
}
