//! A Concert V2 terminal simulator over any byte stream, for tests, the demo
//! and the `concert_sim` example (which peers such as pyTeliumManager drive
//! over a pseudo-terminal).
//!
//! It answers like a terminal: ACK to ENQ, NAK to a bad frame, the answer
//! after the "card" step, and keeps a ledger of what it charged so tests can
//! prove a payment was taken once. Faults can be queued to rehearse the
//! failures that make tills charge twice.

use super::frame::{ACK, ENQ, EOT, STX, decode_frame, encode_frame};
use super::link::{Link, LinkTimings, Sent};
use super::message::{AnswerStatus, ConcertAnswer, ConcertRequest, ReportField, TransactionType};
use crate::HwError;
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::time::Duration;

/// A failure to rehearse on the next transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimFault {
    /// Process (and charge) but never send the answer.
    DropAnswer,
    /// NAK the first copy of the request frame.
    NakRequestOnce,
    /// Send the answer once with a wrong LRC (the till must NAK it).
    CorruptAnswerOnce,
}

/// The simulator's behaviour.
#[derive(Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// The test card "presented": a public test PAN (reported like a real
    /// terminal does; the till must mask it).
    pub card_pan: String,
    /// Card expiry reported after the PAN (YYMM).
    pub card_expiry: String,
    /// Amounts from this many cents up are declined.
    pub decline_from_cents: Option<u32>,
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field(
                "card",
                &crate::payment::MaskedPan::from_reported(&self.card_pan),
            )
            .field("decline_from_cents", &self.decline_from_cents)
            .finish_non_exhaustive()
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            card_pan: "4970100000000055".to_owned(),
            card_expiry: "2812".to_owned(),
            decline_from_cents: None,
        }
    }
}

/// One transaction the simulator processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The private field (the till's transaction id).
    pub private: String,
    /// What was asked.
    pub transaction_type: TransactionType,
    /// Amount in cents.
    pub amount_cents: u32,
    /// Whether it was approved (money moved).
    pub approved: bool,
}

/// What one call to [`ConcertSimulator::serve_one`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Served {
    /// A status probe (ENQ, ACK, EOT) with no request.
    Probe,
    /// A transaction, answered or not.
    Transaction(LedgerEntry),
    /// Nothing usable arrived before the idle timeout.
    Idle,
}

/// The terminal simulator.
#[derive(Debug, Clone)]
pub struct ConcertSimulator {
    config: SimConfig,
    timings: LinkTimings,
    faults: VecDeque<SimFault>,
    ledger: Vec<LedgerEntry>,
}

impl ConcertSimulator {
    /// A simulator with `config`, using `timings` for its side of the link.
    pub fn new(config: SimConfig, timings: LinkTimings) -> Self {
        ConcertSimulator {
            config,
            timings,
            faults: VecDeque::new(),
            ledger: Vec::new(),
        }
    }

    /// Queues a fault for the coming transactions, in order.
    pub fn inject(&mut self, fault: SimFault) {
        self.faults.push_back(fault);
    }

    /// Everything processed so far.
    pub fn ledger(&self) -> &[LedgerEntry] {
        &self.ledger
    }

    /// Approved debits minus approved credits and cancellations, in cents:
    /// what the card was charged overall.
    pub fn net_charged_cents(&self) -> i64 {
        self.ledger
            .iter()
            .filter(|e| e.approved)
            .fold(0i64, |acc, e| match e.transaction_type {
                TransactionType::Debit => acc.saturating_add(i64::from(e.amount_cents)),
                TransactionType::Credit | TransactionType::Cancel => {
                    acc.saturating_sub(i64::from(e.amount_cents))
                }
                TransactionType::Duplicate => acc,
            })
    }

    fn take_fault(&mut self, fault: SimFault) -> bool {
        if self.faults.front() == Some(&fault) {
            self.faults.pop_front();
            true
        } else {
            false
        }
    }

    fn decide(&self, request: &ConcertRequest) -> bool {
        match request.transaction_type {
            TransactionType::Debit | TransactionType::Credit => {
                self.decline_from_ok(request.amount_cents)
            }
            // A cancellation only works on the last approved debit, same amount.
            TransactionType::Cancel => self.ledger.last().is_some_and(|last| {
                last.approved
                    && last.transaction_type == TransactionType::Debit
                    && last.amount_cents == request.amount_cents
            }),
            TransactionType::Duplicate => true,
        }
    }

    fn decline_from_ok(&self, amount: u32) -> bool {
        self.config
            .decline_from_cents
            .is_none_or(|limit| amount < limit)
    }

    fn answer_for(
        &self,
        request: &ConcertRequest,
        approved: bool,
    ) -> Result<ConcertAnswer, HwError> {
        let report = if request.full_answer {
            Some(if approved {
                ReportField::new(&format!(
                    "{} {}",
                    self.config.card_pan, self.config.card_expiry
                ))?
            } else {
                ReportField::BLANK
            })
        } else {
            None
        };
        Ok(ConcertAnswer {
            pos_number: request.pos_number,
            status: if approved {
                AnswerStatus::Success
            } else {
                AnswerStatus::Failure
            },
            amount_cents: request.amount_cents,
            payment_mode: request.payment_mode,
            report,
            currency_numeric: request.currency_numeric,
            private: request.private,
        })
    }

    /// Serves one exchange on `stream`: waits up to `idle` for the till's ENQ.
    pub fn serve_one<S: Read + Write>(
        &mut self,
        stream: S,
        idle: Duration,
    ) -> io::Result<(Served, S)> {
        let mut link = Link::new(stream, self.timings);
        let served = self.serve_on(&mut link, idle)?;
        Ok((served, link.into_inner()))
    }

    /// Serves exchanges until the stream ends (EOF or a broken pipe).
    pub fn run<S: Read + Write>(&mut self, stream: S) -> io::Result<()> {
        let mut link = Link::new(stream, self.timings);
        loop {
            match self.serve_on(&mut link, Duration::from_secs(3600)) {
                Ok(_) => {}
                Err(e) if is_end(&e) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    fn serve_on<S: Read + Write>(
        &mut self,
        link: &mut Link<S>,
        idle: Duration,
    ) -> io::Result<Served> {
        if !link.wait_for(ENQ, idle)? {
            return Ok(Served::Idle);
        }
        link.send(&[ACK])?;
        let Some(request) = self.receive_request(link)? else {
            return Ok(Served::Probe);
        };
        // The till gives the line back with EOT; a missing EOT is tolerated.
        let _ = link.wait_for(EOT, self.timings.ack_timeout)?;

        let approved = self.decide(&request);
        let entry = LedgerEntry {
            private: request.private.text().to_owned(),
            transaction_type: request.transaction_type,
            amount_cents: request.amount_cents,
            approved,
        };
        self.ledger.push(entry.clone());
        if self.take_fault(SimFault::DropAnswer) {
            return Ok(Served::Transaction(entry));
        }
        let answer = self
            .answer_for(&request, approved)
            .map_err(io::Error::other)?;
        let frame =
            encode_frame(&answer.encode().map_err(io::Error::other)?).map_err(io::Error::other)?;
        if !link.enquire()? {
            return Ok(Served::Transaction(entry));
        }
        if self.take_fault(SimFault::CorruptAnswerOnce) {
            let mut bad = frame.clone();
            if let Some(last) = bad.last_mut() {
                *last ^= 0x01;
            }
            link.send(&bad)?;
            // Expect the NAK, then send the good copy below.
            let _ = link.wait_reply(self.timings.ack_timeout)?;
        }
        let _sent: Sent = link.send_frame(&frame)?;
        link.send(&[EOT])?;
        Ok(Served::Transaction(entry))
    }

    /// Reads the request frame after our ACK. `None` when the till sent EOT
    /// (a probe) or nothing good.
    fn receive_request<S: Read + Write>(
        &mut self,
        link: &mut Link<S>,
    ) -> io::Result<Option<ConcertRequest>> {
        let mut copies = 0u8;
        loop {
            let Some(first) = link.read_byte(self.timings.ack_timeout)? else {
                return Ok(None);
            };
            if first == EOT {
                return Ok(None);
            }
            if first != STX {
                continue;
            }
            let Some(rest) = read_rest_of_frame(link, self.timings.byte_timeout)? else {
                return Ok(None);
            };
            let mut frame = vec![STX];
            frame.extend_from_slice(&rest);
            copies = copies.saturating_add(1);
            let nak_once = copies == 1 && self.take_fault(SimFault::NakRequestOnce);
            match decode_frame(&frame).map(ConcertRequest::decode) {
                Ok(Ok(request)) if !nak_once => {
                    link.send(&[ACK])?;
                    return Ok(Some(request));
                }
                _ if copies < self.timings.max_sends => link.send(&[super::frame::NAK])?,
                _ => {
                    link.send(&[super::frame::NAK])?;
                    return Ok(None);
                }
            }
        }
    }
}

fn read_rest_of_frame<S: Read + Write>(
    link: &mut Link<S>,
    timeout: Duration,
) -> io::Result<Option<Vec<u8>>> {
    let mut rest = Vec::new();
    loop {
        let Some(byte) = link.read_byte(timeout)? else {
            return Ok(None);
        };
        rest.push(byte);
        if byte == super::frame::ETX {
            return Ok(link.read_byte(timeout)?.map(|lrc| {
                rest.push(lrc);
                rest
            }));
        }
        if rest.len() > super::frame::MAX_PAYLOAD.saturating_add(2) {
            return Ok(None);
        }
    }
}

fn is_end(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
    ) || e.raw_os_error() == Some(5) // EIO: the other end of a pty closed
}
