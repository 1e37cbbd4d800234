//! What the bindings need beyond the facade's own calls: the receipt facts
//! of a sale just completed, issued by a given trader, so every app prints
//! the same legal receipt. The facts come from the one receipt builder of
//! `receipts.rs`.

use super::{CompletedSale, Register};
use pos_core::ticket::TicketKind;
use pos_fiscal::model::Series;
use pos_hw::receipt::{ReceiptFacts, ReceiptKind, TraderFacts};

impl Register {
    /// The facts a French receipt prints for `sale`, issued by `trader`.
    pub fn receipt_facts(&self, sale: &CompletedSale, trader: TraderFacts) -> ReceiptFacts {
        let ticket = &sale.ticket;
        let kind = match (sale.series, ticket.kind()) {
            (Series::X, _) => ReceiptKind::Training,
            (_, TicketKind::Refund) => ReceiptKind::Refund {
                original: self
                    .original_label(ticket)
                    .unwrap_or_else(|_| ticket.originals().join(", ")),
            },
            (_, TicketKind::Exchange) => ReceiptKind::Exchange {
                original: self
                    .original_label(ticket)
                    .unwrap_or_else(|_| ticket.originals().join(", ")),
            },
            _ => ReceiptKind::Sale,
        };
        let number = format!("{}{}", sale.series.code(), sale.number);
        let mut facts = self.facts(ticket, number, sale.fiscal.extract.clone(), kind);
        facts.trader = trader;
        facts
    }
}

#[cfg(test)]
mod tests {
    use crate::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
    use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
    use pos_core::tender::{Tender, TenderMethod};
    use std::sync::Arc;

    #[test]
    fn facts_of_a_completed_sale_carry_the_given_trader_and_the_signature() {
        let config = RegisterConfig::france(
            StoreId::new("s").unwrap(),
            RegisterId::new("r").unwrap(),
            LocationId::new("shop").unwrap(),
        )
        .unwrap();
        let clock = Arc::new(ManualClock::new("2026-03-01T10:00:00Z".parse().unwrap()));
        let signer = pos_fiscal::signer::SoftwareSigner::from_secret(&[7u8; 32]).unwrap();
        let mut reg =
            Register::in_memory(config, clock, IdGenerator::seeded(1), Box::new(signer)).unwrap();
        reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
            .unwrap();
        let ctx = reg.price_context(None);
        let mut cart = reg.new_cart();
        reg.scan(&mut cart, "3760123000352", &ctx).unwrap();
        let mut payment = reg.start_payment(&cart, None).unwrap();
        payment
            .add(Tender::new(
                TenderMethod::Cash,
                payment.remaining().unwrap(),
            ))
            .unwrap();
        let sale = reg
            .complete_sale(
                cart,
                payment,
                &SaleOptions::by(OperatorId::new("a").unwrap()),
            )
            .unwrap();
        let mut trader = reg.config().receipt.trader.clone();
        trader.name = "Fromagerie".into();
        let facts = reg.receipt_facts(&sale, trader);
        assert_eq!(facts.trader.name, "Fromagerie");
        assert_eq!(facts.ticket_number, "T1");
        assert_eq!(facts.signature_extract, sale.fiscal.extract);
        assert_eq!(facts.vat.first().map(|v| v.rate.as_str()), Some("5,5 %"));
    }
}
