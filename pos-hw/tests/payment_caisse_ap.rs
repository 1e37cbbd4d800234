//! Caisse-AP over IP: our client against our terminal simulator on a real
//! TCP socket (127.0.0.1).
#![allow(clippy::arithmetic_side_effects, clippy::unwrap_used)]

use pos_core::{Currency, Money};
use pos_hw::HwError;
use pos_hw::payment::caisse_ap::{
    CaisseApClient, CaisseApConfig, CaisseApFault, CaisseApSimulator, TcpConnect,
};
use pos_hw::payment::{
    DeclineReason, Outcome, PaymentKind, PaymentRequest, PaymentTerminal, RecoveryPolicy, Settled,
    TransactionId, UnknownStage, pay_once,
};
use std::net::TcpListener;
use std::thread;
use std::time::Duration;

fn config() -> CaisseApConfig {
    CaisseApConfig {
        pos_number: 1,
        protocol_id: "012345678901".into(),
        answer_timeout: Duration::from_millis(800),
    }
}

/// Serves `connections` requests on a fresh port; returns the client and the
/// thread giving the simulator back.
fn start(
    sim: CaisseApSimulator,
    connections: usize,
) -> (
    CaisseApClient<TcpConnect>,
    thread::JoinHandle<CaisseApSimulator>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let mut sim = sim;
        for _ in 0..connections {
            let (mut stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_millis(50)))
                .unwrap();
            sim.serve(&mut stream, Duration::from_secs(2)).unwrap();
        }
        sim
    });
    let connect = TcpConnect {
        addr,
        connect_timeout: Duration::from_secs(1),
    };
    (CaisseApClient::new(connect, config()), handle)
}

fn sale(id: &str, cents: i64) -> PaymentRequest {
    PaymentRequest::new(
        TransactionId::new(id).unwrap(),
        PaymentKind::Sale,
        Money::from_minor_units(cents, Currency::EUR),
    )
    .unwrap()
}

#[test]
fn approved_sale_over_tcp() {
    let (mut client, handle) = start(CaisseApSimulator::new(), 1);
    let outcome = client.pay(&sale("0192f3a4-5b6c-7d8e", 1250)).unwrap();
    let sim = handle.join().unwrap();
    let Outcome::Approved(approval) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        approval.amount,
        Money::from_minor_units(1250, Currency::EUR)
    );
    assert_eq!(approval.card.unwrap().last4(), "0055");
    assert!(approval.authorization_code.is_some());
    assert_eq!(sim.ledger().len(), 1);
    assert_eq!(sim.ledger()[0].private, "0192f3a4-5b6c-7d8e");
    // The ticket's card reference: the till's id (the terminal's private
    // data), the authorisation number and the masked card.
    let card = approval.card_reference().unwrap();
    assert_eq!(card.processor_reference(), Some("0192f3a4-5b6c-7d8e"));
    assert_eq!(
        card.authorisation_code(),
        approval.authorization_code.as_deref()
    );
    assert_eq!(card.authorisation_code().map(str::len), Some(6));
    assert_eq!(card.masked_pan().unwrap().last4(), "0055");
}

#[test]
fn abandon_on_the_terminal_is_a_cancelled_decline() {
    let mut sim = CaisseApSimulator::new();
    sim.inject(CaisseApFault::Abandon);
    let (mut client, handle) = start(sim, 1);
    let outcome = client.pay(&sale("A1", 500)).unwrap();
    assert_eq!(
        outcome,
        Outcome::Declined {
            id: TransactionId::new("A1").unwrap(),
            reason: DeclineReason::Cancelled
        }
    );
    assert_eq!(handle.join().unwrap().net_charged(), 0);
}

#[test]
fn lost_answer_goes_to_the_operator_without_second_charge() {
    let mut sim = CaisseApSimulator::new();
    sim.inject(CaisseApFault::DropAnswer);
    let (mut client, handle) = start(sim, 1);
    let req = sale("L1", 4200);
    let settled = pay_once(&mut client, &req, RecoveryPolicy::default()).unwrap();
    assert_eq!(settled, Settled::OperatorDecision { id: req.id.clone() });
    assert_eq!(handle.join().unwrap().ledger().len(), 1);
}

#[test]
fn lost_answer_is_unknown() {
    let mut sim = CaisseApSimulator::new();
    sim.inject(CaisseApFault::DropAnswer);
    let (mut client, handle) = start(sim, 1);
    let outcome = client.pay(&sale("L2", 100)).unwrap();
    assert_eq!(
        outcome,
        Outcome::Unknown {
            id: TransactionId::new("L2").unwrap(),
            stage: UnknownStage::AnswerLost
        }
    );
    handle.join().unwrap();
}

#[test]
fn refund_and_cancellation() {
    let (mut client, handle) = start(CaisseApSimulator::new(), 3);
    let Outcome::Approved(paid) = client.pay(&sale("S1", 900)).unwrap() else {
        panic!()
    };
    let cancelled = client
        .reverse(&TransactionId::new("C1").unwrap(), &paid)
        .unwrap();
    assert!(matches!(cancelled, Outcome::Approved(_)), "{cancelled:?}");
    let refund = PaymentRequest::new(
        TransactionId::new("R1").unwrap(),
        PaymentKind::Refund,
        Money::from_minor_units(300, Currency::EUR),
    )
    .unwrap();
    assert!(matches!(client.pay(&refund).unwrap(), Outcome::Approved(_)));
    assert_eq!(handle.join().unwrap().net_charged(), -300);
}

#[test]
fn no_terminal_listening_is_an_error_and_nothing_is_charged() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut client = CaisseApClient::new(
        TcpConnect {
            addr,
            connect_timeout: Duration::from_millis(300),
        },
        config(),
    );
    assert!(matches!(
        client.pay(&sale("N1", 100)),
        Err(HwError::PaymentLink { .. })
    ));
}

#[test]
fn golden_messages_from_the_data_file() {
    use pos_hw::payment::caisse_ap::client::{build_request, interpret};
    use pos_hw::payment::caisse_ap::{Action, TlvMessage};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/payment/caisse_ap_messages.json"
    );
    let golden: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for case in golden["requests"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let config = CaisseApConfig {
            pos_number: case["pos_number"].as_u64().unwrap() as u8,
            protocol_id: case["protocol_id"].as_str().unwrap().into(),
            answer_timeout: Duration::from_secs(1),
        };
        let action = match case["action"].as_str().unwrap() {
            "debit" => Action::Debit,
            "credit" => Action::Credit,
            _ => Action::Cancel,
        };
        let id = TransactionId::new(case["transaction_id"].as_str().unwrap()).unwrap();
        let amount = Money::from_minor_units(case["amount_cents"].as_i64().unwrap(), Currency::EUR);
        let wire = build_request(&config, &id, action, &amount)
            .unwrap()
            .encode();
        assert_eq!(
            String::from_utf8(wire).unwrap(),
            case["wire"].as_str().unwrap(),
            "{name}"
        );
    }
    for case in golden["answers"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let id = TransactionId::new(case["transaction_id"].as_str().unwrap()).unwrap();
        let asked =
            Money::from_minor_units(case["requested_cents"].as_i64().unwrap(), Currency::EUR);
        let answer = TlvMessage::decode(case["wire"].as_str().unwrap().as_bytes()).unwrap();
        assert_eq!(
            answer.encode(),
            case["wire"].as_str().unwrap().as_bytes(),
            "{name}"
        );
        let outcome = interpret(&id, &asked, &answer);
        match (case["outcome"].as_str().unwrap(), &outcome) {
            ("approved", Outcome::Approved(a)) => {
                let cents = case["approved_cents"].as_i64().unwrap();
                assert_eq!(
                    a.amount,
                    Money::from_minor_units(cents, Currency::EUR),
                    "{name}"
                );
                assert_eq!(
                    a.card.unwrap().last4(),
                    case["card_last4"].as_str().unwrap(),
                    "{name}"
                );
                assert_eq!(
                    a.authorization_code.as_deref(),
                    case["authorization"].as_str(),
                    "{name}"
                );
            }
            (
                "cancelled",
                Outcome::Declined {
                    reason: DeclineReason::Cancelled,
                    ..
                },
            )
            | (
                "refused",
                Outcome::Declined {
                    reason: DeclineReason::Refused,
                    ..
                },
            )
            | ("unknown", Outcome::Unknown { .. }) => {}
            (expected, got) => panic!("{name}: expected {expected}, got {got:?}"),
        }
    }
}
