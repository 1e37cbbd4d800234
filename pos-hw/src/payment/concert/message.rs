//! Concert V2 ("protocole E") application messages: the till's 34-byte
//! request and the terminal's 80-byte (full) or 25-byte (short) answer.
//!
//! Request layout (offsets in bytes, all ASCII):
//! `pos(2) amount(8) answer_flag(1) mode(1) type(1) currency(3) private(10)
//! delay(4) authorization(4)`.
//! Answer layout: `pos(2) status(1) amount(8) mode(1) [report(55)]
//! currency(3) private(10)`; the report (card number and more) is present
//! when the request's answer flag asked for it.

use crate::HwError;
use crate::payment::card::MaskedPan;
use std::fmt;

/// Length of a request payload.
pub const REQUEST_LEN: usize = 34;
/// Length of a full answer payload (with the 55-byte report).
pub const ANSWER_FULL_LEN: usize = 80;
/// Length of a short answer payload.
pub const ANSWER_SHORT_LEN: usize = 25;
/// Largest amount in cents the 8-digit field holds.
pub const MAX_AMOUNT_CENTS: u32 = 99_999_999;
/// Length of the private data field.
pub const PRIVATE_LEN: usize = 10;
/// Length of the report field.
pub const REPORT_LEN: usize = 55;

/// The transaction type byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionType {
    /// `0`: purchase (débit).
    Debit,
    /// `1`: refund to the card (crédit).
    Credit,
    /// `2`: cancellation of the previous transaction (annulation).
    Cancel,
    /// `4`: duplicate of the last receipt (duplicata).
    Duplicate,
}

impl TransactionType {
    fn byte(self) -> u8 {
        match self {
            TransactionType::Debit => b'0',
            TransactionType::Credit => b'1',
            TransactionType::Cancel => b'2',
            TransactionType::Duplicate => b'4',
        }
    }

    fn from_byte(byte: u8) -> Result<Self, HwError> {
        Ok(match byte {
            b'0' => TransactionType::Debit,
            b'1' => TransactionType::Credit,
            b'2' => TransactionType::Cancel,
            b'4' => TransactionType::Duplicate,
            _ => {
                return Err(HwError::PaymentFieldInvalid {
                    field: "transaction type",
                });
            }
        })
    }
}

/// When the terminal answers (`delay` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerDelay {
    /// `A010`: at the end of the transaction, with its status.
    EndOfTransaction,
    /// `A011`: at once, without a meaningful status.
    Immediate,
}

/// Whether the terminal must ask the bank (`authorization` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForceAuthorization {
    /// `B010`: the terminal decides.
    No,
    /// `B011`: force an online authorisation.
    Yes,
}

/// The private data field: 10 printable ASCII bytes echoed by the terminal.
/// The till puts its transaction id there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrivateData([u8; PRIVATE_LEN]);

impl PrivateData {
    /// Ten spaces: "no private data".
    pub const BLANK: PrivateData = PrivateData([b' '; PRIVATE_LEN]);

    /// Left-aligned, space-padded text of at most 10 printable characters.
    pub fn new(text: &str) -> Result<PrivateData, HwError> {
        let mut bytes = [b' '; PRIVATE_LEN];
        if text.len() > PRIVATE_LEN || !text.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
            return Err(HwError::PaymentFieldInvalid {
                field: "private data",
            });
        }
        for (slot, byte) in bytes.iter_mut().zip(text.bytes()) {
            *slot = byte;
        }
        Ok(PrivateData(bytes))
    }

    /// The text without its padding.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("").trim_end()
    }
}

/// The 55-byte report of a full answer: card number first, then terminal
/// data. It carries a PAN, so its `Debug` shows only the masked number and the
/// till keeps only [`ReportField::masked_pan`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ReportField([u8; REPORT_LEN]);

impl ReportField {
    /// A report of spaces.
    pub const BLANK: ReportField = ReportField([b' '; REPORT_LEN]);

    /// Builds a report from printable text of at most 55 bytes (space padded).
    pub fn new(text: &str) -> Result<ReportField, HwError> {
        let mut bytes = [b' '; REPORT_LEN];
        if text.len() > REPORT_LEN || !text.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
            return Err(HwError::PaymentFieldInvalid { field: "report" });
        }
        for (slot, byte) in bytes.iter_mut().zip(text.bytes()) {
            *slot = byte;
        }
        Ok(ReportField(bytes))
    }

    /// The card number in the report, masked to its last four digits.
    pub fn masked_pan(&self) -> Option<MaskedPan> {
        let text = std::str::from_utf8(&self.0).ok()?;
        let first = text.split(' ').next()?;
        MaskedPan::from_reported(first)
    }
}

impl fmt::Debug for ReportField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.masked_pan() {
            Some(pan) => write!(f, "ReportField({pan:?})"),
            None => f.write_str("ReportField(no card)"),
        }
    }
}

/// The till's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConcertRequest {
    /// Till number, 0..=99.
    pub pos_number: u8,
    /// Amount in cents, at most [`MAX_AMOUNT_CENTS`].
    pub amount_cents: u32,
    /// Ask for the full answer with the report.
    pub full_answer: bool,
    /// Payment mode byte (`1` card, `C` cheque, ...).
    pub payment_mode: u8,
    /// What to do.
    pub transaction_type: TransactionType,
    /// ISO 4217 numeric currency (978 = EUR).
    pub currency_numeric: u16,
    /// Echoed back by the terminal.
    pub private: PrivateData,
    /// When to answer.
    pub delay: AnswerDelay,
    /// Force a bank authorisation.
    pub authorization: ForceAuthorization,
}

/// Payment mode byte for a bank card.
pub const MODE_CARD: u8 = b'1';

/// The transaction status byte of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerStatus {
    /// `0`: transaction accepted.
    Success,
    /// `7`: transaction refused or not done.
    Failure,
    /// `9`: not verified (e.g. an immediate answer).
    NotVerified,
}

impl AnswerStatus {
    fn byte(self) -> u8 {
        match self {
            AnswerStatus::Success => b'0',
            AnswerStatus::Failure => b'7',
            AnswerStatus::NotVerified => b'9',
        }
    }

    fn from_byte(byte: u8) -> Result<Self, HwError> {
        Ok(match byte {
            b'0' => AnswerStatus::Success,
            b'7' => AnswerStatus::Failure,
            b'9' => AnswerStatus::NotVerified,
            _ => return Err(HwError::PaymentFieldInvalid { field: "status" }),
        })
    }
}

/// The terminal's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConcertAnswer {
    /// Till number echoed.
    pub pos_number: u8,
    /// Result.
    pub status: AnswerStatus,
    /// Amount in cents.
    pub amount_cents: u32,
    /// Payment mode byte.
    pub payment_mode: u8,
    /// The report, in a full answer only.
    pub report: Option<ReportField>,
    /// ISO 4217 numeric currency.
    pub currency_numeric: u16,
    /// Private data echoed.
    pub private: PrivateData,
}

fn push_digits(
    out: &mut Vec<u8>,
    value: u32,
    width: usize,
    field: &'static str,
) -> Result<(), HwError> {
    let text = format!("{value:0width$}");
    if text.len() != width {
        return Err(HwError::PaymentFieldInvalid { field });
    }
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

fn printable(byte: u8, field: &'static str) -> Result<u8, HwError> {
    if (0x20..=0x7E).contains(&byte) {
        Ok(byte)
    } else {
        Err(HwError::PaymentFieldInvalid { field })
    }
}

/// Reads fixed-width fields off a payload, front to back.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], HwError> {
        if self.rest.len() < n {
            return Err(HwError::PaymentFieldInvalid { field: "length" });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, HwError> {
        self.take(1)?
            .first()
            .copied()
            .ok_or(HwError::PaymentFieldInvalid { field: "length" })
    }

    fn digits(&mut self, n: usize, field: &'static str) -> Result<u32, HwError> {
        let bytes = self.take(n)?;
        bytes.iter().try_fold(0u32, |acc, &b| {
            if !b.is_ascii_digit() {
                return Err(HwError::PaymentFieldInvalid { field });
            }
            acc.checked_mul(10)
                .and_then(|v| v.checked_add(u32::from(b.wrapping_sub(b'0'))))
                .ok_or(HwError::PaymentFieldInvalid { field })
        })
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], HwError> {
        let bytes = self.take(N)?;
        let array: [u8; N] = bytes
            .try_into()
            .map_err(|_| HwError::PaymentFieldInvalid { field })?;
        if array.iter().all(|b| (0x20..=0x7E).contains(b)) {
            Ok(array)
        } else {
            Err(HwError::PaymentFieldInvalid { field })
        }
    }
}

impl ConcertRequest {
    /// The 34-byte payload.
    pub fn encode(&self) -> Result<Vec<u8>, HwError> {
        if self.pos_number > 99 {
            return Err(HwError::PaymentFieldInvalid {
                field: "pos number",
            });
        }
        if self.amount_cents > MAX_AMOUNT_CENTS {
            return Err(HwError::PaymentAmountTooLarge {
                max_minor_units: u64::from(MAX_AMOUNT_CENTS),
            });
        }
        let mut out = Vec::with_capacity(REQUEST_LEN);
        push_digits(&mut out, u32::from(self.pos_number), 2, "pos number")?;
        push_digits(&mut out, self.amount_cents, 8, "amount")?;
        out.push(if self.full_answer { b'1' } else { b'0' });
        out.push(printable(self.payment_mode, "payment mode")?);
        out.push(self.transaction_type.byte());
        push_digits(&mut out, u32::from(self.currency_numeric), 3, "currency")?;
        out.extend_from_slice(&self.private.0);
        out.extend_from_slice(match self.delay {
            AnswerDelay::EndOfTransaction => b"A010",
            AnswerDelay::Immediate => b"A011",
        });
        out.extend_from_slice(match self.authorization {
            ForceAuthorization::No => b"B010",
            ForceAuthorization::Yes => b"B011",
        });
        Ok(out)
    }

    /// Parses a 34-byte payload.
    pub fn decode(payload: &[u8]) -> Result<ConcertRequest, HwError> {
        if payload.len() != REQUEST_LEN {
            return Err(HwError::MessageLength {
                expected: REQUEST_LEN,
                found: payload.len(),
            });
        }
        let mut c = Cursor { rest: payload };
        let pos_number =
            u8::try_from(c.digits(2, "pos number")?).map_err(|_| HwError::PaymentFieldInvalid {
                field: "pos number",
            })?;
        let amount_cents = c.digits(8, "amount")?;
        let full_answer = match c.byte()? {
            b'0' => false,
            b'1' => true,
            _ => {
                return Err(HwError::PaymentFieldInvalid {
                    field: "answer flag",
                });
            }
        };
        let payment_mode = printable(c.byte()?, "payment mode")?;
        let transaction_type = TransactionType::from_byte(c.byte()?)?;
        let currency_numeric = u16::try_from(c.digits(3, "currency")?)
            .map_err(|_| HwError::PaymentFieldInvalid { field: "currency" })?;
        let private = PrivateData(c.array::<PRIVATE_LEN>("private data")?);
        let delay = match c.take(4)? {
            b"A010" => AnswerDelay::EndOfTransaction,
            b"A011" => AnswerDelay::Immediate,
            _ => return Err(HwError::PaymentFieldInvalid { field: "delay" }),
        };
        let authorization = match c.take(4)? {
            b"B010" => ForceAuthorization::No,
            b"B011" => ForceAuthorization::Yes,
            _ => {
                return Err(HwError::PaymentFieldInvalid {
                    field: "authorization",
                });
            }
        };
        Ok(ConcertRequest {
            pos_number,
            amount_cents,
            full_answer,
            payment_mode,
            transaction_type,
            currency_numeric,
            private,
            delay,
            authorization,
        })
    }
}

impl ConcertAnswer {
    /// The 80-byte (with report) or 25-byte payload.
    pub fn encode(&self) -> Result<Vec<u8>, HwError> {
        if self.pos_number > 99 {
            return Err(HwError::PaymentFieldInvalid {
                field: "pos number",
            });
        }
        if self.amount_cents > MAX_AMOUNT_CENTS {
            return Err(HwError::PaymentAmountTooLarge {
                max_minor_units: u64::from(MAX_AMOUNT_CENTS),
            });
        }
        let mut out = Vec::with_capacity(ANSWER_FULL_LEN);
        push_digits(&mut out, u32::from(self.pos_number), 2, "pos number")?;
        out.push(self.status.byte());
        push_digits(&mut out, self.amount_cents, 8, "amount")?;
        out.push(printable(self.payment_mode, "payment mode")?);
        if let Some(report) = &self.report {
            out.extend_from_slice(&report.0);
        }
        push_digits(&mut out, u32::from(self.currency_numeric), 3, "currency")?;
        out.extend_from_slice(&self.private.0);
        Ok(out)
    }

    /// Parses an 80- or 25-byte payload.
    pub fn decode(payload: &[u8]) -> Result<ConcertAnswer, HwError> {
        let full = match payload.len() {
            ANSWER_FULL_LEN => true,
            ANSWER_SHORT_LEN => false,
            found => {
                return Err(HwError::MessageLength {
                    expected: ANSWER_FULL_LEN,
                    found,
                });
            }
        };
        let mut c = Cursor { rest: payload };
        let pos_number =
            u8::try_from(c.digits(2, "pos number")?).map_err(|_| HwError::PaymentFieldInvalid {
                field: "pos number",
            })?;
        let status = AnswerStatus::from_byte(c.byte()?)?;
        let amount_cents = c.digits(8, "amount")?;
        let payment_mode = printable(c.byte()?, "payment mode")?;
        let report = if full {
            Some(ReportField(c.array::<REPORT_LEN>("report")?))
        } else {
            None
        };
        let currency_numeric = u16::try_from(c.digits(3, "currency")?)
            .map_err(|_| HwError::PaymentFieldInvalid { field: "currency" })?;
        let private = PrivateData(c.array::<PRIVATE_LEN>("private data")?);
        Ok(ConcertAnswer {
            pos_number,
            status,
            amount_cents,
            payment_mode,
            report,
            currency_numeric,
            private,
        })
    }
}

#[cfg(test)]
#[allow(clippy::arithmetic_side_effects)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample_request() -> ConcertRequest {
        ConcertRequest {
            pos_number: 1,
            amount_cents: 1250,
            full_answer: true,
            payment_mode: MODE_CARD,
            transaction_type: TransactionType::Debit,
            currency_numeric: 978,
            private: PrivateData::new("T0000042").unwrap(),
            delay: AnswerDelay::EndOfTransaction,
            authorization: ForceAuthorization::No,
        }
    }

    #[test]
    fn request_layout_by_hand() {
        let bytes = sample_request().encode().unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            "0100001250110978T0000042  A010B010"
        );
        assert_eq!(bytes.len(), REQUEST_LEN);
        assert_eq!(ConcertRequest::decode(&bytes).unwrap(), sample_request());
    }

    #[test]
    fn answer_masks_the_pan_in_debug() {
        let answer = ConcertAnswer {
            pos_number: 1,
            status: AnswerStatus::Success,
            amount_cents: 1250,
            payment_mode: MODE_CARD,
            report: Some(ReportField::new("4970101234567890 2612").unwrap()),
            currency_numeric: 978,
            private: PrivateData::new("T0000042").unwrap(),
        };
        let bytes = answer.encode().unwrap();
        assert_eq!(bytes.len(), ANSWER_FULL_LEN);
        let back = ConcertAnswer::decode(&bytes).unwrap();
        assert_eq!(back, answer);
        let debug = format!("{back:?}");
        assert!(!debug.contains("4970101234567890"), "{debug}");
        assert!(debug.contains("7890"));
    }

    #[test]
    fn refuses_bad_fields() {
        let mut bytes = sample_request().encode().unwrap();
        bytes[12] = b'9';
        assert_eq!(
            ConcertRequest::decode(&bytes),
            Err(HwError::PaymentFieldInvalid {
                field: "transaction type"
            })
        );
        assert_eq!(
            ConcertRequest::decode(b"01"),
            Err(HwError::MessageLength {
                expected: REQUEST_LEN,
                found: 2
            })
        );
        let too_big = ConcertRequest {
            amount_cents: MAX_AMOUNT_CENTS + 1,
            ..sample_request()
        };
        assert!(too_big.encode().is_err());
    }

    fn request_strategy() -> impl Strategy<Value = ConcertRequest> {
        (
            0u8..=99,
            0u32..=MAX_AMOUNT_CENTS,
            any::<bool>(),
            0x20u8..=0x7E,
            prop_oneof![
                Just(TransactionType::Debit),
                Just(TransactionType::Credit),
                Just(TransactionType::Cancel),
                Just(TransactionType::Duplicate)
            ],
            0u16..=999,
            "[ -~]{0,10}",
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |(pos, amount, full, mode, ty, cur, private, immediate, force)| ConcertRequest {
                    pos_number: pos,
                    amount_cents: amount,
                    full_answer: full,
                    payment_mode: mode,
                    transaction_type: ty,
                    currency_numeric: cur,
                    private: PrivateData::new(&private).unwrap(),
                    delay: if immediate {
                        AnswerDelay::Immediate
                    } else {
                        AnswerDelay::EndOfTransaction
                    },
                    authorization: if force {
                        ForceAuthorization::Yes
                    } else {
                        ForceAuthorization::No
                    },
                },
            )
    }

    proptest! {
        #[test]
        fn request_round_trip(request in request_strategy()) {
            let bytes = request.encode().unwrap();
            prop_assert_eq!(bytes.len(), REQUEST_LEN);
            prop_assert_eq!(ConcertRequest::decode(&bytes).unwrap(), request);
        }

        #[test]
        fn answer_round_trip(
            pos in 0u8..=99, amount in 0u32..=MAX_AMOUNT_CENTS, ok in any::<bool>(),
            report in proptest::option::of("[ -~]{0,55}"), cur in 0u16..=999, private in "[ -~]{0,10}",
        ) {
            let answer = ConcertAnswer {
                pos_number: pos,
                status: if ok { AnswerStatus::Success } else { AnswerStatus::Failure },
                amount_cents: amount,
                payment_mode: MODE_CARD,
                report: report.map(|r| ReportField::new(&r).unwrap()),
                currency_numeric: cur,
                private: PrivateData::new(&private).unwrap(),
            };
            let bytes = answer.encode().unwrap();
            prop_assert_eq!(ConcertAnswer::decode(&bytes).unwrap(), answer);
        }

        #[test]
        fn decoders_are_total(bytes in proptest::collection::vec(any::<u8>(), 0..90)) {
            let _ = ConcertRequest::decode(&bytes);
            let _ = ConcertAnswer::decode(&bytes);
        }
    }
}
