//! The gift receipt ("ticket cadeau"): the items of a sale without any
//! price, total, VAT or payment, with the gift code (`GIFT-<ticket id>`) as
//! text and as a QR so any till of the retailer finds the sale for an
//! exchange or a refund as store credit.
//!
//! [`GiftFacts`] holds no amount at all, so no gift receipt can show one.
//! The document is marked "TICKET CADEAU" at its head and foot and says it
//! is not a receipt: it must never be taken for the priced ticket or one of
//! its duplicates (which say "DUPLICATA n°k"), and it prints no signature
//! extract of the sale.

use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::document::{
    Bitmap, Block, Column, CutKind, QrLevel, ReceiptDocument, TextSize, TextStyle,
};
use super::facts::TraderFacts;
use super::format::{date_time, quantity};

/// One item on a gift receipt: what and how many, never its price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftLineFacts {
    /// Designation.
    pub label: String,
    /// Quantity sold (fractional for weighed goods).
    pub quantity: Decimal,
    /// Unit of the quantity (`kg`), `None` for pieces.
    pub unit: Option<String>,
}

/// Everything a gift receipt prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftFacts {
    /// The issuer.
    pub trader: TraderFacts,
    /// The register (till) of the sale.
    pub register: String,
    /// The sale's number in its series (`T42`), as a reference only.
    pub ticket_number: String,
    /// Local date and time of the sale.
    pub sold_at: NaiveDateTime,
    /// Local date and time this gift receipt was printed.
    pub printed_at: NaiveDateTime,
    /// The items given.
    pub lines: Vec<GiftLineFacts>,
    /// The gift code (`GIFT-<ticket id>`), printed and in the QR.
    pub code: String,
    /// Software name.
    pub software_name: String,
    /// Software version.
    pub software_version: String,
    /// Shop logo, printed at the top.
    #[serde(default)]
    pub logo: Option<Bitmap>,
    /// Free footer lines ("Merci de votre visite").
    #[serde(default)]
    pub footer: Vec<String>,
}

/// The banner at the head and foot of a gift receipt.
pub const GIFT_BANNER: &str = "TICKET CADEAU";

/// Builds the gift receipt document.
pub fn build_gift(f: &GiftFacts) -> ReceiptDocument {
    let mut doc = ReceiptDocument::new();
    let center = TextStyle::centered();
    let big = center.bold().sized(TextSize::Double);
    if let Some(logo) = &f.logo {
        doc.push(Block::Logo {
            bitmap: logo.clone(),
        });
    }
    doc.text(&f.trader.name, big);
    for line in &f.trader.address {
        doc.text(line, center);
    }
    doc.text(format!("SIRET {}", f.trader.siret), center);
    doc.push(Block::Feed { lines: 1 });

    banner(&mut doc);
    doc.row(vec![
        Column::fill(format!("Achat n° {}", f.ticket_number)),
        Column::right(format!("Caisse {}", f.register)),
    ]);
    doc.text(
        format!("Acheté le {}", date_time(f.sold_at)),
        TextStyle::PLAIN,
    );
    doc.separator('-');
    for line in &f.lines {
        let unit = line
            .unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        doc.row(vec![
            Column::fill(&line.label),
            Column::right(format!("x {}{unit}", quantity(line.quantity))),
        ]);
    }
    doc.separator('-');
    doc.text("Échange ou avoir sur présentation", center);
    doc.text("de ce ticket dans nos magasins.", center);
    doc.push(Block::Feed { lines: 1 });
    doc.text("Code cadeau", center);
    doc.text(&f.code, center.bold());
    doc.push(Block::Qr {
        data: f.code.clone(),
        module_size: 4,
        level: QrLevel::M,
    });
    doc.push(Block::Feed { lines: 1 });
    doc.text(
        format!("Imprimé le {}", date_time(f.printed_at)),
        TextStyle::PLAIN,
    );
    doc.text(
        format!("{} {}", f.software_name, f.software_version),
        center,
    );
    for line in &f.footer {
        doc.text(line, center);
    }
    // Repeated at the foot: a torn-off half still says what it is.
    banner(&mut doc);
    doc.push(Block::Feed { lines: 2 });
    doc.push(Block::Cut {
        kind: CutKind::Partial,
    });
    doc
}

fn banner(doc: &mut ReceiptDocument) {
    doc.text(
        GIFT_BANNER,
        TextStyle::centered().bold().sized(TextSize::Double),
    );
    doc.text(
        "Sans prix - ne vaut pas ticket de caisse",
        TextStyle::centered(),
    );
}
