//! The till side of Concert V2: a [`PaymentTerminal`] over any byte stream.

use super::frame::{EOT, encode_frame};
use super::link::{Link, LinkTimings, Sent};
use super::message::{
    AnswerDelay, AnswerStatus, ConcertAnswer, ConcertRequest, ForceAuthorization, MAX_AMOUNT_CENTS,
    MODE_CARD, PRIVATE_LEN, PrivateData, TransactionType,
};
use crate::HwError;
use crate::payment::terminal::PaymentTerminal;
use crate::payment::types::{
    Approval, Capabilities, DeclineReason, Outcome, PaymentKind, PaymentRequest, StatusAnswer,
    TransactionId, UnknownStage,
};
use pos_core::{Currency, Money};
use std::io::{Read, Write};

/// A Concert V2 terminal on a serial line (or anything that moves bytes).
///
/// The transaction id travels in the 10-byte private field and must be
/// echoed in the answer; ids longer than 10 characters are refused.
#[derive(Debug)]
pub struct ConcertClient<S> {
    link: Link<S>,
    pos_number: u8,
}

/// How one request/answer exchange ended, before interpretation.
enum Exchange {
    Answer(ConcertAnswer),
    Unknown(UnknownStage),
}

impl<S: Read + Write> ConcertClient<S> {
    /// A client for till number `pos_number` (0..=99) over `stream`.
    pub fn new(stream: S, pos_number: u8, timings: LinkTimings) -> Result<Self, HwError> {
        if pos_number > 99 {
            return Err(HwError::PaymentFieldInvalid {
                field: "pos number",
            });
        }
        Ok(ConcertClient {
            link: Link::new(stream, timings),
            pos_number,
        })
    }

    /// Gives the stream back.
    pub fn into_inner(self) -> S {
        self.link.into_inner()
    }

    /// Checks that the terminal answers: ENQ, ACK, EOT.
    pub fn is_ready(&mut self) -> Result<bool, HwError> {
        let ready = self.link.enquire().map_err(link_error)?;
        if ready {
            self.link.send(&[EOT]).map_err(link_error)?;
        }
        Ok(ready)
    }

    fn request(
        &self,
        id: &TransactionId,
        kind: TransactionType,
        amount: &Money,
    ) -> Result<ConcertRequest, HwError> {
        if id.as_str().len() > PRIVATE_LEN {
            return Err(HwError::TransactionIdInvalid {
                max_len: PRIVATE_LEN,
            });
        }
        let units = amount
            .to_minor_units()
            .map_err(|_| HwError::PaymentAmountInvalid)?;
        let amount_cents = u32::try_from(units).map_err(|_| HwError::PaymentAmountInvalid)?;
        if amount_cents == 0 {
            return Err(HwError::PaymentAmountInvalid);
        }
        if amount_cents > MAX_AMOUNT_CENTS {
            return Err(HwError::PaymentAmountTooLarge {
                max_minor_units: u64::from(MAX_AMOUNT_CENTS),
            });
        }
        Ok(ConcertRequest {
            pos_number: self.pos_number,
            amount_cents,
            full_answer: true,
            payment_mode: MODE_CARD,
            transaction_type: kind,
            currency_numeric: amount.currency().numeric(),
            private: PrivateData::new(id.as_str())?,
            delay: AnswerDelay::EndOfTransaction,
            authorization: ForceAuthorization::No,
        })
    }

    /// Sends a request and waits for its answer.
    fn exchange(&mut self, request: &ConcertRequest) -> Result<Exchange, HwError> {
        let frame = encode_frame(&request.encode()?)?;
        // Nothing has left the till until the frame is written: link errors
        // up to there are plain errors (safe to retry).
        if !self.link.enquire().map_err(link_error)? {
            return Err(HwError::TerminalNotReady {
                attempts: self.link.timings().max_sends,
            });
        }
        let sent = self.link.send_frame(&frame);
        // Give the line back whatever happened; a failure here changes nothing.
        let _ = self.link.send(&[EOT]);
        match sent {
            Ok(Sent::Acked) => {}
            Ok(Sent::Refused) => {
                return Err(HwError::RequestRejected {
                    attempts: self.link.timings().max_sends,
                });
            }
            Ok(Sent::Unconfirmed) | Err(_) => {
                return Ok(Exchange::Unknown(UnknownStage::RequestMaybeDelivered));
            }
        }
        Ok(match self.receive_answer() {
            Ok(Some(Ok(answer))) => Exchange::Answer(answer),
            Ok(Some(Err(_))) => Exchange::Unknown(UnknownStage::AnswerUnreadable),
            Ok(None) | Err(_) => Exchange::Unknown(UnknownStage::AnswerLost),
        })
    }

    /// The terminal's turn: it sends ENQ, we ACK, it sends the frame, we ACK,
    /// it ends with EOT.
    fn receive_answer(&mut self) -> std::io::Result<Option<Result<ConcertAnswer, HwError>>> {
        let timings = self.link.timings();
        if !self
            .link
            .wait_for(super::frame::ENQ, timings.answer_timeout)?
        {
            return Ok(None);
        }
        self.link.send(&[super::frame::ACK])?;
        let Some(payload) = self.link.receive_frame(timings.ack_timeout)? else {
            return Ok(None);
        };
        // The EOT is a courtesy: the answer is already ours.
        let _ = self.link.wait_for(EOT, timings.ack_timeout);
        Ok(Some(ConcertAnswer::decode(&payload)))
    }

    fn interpret(
        &self,
        id: &TransactionId,
        request: &ConcertRequest,
        currency: Currency,
        exchange: Exchange,
    ) -> Outcome {
        let answer = match exchange {
            Exchange::Answer(answer) => answer,
            Exchange::Unknown(stage) => {
                return Outcome::Unknown {
                    id: id.clone(),
                    stage,
                };
            }
        };
        // An answer that is not about this request (another till, another
        // transaction) says nothing about ours.
        if answer.private != request.private
            || answer.pos_number != request.pos_number
            || answer.currency_numeric != request.currency_numeric
        {
            return Outcome::Unknown {
                id: id.clone(),
                stage: UnknownStage::AnswerUnreadable,
            };
        }
        match answer.status {
            AnswerStatus::Success => Outcome::Approved(Approval {
                id: id.clone(),
                amount: Money::from_minor_units(i64::from(answer.amount_cents), currency),
                tip: None,
                authorization_code: None,
                card: answer.report.and_then(|r| r.masked_pan()),
                terminal_reference: None,
                scheme: None,
            }),
            AnswerStatus::Failure => Outcome::Declined {
                id: id.clone(),
                reason: DeclineReason::Refused,
            },
            AnswerStatus::NotVerified => Outcome::Unknown {
                id: id.clone(),
                stage: UnknownStage::AnswerUnreadable,
            },
        }
    }

    fn run(
        &mut self,
        id: &TransactionId,
        kind: TransactionType,
        amount: &Money,
    ) -> Result<Outcome, HwError> {
        let request = self.request(id, kind, amount)?;
        let exchange = self.exchange(&request)?;
        Ok(self.interpret(id, &request, amount.currency(), exchange))
    }
}

fn link_error(e: std::io::Error) -> HwError {
    HwError::PaymentLink { kind: e.kind() }
}

impl<S: Read + Write> PaymentTerminal for ConcertClient<S> {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            tip_on_terminal: false,
            offline: false,
            refunds: true,
            partial_approval: false,
            reversal: true,
            status_query: false,
        }
    }

    fn pay(&mut self, request: &PaymentRequest) -> Result<Outcome, HwError> {
        let kind = match request.kind {
            PaymentKind::Sale => TransactionType::Debit,
            PaymentKind::Refund => TransactionType::Credit,
        };
        self.run(&request.id, kind, &request.amount)
    }

    /// Concert cancels the terminal's *last* transaction (type `2`) for the
    /// same amount; the terminal refuses when it was not the last one.
    fn reverse(&mut self, id: &TransactionId, original: &Approval) -> Result<Outcome, HwError> {
        self.run(id, TransactionType::Cancel, &original.amount)
    }

    /// Concert V2 has no status query: the operator decides (see recovery).
    fn transaction_status(&mut self, _id: &TransactionId) -> Result<StatusAnswer, HwError> {
        Err(HwError::PaymentUnsupported {
            operation: "status query",
        })
    }
}
