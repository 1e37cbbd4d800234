//! A Caisse-AP terminal simulator: reads a request's TLVs on a stream,
//! answers like a terminal, keeps a ledger. Serve it on a `TcpListener` for
//! tests and the demo.

use super::tlv::{Tag, TlvMessage};
use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read, Write};
use std::time::{Duration, Instant};

/// A failure to rehearse on the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaisseApFault {
    /// Process (and charge) but close without answering.
    DropAnswer,
    /// The customer presses the red key: not done, abandon (`AF` = `11`).
    Abandon,
}

/// One processed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaisseApEntry {
    /// `CF`: the till's transaction id.
    pub private: String,
    /// `CD`.
    pub action: String,
    /// `CB`, in minor units.
    pub amount: i64,
    /// Money moved.
    pub approved: bool,
}

/// The simulator.
#[derive(Debug, Clone, Default)]
pub struct CaisseApSimulator {
    faults: VecDeque<CaisseApFault>,
    ledger: Vec<CaisseApEntry>,
}

const MANDATORY: [(Tag, &str); 6] = [
    (Tag::VERSION, "CZ"),
    (Tag::PROTOCOL_ID, "CJ"),
    (Tag::POS_NUMBER, "CA"),
    (Tag::AMOUNT, "CB"),
    (Tag::ACTION, "CD"),
    (Tag::CURRENCY, "CE"),
];

impl CaisseApSimulator {
    /// A simulator that approves everything.
    pub fn new() -> Self {
        CaisseApSimulator::default()
    }

    /// Queues a fault.
    pub fn inject(&mut self, fault: CaisseApFault) {
        self.faults.push_back(fault);
    }

    /// What was processed.
    pub fn ledger(&self) -> &[CaisseApEntry] {
        &self.ledger
    }

    /// Sales minus refunds and cancellations, approved only.
    pub fn net_charged(&self) -> i64 {
        self.ledger
            .iter()
            .filter(|e| e.approved)
            .fold(0i64, |acc, e| match e.action.as_str() {
                "0" => acc.saturating_add(e.amount),
                _ => acc.saturating_sub(e.amount),
            })
    }

    /// The answer to one request (pure: no I/O). `None` = no answer (fault).
    pub fn answer(&mut self, request: &TlvMessage) -> Option<TlvMessage> {
        let mut answer = request.clone();
        if MANDATORY.iter().any(|(tag, _)| request.get(*tag).is_none()) {
            answer.set(Tag::STATUS, "01").ok()?;
            answer.set(Tag::STATUS_DETAIL, "09").ok()?;
            return Some(answer);
        }
        let action = request.get(Tag::ACTION).unwrap_or("0").to_owned();
        let amount = request
            .get(Tag::AMOUNT)
            .and_then(|a| a.parse::<i64>().ok())
            .unwrap_or(0);
        let abandon = self.faults.front() == Some(&CaisseApFault::Abandon);
        if abandon {
            self.faults.pop_front();
        }
        let approved = !abandon
            && amount > 0
            && match action.as_str() {
                "0" | "1" => true,
                "2" => self
                    .ledger
                    .iter()
                    .rev()
                    .find(|e| e.approved)
                    .is_some_and(|last| last.action == "0" && last.amount == amount),
                _ => false,
            };
        self.ledger.push(CaisseApEntry {
            private: request.get(Tag::PRIVATE).unwrap_or("").to_owned(),
            action,
            amount,
            approved,
        });
        if approved {
            answer.set(Tag::STATUS, "10").ok()?;
            answer.set(Tag::PAYMENT_MODE, "001").ok()?;
            answer.set(Tag::CARD_NUMBER, "497010######0055").ok()?;
            answer.set(Tag::CARD_EXPIRY, "2812").ok()?;
            let code = (self.ledger.len() as u64).wrapping_mul(7919) % 1_000_000;
            answer.set(Tag::AUTHORIZATION, &format!("{code:06}")).ok()?;
            answer.set(Tag::CONTRACT, "4242424").ok()?;
        } else {
            answer.set(Tag::STATUS, "01").ok()?;
            answer
                .set(Tag::STATUS_DETAIL, if abandon { "11" } else { "05" })
                .ok()?;
        }
        if self.faults.front() == Some(&CaisseApFault::DropAnswer) {
            self.faults.pop_front();
            return None;
        }
        Some(answer)
    }

    /// Serves one connection: reads a whole request, writes the answer.
    pub fn serve<S: Read + Write>(&mut self, stream: &mut S, timeout: Duration) -> io::Result<()> {
        let Some(request) = read_request(stream, timeout)? else {
            return Ok(());
        };
        if let Some(answer) = self.answer(&request) {
            stream.write_all(&answer.encode())?;
            stream.flush()?;
        }
        Ok(())
    }
}

fn read_request<S: Read>(stream: &mut S, timeout: Duration) -> io::Result<Option<TlvMessage>> {
    let deadline = Instant::now().checked_add(timeout);
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(TlvMessage::decode(&buffer).ok()),
            Ok(n) => {
                buffer.extend_from_slice(chunk.get(..n).unwrap_or_default());
                if let Ok(message) = TlvMessage::decode(&buffer)
                    && MANDATORY.iter().all(|(tag, _)| message.get(*tag).is_some())
                    && message.get(Tag::PRIVATE).is_some()
                    && message.get(Tag::ANSWER_MODE).is_some()
                {
                    return Ok(Some(message));
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
            // Whatever arrived is the request (e.g. a till not sending CF).
            return Ok(TlvMessage::decode(&buffer).ok().filter(|m| !m.is_empty()));
        }
    }
}
