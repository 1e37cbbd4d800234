//! The till side of Caisse-AP over IP: one TCP connection per request, the
//! request's TLVs out, the terminal's TLVs back.

use super::tlv::{Tag, TlvMessage};
use crate::HwError;
use crate::payment::card::MaskedPan;
use crate::payment::terminal::PaymentTerminal;
use crate::payment::types::{
    Approval, Capabilities, DeclineReason, Outcome, PaymentKind, PaymentRequest, StatusAnswer,
    TransactionId, UnknownStage,
};
use pos_core::Money;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The protocol version this adapter writes in `CZ`.
pub const PROTOCOL_VERSION: &str = "0300";
/// Longest private data (`CF`) value, hence longest transaction id.
pub const MAX_PRIVATE_LEN: usize = 99;

/// The action codes of tag `CD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `0`: debit (sale).
    Debit,
    /// `1`: credit (refund).
    Credit,
    /// `2`: cancellation of a previous debit.
    Cancel,
}

impl Action {
    /// The `CD` value.
    pub fn code(self) -> &'static str {
        match self {
            Action::Debit => "0",
            Action::Credit => "1",
            Action::Cancel => "2",
        }
    }
}

/// Opens a fresh byte stream to the terminal for each request.
pub trait Connect {
    /// The stream type.
    type Stream: Read + Write;
    /// Connects; an error here means nothing was sent.
    fn connect(&mut self) -> io::Result<Self::Stream>;
}

/// TCP to the terminal's Caisse-AP port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpConnect {
    /// The terminal's address.
    pub addr: SocketAddr,
    /// Connection timeout.
    pub connect_timeout: Duration,
}

impl Connect for TcpConnect {
    type Stream = TcpStream;

    fn connect(&mut self) -> io::Result<TcpStream> {
        let stream = TcpStream::connect_timeout(&self.addr, self.connect_timeout)?;
        stream.set_read_timeout(Some(Duration::from_millis(100)))?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

/// Who the till is on this protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaisseApConfig {
    /// Till number (`CA`), 0..=99.
    pub pos_number: u8,
    /// The 12-character cash-register protocol identifier (`CJ`).
    pub protocol_id: String,
    /// How long to wait for the answer (card, PIN, bank).
    pub answer_timeout: Duration,
}

/// A Caisse-AP terminal.
#[derive(Debug)]
pub struct CaisseApClient<C> {
    connect: C,
    config: CaisseApConfig,
}

/// Builds the request TLVs.
pub fn build_request(
    config: &CaisseApConfig,
    id: &TransactionId,
    action: Action,
    amount: &Money,
) -> Result<TlvMessage, HwError> {
    if config.pos_number > 99 {
        return Err(HwError::PaymentFieldInvalid {
            field: "pos number",
        });
    }
    if config.protocol_id.len() != 12 {
        return Err(HwError::PaymentFieldInvalid {
            field: "protocol id",
        });
    }
    if id.as_str().len() > MAX_PRIVATE_LEN {
        return Err(HwError::TransactionIdInvalid {
            max_len: MAX_PRIVATE_LEN,
        });
    }
    let units = amount
        .to_minor_units()
        .map_err(|_| HwError::PaymentAmountInvalid)?;
    if units <= 0 {
        return Err(HwError::PaymentAmountInvalid);
    }
    let mut m = TlvMessage::new();
    m.set(Tag::VERSION, PROTOCOL_VERSION)?;
    m.set(Tag::PROTOCOL_ID, &config.protocol_id)?;
    m.set(Tag::POS_NUMBER, &format!("{:02}", config.pos_number))?;
    m.set(Tag::AMOUNT, &units.to_string())?;
    m.set(Tag::ACTION, action.code())?;
    m.set(
        Tag::CURRENCY,
        &format!("{:03}", amount.currency().numeric()),
    )?;
    m.set(Tag::PRIVATE, id.as_str())?;
    m.set(Tag::ANSWER_MODE, "0")?;
    Ok(m)
}

/// Reads an answer into an outcome.
pub fn interpret(id: &TransactionId, amount: &Money, answer: &TlvMessage) -> Outcome {
    let unreadable = Outcome::Unknown {
        id: id.clone(),
        stage: UnknownStage::AnswerUnreadable,
    };
    if answer.get(Tag::PRIVATE).is_some_and(|p| p != id.as_str()) {
        return unreadable;
    }
    match answer.get(Tag::STATUS) {
        Some("10") => {
            let approved = match answer.get(Tag::AMOUNT).map(str::parse::<i64>) {
                Some(Ok(units)) => Money::from_minor_units(units, amount.currency()),
                Some(Err(_)) => return unreadable,
                None => *amount,
            };
            Outcome::Approved(Approval {
                id: id.clone(),
                amount: approved,
                tip: None,
                authorization_code: answer.get(Tag::AUTHORIZATION).map(str::to_owned),
                card: answer
                    .get(Tag::CARD_NUMBER)
                    .and_then(MaskedPan::from_reported),
                terminal_reference: None,
                scheme: None,
            })
        }
        Some("01") => Outcome::Declined {
            id: id.clone(),
            reason: match answer.get(Tag::STATUS_DETAIL) {
                Some("11") => DeclineReason::Cancelled,
                Some("04") | Some("05") => DeclineReason::Refused,
                Some("09") => DeclineReason::Unsupported,
                _ => DeclineReason::NotDone,
            },
        },
        _ => unreadable,
    }
}

/// Reads from `stream` until the bytes form a whole answer (a status tag and
/// no partial TLV) or `timeout` passes. `None` on timeout or end of stream.
pub fn read_answer<S: Read>(stream: &mut S, timeout: Duration) -> io::Result<Option<TlvMessage>> {
    let deadline = Instant::now().checked_add(timeout);
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(None),
            Ok(n) => {
                buffer.extend_from_slice(chunk.get(..n).unwrap_or_default());
                if let Ok(message) = TlvMessage::decode(&buffer)
                    && message.get(Tag::STATUS).is_some()
                {
                    return Ok(Some(message));
                }
                if buffer.len() > 64 * 1024 {
                    return Ok(None);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e),
        }
        if deadline.is_none_or(|d| Instant::now() >= d) {
            return Ok(None);
        }
    }
}

impl<C: Connect> CaisseApClient<C> {
    /// A client that reaches the terminal through `connect`.
    pub fn new(connect: C, config: CaisseApConfig) -> Self {
        CaisseApClient { connect, config }
    }

    fn run(
        &mut self,
        id: &TransactionId,
        action: Action,
        amount: &Money,
    ) -> Result<Outcome, HwError> {
        let request = build_request(&self.config, id, action, amount)?;
        let mut stream = self
            .connect
            .connect()
            .map_err(|e| HwError::PaymentLink { kind: e.kind() })?;
        if stream
            .write_all(&request.encode())
            .and_then(|()| stream.flush())
            .is_err()
        {
            return Ok(Outcome::Unknown {
                id: id.clone(),
                stage: UnknownStage::RequestMaybeDelivered,
            });
        }
        Ok(match read_answer(&mut stream, self.config.answer_timeout) {
            Ok(Some(answer)) => interpret(id, amount, &answer),
            Ok(None) | Err(_) => Outcome::Unknown {
                id: id.clone(),
                stage: UnknownStage::AnswerLost,
            },
        })
    }
}

impl<C: Connect> PaymentTerminal for CaisseApClient<C> {
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
        let action = match request.kind {
            PaymentKind::Sale => Action::Debit,
            PaymentKind::Refund => Action::Credit,
        };
        self.run(&request.id, action, &request.amount)
    }

    fn reverse(&mut self, id: &TransactionId, original: &Approval) -> Result<Outcome, HwError> {
        self.run(id, Action::Cancel, &original.amount)
    }

    /// Not implemented for Caisse-AP here: the operator decides.
    fn transaction_status(&mut self, _id: &TransactionId) -> Result<StatusAnswer, HwError> {
        Err(HwError::PaymentUnsupported {
            operation: "status query",
        })
    }
}
