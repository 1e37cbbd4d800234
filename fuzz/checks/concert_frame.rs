//! Checks of the `concert_frame` target (Concert V2, the serial till-to-
//! terminal protocol), shared with pos-hw's replay test: any bytes decode
//! as a frame, an answer or a request, or give a typed error; whatever
//! decodes re-encodes to the exact bytes it came from; and the till's client,
//! reading the same bytes as the terminal's side of the line, ends with an
//! outcome or an error, never a panic, and an approval it reports is for the
//! request's id and currency with a card shown by its last four digits only.

use pos_core::{Currency, Money};
use pos_hw::payment::concert::{
    ConcertAnswer, ConcertClient, ConcertRequest, LinkTimings, decode_frame, encode_frame,
};
use pos_hw::payment::{Outcome, PaymentKind, PaymentRequest, PaymentTerminal, TransactionId};
use std::io::{self, Read, Write};
use std::time::Duration;

/// The terminal's side of the line: reads come from the input, writes are
/// swallowed, the end of input is the end of the stream (no waiting).
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

/// Decodes `data` every way the till reads Concert bytes.
pub fn check(data: &[u8]) {
    if let Ok(payload) = decode_frame(data) {
        assert_eq!(
            encode_frame(payload).expect("a decoded payload re-encodes"),
            data
        );
        check_payload(payload);
    }
    check_payload(data);

    let id = TransactionId::new("T0000042").expect("a valid id");
    let amount = Money::from_minor_units(1250, Currency::EUR);
    let request = PaymentRequest::new(id, PaymentKind::Sale, amount).expect("a valid request");
    let timings = LinkTimings {
        ack_timeout: Duration::from_secs(1),
        max_sends: 3,
        byte_timeout: Duration::from_secs(1),
        answer_timeout: Duration::from_secs(1),
    };
    let mut client =
        ConcertClient::new(Line { input: data }, 1, timings).expect("a valid till number");
    if let Ok(outcome) = client.pay(&request) {
        check_outcome(&outcome, &request);
    }
}

fn check_payload(payload: &[u8]) {
    if let Ok(answer) = ConcertAnswer::decode(payload) {
        assert_eq!(
            answer.encode().expect("a decoded answer re-encodes"),
            payload
        );
        if let Some(report) = &answer.report {
            let _ = report.masked_pan();
            let _ = format!("{report:?}");
        }
    }
    if let Ok(request) = ConcertRequest::decode(payload) {
        assert_eq!(
            request.encode().expect("a decoded request re-encodes"),
            payload
        );
    }
}
