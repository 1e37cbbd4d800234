//! The closure ticket ("ticket Z"): what a day, month or year closure
//! sealed, printed from the signed closure record. Besides the totals it
//! prints the chain head at close (last number and the start of the last
//! hash of every series) and the closure's own signature extract: a paper
//! Z kept in the shop's binder then anchors the journal outside the till
//! file, so a history rewritten later no longer matches the paper.

use super::document::{Block, Column, CutKind, ReceiptDocument, TextSize, TextStyle};
use super::facts::{TraderFacts, VatFacts};
use super::format::{amount, date_time};
use pos_core::Currency;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One series' head at close, as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadFacts {
    /// Series letter (`T`, `E`, `Z`...).
    pub series: String,
    /// Last number in that series at close.
    pub last: u64,
    /// The first characters of that record's hash.
    pub hash_prefix: String,
}

/// Everything a closure ticket prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureFacts {
    /// Currency of every amount.
    pub currency: Currency,
    /// The issuer.
    pub trader: TraderFacts,
    /// Register (till) identifier.
    pub register: String,
    /// `Z12`.
    pub number: String,
    /// "Clôture journalière", "Clôture mensuelle", "Clôture annuelle".
    pub title: String,
    /// The period closed (`2026-03-14`, `2026-03`, `2026`).
    pub period: String,
    /// When the closure was made, local time.
    pub made_at: chrono::NaiveDateTime,
    /// Sales and refunds counted.
    pub sales: u64,
    /// Refunds counted.
    pub refunds: u64,
    /// Refunds total (zero or negative).
    pub refunds_total: Decimal,
    /// Duplicates printed in the period.
    pub duplicates: u64,
    /// Per-rate totals.
    pub vat: Vec<VatFacts>,
    /// Payments net of change: label and amount.
    pub payments: Vec<(String, Decimal)>,
    /// Expected and counted cash of a day, if recorded.
    pub cash: Option<(Decimal, Option<Decimal>)>,
    /// The period's total.
    pub period_total: Decimal,
    /// Year-to-date total.
    pub cumulative_total: Decimal,
    /// Perpetual grand total (GT).
    pub perpetual_total: Decimal,
    /// The chain head at close.
    pub head: Vec<HeadFacts>,
    /// The closure record's signature extract.
    pub extract: String,
    /// Software name and version.
    pub software: String,
}

/// Builds the closure ticket.
pub fn build_closure(f: &ClosureFacts) -> ReceiptDocument {
    let mut doc = ReceiptDocument::new();
    let mu = f.currency.minor_units();
    let center = TextStyle::centered();
    doc.text(&f.trader.name, center.bold().sized(TextSize::Double));
    for line in &f.trader.address {
        doc.text(line, center);
    }
    doc.text(format!("SIRET {}", f.trader.siret), center);
    doc.push(Block::Feed { lines: 1 });
    doc.text(&f.title, center.bold());
    doc.row(vec![
        Column::fill(format!("{} — {}", f.number, f.period)),
        Column::right(format!("Caisse {}", f.register)),
    ]);
    doc.text(
        format!("Établie le {}", date_time(f.made_at)),
        TextStyle::PLAIN,
    );
    doc.separator('-');
    let row = |doc: &mut ReceiptDocument, label: String, value: String| {
        doc.row(vec![Column::fill(label), Column::right(value)]);
    };
    row(&mut doc, "Ventes".into(), f.sales.to_string());
    row(
        &mut doc,
        format!("Remboursements ({})", f.refunds),
        amount(f.refunds_total, mu),
    );
    row(&mut doc, "Duplicatas".into(), f.duplicates.to_string());
    doc.separator('-');
    doc.row(vec![
        Column::fill("TVA"),
        Column::right("HT"),
        Column::right("TVA"),
        Column::right("TTC"),
    ]);
    for v in &f.vat {
        doc.row(vec![
            Column::fill(&v.rate),
            Column::right(amount(v.net, mu)),
            Column::right(amount(v.vat, mu)),
            Column::right(amount(v.gross, mu)),
        ]);
    }
    doc.separator('-');
    for (label, value) in &f.payments {
        row(&mut doc, label.clone(), amount(*value, mu));
    }
    if let Some((expected, counted)) = f.cash {
        row(&mut doc, "Espèces attendues".into(), amount(expected, mu));
        if let Some(c) = counted {
            row(&mut doc, "Espèces comptées".into(), amount(c, mu));
        }
    }
    doc.separator('=');
    doc.row(vec![
        Column::fill("TOTAL PÉRIODE"),
        Column::right(amount(f.period_total, mu)),
    ]);
    row(
        &mut doc,
        "Cumul exercice".into(),
        amount(f.cumulative_total, mu),
    );
    row(
        &mut doc,
        "Grand total perpétuel".into(),
        amount(f.perpetual_total, mu),
    );
    doc.separator('-');
    doc.text("Chaînage à la clôture", TextStyle::PLAIN.bold());
    for h in &f.head {
        doc.text(
            format!("{}{} {}", h.series, h.last, h.hash_prefix),
            TextStyle::PLAIN,
        );
    }
    doc.text(format!("Signature {}", f.extract), TextStyle::PLAIN);
    doc.text(&f.software, TextStyle::PLAIN);
    doc.push(Block::Feed { lines: 2 });
    doc.push(Block::Cut {
        kind: CutKind::Partial,
    });
    doc
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::printer::PrinterProfile;
    use crate::receipt::{OutputFormat, render};
    use rust_decimal::Decimal as D;
    use std::str::FromStr;

    fn dec(s: &str) -> D {
        D::from_str(s).unwrap()
    }

    #[test]
    fn the_z_ticket_prints_totals_and_the_chain_head() {
        let f = ClosureFacts {
            currency: Currency::EUR,
            trader: TraderFacts {
                name: "Boulangerie".into(),
                address: vec![],
                siret: "55210055400018".into(),
                vat_number: None,
            },
            register: "till-1".into(),
            number: "Z3".into(),
            title: "Clôture journalière".into(),
            period: "2026-03-14".into(),
            made_at: chrono::NaiveDate::from_ymd_opt(2026, 3, 14)
                .unwrap()
                .and_hms_opt(21, 0, 0)
                .unwrap(),
            sales: 12,
            refunds: 1,
            refunds_total: dec("-1.30"),
            duplicates: 2,
            vat: vec![VatFacts {
                label: "A".into(),
                rate: "5,5 %".into(),
                net: dec("100.00"),
                vat: dec("5.50"),
                gross: dec("105.50"),
            }],
            payments: vec![("Carte bancaire".into(), dec("105.50"))],
            cash: None,
            period_total: dec("105.50"),
            cumulative_total: dec("405.50"),
            perpetual_total: dec("1405.50"),
            head: vec![HeadFacts {
                series: "T".into(),
                last: 13,
                hash_prefix: "a1b2c3d4".into(),
            }],
            extract: "x9Qe".into(),
            software: "pos-sdk 0.1.0".into(),
        };
        let text = render(
            &build_closure(&f),
            OutputFormat::Text,
            &PrinterProfile::epson_tm_t20(),
        )
        .unwrap();
        let text = String::from_utf8(text).unwrap();
        for want in [
            "Z3 — 2026-03-14",
            "405,50",
            "T13 a1b2c3d4",
            "Signature x9Qe",
            "105,50",
        ] {
            assert!(text.contains(want), "{want} missing in\n{text}");
        }
    }
}
