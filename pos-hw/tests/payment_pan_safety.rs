//! Card numbers never leave the payment module unmasked: every value a till
//! may log or print (Debug, Display, error messages) is checked here with a
//! full PAN fed in through each adapter's codec.
#![allow(clippy::unwrap_used)]

use pos_core::{Currency, Money};
use pos_hw::payment::caisse_ap::client::interpret;
use pos_hw::payment::caisse_ap::{Tag, TlvMessage};
use pos_hw::payment::concert::message::{
    AnswerStatus, ConcertAnswer, MODE_CARD, PrivateData, ReportField,
};
use pos_hw::payment::concert::{SimConfig, decode_frame, encode_frame};
use pos_hw::payment::nexo::message::{CardData, PaymentInstrumentData};
use pos_hw::payment::{MaskedPan, Outcome, TransactionId};

const PAN: &str = "4970101234567890";

/// No run of 12 or more digits, and not the PAN itself.
fn assert_no_pan(text: &str) {
    assert!(!text.contains(PAN), "full PAN shown: {text}");
    let mut run = 0usize;
    for c in text.chars() {
        run = if c.is_ascii_digit() {
            run.saturating_add(1)
        } else {
            0
        };
        assert!(run < 12, "a long digit run is shown: {text}");
    }
}

#[test]
fn masked_pan_display_and_debug() {
    let pan = MaskedPan::from_reported(PAN).unwrap();
    assert_no_pan(&pan.to_string());
    assert_no_pan(&format!("{pan:?}"));
    assert_eq!(pan.last4(), "7890");
}

#[test]
fn concert_answer_and_outcome_hide_the_pan() {
    let report = ReportField::new(&format!("{PAN} 2812")).unwrap();
    let answer = ConcertAnswer {
        pos_number: 1,
        status: AnswerStatus::Success,
        amount_cents: 100,
        payment_mode: MODE_CARD,
        report: Some(report),
        currency_numeric: 978,
        private: PrivateData::BLANK,
    };
    assert_no_pan(&format!("{answer:?} {report:?}"));
    let config = SimConfig {
        card_pan: PAN.to_owned(),
        ..SimConfig::default()
    };
    assert_no_pan(&format!("{config:?}"));

    // Errors about frames or fields carrying a PAN never echo it.
    let payload = answer.encode().unwrap();
    let mut frame = encode_frame(&payload).unwrap();
    *frame.last_mut().unwrap() ^= 0xFF;
    let error = decode_frame(&frame).unwrap_err();
    assert_no_pan(&format!("{error} {error:?}"));
    let error = ReportField::new(&format!("{PAN}\u{7}")).unwrap_err();
    assert_no_pan(&format!("{error} {error:?}"));
}

#[test]
fn caisse_ap_messages_and_outcomes_hide_the_pan() {
    let mut answer = TlvMessage::new();
    answer.set(Tag::STATUS, "10").unwrap();
    answer.set(Tag::CARD_NUMBER, PAN).unwrap();
    assert_no_pan(&format!("{answer:?}"));
    let id = TransactionId::new("T1").unwrap();
    let outcome = interpret(&id, &Money::from_minor_units(100, Currency::EUR), &answer);
    let Outcome::Approved(approval) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(approval.card.unwrap().last4(), "7890");
    assert_no_pan(&format!("{outcome:?}"));

    let mut broken = answer.encode();
    broken.truncate(broken.len() - 3);
    let error = TlvMessage::decode(&broken).unwrap_err();
    assert_no_pan(&format!("{error} {error:?}"));
}

#[test]
fn nexo_card_data_debug_hides_the_pan() {
    // Even a terminal that sent a full number in MaskedPan is shown masked.
    let data = PaymentInstrumentData {
        card_data: Some(CardData {
            masked_pan: Some(PAN.to_owned()),
            payment_brand: Some("cb".into()),
        }),
    };
    assert_no_pan(&format!("{data:?}"));
}
