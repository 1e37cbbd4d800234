//! Gift receipts through the facade: no price on the paper, all or chosen
//! lines, the code `GIFT-<ticket id>` printed and in the QR, each print a
//! signed JET 340 (never a duplicate: no C record, the priced ticket's next
//! reprint is still "DUPLICATA n°1"), bad choices refused with nothing
//! recorded.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pos_core::gift_code::GiftCode;
use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_fiscal::model::Series;
use pos_hw::receipt::{OutputFormat, ReceiptKind};
use pos_sdk::{CompletedSale, IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use std::sync::Arc;

fn till(dir: &std::path::Path) -> (Register, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new("2026-07-14T10:00:00Z".parse().unwrap()));
    let mut config = RegisterConfig::france(
        StoreId::new("nice-1").unwrap(),
        RegisterId::new("caisse-2").unwrap(),
        LocationId::new("shop").unwrap(),
    )
    .unwrap();
    config.receipt.link_base = Some("https://recus.example.fr/r".into());
    config.receipt.trader = pos_hw::receipt::TraderFacts {
        name: "Épicerie test".into(),
        address: vec!["1 rue de l'Exemple".into(), "75011 Paris".into()],
        siret: "40483304800022".into(),
        vat_number: Some("FR83404833048".into()),
    };
    let mut reg = Register::open_with_key_file(
        &dir.join("t.sqlite"),
        config,
        clock.clone(),
        IdGenerator::seeded(3),
    )
    .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    (reg, clock)
}

fn sell(reg: &mut Register) -> CompletedSale {
    let ctx = reg.price_context(None);
    let mut cart = reg.new_cart();
    reg.scan(&mut cart, "3760123000352", &ctx).unwrap(); // Comté 24.90
    reg.scan(&mut cart, "3760123001472", &ctx).unwrap(); // côtes-du-rhône 8.90
    let mut payment = reg.start_payment(&cart, None).unwrap();
    payment
        .add(Tender::new(
            TenderMethod::Cash,
            payment.remaining().unwrap(),
        ))
        .unwrap();
    reg.complete_sale(
        cart,
        payment,
        &SaleOptions::by(OperatorId::new("ana").unwrap()),
    )
    .unwrap()
}

fn count(reg: &Register, sql: &str) -> i64 {
    reg.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn journal(reg: &Register) -> (i64, i64, i64) {
    (
        count(reg, "SELECT COUNT(*) FROM fiscal_record"),
        count(reg, "SELECT COUNT(*) FROM fiscal_record WHERE series = 'C'"),
        count(reg, "SELECT COUNT(*) FROM fiscal_totals"),
    )
}

#[test]
fn a_gift_receipt_lists_the_items_without_price_and_is_logged_as_jet_340_not_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, clock) = till(dir.path());
    let sale = sell(&mut reg);
    let op = OperatorId::new("ana").unwrap();
    let id = sale.ticket.id().to_owned();
    let code = format!("GIFT-{id}");

    // The priced original first, so a duplicate would be the next print.
    reg.print_receipt(Series::T, sale.number, OutputFormat::Text, &op)
        .unwrap();
    let (records, copies, totals) = journal(&reg);
    clock.advance_millis(5 * 60_000);

    let gift = reg
        .gift_receipt(&id, None, OutputFormat::Text, &op)
        .unwrap();
    assert_eq!(gift.code.as_str(), code);
    assert_eq!(GiftCode::parse(&code).unwrap().ticket_id(), id);
    let text = String::from_utf8(gift.bytes).unwrap();
    assert!(text.contains("TICKET CADEAU"), "{text}");
    assert!(text.contains("Comté AOP 18 mois"), "{text}");
    assert!(text.contains(&code), "{text}");
    assert!(text.contains(&format!("[QR {}", &code[..20])), "{text}");
    assert!(
        text.contains(&format!("Achat n° T{}", sale.number)),
        "{text}"
    );
    for absent in [
        "€",
        "24,90",
        "8,90",
        "33,80",
        "TOTAL",
        "TVA",
        "Espèces",
        "DUPLICATA",
        "Signature",
        &sale.fiscal.extract,
    ] {
        assert!(!text.contains(absent), "{absent} printed: {text}");
    }

    // One signed JET 340 naming the sale, its lines and the code; no C
    // record; no total moved.
    assert_eq!(journal(&reg), (records + 1, copies, totals));
    let (code_row, payload): (String, String) = reg
        .connection()
        .query_row(
            "SELECT series || number, payload FROM fiscal_record
             WHERE series = 'E' ORDER BY number DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(code_row, gift.event);
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["code"], 340);
    assert_eq!(payload["text"], "gift receipt printed");
    assert_eq!(payload["operator"], "ana");
    assert_eq!(
        payload["detail"]["document"],
        format!("T{}", sale.number).as_str()
    );
    assert_eq!(payload["detail"]["lines"], "1,2");
    assert_eq!(payload["detail"]["code"], code.as_str());

    // The priced ticket's next print is still its first duplicate.
    let again = reg
        .print_receipt(Series::T, sale.number, OutputFormat::Text, &op)
        .unwrap();
    assert_eq!(again.kind, ReceiptKind::Duplicate { number: 1 });
    assert!(reg.verify().unwrap().defects.is_empty());
}

#[test]
fn chosen_lines_only_and_bad_choices_are_refused_recording_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, _clock) = till(dir.path());
    let sale = sell(&mut reg);
    let op = OperatorId::new("ana").unwrap();
    let id = sale.ticket.id().to_owned();

    let facts = reg.gift_receipt_facts(&id, Some(&[2])).unwrap();
    assert_eq!(facts.lines.len(), 1);
    assert_eq!(facts.lines[0].label, sale.ticket.lines()[1].label);
    let gift = reg
        .gift_receipt(&id, Some(&[2]), OutputFormat::EscPos, &op)
        .unwrap();
    let text = pos_hw::escpos::decoder::text_lines(&gift.bytes).join("\n");
    assert!(text.contains(&sale.ticket.lines()[1].label), "{text}");
    assert!(!text.contains("Comté"), "{text}");

    let before = journal(&reg);
    let bad: [&[u32]; 4] = [&[0], &[3], &[1, 1], &[]];
    for lines in bad {
        let err = reg
            .gift_receipt(&id, Some(lines), OutputFormat::Text, &op)
            .unwrap_err();
        assert_eq!(err.kind(), "invalid_input", "{lines:?}: {err}");
    }
    let err = reg
        .gift_receipt(
            "0190f3a2-7c4e-7b1d-9a55-3c1e2f4a5b6c",
            None,
            OutputFormat::Text,
            &op,
        )
        .unwrap_err();
    assert_eq!(err.kind(), "not_found");
    assert_eq!(journal(&reg), before);
}

#[test]
fn a_refund_ticket_has_no_gift_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let (mut reg, _clock) = till(dir.path());
    let sale = sell(&mut reg);
    let manager = OperatorId::new("boss").unwrap();
    let actor = pos_core::cart::Actor::new(manager.clone(), pos_core::cart::Permissions::manager());
    let cart = reg.refund_cart(sale.ticket.id(), None, &actor).unwrap();
    let mut payment = cart
        .start_payment(
            reg.config().tender_policy,
            pos_core::Money::zero(pos_core::Currency::EUR),
        )
        .unwrap();
    let owed = payment.remaining().unwrap().negated();
    payment.add(Tender::new(TenderMethod::Cash, owed)).unwrap();
    let refund = reg
        .complete_sale(cart, payment, &SaleOptions::by(manager.clone()))
        .unwrap();
    let before = journal(&reg);
    let err = reg
        .gift_receipt(refund.ticket.id(), None, OutputFormat::Text, &manager)
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_input");
    assert_eq!(journal(&reg), before);
}
