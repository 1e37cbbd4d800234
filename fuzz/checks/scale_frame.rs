//! Checks of the `scale_frame` target (Dialog 06, the protocol of French
//! price-computing scales), shared with pos-hw's replay test: the input read
//! as a stream of scale replies (as the till's client reads it) and of till
//! requests (the scale side) decodes message after message or stops at a
//! typed error; every decoded message uses at least one byte and no more
//! than there are, and re-encodes to bytes that decode to the same message
//! whole. The till's client, reading the input as the scale's answers to a
//! weighing and a status query, ends with a value or an error, never a panic.

use pos_hw::scale::frame::{decode_reply, decode_request};
use pos_hw::scale::{Dialog06Client, Scale};
use rust_decimal::Decimal;
use std::io::{self, Read, Write};

/// The scale's side of the serial line: reads come from the input, writes
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

/// Decodes the stream as replies and as requests, asserting the invariants.
pub fn check(data: &[u8]) {
    let mut rest = data;
    while let Ok(Some((reply, used))) = decode_reply(rest) {
        assert!(
            used > 0 && used <= rest.len(),
            "a reply used {used} of {} bytes",
            rest.len()
        );
        let bytes = reply.encode().expect("a decoded reply re-encodes");
        assert_eq!(
            decode_reply(&bytes).expect("re-decodes"),
            Some((reply, bytes.len()))
        );
        rest = rest.get(used..).unwrap_or_default();
    }
    let mut rest = data;
    while let Ok(Some((request, used))) = decode_request(rest) {
        assert!(
            used > 0 && used <= rest.len(),
            "a request used {used} of {} bytes",
            rest.len()
        );
        // The scale side accepts values the till never sends (a zero price):
        // those have no encoding to compare.
        if let Ok(bytes) = request.encode() {
            assert_eq!(
                decode_request(&bytes).expect("re-decodes"),
                Some((request, bytes.len()))
            );
        }
        rest = rest.get(used..).unwrap_or_default();
    }

    let mut client = Dialog06Client::new(Line { input: data });
    if let Ok(w) = client.weigh(Decimal::new(1250, 2), Some(Decimal::new(10, 3))) {
        assert!(!w.weight_kg.is_sign_negative() && w.weight_kg.scale() <= 3);
        assert!(!w.amount.is_sign_negative() && w.amount.scale() <= 2);
    }
    let _ = client.status();
}
