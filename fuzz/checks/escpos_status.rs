//! Checks of the `escpos_status` target (the printer's real-time status
//! bytes, `DLE EOT n` replies), shared with pos-hw's replay test: any bytes
//! give flags or a typed error; four replies parse exactly when each byte
//! has the fixed bit pattern of a status reply, to the merge of each byte's
//! own flags; the condition is total; and a transport answering the four
//! queries with the input's bytes reads the same status.

use pos_hw::escpos::status::{StatusFlags, StatusKind, parse_replies, parse_status};
use pos_hw::printer::transport::{SendFailure, Transport};

const KINDS: [StatusKind; 4] = [
    StatusKind::Printer,
    StatusKind::Offline,
    StatusKind::Error,
    StatusKind::Paper,
];

/// A printer connection answering real-time queries with the input's bytes.
struct Answering<'a> {
    replies: &'a [u8],
}

impl Transport for Answering<'_> {
    fn send(&mut self, _bytes: &[u8]) -> Result<(), SendFailure> {
        Ok(())
    }
    fn query(&mut self, _request: &[u8]) -> Result<Option<u8>, SendFailure> {
        let Some((first, rest)) = self.replies.split_first() else {
            return Ok(None);
        };
        self.replies = rest;
        Ok(Some(*first))
    }
}

/// Parses `data` as status replies and asserts the invariants.
pub fn check(data: &[u8]) {
    for &byte in data {
        for kind in KINDS {
            if let Ok(flags) = parse_status(kind, byte) {
                let _ = flags.condition();
            }
        }
    }
    let merged = parse_replies(data);
    if data.len() == KINDS.len() {
        let each: Result<Vec<StatusFlags>, _> = KINDS
            .iter()
            .zip(data)
            .map(|(kind, byte)| parse_status(*kind, *byte))
            .collect();
        match (&merged, each) {
            (Ok(flags), Ok(each)) => {
                let folded = each
                    .into_iter()
                    .fold(StatusFlags::default(), StatusFlags::merge);
                assert_eq!(*flags, folded);
                let _ = flags.condition();
            }
            (Err(_), Err(_)) => {}
            _ => panic!("parse_replies and parse_status disagree on {data:02x?}"),
        }
    } else {
        assert!(merged.is_err(), "{} replies parsed as a status", data.len());
    }
    let mut printer = Answering { replies: data };
    match printer.read_status() {
        Ok(Some(flags)) => {
            let first: Vec<u8> = data.iter().take(4).copied().collect();
            assert_eq!(parse_replies(&first).ok(), Some(flags));
        }
        Ok(None) => assert!(data.len() < 4),
        Err(_) => {}
    }
}
