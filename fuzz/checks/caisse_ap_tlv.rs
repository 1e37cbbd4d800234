//! Checks of the `caisse_ap_tlv` target (Caisse-AP over IP, the TLV protocol
//! of French payment terminals), shared with pos-hw's replay test: any bytes
//! decode as a TLV message or give a typed error; a decoded message
//! re-encodes to bytes that decode to the same message (its canonical form,
//! stable under a second round); and the till's client, reading the same
//! bytes as the terminal's answer, ends with an outcome or an error, never a
//! panic; an approval is for the request's id and currency with a card
//! shown by its last four digits only.

use pos_core::{Currency, Money};
use pos_hw::payment::caisse_ap::client::{CaisseApConfig, Connect, interpret};
use pos_hw::payment::caisse_ap::{CaisseApClient, TlvMessage};
use pos_hw::payment::{Outcome, PaymentKind, PaymentRequest, PaymentTerminal, TransactionId};
use std::io::{self, Read, Write};
use std::time::Duration;

/// The terminal's side of the connection: reads come from the input, writes
/// are swallowed, the end of input is the end of the stream.
struct Line<'a> {
    input: &'a [u8],
}

impl Read for Line<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.input.read(buf)
    }
}

impl Write for Line<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Answering<'a> {
    input: &'a [u8],
}

impl<'a> Connect for Answering<'a> {
    type Stream = Line<'a>;
    fn connect(&mut self) -> io::Result<Line<'a>> {
        Ok(Line { input: self.input })
    }
}

fn check_outcome(outcome: &Outcome, request: &PaymentRequest) {
    if let Outcome::Approved(a) = outcome {
        assert_eq!(a.id, request.id);
        assert_eq!(a.amount.currency(), request.amount.currency());
        assert!(a.amount.to_minor_units().is_ok());
        if let Some(card) = &a.card {
            assert!(card.last4().len() == 4 && card.last4().bytes().all(|b| b.is_ascii_digit()));
        }
    }
}

/// Decodes `data` every way the till reads Caisse-AP bytes.
pub fn check(data: &[u8]) {
    let id = TransactionId::new("T0000042").expect("a valid id");
    let amount = Money::from_minor_units(1250, Currency::EUR);
    let request =
        PaymentRequest::new(id.clone(), PaymentKind::Sale, amount).expect("a valid request");

    if let Ok(message) = TlvMessage::decode(data) {
        let bytes = message.encode();
        let again = TlvMessage::decode(&bytes).expect("an encoded message decodes");
        assert_eq!(again, message);
        assert_eq!(again.encode(), bytes);
        let _ = format!("{message:?}");
        check_outcome(&interpret(&id, &amount, &message), &request);
    }

    let config = CaisseApConfig {
        pos_number: 1,
        protocol_id: "POSSDK000001".to_owned(),
        answer_timeout: Duration::from_secs(1),
    };
    let mut client = CaisseApClient::new(Answering { input: data }, config);
    if let Ok(outcome) = client.pay(&request) {
        check_outcome(&outcome, &request);
    }
}
