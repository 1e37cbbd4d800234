//! Input devices end to end: keyboard-wedge decoding, serial line reading,
//! the Dialog 06 scale client against the simulator, and the customer
//! display simulator's screen.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::collections::VecDeque;
use std::io::{self, Read};

use pos_hw::HwError;
use pos_hw::display::{
    CodePage, CustomerDisplay, DisplaySimulator, EscPosDisplay, euros, two_columns,
};
use pos_hw::scale::frame::{decode_reply, decode_request};
use pos_hw::scale::{
    Dialog06Client, Scale, ScaleReply, ScaleSimulator, ScaleStatusCode, SimulatedPort, TillRequest,
};
use pos_hw::scanner::{
    Key, KeyEvent, LineConfig, LineEvent, LineReader, WedgeConfig, WedgeDecoder, WedgeOutput,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

#[derive(Debug, Clone)]
enum Segment {
    Human(Vec<char>, Vec<u64>),
    Scan(String, Vec<u64>),
}

fn segment() -> impl Strategy<Value = Segment> {
    prop_oneof![
        ("[a-z0-9 ]{1,6}", proptest::collection::vec(120u64..2000, 6))
            .prop_map(|(text, gaps)| Segment::Human(text.chars().collect(), gaps)),
        ("[A-Z0-9]{4,30}", proptest::collection::vec(1u64..=50, 31))
            .prop_map(|(code, gaps)| Segment::Scan(code, gaps)),
    ]
}

fn drain_reader<R: Read>(reader: &mut LineReader<R>) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        match reader.next_event().unwrap() {
            LineEvent::Line(line) => lines.push(line),
            LineEvent::Timeout => {}
            LineEvent::Eof => return lines,
        }
    }
}

/// A reader handing out the stream in the given chunk sizes.
struct Chunks(VecDeque<u8>, Vec<usize>);

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = self.1.pop().unwrap_or(usize::MAX).max(1).min(buf.len());
        let mut n = 0;
        while n < want {
            match self.0.pop_front() {
                Some(b) => {
                    buf[n] = b;
                    n += 1;
                }
                None => break,
            }
        }
        Ok(n)
    }
}

proptest! {
    #[test]
    fn wedge_separates_bursts_from_typing(segments in proptest::collection::vec(segment(), 1..8)) {
        let mut decoder = WedgeDecoder::new(WedgeConfig::default());
        let mut now = 10_000u64;
        let mut expected = Vec::new();
        let mut out = Vec::new();
        for segment in &segments {
            now += 500;
            match segment {
                Segment::Human(chars, gaps) => {
                    for (c, gap) in chars.iter().zip(gaps) {
                        now += gap;
                        let event = KeyEvent { key: Key::Char(*c), at_ms: now };
                        expected.push(WedgeOutput::Key(event));
                        out.extend(decoder.feed(event));
                    }
                }
                Segment::Scan(code, gaps) => {
                    for (c, gap) in code.chars().zip(gaps) {
                        now += gap;
                        out.extend(decoder.feed(KeyEvent { key: Key::Char(c), at_ms: now }));
                    }
                    now += gaps[code.len()];
                    out.extend(decoder.feed(KeyEvent { key: Key::Enter, at_ms: now }));
                    expected.push(WedgeOutput::Scan { code: code.clone(), at_ms: now });
                }
            }
        }
        out.extend(decoder.tick(now + 10_000));
        prop_assert_eq!(out, expected);
    }

    #[test]
    fn line_reader_is_independent_of_chunking(
        lines in proptest::collection::vec("[ -~]{1,40}", 1..10),
        terminators in proptest::collection::vec(0usize..3, 10),
        chunks in proptest::collection::vec(1usize..9, 0..200),
    ) {
        let mut stream = Vec::new();
        for (line, t) in lines.iter().zip(&terminators) {
            stream.extend_from_slice(line.as_bytes());
            stream.extend_from_slice([&b"\r"[..], b"\n", b"\r\n"][*t]);
        }
        let mut reader = LineReader::new(Chunks(stream.into_iter().collect(), chunks), LineConfig::default());
        prop_assert_eq!(drain_reader(&mut reader), lines);
    }

    #[test]
    fn till_requests_round_trip(price in 1i64..=999_999, tare in proptest::option::of(0i64..=9_999), text in proptest::option::of("[ -~]{0,13}")) {
        let request = TillRequest::SetPrice {
            unit_price: Decimal::new(price, 2),
            tare_kg: tare.map(|t| Decimal::new(t, 3)),
            text,
        };
        let bytes = request.encode().unwrap();
        let (decoded, used) = decode_request(&bytes).unwrap().unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(decoded.encode().unwrap(), bytes);
    }

    #[test]
    fn scale_frame_decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        let _ = decode_request(&bytes);
        let _ = decode_reply(&bytes);
        let mut scale = ScaleSimulator::default();
        let _ = scale.receive(&bytes);
    }

    #[test]
    fn simulated_scale_amount_is_weight_times_price_rounded_half_up(grams in 40i32..=15_000, cents in 1i64..=99_999) {
        let mut client = Dialog06Client::new(SimulatedPort::default());
        client.port_mut().scale.put_load(grams, true);
        let result = client.weigh(Decimal::new(cents, 2), None);
        if i64::from(grams) * cents > 999_999_499 {
            // The amount field has 6 digits: the scale refuses.
            prop_assert_eq!(result, Err(HwError::ScaleStatus { status: ScaleStatusCode::GeneralError }));
            return Ok(());
        }
        let w = result.unwrap();
        let exact = Decimal::new(i64::from(grams), 3) * Decimal::new(cents, 2);
        let rounded = exact.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        prop_assert_eq!(w.weight_kg, Decimal::new(i64::from(grams), 3));
        prop_assert_eq!(w.amount, rounded);
    }

    #[test]
    fn display_shows_exactly_twenty_columns(top in "[ -~]{0,30}", bottom in "[ -~]{0,30}") {
        let mut display = EscPosDisplay::new(DisplaySimulator::new(), CodePage::Pc437);
        display.init().unwrap();
        display.show(&top, &bottom).unwrap();
        let fit = |s: &str| format!("{:<20}", s.chars().take(20).collect::<String>());
        prop_assert_eq!(display.writer().line(1), fit(&top));
        prop_assert_eq!(display.writer().line(2), fit(&bottom));
    }
}

#[test]
fn a_weighing_at_the_till_with_motion_then_a_second_article() {
    let mut client = Dialog06Client::new(SimulatedPort::new(ScaleSimulator::new(15_000, 40)));
    // The customer is still putting the apples down.
    client.port_mut().scale.put_load(1_180, false);
    client
        .set_price("2.49".parse().unwrap(), None, Some("POMMES"))
        .unwrap();
    assert_eq!(
        client.request_weight(),
        Err(HwError::ScaleStatus {
            status: ScaleStatusCode::Motion
        })
    );
    client.port_mut().scale.put_load(1_186, true);
    let apples = client.request_weight().unwrap();
    assert_eq!(
        (apples.weight_kg.to_string(), apples.amount.to_string()),
        ("1.186".into(), "2.95".into())
    );
    // Same load again without a new price: refused until price and motion.
    assert_eq!(
        client.request_weight(),
        Err(HwError::ScaleStatus {
            status: ScaleStatusCode::InvalidUnitPrice
        })
    );
    client.port_mut().scale.put_load(0, true);
    client.port_mut().scale.put_load(455, true);
    let cheese = client
        .weigh("24.90".parse().unwrap(), Some("0.005".parse().unwrap()))
        .unwrap();
    assert_eq!(cheese.amount.to_string(), "11.21"); // 0.450 kg x 24.90 = 11.205
    assert_eq!(
        Scale::status(&mut client).unwrap(),
        ScaleStatusCode::NoError
    );
}

#[test]
fn scale_reply_bytes_are_stable() {
    let reply = ScaleReply::Status(ScaleStatusCode::Overload)
        .encode()
        .unwrap();
    assert_eq!(reply, b"\x0209\x1b32\x03");
}

#[test]
fn customer_display_screens_during_a_sale() {
    let mut display = EscPosDisplay::new(DisplaySimulator::new(), CodePage::Pc858);
    display.init().unwrap();
    display.show("Bonjour !", "").unwrap();
    assert_eq!(
        display.writer().screen(),
        "Bonjour !           \n                    "
    );
    display
        .show(
            &two_columns("Crème fraîche", &euros("2.1".parse().unwrap())),
            &two_columns("TOTAL", &euros("14.955".parse().unwrap())),
        )
        .unwrap();
    assert_eq!(display.writer().line(1), "Crème fraîche 2,10 €");
    assert_eq!(display.writer().line(2), "TOTAL        14,96 €");
    display.clear().unwrap();
    assert_eq!(display.writer().line(1).trim(), "");
    assert_eq!(display.writer().unknown_commands(), 0);
}
