//! The binding surface from Rust: a sale through the exported objects, the
//! foreign-trait adapters, and errors coming back typed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use pos_ffi::{
    Clock, PosError, PrinterTransport, ReceiptFormat, Register, RegisterConfig, SaleOptions,
    TenderMethod, TillSettings, default_settings, sample_catalog_json,
};
use std::sync::{Arc, Mutex};

struct FixedClock(i64);

impl Clock for FixedClock {
    fn now_millis(&self) -> i64 {
        self.0
    }
}

#[derive(Default)]
struct Paper(Mutex<Vec<u8>>);

impl PrinterTransport for Paper {
    fn write(&self, bytes: Vec<u8>) -> Result<(), PosError> {
        self.0.lock().unwrap().extend(bytes);
        Ok(())
    }
}

fn config() -> RegisterConfig {
    RegisterConfig {
        store: "paris-11".into(),
        register: "till-1".into(),
        location: "shop".into(),
    }
}

/// The French defaults with a merchant: what a till prints.
fn merchant() -> TillSettings {
    TillSettings {
        trader_name: "Boulangerie Test".into(),
        address: vec!["1 rue de la Paix".into(), "75002 Paris".into()],
        siret: "404 833 048 00022".into(),
        ..default_settings().unwrap()
    }
}

/// A till set up with its merchant settings.
fn shop(path: String, seed: u64) -> Arc<Register> {
    Register::open_with_settings(
        path,
        config(),
        merchant(),
        "manager".into(),
        Some(Arc::new(FixedClock(T0))),
        None,
        Some(seed),
    )
    .unwrap()
}

fn options() -> SaleOptions {
    SaleOptions {
        operator: "alice".into(),
        customer: None,
        training: false,
        ticket_id: None,
    }
}

// 2026-03-14T09:30:00Z
const T0: i64 = 1_773_480_600_000;

#[test]
fn sale_receipt_close_day_and_verify_through_the_binding_surface() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("till.sqlite")
        .to_string_lossy()
        .into_owned();
    let reg = shop(path, 1);
    assert!(reg.import_catalog_json(sample_catalog_json()).unwrap() > 40);
    let cart = reg.new_cart().unwrap();
    let line = reg.scan(&cart, "2000000001012".into()).unwrap();
    reg.scan(&cart, "3760123000352".into()).unwrap();
    assert_eq!(cart.total().unwrap(), "26.20");
    cart.set_quantity(line, "2".into()).unwrap();
    assert_eq!(cart.total().unwrap(), "27.50");
    assert_eq!(cart.lines().unwrap().len(), 2);

    let payment = reg.start_payment(&cart, None).unwrap();
    payment.add(TenderMethod::Card, "20.00".into()).unwrap();
    assert_eq!(payment.remaining().unwrap(), "7.50");
    payment.add(TenderMethod::Cash, "10".into()).unwrap();
    let sale = reg.complete_sale(&cart, &payment, options()).unwrap();
    assert_eq!(sale.number(), 1);
    assert_eq!(sale.series(), "T");
    assert_eq!(sale.change(), "2.50");
    assert_eq!(sale.at_millis(), T0);
    assert_eq!(sale.signature_extract().chars().count(), 4);

    let text = reg
        .receipt(&sale, ReceiptFormat::Text, "epson-tm-t20".into())
        .unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("Boulangerie Test"), "{text}");
    assert!(text.contains("27,50"), "{text}");
    let png = reg
        .receipt(&sale, ReceiptFormat::Png, "epson-tm-t20".into())
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let paper = Arc::new(Paper::default());
    reg.print_receipt(&sale, "epson-tm-t20".into(), paper.clone())
        .unwrap();
    assert!(paper.0.lock().unwrap().starts_with(b"\x1b@"));

    let z = reg.close_day("alice".into()).unwrap();
    assert_eq!(z, vec!["Z 1".to_owned()]);
    let report = reg.verify().unwrap();
    assert!(report.intact, "{report:?}");
    assert!(report.signatures_checked >= 3);
    let fec = reg.export_fec("123456789".into(), "alice".into()).unwrap();
    assert!(fec.name.starts_with("123456789FEC"), "{}", fec.name);
}

#[test]
fn bad_input_comes_back_typed_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("till.sqlite")
        .to_string_lossy()
        .into_owned();
    let reg = Register::open(
        path,
        config(),
        Some(Arc::new(FixedClock(T0))),
        None,
        Some(2),
    )
    .unwrap();
    let cart = reg.new_cart().unwrap();
    let e = reg.scan(&cart, "2000000001012".into()).unwrap_err();
    assert_eq!(e.code(), "precondition");
    reg.import_catalog_json(sample_catalog_json()).unwrap();
    let e = reg.scan(&cart, "0000000000000".into()).unwrap_err();
    assert!(matches!(e, PosError::Cart { .. }), "{e:?}");
    assert!(cart.is_empty().unwrap());
    let line = reg.scan(&cart, "2000000001012".into()).unwrap();
    let e = cart.set_quantity(line, "two".into()).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    let payment = reg.start_payment(&cart, None).unwrap();
    let e = reg.complete_sale(&cart, &payment, options()).unwrap_err();
    assert!(matches!(e, PosError::Cart { .. }), "{e:?}");
    assert!(reg.verify().unwrap().intact);
}

#[test]
fn a_failing_clock_callback_is_an_internal_error_not_a_crash() {
    struct Broken;
    impl Clock for Broken {
        fn now_millis(&self) -> i64 {
            panic!("the app's clock threw")
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("till.sqlite")
        .to_string_lossy()
        .into_owned();
    let e = Register::open(path, config(), Some(Arc::new(Broken)), None, None).unwrap_err();
    assert_eq!(e.code(), "panic");
}

#[test]
fn cash_session_closes_with_the_fiscal_day() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("till.sqlite")
        .to_string_lossy()
        .into_owned();
    let reg = Register::open(
        path,
        config(),
        Some(Arc::new(FixedClock(T0))),
        None,
        Some(3),
    )
    .unwrap();
    reg.import_catalog_json(sample_catalog_json()).unwrap();
    reg.open_cash_session("alice".into(), "100.00".into())
        .unwrap();
    let e = reg
        .open_cash_session("alice".into(), "50".into())
        .unwrap_err();
    assert_eq!(e.code(), "already_open");
    let cart = reg.new_cart().unwrap();
    reg.scan(&cart, "2000000001012".into()).unwrap();
    let payment = reg.start_payment(&cart, None).unwrap();
    payment.add(TenderMethod::Cash, "1.30".into()).unwrap();
    reg.complete_sale(&cart, &payment, options()).unwrap();
    let close = reg
        .close_session_and_day("alice".into(), "101.00".into())
        .unwrap();
    assert_eq!(close.counted, "101.00");
    assert_eq!(close.difference, "-0.30");
    assert_eq!(close.closures, vec!["Z 1".to_owned()]);
    assert!(reg.verify().unwrap().intact);
}

#[test]
fn day_report_and_reprint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("till.sqlite")
        .to_string_lossy()
        .into_owned();
    let reg = shop(path, 4);
    reg.import_catalog_json(sample_catalog_json()).unwrap();
    let cart = reg.new_cart().unwrap();
    reg.scan(&cart, "2000000001012".into()).unwrap();
    let payment = reg.start_payment(&cart, None).unwrap();
    payment.add(TenderMethod::Cash, "1.30".into()).unwrap();
    let sale = reg.complete_sale(&cart, &payment, options()).unwrap();
    let report = reg.day_report("2026-03-14".into()).unwrap();
    assert_eq!(report.sales_count, 1);
    assert_eq!(report.net_total, "1.30");
    assert_eq!(report.by_tender.len(), 1);
    assert_eq!(report.by_tender[0].amount, "1.30");
    let e = reg.day_report("14/03/2026".into()).unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    let copy = reg
        .reprint(
            &sale,
            "alice".into(),
            ReceiptFormat::Text,
            "epson-tm-t20".into(),
        )
        .unwrap();
    let copy = String::from_utf8(copy).unwrap();
    assert!(copy.to_lowercase().contains("duplicata"), "{copy}");
    assert!(reg.verify().unwrap().intact);
}

#[test]
fn an_order_is_received_accepted_prepared_ready_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("till.sqlite")
        .to_string_lossy()
        .into_owned();
    let reg = Register::open(
        path,
        config(),
        Some(Arc::new(FixedClock(T0))),
        None,
        Some(5),
    )
    .unwrap();
    reg.import_catalog_json(sample_catalog_json()).unwrap();
    let lines = vec![pos_ffi::OrderLine {
        sku: "BAG-TRAD".into(),
        label: "Baguette tradition".into(),
        quantity: "2".into(),
        amount: "2.60".into(),
    }];
    let pickup = T0 + 4 * 3_600_000;
    let status = reg
        .receive_order("web-1".into(), lines, pickup, None)
        .unwrap();
    assert_eq!(status, "received");
    assert_eq!(
        reg.accept_order("web-1".into(), "alice".into()).unwrap(),
        "accepted"
    );
    assert_eq!(
        reg.start_preparing_order("web-1".into(), "alice".into())
            .unwrap(),
        "preparing"
    );
    assert_eq!(
        reg.mark_order_ready("web-1".into(), "alice".into())
            .unwrap(),
        "ready"
    );
    let list = reg.pickup_list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].order, "web-1");
    assert_eq!(list[0].pickup_at_millis, pickup);
    assert_eq!(list[0].due, "2.60");
    assert!(!list[0].paid);
    // Going back is refused with a typed error.
    let e = reg
        .accept_order("web-1".into(), "alice".into())
        .unwrap_err();
    assert!(matches!(e, PosError::Cart { .. }), "{e:?}");
    assert_eq!(
        reg.cancel_order("web-1".into(), "alice".into()).unwrap(),
        "cancelled"
    );
    assert!(reg.pickup_list().unwrap().is_empty());
}

fn till(seed: u64) -> (tempfile::TempDir, Arc<Register>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.sqlite").to_string_lossy().into_owned();
    let reg = Register::open(
        path,
        config(),
        Some(Arc::new(FixedClock(T0))),
        None,
        Some(seed),
    )
    .unwrap();
    reg.import_catalog_json(sample_catalog_json()).unwrap();
    (dir, reg)
}

fn pay(reg: &Register, cart: &pos_ffi::Cart, tenders: &[(TenderMethod, &str)]) -> String {
    let payment = reg.start_payment(cart, None).unwrap();
    for (method, amount) in tenders {
        payment.add(method.clone(), (*amount).into()).unwrap();
    }
    reg.complete_sale(cart, &payment, options())
        .unwrap()
        .ticket_id()
}

#[test]
fn cash_moves_and_the_x_report_to_the_cent() {
    use pos_ffi::CashMoveReason;
    let (_dir, reg) = till(11);
    reg.open_cash_session("alice".into(), "100.00".into())
        .unwrap();
    let cart = reg.new_cart().unwrap();
    reg.scan(&cart, "3760123000352".into()).unwrap();
    pay(&reg, &cart, &[(TenderMethod::Cash, "30")]);
    reg.cash_pay_in(
        "alice".into(),
        "20".into(),
        CashMoveReason::ChangeFund,
        None,
        None,
    )
    .unwrap();
    let x = reg
        .cash_pay_out(
            "alice".into(),
            "50.00".into(),
            CashMoveReason::BankDeposit,
            None,
            None,
        )
        .unwrap();
    // 100.00 + 24.90 + 20.00 - 50.00
    assert_eq!(
        (
            x.sales_total.as_str(),
            x.pay_ins.as_str(),
            x.pay_outs.as_str(),
            x.expected_cash.as_str()
        ),
        ("24.90", "20.00", "50.00", "94.90")
    );
    assert_eq!(reg.x_report().unwrap(), x);
    let close = reg
        .close_session_and_day("alice".into(), "94.90".into())
        .unwrap();
    assert_eq!(close.difference, "0.00");
}

#[test]
fn customers_consent_export_erasure_and_stored_value() {
    use pos_ffi::{Channel, ConsentSource, ConsentState, StoredValueKind};
    let (_dir, reg) = till(12);
    let who = reg
        .create_customer(
            Some("Jeanne".into()),
            None,
            Some("jeanne@example.org".into()),
        )
        .unwrap();
    let consents = reg
        .set_consent(
            who.clone(),
            Channel::EmailReceipt,
            ConsentState::Granted,
            ConsentSource::InStore,
        )
        .unwrap();
    assert_eq!(consents[0].source, "in_store");
    assert!(
        reg.export_customer(who.clone())
            .unwrap()
            .contains("jeanne@example.org")
    );
    assert!(reg.erase_customer(who.clone(), "manager".into()).unwrap());
    assert!(
        !reg.export_customer(who.clone())
            .unwrap()
            .contains("jeanne@example.org")
    );
    assert_eq!(reg.consents(who).unwrap()[0].source, "erasure");

    let card = reg
        .issue_stored_value(
            "GIFT00007731".into(),
            StoredValueKind::GiftCard,
            "20.00".into(),
            None,
        )
        .unwrap();
    assert_eq!(
        (card.masked_code.as_str(), card.balance.as_str()),
        ("****7731", "20.00")
    );
    let cart = reg.new_cart().unwrap();
    reg.scan(&cart, "3760123000352".into()).unwrap();
    let gift = TenderMethod::GiftCard {
        reference: "GIFT00007731".into(),
    };
    let ticket = pay(
        &reg,
        &cart,
        &[(gift, "20.00"), (TenderMethod::Card, "4.90")],
    );
    let loaded = reg
        .load_stored_value("GIFT00007731".into(), "5.25".into(), ticket, None)
        .unwrap();
    assert_eq!(loaded.balance, "5.25");
}

#[test]
fn an_order_is_paid_at_collection_and_refunded_at_the_till() {
    let (_dir, reg) = till(13);
    let line = pos_ffi::OrderLine {
        sku: "BAG-TRAD".into(),
        label: "Baguette tradition".into(),
        quantity: "2".into(),
        amount: "2.60".into(),
    };
    reg.receive_order("web-1".into(), vec![line], T0 + 3_600_000, None)
        .unwrap();
    for step in [
        Register::accept_order,
        Register::start_preparing_order,
        Register::mark_order_ready,
    ] {
        step(&reg, "web-1".into(), "alice".into()).unwrap();
    }
    let cart = reg.order_cart("web-1".into()).unwrap();
    let payment = reg.start_payment(&cart, None).unwrap();
    payment.add(TenderMethod::Card, "2.60".into()).unwrap();
    let sale = reg
        .collect_order_and_pay("web-1".into(), &cart, &payment, options())
        .unwrap();
    assert_eq!(reg.order_status("web-1".into()).unwrap(), "collected");
    let back = reg
        .refund_cart(sale.ticket_id(), "alice".into(), true)
        .unwrap();
    let payment = reg.start_payment(&back, None).unwrap();
    payment.add(TenderMethod::Card, "2.60".into()).unwrap();
    let refund = reg
        .refund_order_at_till("web-1".into(), &back, &payment, options())
        .unwrap();
    assert_eq!(refund.total(), "-2.60");
    assert_eq!(reg.order_status("web-1".into()).unwrap(), "refunded");
}
