//! Real-time status (`DLE EOT n`) replies, parsed by total functions: any byte
//! gives a value or a typed error, never a panic (fuzz-friendly).
//!
//! Every reply byte has bit 0 = 0, bit 1 = 1, bit 4 = 1 and bit 7 = 0; a byte
//! without that pattern is not a status reply (often stray data).

use crate::HwError;

/// Bits fixed in every status byte: mask and expected value.
const FIXED_MASK: u8 = 0b1001_0011;
const FIXED_VALUE: u8 = 0b0001_0010;

/// Which status `DLE EOT n` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    /// n = 1: printer status.
    Printer = 1,
    /// n = 2: offline cause.
    Offline = 2,
    /// n = 3: error cause.
    Error = 3,
    /// n = 4: roll paper sensor.
    Paper = 4,
}

/// One parsed status reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusFlags {
    /// (n=1 bit 3) The printer is offline.
    pub offline: bool,
    /// (n=1 bit 2) Drawer kick connector pin 3 is high (drawer sensor).
    pub drawer_pin3_high: bool,
    /// (n=1 bit 5) Waiting for online recovery.
    pub waiting_recovery: bool,
    /// (n=1 bit 6 / n=2 bit 3) The feed button is pressed / feeding.
    pub feed_button: bool,
    /// (n=2 bit 2) The cover is open.
    pub cover_open: bool,
    /// (n=2 bit 5) Printing stopped at paper end.
    pub stopped_paper_end: bool,
    /// (n=2 bit 6) An error occurred.
    pub error: bool,
    /// (n=3 bit 2) Mechanical error.
    pub mechanical_error: bool,
    /// (n=3 bit 3) Auto-cutter error.
    pub autocutter_error: bool,
    /// (n=3 bit 5) Unrecoverable error.
    pub unrecoverable_error: bool,
    /// (n=3 bit 6) Automatically recoverable error (e.g. head overheated).
    pub auto_recoverable_error: bool,
    /// (n=4 bits 2-3) Roll paper near its end.
    pub paper_near_end: bool,
    /// (n=4 bits 5-6) No roll paper.
    pub paper_out: bool,
}

const fn bit(byte: u8, n: u8) -> bool {
    byte & (1 << n) != 0
}

/// Parses the reply `byte` to `DLE EOT n`.
pub fn parse_status(kind: StatusKind, byte: u8) -> Result<StatusFlags, HwError> {
    if byte & FIXED_MASK != FIXED_VALUE {
        return Err(HwError::StatusByte { byte });
    }
    let mut f = StatusFlags::default();
    match kind {
        StatusKind::Printer => {
            f.drawer_pin3_high = bit(byte, 2);
            f.offline = bit(byte, 3);
            f.waiting_recovery = bit(byte, 5);
            f.feed_button = bit(byte, 6);
        }
        StatusKind::Offline => {
            f.cover_open = bit(byte, 2);
            f.feed_button = bit(byte, 3);
            f.stopped_paper_end = bit(byte, 5);
            f.error = bit(byte, 6);
        }
        StatusKind::Error => {
            f.mechanical_error = bit(byte, 2);
            f.autocutter_error = bit(byte, 3);
            f.unrecoverable_error = bit(byte, 5);
            f.auto_recoverable_error = bit(byte, 6);
        }
        StatusKind::Paper => {
            f.paper_near_end = bit(byte, 2) && bit(byte, 3);
            f.paper_out = bit(byte, 5) && bit(byte, 6);
        }
    }
    Ok(f)
}

/// What the four replies say about printing, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Ready to print (maybe with paper near its end).
    Ready {
        /// The roll is nearly empty: warn the operator.
        paper_near_end: bool,
    },
    /// Out of paper.
    PaperOut,
    /// The cover is open.
    CoverOpen,
    /// Offline for another reason (feed button, recovery).
    Offline,
    /// An error (cutter jam, mechanical, unrecoverable).
    Error,
}

impl StatusFlags {
    /// Merges the flags of several replies.
    pub fn merge(self, other: StatusFlags) -> StatusFlags {
        StatusFlags {
            offline: self.offline || other.offline,
            drawer_pin3_high: self.drawer_pin3_high || other.drawer_pin3_high,
            waiting_recovery: self.waiting_recovery || other.waiting_recovery,
            feed_button: self.feed_button || other.feed_button,
            cover_open: self.cover_open || other.cover_open,
            stopped_paper_end: self.stopped_paper_end || other.stopped_paper_end,
            error: self.error || other.error,
            mechanical_error: self.mechanical_error || other.mechanical_error,
            autocutter_error: self.autocutter_error || other.autocutter_error,
            unrecoverable_error: self.unrecoverable_error || other.unrecoverable_error,
            auto_recoverable_error: self.auto_recoverable_error || other.auto_recoverable_error,
            paper_near_end: self.paper_near_end || other.paper_near_end,
            paper_out: self.paper_out || other.paper_out,
        }
    }

    /// The overall condition: paper out, then cover open, then errors, then offline.
    pub fn condition(&self) -> Condition {
        if self.paper_out || self.stopped_paper_end {
            Condition::PaperOut
        } else if self.cover_open {
            Condition::CoverOpen
        } else if self.error
            || self.mechanical_error
            || self.autocutter_error
            || self.unrecoverable_error
            || self.auto_recoverable_error
        {
            Condition::Error
        } else if self.offline || self.waiting_recovery {
            Condition::Offline
        } else {
            Condition::Ready {
                paper_near_end: self.paper_near_end,
            }
        }
    }
}

/// Parses the replies to `DLE EOT 1, 2, 3, 4` sent in that order.
pub fn parse_replies(replies: &[u8]) -> Result<StatusFlags, HwError> {
    const ORDER: [StatusKind; 4] = [
        StatusKind::Printer,
        StatusKind::Offline,
        StatusKind::Error,
        StatusKind::Paper,
    ];
    if replies.len() != ORDER.len() {
        return Err(HwError::StatusLength { len: replies.len() });
    }
    ORDER
        .iter()
        .zip(replies)
        .try_fold(StatusFlags::default(), |acc, (kind, byte)| {
            Ok(acc.merge(parse_status(*kind, *byte)?))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_printer() {
        let flags = parse_replies(&[0x12, 0x12, 0x12, 0x12]).unwrap();
        assert_eq!(
            flags.condition(),
            Condition::Ready {
                paper_near_end: false
            }
        );
    }

    #[test]
    fn paper_out_and_cover_open() {
        assert_eq!(
            parse_replies(&[0x1A, 0x32, 0x12, 0x72])
                .unwrap()
                .condition(),
            Condition::PaperOut
        );
        assert_eq!(
            parse_replies(&[0x1A, 0x16, 0x12, 0x12])
                .unwrap()
                .condition(),
            Condition::CoverOpen
        );
        assert_eq!(
            parse_replies(&[0x12, 0x12, 0x12, 0x1E])
                .unwrap()
                .condition(),
            Condition::Ready {
                paper_near_end: true
            }
        );
        assert_eq!(
            parse_replies(&[0x12, 0x52, 0x1A, 0x12])
                .unwrap()
                .condition(),
            Condition::Error
        );
        assert_eq!(
            parse_replies(&[0x1A, 0x12, 0x12, 0x12])
                .unwrap()
                .condition(),
            Condition::Offline
        );
    }

    #[test]
    fn bad_bytes_are_errors_not_panics() {
        assert_eq!(
            parse_status(StatusKind::Printer, 0xFF),
            Err(HwError::StatusByte { byte: 0xFF })
        );
        assert_eq!(
            parse_replies(&[0x12]),
            Err(HwError::StatusLength { len: 1 })
        );
        for b in 0..=255u8 {
            let _ = parse_status(StatusKind::Paper, b);
        }
    }
}
