//! The Concert half-duplex link over any byte stream: ENQ/ACK to take the
//! line, a frame acknowledged by ACK or refused by NAK (sent again, at most
//! three times), EOT to give the line back.
//!
//! This is the I/O edge of the protocol. The stream must have a short read
//! timeout (e.g. 100 ms: `serialport`'s timeout, `set_read_timeout` on a
//! socket) so a silent peer shows up as a timeout; reads that end in
//! `TimedOut`/`WouldBlock` are retried until the step's own deadline.

use super::frame::{ENQ, ETX, MAX_PAYLOAD, STX, decode_frame};
use std::io::{self, ErrorKind, Read, Write};
use std::time::{Duration, Instant};

/// The link's timers and retry counts.
///
/// The defaults are the usual Concert integration values (three sends, a few
/// seconds for an acknowledgement, two minutes for the cardholder); the
/// Association du Paiement's specification text is not public, so they are
/// configurable rather than hard-wired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkTimings {
    /// How long to wait for ACK/NAK after ENQ or a frame.
    pub ack_timeout: Duration,
    /// How many times ENQ or a frame is sent before giving up (3 in Concert).
    pub max_sends: u8,
    /// Longest silence inside a frame.
    pub byte_timeout: Duration,
    /// How long the till waits for the terminal's answer (card, PIN, bank).
    pub answer_timeout: Duration,
}

impl Default for LinkTimings {
    fn default() -> Self {
        LinkTimings {
            ack_timeout: Duration::from_secs(2),
            max_sends: 3,
            byte_timeout: Duration::from_secs(1),
            answer_timeout: Duration::from_secs(120),
        }
    }
}

/// What a peer answered to ENQ or to a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reply {
    /// ACK.
    Ack,
    /// NAK.
    Nak,
    /// Another byte (kept for the caller).
    Other(u8),
    /// Nothing before the deadline.
    Silence,
}

/// How sending a frame ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    /// The peer acknowledged the frame.
    Acked,
    /// The peer refused every copy: it did not take the frame.
    Refused,
    /// No answer to at least one copy: the peer may have taken it.
    Unconfirmed,
}

/// A byte stream with the Concert timers.
#[derive(Debug)]
pub(crate) struct Link<S> {
    stream: S,
    timings: LinkTimings,
}

impl<S: Read + Write> Link<S> {
    pub(crate) fn new(stream: S, timings: LinkTimings) -> Self {
        Link { stream, timings }
    }

    pub(crate) fn timings(&self) -> LinkTimings {
        self.timings
    }

    pub(crate) fn into_inner(self) -> S {
        self.stream
    }

    /// Reads one byte, `None` when the deadline passes first.
    pub(crate) fn read_byte(&mut self, timeout: Duration) -> io::Result<Option<u8>> {
        let deadline = Instant::now().checked_add(timeout);
        let mut buf = [0u8; 1];
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => return Err(io::Error::from(ErrorKind::UnexpectedEof)),
                Ok(_) => return Ok(Some(buf[0])),
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                    if deadline.is_none_or(|d| Instant::now() >= d) {
                        return Ok(None);
                    }
                    if e.kind() == ErrorKind::WouldBlock {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    pub(crate) fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    pub(crate) fn wait_reply(&mut self, timeout: Duration) -> io::Result<Reply> {
        Ok(match self.read_byte(timeout)? {
            None => Reply::Silence,
            Some(super::frame::ACK) => Reply::Ack,
            Some(super::frame::NAK) => Reply::Nak,
            Some(other) => Reply::Other(other),
        })
    }

    /// Waits up to `timeout` for one specific byte, skipping others.
    pub(crate) fn wait_for(&mut self, wanted: u8, timeout: Duration) -> io::Result<bool> {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            let left = deadline.map_or(Duration::ZERO, |d| {
                d.saturating_duration_since(Instant::now())
            });
            match self.read_byte(left)? {
                Some(b) if b == wanted => return Ok(true),
                Some(_) if !left.is_zero() => {}
                _ => return Ok(false),
            }
        }
    }

    /// Takes the line: ENQ until ACK, at most `max_sends` times.
    pub(crate) fn enquire(&mut self) -> io::Result<bool> {
        for _ in 0..self.timings.max_sends {
            self.send(&[ENQ])?;
            if self.wait_reply(self.timings.ack_timeout)? == Reply::Ack {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Sends a frame until ACK, at most `max_sends` copies.
    pub(crate) fn send_frame(&mut self, frame: &[u8]) -> io::Result<Sent> {
        let mut unconfirmed = false;
        for _ in 0..self.timings.max_sends {
            self.send(frame)?;
            match self.wait_reply(self.timings.ack_timeout)? {
                Reply::Ack => return Ok(Sent::Acked),
                Reply::Nak => {}
                Reply::Other(_) | Reply::Silence => unconfirmed = true,
            }
        }
        Ok(if unconfirmed {
            Sent::Unconfirmed
        } else {
            Sent::Refused
        })
    }

    /// Reads `STX .. ETX LRC`, skipping bytes before STX. `None` on silence.
    pub(crate) fn read_frame(
        &mut self,
        first_byte_timeout: Duration,
    ) -> io::Result<Option<Vec<u8>>> {
        if !self.wait_for(STX, first_byte_timeout)? {
            return Ok(None);
        }
        let mut frame = vec![STX];
        loop {
            let Some(byte) = self.read_byte(self.timings.byte_timeout)? else {
                return Ok(None);
            };
            frame.push(byte);
            if byte == ETX {
                let Some(lrc) = self.read_byte(self.timings.byte_timeout)? else {
                    return Ok(None);
                };
                frame.push(lrc);
                return Ok(Some(frame));
            }
            if frame.len() > MAX_PAYLOAD.saturating_add(2) {
                return Ok(Some(frame));
            }
        }
    }

    /// Receives a frame, NAKing bad copies, ACKing the first good one.
    /// `None` when no good copy arrived.
    pub(crate) fn receive_frame(
        &mut self,
        first_byte_timeout: Duration,
    ) -> io::Result<Option<Vec<u8>>> {
        let mut timeout = first_byte_timeout;
        for _ in 0..self.timings.max_sends {
            let Some(frame) = self.read_frame(timeout)? else {
                return Ok(None);
            };
            if let Ok(payload) = decode_frame(&frame) {
                let payload = payload.to_vec();
                self.send(&[super::frame::ACK])?;
                return Ok(Some(payload));
            }
            self.send(&[super::frame::NAK])?;
            timeout = self.timings.ack_timeout;
        }
        Ok(None)
    }
}
