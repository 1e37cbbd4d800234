//! Receipts through the facade: the first print is the original, each later
//! print a signed duplicate (series C) with counters 1, 2, 3; a preview
//! records nothing; ESC/POS bytes decode back to the French text.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use pos_core::ids::{LocationId, OperatorId, RegisterId, StoreId};
use pos_core::tender::{Tender, TenderMethod};
use pos_fiscal::model::Series;
use pos_hw::receipt::{OutputFormat, ReceiptKind};
use pos_sdk::{IdGenerator, ManualClock, Register, RegisterConfig, SaleOptions};
use std::sync::Arc;

fn till(dir: &std::path::Path) -> Register {
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
    let mut reg =
        Register::open_with_key_file(&dir.join("t.sqlite"), config, clock, IdGenerator::seeded(3))
            .unwrap();
    reg.import_catalog_json(pos_core::catalog::sample_catalog_json())
        .unwrap();
    reg
}

fn count(reg: &Register, sql: &str) -> i64 {
    reg.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn reprints_are_duplicates_numbered_1_2_3_and_totals_do_not_move() {
    let dir = tempfile::tempdir().unwrap();
    let mut reg = till(dir.path());
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
    let sale = reg
        .complete_sale(
            cart,
            payment,
            &SaleOptions::by(OperatorId::new("ana").unwrap()),
        )
        .unwrap();
    let op = OperatorId::new("ana").unwrap();

    let preview = reg
        .preview_receipt(Series::T, sale.number, OutputFormat::Text)
        .unwrap();
    assert_eq!(preview.kind, ReceiptKind::Sale);
    let totals_before = count(&reg, "SELECT COUNT(*) FROM fiscal_totals");
    let first = reg
        .print_receipt(Series::T, sale.number, OutputFormat::EscPos, &op)
        .unwrap();
    assert_eq!(first.kind, ReceiptKind::Sale);
    for k in 1..=3u32 {
        let again = reg
            .print_receipt(Series::T, sale.number, OutputFormat::Text, &op)
            .unwrap();
        assert_eq!(again.kind, ReceiptKind::Duplicate { number: k });
        assert!(
            String::from_utf8(again.bytes)
                .unwrap()
                .contains(&format!("DUPLICATA n°{k}"))
        );
    }
    assert_eq!(
        count(
            &reg,
            "SELECT COUNT(*) FROM fiscal_record WHERE series = 'C'"
        ),
        3
    );
    assert_eq!(
        count(&reg, "SELECT COUNT(*) FROM fiscal_totals"),
        totals_before
    );
    assert!(reg.verify().unwrap().defects.is_empty());

    // The ESC/POS original decodes back to its French text, € included.
    let text = pos_hw::escpos::decoder::text_lines(&first.bytes).join("\n");
    assert!(text.contains("Comté AOP 18 mois"), "{text}");
    assert!(text.contains("TOTAL TTC"), "{text}");
    assert!(text.contains("33,80 €"), "{text}");
    assert!(
        text.contains(&sale.fiscal.extract),
        "signature extract printed"
    );
}
