//! What the bindings need beyond the facade's own calls: the receipt facts
//! of a completed sale, so every app prints the same legal receipt.

use super::{CompletedSale, Register};
use pos_core::VatRate;
use pos_core::item::Unit;
use pos_core::tender::TenderMethod;
use pos_core::ticket::TicketKind;
use pos_fiscal::model::Series;
use pos_hw::receipt::{LineFacts, PaymentFacts, ReceiptFacts, ReceiptKind, TraderFacts, VatFacts};
use rust_decimal::Decimal;
use std::str::FromStr;

/// The letter printed next to each amount for the `index`-th VAT rate.
fn vat_letter(index: usize) -> String {
    ["A", "B", "C", "D", "E", "F"]
        .get(index)
        .map_or_else(|| "?".to_owned(), |s| (*s).to_owned())
}

/// The label printed for a tender method (French receipts).
fn tender_label(method: &TenderMethod) -> &'static str {
    match method {
        TenderMethod::Cash => "Espèces",
        TenderMethod::Card => "Carte bancaire",
        TenderMethod::Cheque => "Chèque",
        TenderMethod::GiftCard { .. } => "Carte cadeau",
        TenderMethod::Voucher { .. } => "Bon d'achat",
        TenderMethod::StoreCredit { .. } => "Avoir",
        TenderMethod::MealVoucher => "Titre-restaurant",
    }
}

/// A VAT rate as French receipts print it: `5,50 %`.
fn french_rate(rate: VatRate) -> String {
    let percent = rate.percent_string();
    match Decimal::from_str(&percent) {
        Ok(mut d) => {
            d.rescale(2);
            format!("{} %", d.to_string().replace('.', ","))
        }
        Err(_) => format!("{percent} %"),
    }
}

impl Register {
    /// The facts a French receipt prints for `sale`, issued by `trader`.
    pub fn receipt_facts(&self, sale: &CompletedSale, trader: TraderFacts) -> ReceiptFacts {
        let ticket = &sale.ticket;
        let rates: Vec<_> = ticket.taxes().iter().map(|t| t.rate).collect();
        let letter = |rate| {
            rates
                .iter()
                .position(|r| *r == rate)
                .map_or_else(|| "?".to_owned(), vat_letter)
        };
        let lines = ticket
            .lines()
            .iter()
            .map(|l| LineFacts {
                label: l.label.clone(),
                quantity: l.quantity,
                unit: (l.unit == Unit::Kilogram).then(|| "kg".to_owned()),
                unit_price: l.unit_price.amount(),
                amount: l.amount.amount(),
                vat_label: letter(l.vat_rate),
                discount: l
                    .manual_discount
                    .as_ref()
                    .map(|d| format!("Remise {}", d.amount.format_plain())),
                weighed: l.unit == Unit::Kilogram,
                durable_good: l.durable_good,
            })
            .collect();
        let vat = ticket
            .taxes()
            .iter()
            .enumerate()
            .map(|(i, t)| VatFacts {
                label: vat_letter(i),
                rate: french_rate(t.rate),
                net: t.net.amount(),
                vat: t.vat.amount(),
                gross: t.gross.amount(),
            })
            .collect();
        let payments = ticket
            .payments()
            .iter()
            .map(|p| PaymentFacts {
                tender: p.method.code().to_owned(),
                label: tender_label(&p.method).to_owned(),
                amount: p.tendered.amount(),
                cancelled: false,
            })
            .collect();
        let kind = if sale.series == Series::X {
            ReceiptKind::Training
        } else if ticket.kind() == TicketKind::Refund {
            ReceiptKind::Refund {
                original: ticket.originals().join(", "),
            }
        } else {
            ReceiptKind::Sale
        };
        let utc = ticket.at().naive_utc();
        let local_time = chrono::TimeDelta::try_seconds(i64::from(ticket.utc_offset_seconds()))
            .and_then(|d| utc.checked_add_signed(d))
            .unwrap_or(utc);
        let (name, version) = self
            .config
            .software_version
            .rsplit_once(' ')
            .unwrap_or((self.config.software_version.as_str(), ""));
        ReceiptFacts {
            currency: ticket.currency(),
            trader,
            register: self.config.register.to_string(),
            ticket_number: format!("{} {}", sale.series.code(), sale.number),
            local_time,
            operator: ticket.operator().to_string(),
            lines,
            vat,
            total: ticket.total().amount(),
            payments,
            change: ticket.change().amount(),
            software_name: name.to_owned(),
            software_version: version.to_owned(),
            certificate: None,
            signature_extract: sale.fiscal.extract.clone(),
            receipt_url: None,
            kind,
            logo: None,
            footer: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_print_the_french_way() {
        for (bps, printed) in [(2000, "20,00 %"), (550, "5,50 %"), (210, "2,10 %")] {
            assert_eq!(french_rate(VatRate::from_bps(bps).unwrap()), printed);
        }
    }

    #[test]
    fn letters_and_tender_labels() {
        assert_eq!(vat_letter(0), "A");
        assert_eq!(vat_letter(9), "?");
        assert_eq!(tender_label(&TenderMethod::Cash), "Espèces");
        assert_eq!(tender_label(&TenderMethod::MealVoucher), "Titre-restaurant");
    }
}
